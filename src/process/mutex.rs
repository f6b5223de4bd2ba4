//! `Mutex<T>` and `Lock` for processes: data in shared memory behind a
//! [`RawProcessLock`], and a dead holder reported as [`OwnerDied`].

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::deadline;
use super::super::facade::UnsafeCell;
use super::super::timeout::Timeout;
use super::raw_lock::{Acquired, RawProcessLock};
use super::shm::{Plain, Shared};

/// The shared state: the lock, then the data.
#[repr(C)]
struct State<T> {
    lock: RawProcessLock,
    value: UnsafeCell<T>,
}

// SAFETY: a process lock and a plain value: nothing per-process, no Drop.
unsafe impl<T: Plain> Plain for State<T> {}
// SAFETY: the value is reached only through a guard, which holds the lock.
unsafe impl<T: Plain> Sync for State<T> {}

/// A value shared by processes, one process (one thread) at a time:
/// `multiprocessing.Lock` around `Value`/`Array` data, and a holder that is
/// killed is reported instead of leaving everyone waiting.
///
/// `T` is [`Plain`] data (numbers, arrays, `#[repr(C)]` structs of them).
/// Clone a `Mutex` for another thread; pass it in a child's start argument
/// for another process.
///
/// [`lock`](Self::lock) returns `Ok(guard)` when the last holder let go
/// normally, and `Err(OwnerDied(guard))` when a holder died holding it: the
/// caller holds the lock either way, and decides whether the data can be
/// trusted. Until someone calls [`MutexGuard::mark_consistent`], every
/// later `lock` says `OwnerDied` too (POSIX's robust mutexes make the lock
/// unusable instead; Python's `multiprocessing.Lock` stays locked forever).
///
/// ```
/// use turnstile::process::Mutex;
///
/// let sold = Mutex::new(0_u32).unwrap();
/// *sold.lock().unwrap() += 1;
/// assert_eq!(*sold.lock().unwrap(), 1);
/// ```
// Serialised as its region: a child handed it maps the same state.
#[derive(Serialize, Deserialize)]
#[serde(transparent, bound = "")]
pub struct Mutex<T: Plain> {
    shared: Shared<State<T>>,
}

/// Holds a process [`Mutex`] (or a [`Lock`]) until dropped.
///
/// Not `Send`: the kernel's robust list that names the holder is the
/// taking thread's, so the guard must be dropped on that thread.
#[must_use = "the lock is released as soon as the guard is dropped"]
pub struct MutexGuard<'a, T: Plain> {
    state: &'a State<T>,
    _not_send: PhantomData<*const ()>,
}

/// The guard of a process [`Lock`].
pub type LockGuard<'a> = MutexGuard<'a, ()>;

/// A holder died holding the lock: here is the lock anyway, held, with data
/// that may be half-written. Python's nearest is a lock that never comes
/// free; POSIX's is `EOWNERDEAD`.
///
/// ```
/// use turnstile::process::{Mutex, OwnerDied};
///
/// fn total(m: &Mutex<u64>) -> u64 {
///     match m.lock() {
///         Ok(guard) => *guard,
///         Err(died) => {
///             let guard = died.into_inner();
///             guard.mark_consistent(); // the value is a plain counter: keep it
///             *guard
///         }
///     }
/// }
/// assert_eq!(total(&Mutex::new(3).unwrap()), 3);
/// ```
pub struct OwnerDied<G> {
    guard: G,
}

impl<G> OwnerDied<G> {
    /// Wraps a guard taken from a dead holder (for the sibling primitives).
    pub(super) fn new(guard: G) -> Self {
        Self { guard }
    }

    /// The guard: the caller holds the lock.
    pub fn into_inner(self) -> G {
        self.guard
    }

    /// The guard, borrowed.
    pub fn get_ref(&self) -> &G {
        &self.guard
    }

    /// The guard, borrowed mutably.
    pub fn get_mut(&mut self) -> &mut G {
        &mut self.guard
    }
}

impl<G> fmt::Debug for OwnerDied<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnerDied").finish_non_exhaustive()
    }
}

impl<G> fmt::Display for OwnerDied<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "a holder of this process lock died holding it; the lock is held now, \
             but the data it guards may be half-written (mark_consistent once repaired)",
        )
    }
}

impl<G> std::error::Error for OwnerDied<G> {}

/// Why [`Mutex::try_lock`] gave no clean guard.
#[derive(Debug)]
pub enum TryLockError<G> {
    /// Someone holds it.
    WouldBlock,
    /// Taken, but a holder died holding it.
    OwnerDied(OwnerDied<G>),
}

