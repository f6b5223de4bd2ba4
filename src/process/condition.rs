//! `Condition` for processes: Python's `multiprocessing.Condition(lock)`.

// Why one file of ~510 lines: it is one idea, the waiter table. `wait`
// and `notify` read and write the same slots under one lock, and each is
// checked against the other; half the lines are the doc examples.

use core::fmt;
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::deadline;
use super::super::facade::{AtomicU32, Ordering};
use super::condition_lock::{ConditionGuard, ConditionLock, WAITER_SLOTS, WaitError};
use super::inner::{self, Slot, enter};
use super::mutex::{Lock, LockGuard, OwnerDied};
use super::raw_lock::{Acquired, RawProcessLock};
use super::rlock::{RLock, RLockGuard};
use super::shm::{Plain, Shared};

const WAITING: u32 = 1;
const NOTIFIED: u32 = 2;

#[repr(C)]
struct State {
    lock: RawProcessLock,
    recoveries: AtomicU32,
    next_ticket: AtomicU32,
    /// WAITING slots: lets `notify` skip the lock when nobody waits. A
    /// cache of the table, recounted by a repair.
    waiting: AtomicU32,
    slots: [Slot; WAITER_SLOTS],
}

// SAFETY: atomics and robust locks: nothing per-process, no Drop.
unsafe impl Plain for State {}
// SAFETY: every field is an atomic or a robust lock.
unsafe impl Sync for State {}

impl State {
    fn repair(&self) {
        let waiting = self
            .slots
            .iter()
            .filter(|slot| slot.state.load(Ordering::Relaxed) == WAITING)
            .count();
        self.waiting.store(waiting as u32, Ordering::Relaxed);
    }
}

/// Python's `multiprocessing.Condition`: wait until told, across
/// processes. `notify(n)` wakes at most `n` waiters, oldest first, and a waiter
/// is never woken without a notify meant for it.
///
/// Each waiter claims a slot in a table in shared memory, with a ticket
/// (arrival order) and its own futex word, *before* it lets go of the
/// lock: a notify made before that (under the lock) cannot see it, one
/// made after can. `notify(n)` marks the `n` oldest waiting slots NOTIFIED
/// under the internal lock and wakes exactly those words after it. A
/// waiter that times out takes its slot back under the same lock: if a
/// notify marked it first, the wait counts as notified (it returns `Ok`),
/// so no notification is spent on a waiter that then reports a timeout.
/// A slot's word is robust (see `inner.rs`): a waiter killed while waiting
/// is skipped by `notify`, which would otherwise spend a wake on the dead.
///
/// The locks a condition is built on, and its errors, are in
/// `condition_lock.rs`.
///
/// Limits: [`WAITER_SLOTS`] waiters at once; one more gets
/// [`WaitError::TooManyWaiters`] at once, still holding the lock (never a
/// hang, never a lost notify). Waiters also look at their slot every
/// `SLICE` (100 ms), so that a notifier killed between marking and waking
/// delays them instead of stranding them.
///
/// ```
/// use std::thread;
/// use turnstile::process::{Condition, Shared};
/// use std::sync::atomic::{AtomicBool, Ordering};
///
/// let cond = Condition::new().unwrap(); // over an RLock, as Python's default
/// let ready = Shared::new(AtomicBool::new(false)).unwrap();
/// let (c, r) = (cond.clone(), ready.clone());
/// let t = thread::spawn(move || {
///     let _held = c.acquire().unwrap();
///     r.store(true, Ordering::Relaxed);
///     c.notify_all();
/// });
/// let mut held = cond.acquire().unwrap();
/// cond.wait_for(&mut held, || ready.load(Ordering::Relaxed)).unwrap();
/// drop(held);
/// t.join().unwrap();
/// ```
#[derive(Clone)]
pub struct Condition<L: ConditionLock = RLock> {
    lock: L,
    shared: Shared<State>,
}

