//! A lock that looks, then leaps: the check and the take are two steps.

use super::super::facade::{AtomicU8, Futex, Ordering, note};

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;

/// Broken twin of [`RawMutex`](crate::model::RawMutex): it loads the state,
/// and if the lock looks free, stores LOCKED. Two threads can both see it free
/// before either stores, and both walk in. The real lock does the look and the
/// take in one compare-and-swap.
pub struct CheckThenStoreLock {
    state: Futex<AtomicU8>,
}

impl CheckThenStoreLock {
    /// A new, unlocked lock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            state: Futex::new(AtomicU8::new(UNLOCKED)),
        }
    }

    /// Takes the lock (or so it believes).
    pub fn lock(&self) {
        while !self.try_lock() {
            self.state
                .wait(|state| state.load(Ordering::Relaxed) == LOCKED, None);
        }
    }

    /// Takes the lock if it looks free.
    pub fn try_lock(&self) -> bool {
        // BUG: between this load and the store below, another thread can
        // load UNLOCKED too.
        if self.state.load(Ordering::Acquire) == UNLOCKED {
            self.state.store(LOCKED, Ordering::Relaxed);
            note("locked");
            return true;
        }
        false
    }

    /// Releases the lock and wakes a sleeper.
    ///
    /// # Safety
    ///
    /// As [`RawMutex::unlock`](crate::model::RawMutex::unlock).
    pub unsafe fn unlock(&self) {
        self.state.store(UNLOCKED, Ordering::Release);
        note("unlocked");
        self.state.wake_one();
    }
}
