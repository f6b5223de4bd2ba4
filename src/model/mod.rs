//! The same primitives, compiled a second time against loom (feature `model`).
//!
//! Each `#[path]` below names a file that the normal build also compiles. The
//! file says `super::facade`, and here `super` is this module, whose
//! `facade` is loom's. So this module is not a copy and not a simplified
//! re-implementation: it is the source users import, with loom's atomics,
//! cells and threads underneath. Its types only work inside `loom::model`.
//!
//! Beside the real primitives sit [`broken`] twins with one deliberate bug
//! each, and the notes' [`lessons`]; the tests in `tests/model_*.rs` run the
//! same properties against the real and the broken, and pass only when loom
//! accepts the first and catches the second.
//!
//! ```ignore
//! loom::model(|| {
//!     let lock = loom::sync::Arc::new(turnstile::model::Mutex::new(0));
//!     // spawn loom threads that lock it ...
//! });
//! ```

// Loading each file a second time is the point of this module.
#![allow(clippy::duplicate_mod)]

// The copies of the primitives (and the twins and lessons beside them) are
// left out when rustdoc collects doctests: their examples already run once,
// from the normal build. The runner, the recorded atomics and cells and
// the threads are compiled once, here, and their examples run.

#[cfg(not(doctest))]
#[path = "../barrier.rs"]
pub mod barrier;
#[cfg(not(doctest))]
#[path = "../condvar.rs"]
pub mod condvar;
#[cfg(not(doctest))]
#[path = "../deadline.rs"]
mod deadline;
#[cfg(not(doctest))]
#[path = "../event.rs"]
pub mod event;
mod facade;
#[cfg(not(doctest))]
#[path = "../mutex.rs"]
pub mod mutex;
#[cfg(not(doctest))]
#[path = "../pool/mod.rs"]
pub mod pool;
#[cfg(not(doctest))]
#[path = "../queue/mod.rs"]
pub mod queue;
#[cfg(not(doctest))]
#[path = "../raw_mutex.rs"]
pub mod raw_mutex;
#[cfg(not(doctest))]
#[path = "../rlock.rs"]
pub mod rlock;
#[cfg(not(doctest))]
#[path = "../semaphore.rs"]
pub mod semaphore;
#[cfg(not(doctest))]
#[path = "../timeout.rs"]
pub mod timeout;
#[cfg(not(doctest))]
#[path = "../timer.rs"]
pub mod timer;

#[cfg(not(doctest))]
pub mod broken;
mod check;
#[cfg(not(doctest))]
pub mod lessons;
pub mod thread;
mod trace;

pub use check::{DEFAULT_PREEMPTIONS, Failure, Model, check};

#[cfg(not(doctest))]
pub use barrier::{Barrier, BarrierError, BarrierWaitResult, ZeroParties};
#[cfg(not(doctest))]
pub use condvar::{Condvar, Relock};
#[cfg(not(doctest))]
pub use event::Event;
#[cfg(not(doctest))]
pub use mutex::{Lock, LockGuard, Mutex, MutexGuard};
#[cfg(not(doctest))]
pub use pool::{PoolError, SubmitError, TaskError, ThreadPool};
#[cfg(not(doctest))]
pub use queue::{
    FifoQueue, GetError, GetTimeoutError, LifoQueue, PriorityQueue, PutError, PutTimeoutError,
    Queue, TaskDoneError, TryGetError, TryPutError, ZeroCapacity,
};
#[cfg(not(doctest))]
pub use raw_mutex::RawMutex;
#[cfg(not(doctest))]
pub use rlock::{RLock, RLockGuard};
#[cfg(not(doctest))]
pub use semaphore::{
    AcquireTimeoutError, BoundedSemaphore, ExceedsBound, OverRelease, OwnedSemaphorePermit,
    Semaphore, SemaphorePermit, TryAcquireError,
};
#[cfg(not(doctest))]
pub use timeout::Timeout;
#[cfg(not(doctest))]
pub use timer::Timer;

/// Atomics and `Arc` for models: loom's, with each atomic operation in the
/// timeline. Use them in a model instead of `std::sync` (see the module
/// docs for switching a module's imports).
pub mod sync {
    /// The `Arc` models share data in: loom's, which checks that every
    /// clone is dropped.
    ///
    /// ```
    /// turnstile::model::check(|| {
    ///     let shared = turnstile::model::sync::Arc::new(5);
    ///     assert_eq!(*shared, 5);
    /// });
    /// ```
    pub use super::facade::Arc;

    /// Atomics whose every operation loom explores and the timeline shows.
    ///
    /// ```
    /// use turnstile::model::sync::atomic::{AtomicBool, Ordering};
    ///
    /// turnstile::model::check(|| {
    ///     let flag = AtomicBool::new(false);
    ///     assert_eq!(flag.swap(true, Ordering::AcqRel), false);
    ///     assert!(flag.load(Ordering::Acquire));
    /// });
    /// ```
    pub mod atomic {
        pub use super::super::facade::Ordering;
        pub use super::super::facade::{
            AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicUsize, fence,
        };
    }
}

/// A cell whose every access loom checks for races, and the timeline shows.
///
/// ```
/// use turnstile::model::cell::UnsafeCell;
///
/// turnstile::model::check(|| {
///     let cell = UnsafeCell::new(1);
///     // SAFETY: one thread, no other access.
///     cell.with_mut(|n| unsafe { *n += 1 });
///     assert_eq!(cell.with(|n| unsafe { *n }), 2);
/// });
/// ```
pub mod cell {
    pub use super::facade::UnsafeCell;
}