impl Condition<RLock> {
    /// A condition over a new [`RLock`] (Python's `Condition()`).
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared regions.
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// assert_eq!(cond.notify_all(), 0);
    /// ```
    pub fn new() -> io::Result<Self> {
        Self::with_lock(RLock::new()?)
    }

    /// Takes the condition's lock (`with cond:`).
    ///
    /// # Errors
    ///
    /// [`OwnerDied`] (holding it) if a holder died holding it.
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// let _held = cond.acquire().unwrap();
    /// ```
    pub fn acquire(&self) -> Result<RLockGuard<'_>, OwnerDied<RLockGuard<'_>>> {
        self.lock.acquire()
    }
}

impl Condition<Lock> {
    /// Takes the condition's lock (`with cond:`).
    ///
    /// # Errors
    ///
    /// [`OwnerDied`] (holding it) if a holder died holding it.
    ///
    /// ```
    /// use turnstile::process::{Condition, Lock};
    ///
    /// let cond = Condition::with_lock(Lock::new().unwrap()).unwrap();
    /// let _held = cond.acquire().unwrap();
    /// ```
    pub fn acquire(&self) -> Result<LockGuard<'_>, OwnerDied<LockGuard<'_>>> {
        self.lock.acquire()
    }
}

impl<L: ConditionLock> Condition<L> {
    /// A condition over `lock` (Python's `Condition(lock)`).
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region.
    ///
    /// ```
    /// use turnstile::process::{Condition, Lock};
    ///
    /// let cond = Condition::with_lock(Lock::new().unwrap()).unwrap();
    /// assert!(!cond.lock().locked());
    /// ```
    pub fn with_lock(lock: L) -> io::Result<Self> {
        Ok(Self {
            lock,
            shared: Shared::new(State {
                lock: RawProcessLock::new(),
                recoveries: AtomicU32::new(0),
                next_ticket: AtomicU32::new(0),
                waiting: AtomicU32::new(0),
                slots: inner::table(),
            })?,
        })
    }

    /// The lock the condition is built on.
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// assert!(!cond.lock().locked());
    /// ```
    pub fn lock(&self) -> &L {
        &self.lock
    }

    fn state(&self) -> &State {
        &self.shared
    }

