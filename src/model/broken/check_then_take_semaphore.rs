//! A semaphore that checks for a permit in one step and takes it in another.

use super::super::condvar::Condvar;
use super::super::mutex::Mutex;

/// Broken twin of [`Semaphore`](crate::model::Semaphore): it waits, under
/// the lock, until a permit is free, lets the lock go, and takes the permit
/// under the lock again. Between the two, another thread can see the same
/// free permit and take it too: two cars in one parking space. The count is
/// signed so that going below zero shows as a count, not an overflow panic.
pub struct CheckThenTakeSemaphore {
    permits: Mutex<isize>,
    released: Condvar,
}

impl CheckThenTakeSemaphore {
    /// A semaphore with `permits` free permits.
    pub fn new(permits: isize) -> Self {
        Self {
            permits: Mutex::new(permits),
            released: Condvar::new(),
        }
    }

    /// Takes a permit (or so it believes).
    pub fn acquire(&self) {
        let mut permits = self.permits.lock();
        self.released
            .wait_while(&mut permits, |permits| **permits <= 0);
        drop(permits);
        // BUG: the take locks again. The check above was made under a lock
        // already let go, and in between another thread can take the
        // permit it saw.
        *self.permits.lock() -= 1;
    }

    /// Gives a permit back.
    pub fn release(&self) {
        *self.permits.lock() += 1;
        self.released.notify_one();
    }
}
