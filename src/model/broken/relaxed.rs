//! A lock with the right steps and the wrong memory orderings.

use super::super::facade::{AtomicU8, Futex, Ordering};

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;

/// Broken twin of [`RawMutex`](crate::model::RawMutex): one compare-and-swap
/// takes the lock, so only one thread is ever inside, but it uses `Relaxed`
/// where the real lock uses `Acquire` (and `Release` in unlock). Nothing then
/// orders the previous holder's writes before the next holder's reads: the
/// lock excludes threads without publishing their data. On x86 this usually
/// "works"; loom models the weaker machines and the compiler, and says no.
pub struct RelaxedLock {
    state: Futex<AtomicU8>,
}

impl RelaxedLock {
    /// A new, unlocked lock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            state: Futex::new(AtomicU8::new(UNLOCKED)),
        }
    }

    /// Takes the lock.
    pub fn lock(&self) {
        while !self.try_lock() {
            self.state
                .wait(|state| state.load(Ordering::Relaxed) == LOCKED, None);
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> bool {
        self.state
            // BUG: Relaxed, where Acquire pairs with unlock's Release.
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    }

    /// Releases the lock and wakes a sleeper.
    ///
    /// # Safety
    ///
    /// As [`RawMutex::unlock`](crate::model::RawMutex::unlock).
    pub unsafe fn unlock(&self) {
        // BUG: Relaxed, where Release publishes the holder's writes.
        self.state.store(UNLOCKED, Ordering::Relaxed);
        self.state.wake_one();
    }
}
