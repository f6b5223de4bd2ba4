//! The same primitives, compiled a second time against loom (feature
//! `model`), and the tools to model-check code built on them: yours too.
//!
//! Each `#[path]` below names a file that the normal build also compiles. The
//! file says `super::facade`, and here `super` is this module, whose
//! `facade` is loom's. So this module is not a copy and not a simplified
//! re-implementation: it is the source users import, with loom's atomics,
//! cells and threads underneath. Its types only work inside a model run.
//!
//! Beside the real primitives sit [`broken`] twins with one deliberate bug
//! each, and the notes' [`lessons`]; the tests in `tests/model_*.rs` run the
//! same properties against the real and the broken, and pass only when loom
//! accepts the first and catches the second.
//!
//! # Model-checking your own code
//!
//! Turn the feature on for your tests (`turnstile = { version = "…",
//! features = ["model"] }` under `[dev-dependencies]`), then:
//!
//! 1. **Write the code once, against names you import.** Where your code
//!    says `turnstile::Mutex`, `std::sync::Arc`, `std::sync::atomic::*` or
//!    `std::thread`, let it say `Mutex`, `Arc`, `AtomicUsize`, `thread`, and
//!    import those from `turnstile` and `std` in the real build and from
//!    `turnstile::model` ([`Mutex`], [`sync::Arc`], [`sync::atomic`],
//!    [`thread`]) in the check. A module behind `#[cfg(loom)]` /
//!    `#[cfg(not(loom))]` imports does it for a crate (run the check with
//!    `RUSTFLAGS="--cfg loom"`); `examples/booking_model.rs` includes one
//!    source file twice, once under each set of imports, which needs no
//!    flag at all.
//! 2. **Run a model**: [`check`] (or [`Model`], to set the preemption
//!    bound) runs a closure in every schedule loom explores. Spawn at most
//!    three threads and keep the work to a handful of steps: loom's search
//!    grows very fast with both.
//! 3. **Read the failure**: if a schedule fails, [`check`] prints it as a
//!    timeline, one column per thread and one row per step with the line
//!    of your code (or of turnstile's) that took it, then panics. A test
//!    that *expects* loom to find a bug calls [`Model::find_failure`] and
//!    gets the [`Failure`] to look at.
//!
//! ```
//! use turnstile::model::{self, Mutex, sync::Arc, thread};
//!
//! // The code under test: with the lock, no update is lost.
//! fn add_one(total: &Mutex<u32>) {
//!     *total.lock() += 1;
//! }
//!
//! model::check(|| {
//!     let total = Arc::new(Mutex::new(0));
//!     let other = {
//!         let total = Arc::clone(&total);
//!         thread::spawn(move || add_one(&total))
//!     };
//!     add_one(&total);
//!     other.join().unwrap();
//!     assert_eq!(*total.lock(), 2);
//! });
//! ```
//!
//! The types here work only inside a run of [`check`] or [`Model`] (or of
//! `loom::model` itself, without the timeline): outside one, loom panics.
//! loom is pinned to exactly 0.7.2: the model facade leans on behaviour
//! loom does not promise across versions (how it names threads, the text
//! of its deadlock report, that its condition variables never wake
//! spuriously), and a crate that uses `loom` beside `turnstile::model` must
//! use the same version, since the types are shared.

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
#[path = "../barrier_async.rs"]
mod barrier_async;
#[cfg(not(doctest))]
#[path = "../condvar.rs"]
pub mod condvar;
#[cfg(not(doctest))]
#[path = "../condvar_async.rs"]
mod condvar_async;
#[cfg(not(doctest))]
#[path = "../deadline.rs"]
mod deadline;
#[cfg(not(doctest))]
#[path = "../event.rs"]
pub mod event;
mod facade;
#[cfg(not(doctest))]
pub mod lockdep;
#[cfg(not(doctest))]
#[path = "../mutex.rs"]
pub mod mutex;
#[cfg(not(doctest))]
#[path = "../mutex_async.rs"]
mod mutex_async;
#[cfg(not(doctest))]
#[path = "../pool/mod.rs"]
pub mod pool;
#[cfg(not(doctest))]
pub mod process;
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
#[path = "../semaphore/mod.rs"]
pub mod semaphore;
#[cfg(not(doctest))]
#[path = "../sleep_flag.rs"]
pub mod sleep_flag;
#[cfg(not(doctest))]
#[path = "../timeout.rs"]
pub mod timeout;
#[cfg(not(doctest))]
#[path = "../timer.rs"]
pub mod timer;
#[cfg(not(doctest))]
#[path = "../wakers.rs"]
mod wakers;

#[cfg(not(doctest))]
pub mod broken;
mod check;
#[cfg(not(doctest))]
pub mod lessons;
mod shared_futex;
pub mod thread;
mod timeline;
mod trace;

pub use check::{DEFAULT_PREEMPTIONS, Failure, Model, check};

#[cfg(not(doctest))]
pub use barrier::{Barrier, BarrierError, BarrierWaitResult, ZeroParties};
#[cfg(not(doctest))]
pub use barrier_async::BarrierWait;
#[cfg(not(doctest))]
pub use condvar::{Condvar, Relock};
#[cfg(not(doctest))]
pub use condvar_async::CondvarWait;
#[cfg(not(doctest))]
pub use event::{Event, EventWait};
#[cfg(not(doctest))]
pub use mutex::{Lock, LockGuard, Mutex, MutexGuard};
#[cfg(not(doctest))]
pub use mutex_async::MutexLock;
#[cfg(not(doctest))]
pub use pool::{PoolError, SubmitError, TaskError, ThreadPool};
#[cfg(not(doctest))]
pub use queue::{
    FifoQueue, GetError, GetTimeoutError, LifoQueue, PriorityQueue, PutError, PutTimeoutError,
    Queue, QueueJoin, TaskDoneError, TryGetError, TryPutError, ZeroCapacity,
};
#[cfg(not(doctest))]
pub use raw_mutex::RawMutex;
#[cfg(not(doctest))]
pub use rlock::{RLock, RLockGuard};
#[cfg(not(doctest))]
pub use semaphore::{
    AcquireTimeoutError, BoundedSemaphore, ExceedsBound, OverRelease, OwnedSemaphorePermit,
    Semaphore, SemaphoreAcquire, SemaphorePermit, TryAcquireError,
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
