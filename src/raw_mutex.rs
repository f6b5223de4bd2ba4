//! The raw lock: a three-state machine on one byte, and the only hard file.
//!
//! [`RawMutex`] protects no data; it is locked and unlocked by hand.
//! [`Mutex<T>`](super::mutex::Mutex) puts data and a guard on top of it, and
//! [`RLock`](super::rlock::RLock) adds an owner and a count. Reach for the
//! raw lock only when you build a primitive of your own.
//!
//! # Examples
//!
//! ```
//! use turnstile::RawMutex;
//!
//! let raw = RawMutex::new();
//! raw.lock();
//! assert!(!raw.try_lock());
//! // SAFETY: this thread locked it just above.
//! unsafe { raw.unlock() };
//! assert!(raw.try_lock());
//! # unsafe { raw.unlock() };
//! ```

use std::time::{Duration, Instant};

use super::deadline;
use super::timeout::Timeout;

use super::facade::{AtomicU8, Backoff, Futex, Ordering, Wait, const_fn, note};

// The state word.
//
// | value       | meaning                                                   |
// |-------------|-----------------------------------------------------------|
// | UNLOCKED  0 | nobody holds the lock                                     |
// | LOCKED    1 | held, and no thread is parked on it                       |
// | CONTENDED 2 | held, and a thread may be parked: unlock must wake one    |
//
// Transitions:
//   UNLOCKED  -> LOCKED     lock fast path (one compare-and-swap)
//   any       -> CONTENDED  a thread about to park (swap); if the old value was
//                           UNLOCKED, that swap took the lock instead
//   LOCKED    -> UNLOCKED   unlock, nobody to wake
//   CONTENDED -> UNLOCKED   unlock, then wake one parked thread
//
// CONTENDED means "may be", not "is": a woken thread cannot tell whether others
// still sleep, so it takes the lock as CONTENDED, and the next unlock may wake
// nobody. That costs one wake call that finds an empty queue (no syscall), and
// buys an unlock that never needs to count sleepers.
const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;
const CONTENDED: u8 = 2;

/// A lock with no data: `lock`, `try_lock`, and an `unsafe` `unlock`.
///
/// One byte in normal builds. Not fair: an arriving thread may take the lock
/// ahead of one that is being woken ("barging"), which keeps throughput high;
/// a waiter can be overtaken but never misses its wake-up.
pub struct RawMutex {
    state: Futex<AtomicU8>,
}

// # Implementation notes
//
// The algorithm is the classic three-state futex mutex (Drepper, "Futexes Are
// Tricky", mutex 3) with a spin phase in front of every park:
//
// - lock: CAS UNLOCKED -> LOCKED, inline. On failure, the cold path spins a few
//   rounds, trying the CAS whenever it sees UNLOCKED. Once it gives up, it
//   swaps in CONTENDED; an old value of UNLOCKED means the swap itself took the
//   lock. Otherwise it parks until the state is no longer CONTENDED, and
//   repeats, spin phase included.
// - A thread that has been woken takes the lock as CONTENDED, never LOCKED, so
//   the "someone may be parked" mark survives for the sleepers behind it.
// - unlock: swap in UNLOCKED. Only an old value of CONTENDED calls wake_one.
//
// Unlike the textbook version, threads spin even while the state is
// CONTENDED. Otherwise two threads that keep taking the lock fall into a
// park/unpark ping-pong: each woken thread holds the lock as CONTENDED, so the
// other, seeing CONTENDED, parks at once instead of waiting a few hundred
// nanoseconds for the release. (parking_lot avoids the same trap by clearing
// its parked bit exactly, under its queue lock.)

impl RawMutex {
    const_fn! {
        /// A new, unlocked lock.
        ///
        /// ```
        /// static RAW: turnstile::RawMutex = turnstile::RawMutex::new();
        /// assert!(!RAW.is_locked());
        /// ```
        #[must_use]
        pub fn new() -> Self {
            Self { state: Futex::new(AtomicU8::new(UNLOCKED)) }
        }
    }