    fn enter(&self) -> inner::Entered<'_> {
        let state = self.state();
        let entered = enter(&state.lock, &state.recoveries);
        if entered.repair {
            state.repair();
        }
        entered
    }

    /// Lets go of the lock, waits for a notify, takes the lock back
    /// (`wait()`). Returns only after a notify meant for this thread.
    ///
    /// # Errors
    ///
    /// [`WaitError::OwnerDied`] or [`WaitError::TooManyWaiters`]; the lock
    /// is held either way.
    ///
    /// # Panics
    ///
    /// If `guard` is not a guard of this condition's lock.
    ///
    /// ```
    /// use std::thread;
    ///
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// let mut held = cond.acquire().unwrap();
    /// let other = cond.clone();
    /// let t = thread::spawn(move || {
    ///     let _held = other.acquire().unwrap(); // free while the waiter waits
    ///     other.notify_one();
    /// });
    /// cond.wait(&mut held).unwrap();
    /// # drop(held);
    /// t.join().unwrap();
    /// ```
    pub fn wait<G: ConditionGuard>(&self, guard: &mut G) -> Result<(), WaitError> {
        self.wait_until(guard, None)
    }

    /// [`wait`](Self::wait), giving up after `timeout` (`wait(timeout=t)`,
    /// whose `False` is `Err(Timeout)`).
    ///
    /// # Errors
    ///
    /// [`WaitError::Timeout`], or as [`wait`](Self::wait).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::process::{Condition, WaitError};
    ///
    /// let cond = Condition::new().unwrap();
    /// let mut held = cond.acquire().unwrap();
    /// let late = cond.wait_timeout(&mut held, Duration::from_millis(5));
    /// assert_eq!(late, Err(WaitError::Timeout));
    /// ```
    pub fn wait_timeout<G: ConditionGuard>(
        &self,
        guard: &mut G,
        timeout: Duration,
    ) -> Result<(), WaitError> {
        self.wait_until(guard, deadline::after(timeout))
    }

    /// [`wait_timeout`](Self::wait_timeout) with a point in time.
    ///
    /// # Errors
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// ```
    /// use std::time::Instant;
    /// use turnstile::process::{Condition, WaitError};
    ///
    /// let cond = Condition::new().unwrap();
    /// let mut held = cond.acquire().unwrap();
    /// assert_eq!(cond.wait_deadline(&mut held, Instant::now()), Err(WaitError::Timeout));
    /// ```
    pub fn wait_deadline<G: ConditionGuard>(
        &self,
        guard: &mut G,
        deadline: Instant,
    ) -> Result<(), WaitError> {
        self.wait_until(guard, Some(deadline))
    }

    /// Waits until `predicate` is true, checking it first and after each
    /// notify (`wait_for(predicate)`).
    ///
    /// # Errors
    ///
    /// As [`wait`](Self::wait).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// let mut held = cond.acquire().unwrap();
    /// cond.wait_for(&mut held, || true).unwrap(); // true already: no wait
    /// ```
    pub fn wait_for<G: ConditionGuard>(
        &self,
        guard: &mut G,
        predicate: impl FnMut() -> bool,
    ) -> Result<(), WaitError> {
        self.wait_for_until(guard, None, predicate)
    }

    /// [`wait_for`](Self::wait_for), giving up after `timeout`
    /// (`wait_for(predicate, timeout=t)`): `Err(Timeout)` if the
    /// predicate is still false then.
    ///
    /// # Errors
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    ///
    /// # Panics
    ///
    /// As [`wait`](Self::wait).
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::process::{Condition, WaitError};
    ///
    /// let cond = Condition::new().unwrap();
    /// let mut held = cond.acquire().unwrap();
    /// let never = cond.wait_for_timeout(&mut held, Duration::from_millis(5), || false);
    /// assert_eq!(never, Err(WaitError::Timeout));
    /// ```
    pub fn wait_for_timeout<G: ConditionGuard>(
        &self,
        guard: &mut G,
        timeout: Duration,
        predicate: impl FnMut() -> bool,
    ) -> Result<(), WaitError> {
        self.wait_for_until(guard, deadline::after(timeout), predicate)
    }

    fn wait_for_until<G: ConditionGuard>(
        &self,
        guard: &mut G,
        deadline: Option<Instant>,
        mut predicate: impl FnMut() -> bool,
    ) -> Result<(), WaitError> {
        loop {
            if predicate() {
                return Ok(());
            }
            match self.wait_until(guard, deadline) {
                Ok(()) => {}
                Err(WaitError::Timeout) if predicate() => return Ok(()),
                Err(error) => return Err(error),
            }
        }
    }

    fn wait_until<G: ConditionGuard>(
        &self,
        guard: &mut G,
        deadline: Option<Instant>,
    ) -> Result<(), WaitError> {
        assert!(
            // The same lock, even where this process maps it twice.
            guard.raw().identity() == self.lock.raw().identity(),
            "a Condition waited on with a guard of another lock"
        );
        let state = self.state();
        let index = {
            let _entered = self.enter();
            let ticket = state.next_ticket.load(Ordering::Relaxed);
            let Some(index) = inner::claim(&state.slots, WAITING, ticket) else {
                return Err(WaitError::TooManyWaiters);
            };
            state
                .next_ticket
                .store(ticket.wrapping_add(1), Ordering::Relaxed);
            state.waiting.fetch_add(1, Ordering::Relaxed);
            index
        };
        let slot = &state.slots[index];
        let saved = guard.let_go();
        while slot.state.load(Ordering::Acquire) == WAITING && !inner::passed(deadline) {
            let _ = slot
                .state
                .wait_while_equal(WAITING, Some(inner::slice_end(deadline)));
        }
        let notified = {
            let _entered = self.enter();
            // Under the lock: a notify either marked this slot already
            // (then the wait was notified, even at the deadline) or will
            // never see it again.
            let notified = slot.state.load(Ordering::Relaxed) == NOTIFIED;
            if !notified {
                state.waiting.fetch_sub(1, Ordering::Relaxed);
            }
            // SAFETY: this thread claimed the slot above.
            unsafe { inner::release(slot) };
            notified
        };
        let acquired = guard.take_back(saved);
        if acquired == Acquired::OwnerDied {
            Err(WaitError::OwnerDied)
        } else if notified {
            Ok(())
        } else {
            Err(WaitError::Timeout)
        }
    }

    /// Wakes the oldest waiter, if any (`notify()`). Returns whether one
    /// was waiting.
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// assert!(!cond.notify_one()); // nobody waits
    /// ```
    pub fn notify_one(&self) -> bool {
        self.notify(1) == 1
    }

    /// Wakes every waiter (`notify_all()`). Returns how many.
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// assert_eq!(cond.notify_all(), 0);
    /// ```
    pub fn notify_all(&self) -> usize {
        self.notify(usize::MAX)
    }

    /// Wakes at most `n` waiters, oldest first (`notify(n)`); returns how
    /// many. Waiters that died while waiting are passed over, not counted.
    /// Makes no system call when nobody waits.
    ///
    /// ```
    /// let cond = turnstile::process::Condition::new().unwrap();
    /// assert_eq!(cond.notify(3), 0);
    /// ```
    pub fn notify(&self, n: usize) -> usize {
        let state = self.state();
        if n == 0 || state.waiting.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        let mut chosen = 0_u64;
        let mut woken = 0;
        {
            let _entered = self.enter();
            for slot in &state.slots {
                if slot.state.load(Ordering::Relaxed) == WAITING && slot.is_dead() {
                    inner::clear_dead(slot);
                    state.waiting.fetch_sub(1, Ordering::Relaxed);
                }
            }
            let next = state.next_ticket.load(Ordering::Relaxed);
            while woken < n {
                // The oldest waiting slot: the largest distance back from
                // the next ticket (wrapping, so tickets may wrap).
                let oldest = state
                    .slots
                    .iter()
                    .enumerate()
                    .filter(|(_, slot)| slot.state.load(Ordering::Relaxed) == WAITING)
                    .max_by_key(|(_, slot)| next.wrapping_sub(slot.value.load(Ordering::Relaxed)));
                let Some((index, slot)) = oldest else { break };
                slot.state.store(NOTIFIED, Ordering::Release);
                state.waiting.fetch_sub(1, Ordering::Relaxed);
                chosen |= 1 << index;
                woken += 1;
            }
        }
        // Wakes after the internal lock is let go. A slot reused since is
        // woken for nothing, re-checks its word and sleeps again.
        for (index, slot) in state.slots.iter().enumerate() {
            if chosen & (1 << index) != 0 {
                slot.state.wake_one();
            }
        }
        woken
    }

    /// How many threads wait now (a snapshot).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Condition::new().unwrap().n_waiting(), 0);
    /// ```
    #[must_use]
    pub fn n_waiting(&self) -> usize {
        self.state().waiting.load(Ordering::Relaxed) as usize
    }
}

const _: () = assert!(WAITER_SLOTS <= 64, "the notify mask is one u64");

impl<L: ConditionLock + fmt::Debug> fmt::Debug for Condition<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Condition")
            .field("lock", &self.lock)
            .field("n_waiting", &self.n_waiting())
            .finish()
    }
}

impl<L: ConditionLock + Serialize> Serialize for Condition<L> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        (&self.lock, &self.shared).serialize(serializer)
    }
}

impl<'de, L: ConditionLock + Deserialize<'de>> Deserialize<'de> for Condition<L> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let (lock, shared) = <(L, Shared<State>)>::deserialize(deserializer)?;
        Ok(Self { lock, shared })
    }
}