/// Why [`Mutex::lock_timeout`] gave no clean guard.
#[derive(Debug)]
pub enum LockTimeoutError<G> {
    /// The time ran out first.
    Timeout,
    /// Taken, but a holder died holding it.
    OwnerDied(OwnerDied<G>),
}

impl<G> fmt::Display for TryLockError<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WouldBlock => f.write_str("the process lock is held"),
            Self::OwnerDied(died) => died.fmt(f),
        }
    }
}

impl<G> fmt::Display for LockTimeoutError<G> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => Timeout.fmt(f),
            Self::OwnerDied(died) => died.fmt(f),
        }
    }
}

impl<G: fmt::Debug> std::error::Error for TryLockError<G> {}
impl<G: fmt::Debug> std::error::Error for LockTimeoutError<G> {}

impl<T: Plain> Mutex<T> {
    /// A new unlocked mutex holding `value`, in shared memory of its own.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region.
    ///
    /// ```
    /// let m = turnstile::process::Mutex::new([0_u8; 16]).unwrap();
    /// assert_eq!(m.lock().unwrap()[3], 0);
    /// ```
    pub fn new(value: T) -> io::Result<Self> {
        let shared = Shared::new(State {
            lock: RawProcessLock::new(),
            value: UnsafeCell::new(value),
        })?;
        Ok(Self { shared })
    }

    fn state(&self) -> &State<T> {
        &self.shared
    }

    fn guard(&self, acquired: Acquired) -> Result<MutexGuard<'_, T>, OwnerDied<MutexGuard<'_, T>>> {
        let guard = MutexGuard {
            state: self.state(),
            _not_send: PhantomData,
        };
        match acquired {
            Acquired::Consistent => Ok(guard),
            Acquired::OwnerDied => Err(OwnerDied { guard }),
        }
    }

    /// Takes the lock, waiting as long as it takes: `Err(OwnerDied)` (with
    /// the lock held) if a holder died holding it.
    ///
    /// # Errors
    ///
    /// [`OwnerDied`], holding the guard.
    ///
    /// # Panics
    ///
    /// If this thread holds the lock already (the wait could never end).
    ///
    /// ```
    /// let m = turnstile::process::Mutex::new(1_i32).unwrap();
    /// *m.lock().unwrap() *= -1;
    /// assert_eq!(*m.lock().unwrap(), -1);
    /// ```
    pub fn lock(&self) -> Result<MutexGuard<'_, T>, OwnerDied<MutexGuard<'_, T>>> {
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        let acquired = unsafe { self.state().lock.lock() };
        self.guard(acquired)
    }

    /// Takes the lock if nobody holds it.
    ///
    /// # Errors
    ///
    /// [`TryLockError::WouldBlock`] if someone holds it;
    /// [`TryLockError::OwnerDied`] (holding it) if a holder died.
    ///
    /// ```
    /// use turnstile::process::{Mutex, TryLockError};
    ///
    /// let m = Mutex::new(()).unwrap();
    /// let _held = m.lock().unwrap();
    /// assert!(matches!(m.try_lock(), Err(TryLockError::WouldBlock)));
    /// ```
    pub fn try_lock(&self) -> Result<MutexGuard<'_, T>, TryLockError<MutexGuard<'_, T>>> {
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        match unsafe { self.state().lock.try_lock() } {
            None => Err(TryLockError::WouldBlock),
            Some(acquired) => self.guard(acquired).map_err(TryLockError::OwnerDied),
        }
    }

    /// Takes the lock if it can within `timeout` (Python's
    /// `acquire(timeout=t)`).
    ///
    /// # Errors
    ///
    /// [`LockTimeoutError::Timeout`], or [`LockTimeoutError::OwnerDied`]
    /// (holding it) if a holder died.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let m = turnstile::process::Mutex::new(2_u8).unwrap();
    /// // Another thread (of any process) holding it would make this wait
    /// // up to 5 ms, then give `Err(LockTimeoutError::Timeout)`.
    /// assert_eq!(*m.lock_timeout(Duration::from_millis(5)).unwrap(), 2);
    /// ```
    pub fn lock_timeout(
        &self,
        timeout: Duration,
    ) -> Result<MutexGuard<'_, T>, LockTimeoutError<MutexGuard<'_, T>>> {
        match deadline::after(timeout) {
            Some(deadline) => self.lock_deadline(deadline),
            None => self.lock().map_err(LockTimeoutError::OwnerDied),
        }
    }