    /// Takes the lock, waiting as long as it takes.
    ///
    /// ```
    /// let raw = turnstile::RawMutex::new();
    /// raw.lock();
    /// assert!(raw.is_locked());
    /// // SAFETY: locked just above by this thread.
    /// unsafe { raw.unlock() };
    /// ```
    #[inline]
    #[cfg_attr(feature = "model", track_caller)]
    pub fn lock(&self) {
        // Acquire: pairs with the Release swap in `unlock`, so everything the
        // previous holder wrote is visible to us.
        if self
            .state
            .compare_exchange_weak(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended(None);
        } else {
            note("locked");
        }
    }

    /// Takes the lock if it is free right now; never waits.
    ///
    /// ```
    /// let raw = turnstile::RawMutex::new();
    /// assert!(raw.try_lock());
    /// assert!(!raw.try_lock());
    /// // SAFETY: taken by the first try_lock.
    /// unsafe { raw.unlock() };
    /// ```
    #[inline]
    #[cfg_attr(feature = "model", track_caller)]
    #[must_use = "if it returns true the lock is held and must be unlocked"]
    pub fn try_lock(&self) -> bool {
        // Acquire: as in `lock`. A strong CAS: a spurious failure would make
        // `try_lock` report "held" for a free lock.
        let taken = self
            .state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok();
        if taken {
            note("locked");
        }
        taken
    }

