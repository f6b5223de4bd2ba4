//! `RLock` for processes: Python's `multiprocessing.RLock`, a lock its
//! holder may take again, and a dead holder reported as [`OwnerDied`].

use core::fmt;
use core::marker::PhantomData;
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::deadline;
use super::super::facade::{AtomicU32, Ordering};
use super::super::timeout::Timeout;
use super::mutex::{LockTimeoutError, OwnerDied, TryLockError};
use super::raw_lock::{Acquired, RawProcessLock};
use super::shm::{Plain, Shared};

// The owner is the lock word itself: it holds the owner's thread id, which
// is unique on the machine while that thread lives, and the kernel wipes
// it when the thread dies, so no per-process id is needed and a reused id
// never passes for a dead owner. `count` is read and written only by the
// owner (between taking the word and letting it go).
#[repr(C)]
struct State {
    lock: RawProcessLock,
    count: AtomicU32,
}

// SAFETY: a process lock and a counter: nothing per-process, no Drop.
unsafe impl Plain for State {}
// SAFETY: every field is an atomic or the robust lock.
unsafe impl Sync for State {}

/// Python's `multiprocessing.RLock`: a process lock that the thread
/// holding it may take again; it is free once every guard is dropped.
///
/// As with [`Mutex`](super::Mutex), a holder killed while holding it is
/// reported: the next taker gets `Err(OwnerDied(guard))`, holding it.
///
/// ```
/// let lock = turnstile::process::RLock::new().unwrap();
/// let outer = lock.acquire().unwrap();
/// let inner = lock.acquire().unwrap(); // same thread: no deadlock
/// assert_eq!(lock.hold_count(), 2);
/// drop(inner);
/// drop(outer);
/// assert!(!lock.locked());
/// ```
// Serialised as its region: a child handed it maps the same state.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RLock {
    shared: Shared<State>,
}

/// One level of holding a process [`RLock`]; the lock is free once the
/// holder's last guard is dropped. Not `Send`: the lock is the taking
/// thread's.
#[must_use = "the level is released as soon as the guard is dropped"]
pub struct RLockGuard<'a> {
    state: &'a State,
    _not_send: PhantomData<*const ()>,
}

