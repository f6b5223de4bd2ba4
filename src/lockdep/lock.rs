//! The lock that lockdep's own state sits behind: a [`RawMutex`] and a cell,
//! and nothing else.
//!
//! lockdep watches `Mutex`, `RLock` and everything built on them, so it
//! cannot keep its registry and graph behind a `Mutex` without standing
//! both above and below the thing it checks. Linux's lockdep has the same
//! problem and the same answer: its graph is guarded by a raw lock that
//! lockdep does not track. Here that lock is the raw lock every primitive
//! starts from, one floor down, so the imports run one way:
//! `mutex.rs → lockdep/ → raw_mutex.rs → facade`.
//!
//! Compiled twice like the primitives: in the model copy (beside the
//! graph, `src/model/lockdep.rs`) its raw lock is loom's, so the graph's
//! model still checks the locking.

use core::ops::{Deref, DerefMut};

use super::super::facade::{UnsafeCell, const_fn};
use super::super::raw_mutex::RawMutex;

/// A value behind a raw lock that no lock-order hook sees
/// (`static REGISTRY: RawLocked<Vec<..>> = RawLocked::new(Vec::new());`).
pub(crate) struct RawLocked<T> {
    raw: RawMutex,
    data: UnsafeCell<T>,
}

// SAFETY: the value is reached only through a guard, and a guard exists
// only while its thread holds `raw`: one thread at a time, so moving access
// between threads is all that happens, which `T: Send` allows.
unsafe impl<T: Send> Sync for RawLocked<T> {}

impl<T> RawLocked<T> {
    const_fn! {
        /// An unlocked value.
        pub(crate) fn new(value: T) -> Self {
            Self { raw: RawMutex::new(), data: UnsafeCell::new(value) }
        }
    }

    /// Locks, waiting as long as it takes (lockdep's critical sections are
    /// short and call out to nothing that locks).
    pub(crate) fn lock(&self) -> RawLockedGuard<'_, T> {
        self.raw.lock();
        RawLockedGuard { locked: self }
    }
}

/// Holds a [`RawLocked`]'s lock; unlocks when dropped, unwinding included.
pub(crate) struct RawLockedGuard<'a, T> {
    locked: &'a RawLocked<T>,
}

impl<T> Deref for RawLockedGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the guard's thread holds the lock, so no other thread
        // reaches the value; the borrow ends with `&self`, before the unlock.
        self.locked.data.with(|data| unsafe { &*data })
    }
}

impl<T> DerefMut for RawLockedGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`, and `&mut self` rules out a second borrow
        // through this guard.
        self.locked.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T> Drop for RawLockedGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: the guard was made right after `lock` took the raw lock,
        // it is the only one to release it, and drop runs once.
        unsafe { self.locked.raw.unlock() }
    }
}