    /// Takes the lock, giving up after `timeout`: `Ok(())` if it took it
    /// (see [`Timeout`] for the convention every timed wait follows).
    ///
    /// A zero timeout behaves like [`try_lock`](Self::try_lock); one too
    /// large to add to the current time waits without limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::Timeout;
    ///
    /// let raw = turnstile::RawMutex::new();
    /// assert_eq!(raw.lock_timeout(Duration::from_millis(5)), Ok(()));
    /// assert_eq!(raw.lock_timeout(Duration::from_millis(5)), Err(Timeout));
    /// // SAFETY: taken by the first call.
    /// unsafe { raw.unlock() };
    /// ```
    #[inline]
    pub fn lock_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        match deadline::after(timeout) {
            Some(deadline) => self.lock_deadline(deadline),
            None => {
                self.lock();
                Ok(())
            }
        }
    }

    /// Takes the lock, giving up at `deadline`: `Ok(())` if it took it.
    ///
    /// A deadline already in the past behaves like [`try_lock`](Self::try_lock).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let raw = turnstile::RawMutex::new();
    /// assert!(raw.lock_deadline(Instant::now() + Duration::from_millis(5)).is_ok());
    /// assert!(raw.lock_deadline(Instant::now() + Duration::from_millis(5)).is_err());
    /// // SAFETY: taken by the first call.
    /// unsafe { raw.unlock() };
    /// ```
    #[inline]
    pub fn lock_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        let taken =
            self.try_lock() || (Instant::now() < deadline && self.lock_contended(Some(deadline)));
        if taken { Ok(()) } else { Err(Timeout) }
    }

    /// Whether some thread holds the lock. A snapshot: it may change at once.
    ///
    /// ```
    /// assert!(!turnstile::RawMutex::new().is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.state.load(Ordering::Relaxed) != UNLOCKED
    }

    /// Releases the lock, waking one parked thread if any may be parked.
    ///
    /// # Safety
    ///
    /// The lock must be held, and the caller must be entitled to release it:
    /// it took the lock itself or was handed that duty by the thread that did.
    /// Unlocking a free lock would let two threads in at once later.
    ///
    /// # Examples
    ///
    /// ```
    /// let raw = turnstile::RawMutex::new();
    /// raw.lock();
    /// // SAFETY: this thread holds the lock and gives it up once.
    /// unsafe { raw.unlock() };
    /// assert!(!raw.is_locked());
    /// ```
    #[inline]
    pub unsafe fn unlock(&self) {
        // SAFETY: the caller's promise, passed on.
        if unsafe { self.release() } {
            self.wake_one_sleeper();
        }
    }

    /// The first half of [`unlock`](Self::unlock): frees the lock and says
    /// whether a waiter may be parked, leaving the wake-up to the caller
    /// (`Mutex` also wakes a waiting task).
    ///
    /// # Safety
    ///
    /// As for `unlock`.
    #[inline]
    pub(crate) unsafe fn release(&self) -> bool {
        // Release: pairs with the Acquire in `lock`, publishing our writes to
        // the next holder.
        let contended = self.state.swap(UNLOCKED, Ordering::Release) == CONTENDED;
        note("unlocked");
        contended
    }

    /// Wakes one parked thread, if any is parked.
    #[cold]
    #[inline(never)]
    pub(crate) fn wake_one_sleeper(&self) {
        self.state.wake_one();
    }

    /// What an async task does instead of parking: marks the lock CONTENDED,
    /// so that the next unlock wakes a waiter, and takes the lock if that
    /// mark found it free (returns `true`). The task must have put its waker
    /// where that unlock will find it *before* this call.
    ///
    /// The swap is also a Release: an unlock that reads this CONTENDED and
    /// then fences (Acquire, in its cold path) sees where the waker was put.
    pub(crate) fn lock_or_mark(&self) -> bool {
        // Acquire: as in `lock`, when the swap takes the lock. Taken as
        // CONTENDED, like a thread that has slept: others may still wait.
        let taken = self.state.swap(CONTENDED, Ordering::AcqRel) == UNLOCKED;
        if taken {
            note("locked");
        }
        taken
    }

    /// The slow path of every lock call: spin, then park, and again after
    /// each wake-up. With a deadline it returns `false` once the deadline
    /// passes; without one it only returns `true`.
    #[cold]
    #[inline(never)]
    fn lock_contended(&self, deadline: Option<Instant>) -> bool {
        // What this thread stores when it takes a free lock. LOCKED until it
        // has slept: a thread woken by `unlock` cannot know whether others
        // still sleep, so from then on it takes the lock as CONTENDED and the
        // next unlock wakes one of them.
        let mut take_as = LOCKED;
        loop {
            // Spin: the holder is probably about to leave, and a wake-up costs
            // far more than a few loads. Spin even when CONTENDED: that mark
            // only means "may be", and a spinner that takes the lock as LOCKED
            // strands nobody, since a sleeper woken by the last unlock will
            // swap CONTENDED back in.
            let mut backoff = Backoff::new();
            loop {
                if self.state.load(Ordering::Relaxed) == UNLOCKED {
                    // Acquire: as in `lock`. A failed CAS means another thread
                    // just took the lock: look again at once, without a pause.
                    if self
                        .state
                        .compare_exchange_weak(
                            UNLOCKED,
                            take_as,
                            Ordering::Acquire,
                            Ordering::Relaxed,
                        )
                        .is_ok()
                    {
                        note("locked");
                        return true;
                    }
                    continue;
                }
                if !backoff.snooze() {
                    break;
                }
            }

            // Park: mark the lock CONTENDED, then sleep until it is released.
            // Acquire: if the old value was UNLOCKED this swap took the lock,
            // and pairs with the Release in `unlock` as in `lock`.
            if self.state.swap(CONTENDED, Ordering::Acquire) == UNLOCKED {
                note("locked");
                return true;
            }
            // The deadline is checked only here, after the swap: a thread
            // woken by `unlock` has swapped CONTENDED back in before it gives
            // up, so the next unlock wakes another sleeper in its place.
            if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
                return false;
            }
            // Sleep only while the state is still CONTENDED; an unlock that
            // came between our swap and here makes the wait return at once.
            match self
                .state
                .wait(|state| state.load(Ordering::Relaxed) == CONTENDED, deadline)
            {
                Wait::Woken | Wait::Invalid => take_as = CONTENDED,
                // The deadline passed while asleep. No wake-up was taken, so
                // no other sleeper is left stranded.
                Wait::TimedOut => return false,
            }
        }
    }
}

impl Default for RawMutex {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for RawMutex {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawMutex")
            .field("locked", &self.is_locked())
            .finish()
    }
}
