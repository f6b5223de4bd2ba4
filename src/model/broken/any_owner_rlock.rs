//! A reentrant lock whose count does not know who owns it.

use super::super::facade::{AtomicUsize, Ordering};
use super::super::raw_mutex::RawMutex;

/// Broken twin of [`RLock`](crate::model::RLock): it counts holds but
/// records no owner, so "is it held?" stands in for "is it held *by me*?".
/// Any thread that finds the count above zero treats itself as the owner and
/// walks in beside the real one.
pub struct AnyOwnerRLock {
    mutex: RawMutex,
    count: AtomicUsize,
}

impl AnyOwnerRLock {
    /// A new, unlocked lock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            mutex: RawMutex::new(),
            count: AtomicUsize::new(0),
        }
    }

    /// Takes the lock, or one more hold of it.
    pub fn lock(&self) {
        // BUG: the real lock compares the owner with the current thread.
        if self.count.load(Ordering::Acquire) > 0 {
            self.count.fetch_add(1, Ordering::Relaxed);
            return;
        }
        self.mutex.lock();
        self.count.store(1, Ordering::Relaxed);
    }

    /// Gives one hold up; the last releases the lock.
    ///
    /// # Safety
    ///
    /// The caller must hold the lock.
    pub unsafe fn unlock(&self) {
        if self.count.fetch_sub(1, Ordering::Release) == 1 {
            // SAFETY: the caller held the last hold, so holds the mutex.
            unsafe { self.mutex.unlock() };
        }
    }
}