impl RLock {
    /// A new free lock in shared memory of its own.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region.
    ///
    /// ```
    /// assert!(!turnstile::process::RLock::new().unwrap().locked());
    /// ```
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            shared: Shared::new(State {
                lock: RawProcessLock::new(),
                count: AtomicU32::new(0),
            })?,
        })
    }

    fn state(&self) -> &State {
        &self.shared
    }

    /// The lock word, for a `Condition` built on it.
    pub(super) fn raw_lock(&self) -> &RawProcessLock {
        &self.state().lock
    }

    fn guard(&self) -> RLockGuard<'_> {
        RLockGuard {
            state: self.state(),
            _not_send: PhantomData,
        }
    }

    /// One more level for the thread that holds it already.
    fn reenter(&self) -> Option<RLockGuard<'_>> {
        let state = self.state();
        if !state.lock.is_held_by_current_thread() {
            return None;
        }
        let count = state.count.load(Ordering::Relaxed);
        let more = count.checked_add(1).expect("RLock taken 2^32 times over");
        state.count.store(more, Ordering::Relaxed);
        Some(self.guard())
    }

    fn first(&self, acquired: Acquired) -> Result<RLockGuard<'_>, OwnerDied<RLockGuard<'_>>> {
        self.state().count.store(1, Ordering::Relaxed);
        match acquired {
            Acquired::Consistent => Ok(self.guard()),
            Acquired::OwnerDied => Err(OwnerDied::new(self.guard())),
        }
    }

    /// Takes it, waiting as long as it takes (`acquire()`); at once if
    /// this thread holds it already.
    ///
    /// # Errors
    ///
    /// [`OwnerDied`] (holding the lock) if a holder died holding it. A
    /// thread taking it again while it holds it gets `Ok`: it was told.
    ///
    /// ```
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// let _held = lock.acquire().unwrap();
    /// assert!(lock.is_owned_by_current_thread());
    /// ```
    pub fn acquire(&self) -> Result<RLockGuard<'_>, OwnerDied<RLockGuard<'_>>> {
        if let Some(again) = self.reenter() {
            return Ok(again);
        }
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        let acquired = unsafe { self.state().lock.lock() };
        self.first(acquired)
    }

    /// Takes it if free or already this thread's (`acquire(blocking=False)`).
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if another thread holds it;
    /// [`TryLockError::OwnerDied`] (holding it) if a holder died.
    ///
    /// ```
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// let a = lock.try_acquire().unwrap();
    /// let b = lock.try_acquire().unwrap();
    /// assert_eq!(lock.hold_count(), 2);
    /// # drop((a, b));
    /// ```
    pub fn try_acquire(&self) -> Result<RLockGuard<'_>, TryLockError<RLockGuard<'_>>> {
        if let Some(again) = self.reenter() {
            return Ok(again);
        }
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        match unsafe { self.state().lock.try_lock() } {
            None => Err(TryLockError::WouldBlock),
            Some(acquired) => self.first(acquired).map_err(TryLockError::OwnerDied),
        }
    }

    /// Takes it within `timeout` (`acquire(timeout=t)`).
    ///
    /// # Errors
    ///
    /// [`LockTimeoutError::Timeout`], or [`LockTimeoutError::OwnerDied`]
    /// (holding it) if a holder died.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// assert!(lock.acquire_timeout(Duration::from_millis(5)).is_ok());
    /// ```
    pub fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<RLockGuard<'_>, LockTimeoutError<RLockGuard<'_>>> {
        match deadline::after(timeout) {
            Some(deadline) => self.acquire_deadline(deadline),
            None => self.acquire().map_err(LockTimeoutError::OwnerDied),
        }
    }

    /// [`acquire_timeout`](Self::acquire_timeout) with a point in time.
    ///
    /// # Errors
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// assert!(lock.acquire_deadline(Instant::now()).is_ok());
    /// ```
    pub fn acquire_deadline(
        &self,
        deadline: Instant,
    ) -> Result<RLockGuard<'_>, LockTimeoutError<RLockGuard<'_>>> {
        if let Some(again) = self.reenter() {
            return Ok(again);
        }
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        match unsafe { self.state().lock.lock_deadline(deadline) } {
            Err(Timeout) => Err(LockTimeoutError::Timeout),
            Ok(acquired) => self.first(acquired).map_err(LockTimeoutError::OwnerDied),
        }
    }

    /// How many guards the calling thread holds (0 if it does not hold it).
    ///
    /// ```
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// assert_eq!(lock.hold_count(), 0);
    /// ```
    #[must_use]
    pub fn hold_count(&self) -> usize {
        let state = self.state();
        if state.lock.is_held_by_current_thread() {
            state.count.load(Ordering::Relaxed) as usize
        } else {
            0
        }
    }

    /// Whether the calling thread holds it.
    ///
    /// ```
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// assert!(!lock.is_owned_by_current_thread());
    /// ```
    #[must_use]
    pub fn is_owned_by_current_thread(&self) -> bool {
        self.state().lock.is_held_by_current_thread()
    }

    /// Whether some thread of some process holds it.
    ///
    /// ```
    /// assert!(!turnstile::process::RLock::new().unwrap().locked());
    /// ```
    #[must_use]
    pub fn locked(&self) -> bool {
        self.state().lock.is_locked()
    }
}

impl RLockGuard<'_> {
    /// Declares the guarded data repaired after [`OwnerDied`]: later
    /// holders get `Ok` again.
    ///
    /// ```
    /// let lock = turnstile::process::RLock::new().unwrap();
    /// lock.acquire().unwrap().mark_consistent(); // harmless when nothing died
    /// ```
    pub fn mark_consistent(&self) {
        self.state.lock.mark_consistent();
    }

    /// The lock word this guard holds.
    pub(super) fn lock_word(&self) -> &RawProcessLock {
        &self.state.lock
    }

    /// Lets go of every level at once, for a `Condition`'s wait; returns
    /// the count to give back to [`restore`](Self::restore).
    pub(super) fn release_all(&mut self) -> u32 {
        let count = self.state.count.swap(0, Ordering::Relaxed);
        // SAFETY: the guard proves this thread holds the lock.
        unsafe { self.state.lock.unlock() };
        count
    }

    /// Takes the lock again after [`release_all`](Self::release_all).
    pub(super) fn restore(&mut self, count: u32) -> Acquired {
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        let acquired = unsafe { self.state.lock.lock() };
        self.state.count.store(count, Ordering::Relaxed);
        acquired
    }
}

impl Drop for RLockGuard<'_> {
    fn drop(&mut self) {
        let count = self.state.count.load(Ordering::Relaxed);
        self.state
            .count
            .store(count.saturating_sub(1), Ordering::Relaxed);
        if count <= 1 {
            // SAFETY: the guard is the proof that this thread holds the
            // lock, and it is not Send; this was its last level.
            unsafe { self.state.lock.unlock() };
        }
    }
}

impl fmt::Debug for RLockGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::RLockGuard")
            .field("count", &self.state.count.load(Ordering::Relaxed))
            .finish()
    }
}

impl fmt::Debug for RLock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::RLock")
            .field("lock", &self.state().lock)
            .field("hold_count", &self.hold_count())
            .finish()
    }
}
