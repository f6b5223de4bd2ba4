//! A lock whose unlock forgets the threads asleep on it.

use super::super::facade::{AtomicU8, Futex, Ordering};

const UNLOCKED: u8 = 0;
const LOCKED: u8 = 1;
const CONTENDED: u8 = 2;

/// Broken twin of [`RawMutex`](crate::model::RawMutex): the same three states
/// and the same lock path, but unlock just stores UNLOCKED. A thread that
/// parked (state CONTENDED) is never woken, and sleeps forever: the lost
/// wake-up. loom sees every thread blocked and reports a deadlock, which ends
/// the process, so its test runs the model in a child process.
pub struct ForgetfulLock {
    state: Futex<AtomicU8>,
}

impl ForgetfulLock {
    /// A new, unlocked lock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            state: Futex::new(AtomicU8::new(UNLOCKED)),
        }
    }

    /// Takes the lock: one CAS, else mark CONTENDED and park (as the real one).
    pub fn lock(&self) {
        if self.try_lock() {
            return;
        }
        while self.state.swap(CONTENDED, Ordering::Acquire) != UNLOCKED {
            self.state
                .wait(|state| state.load(Ordering::Relaxed) == CONTENDED, None);
        }
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> bool {
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
    }

    /// Releases the lock.
    ///
    /// # Safety
    ///
    /// As [`RawMutex::unlock`](crate::model::RawMutex::unlock).
    pub unsafe fn unlock(&self) {
        // BUG: the real unlock swaps, and wakes a sleeper if the old state
        // was CONTENDED. This one throws that news away.
        self.state.store(UNLOCKED, Ordering::Release);
    }
}