    /// [`lock_timeout`](Self::lock_timeout) with a point in time.
    ///
    /// # Errors
    ///
    /// As [`lock_timeout`](Self::lock_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let m = turnstile::process::Mutex::new(5_u8).unwrap();
    /// assert_eq!(*m.lock_deadline(Instant::now()).unwrap(), 5);
    /// ```
    pub fn lock_deadline(
        &self,
        deadline: Instant,
    ) -> Result<MutexGuard<'_, T>, LockTimeoutError<MutexGuard<'_, T>>> {
        // SAFETY: the lock lives in a shared region, whose addresses are never reused (shm.rs).
        match unsafe { self.state().lock.lock_deadline(deadline) } {
            Err(Timeout) => Err(LockTimeoutError::Timeout),
            Ok(acquired) => self.guard(acquired).map_err(LockTimeoutError::OwnerDied),
        }
    }

    /// Whether some thread of some process holds it now.
    ///
    /// ```
    /// let m = turnstile::process::Mutex::new(()).unwrap();
    /// assert!(!m.is_locked());
    /// ```
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.state().lock.is_locked()
    }
}

impl<T: Plain> MutexGuard<'_, T> {
    /// The lock this guard holds, for a `Condition` that lets go of it
    /// while it waits.
    pub(super) fn raw_lock(&self) -> &RawProcessLock {
        &self.state.lock
    }

    /// Declares the guarded data repaired after [`OwnerDied`]: later
    /// holders get `Ok` again.
    ///
    /// ```
    /// let m = turnstile::process::Mutex::new(0_u8).unwrap();
    /// m.lock().unwrap().mark_consistent(); // harmless when nothing died
    /// ```
    pub fn mark_consistent(&self) {
        self.state.lock.mark_consistent();
    }
}

impl<T: Plain> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock, so no other thread of any
        // process touches the value until it is dropped.
        self.state.value.with(|value| unsafe { &*value })
    }
}

impl<T: Plain> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes the borrow unique here.
        self.state.value.with_mut(|value| unsafe { &mut *value })
    }
}

impl<T: Plain> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard is the proof that this thread holds the lock,
        // and it is not Send, so this is the thread that took it.
        unsafe { self.state.lock.unlock() };
    }
}

impl<T: Plain + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: Plain> Clone for Mutex<T> {
    fn clone(&self) -> Self {
        Self {
            shared: self.shared.clone(),
        }
    }
}

impl<T: Plain> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Mutex")
            .field("lock", &self.state().lock)
            .finish_non_exhaustive()
    }
}

/// Python's `multiprocessing.Lock`: a process [`Mutex`] of nothing, with
/// Python's names.
///
/// ```
/// let lock = turnstile::process::Lock::new().unwrap();
/// {
///     let _held = lock.acquire().unwrap();
///     assert!(lock.locked());
/// }
/// assert!(!lock.locked());
/// ```
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Lock {
    inner: Mutex<()>,
}

impl Lock {
    /// A new unlocked lock in shared memory of its own.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region.
    ///
    /// ```
    /// let lock = turnstile::process::Lock::new().unwrap();
    /// assert!(!lock.locked());
    /// ```
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            inner: Mutex::new(())?,
        })
    }

    /// Takes it, waiting as long as it takes (`acquire()`).
    ///
    /// # Errors
    ///
    /// [`OwnerDied`] (holding the lock) if a holder died holding it.
    ///
    /// ```
    /// let lock = turnstile::process::Lock::new().unwrap();
    /// let held = lock.acquire().unwrap();
    /// drop(held); // release()
    /// ```
    pub fn acquire(&self) -> Result<LockGuard<'_>, OwnerDied<LockGuard<'_>>> {
        self.inner.lock()
    }

    /// Takes it if free (`acquire(blocking=False)`).
    ///
    /// # Errors
    ///
    /// As [`Mutex::try_lock`].
    ///
    /// ```
    /// let lock = turnstile::process::Lock::new().unwrap();
    /// assert!(lock.try_acquire().is_ok());
    /// ```
    pub fn try_acquire(&self) -> Result<LockGuard<'_>, TryLockError<LockGuard<'_>>> {
        self.inner.try_lock()
    }

    /// Takes it within `timeout` (`acquire(timeout=t)`).
    ///
    /// # Errors
    ///
    /// As [`Mutex::lock_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let lock = turnstile::process::Lock::new().unwrap();
    /// assert!(lock.acquire_timeout(Duration::from_millis(5)).is_ok());
    /// ```
    pub fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<LockGuard<'_>, LockTimeoutError<LockGuard<'_>>> {
        self.inner.lock_timeout(timeout)
    }

    /// The lock inside, for a `Condition` built on it.
    pub(super) fn raw_lock(&self) -> &RawProcessLock {
        &self.inner.state().lock
    }

    /// Whether someone holds it (`locked()`).
    ///
    /// ```
    /// assert!(!turnstile::process::Lock::new().unwrap().locked());
    /// ```
    #[must_use]
    pub fn locked(&self) -> bool {
        self.inner.is_locked()
    }
}
