//! What a process [`Condition`](super::condition::Condition) waits with:
//! the locks it can be built on ([`Lock`], [`RLock`]), how their guards let
//! go and take back every level around a wait, and [`WaitError`].

use core::fmt;

use super::mutex::{Lock, LockGuard};
use super::raw_lock::{Acquired, RawProcessLock};
use super::rlock::{RLock, RLockGuard};

/// How many threads (of all processes) may wait on one
/// [`Condition`](super::condition::Condition) at once.
pub const WAITER_SLOTS: usize = 64;

/// Why a [`Condition`](super::condition::Condition) wait ended without a clean notify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitError {
    /// A timed wait's time ran out (the lock is held again).
    Timeout,
    /// The lock is held again, but a holder died holding it while this
    /// thread waited: the data may be half-written (see [`OwnerDied`](super::OwnerDied)).
    OwnerDied,
    /// [`WAITER_SLOTS`] threads wait already: this one did not wait, and
    /// still holds the lock.
    TooManyWaiters,
}

impl fmt::Display for WaitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out waiting on the condition"),
            Self::OwnerDied => f.write_str(
                "the condition's lock is held again, but a holder died holding it meanwhile",
            ),
            Self::TooManyWaiters => write!(
                f,
                "{WAITER_SLOTS} threads wait on this condition already; this one did not wait"
            ),
        }
    }
}

impl std::error::Error for WaitError {}

mod sealed {
    pub trait Sealed {}
}

/// A process lock a [`Condition`](super::condition::Condition) can be built on: [`Lock`] or [`RLock`].
pub trait ConditionLock: sealed::Sealed {
    #[doc(hidden)]
    fn raw(&self) -> &RawProcessLock;
}

/// A guard a [`Condition`](super::condition::Condition) can let go of while it waits: a [`Lock`]'s or
/// an [`RLock`]'s (all of whose levels are let go, then restored).
pub trait ConditionGuard: sealed::Sealed {
    #[doc(hidden)]
    fn raw(&self) -> &RawProcessLock;
    #[doc(hidden)]
    fn let_go(&mut self) -> u32;
    #[doc(hidden)]
    fn take_back(&mut self, saved: u32) -> Acquired;
}

impl sealed::Sealed for Lock {}
impl sealed::Sealed for RLock {}
impl sealed::Sealed for LockGuard<'_> {}
impl sealed::Sealed for RLockGuard<'_> {}

impl ConditionLock for Lock {
    fn raw(&self) -> &RawProcessLock {
        self.raw_lock()
    }
}

impl ConditionLock for RLock {
    fn raw(&self) -> &RawProcessLock {
        self.raw_lock()
    }
}

impl ConditionGuard for LockGuard<'_> {
    fn raw(&self) -> &RawProcessLock {
        self.raw_lock()
    }

    fn let_go(&mut self) -> u32 {
        // SAFETY: the guard proves this thread holds it; `take_back`
        // takes it again before the guard can be used or dropped.
        unsafe { self.raw_lock().unlock() };
        0
    }

    fn take_back(&mut self, _saved: u32) -> Acquired {
        self.raw_lock().lock()
    }
}

impl ConditionGuard for RLockGuard<'_> {
    fn raw(&self) -> &RawProcessLock {
        self.lock_word()
    }

    fn let_go(&mut self) -> u32 {
        self.release_all()
    }

    fn take_back(&mut self, saved: u32) -> Acquired {
        self.restore(saved)
    }
}
