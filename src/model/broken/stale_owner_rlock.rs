//! A reentrant lock that forgets to forget its last owner.

use super::super::facade::{AtomicUsize, Ordering, UnsafeCell, current_thread_id};
use super::super::raw_mutex::RawMutex;

const NOBODY: usize = 0;

/// Broken twin of [`RLock`](crate::model::RLock): the same owner and count,
/// but the last release unlocks the mutex without clearing the owner. Its old
/// owner, coming back, still finds its own id there and re-enters, even after
/// another thread has taken the mutex and not yet written its id.
pub struct StaleOwnerRLock {
    mutex: RawMutex,
    owner: AtomicUsize,
    count: UnsafeCell<usize>,
}

// SAFETY (claimed, as by the real RLock): only the owner touches `count`.
// The bug makes the claim false, and that is what loom reports.
unsafe impl Sync for StaleOwnerRLock {}

impl StaleOwnerRLock {
    /// A new, unlocked lock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            mutex: RawMutex::new(),
            owner: AtomicUsize::new(NOBODY),
            count: UnsafeCell::new(0),
        }
    }

    /// Takes the lock, or one more hold of it.
    pub fn lock(&self) {
        let me = current_thread_id();
        if self.owner.load(Ordering::Relaxed) == me {
            // SAFETY (believed): we are the owner. The bug makes it untrue.
            self.count.with_mut(|count| unsafe { *count += 1 });
            return;
        }
        self.mutex.lock();
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: we hold the mutex.
        self.count.with_mut(|count| unsafe { *count = 1 });
    }

    /// Gives one hold up; the last releases the lock.
    ///
    /// # Safety
    ///
    /// The caller must hold the lock.
    pub unsafe fn unlock(&self) {
        // SAFETY: the caller owns the lock.
        let remaining = self.count.with_mut(|count| unsafe {
            *count -= 1;
            *count
        });
        if remaining == 0 {
            // BUG: the real lock stores NOBODY into `owner` here first.
            // SAFETY: the caller held the last hold, so holds the mutex.
            unsafe { self.mutex.unlock() };
        }
    }
}
