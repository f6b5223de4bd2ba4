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

#[path = "../barrier.rs"]
pub mod barrier;
#[path = "../condvar.rs"]
pub mod condvar;
#[path = "../deadline.rs"]
mod deadline;
#[path = "../event.rs"]
pub mod event;
mod facade;
#[path = "../mutex.rs"]
pub mod mutex;
#[path = "../pool/mod.rs"]
pub mod pool;
#[path = "../queue/mod.rs"]
pub mod queue;
#[path = "../raw_mutex.rs"]
pub mod raw_mutex;
#[path = "../rlock.rs"]
pub mod rlock;
#[path = "../semaphore.rs"]
pub mod semaphore;
#[path = "../timeout.rs"]
pub mod timeout;
#[path = "../timer.rs"]
pub mod timer;

pub mod broken;
pub mod lessons;

pub use barrier::{Barrier, BarrierError, BarrierWaitResult, ZeroParties};
pub use condvar::{Condvar, Relock};
pub use event::Event;
pub use mutex::{Lock, LockGuard, Mutex, MutexGuard};
pub use pool::{PoolError, SubmitError, TaskError, ThreadPool};
pub use queue::{
    FifoQueue, GetError, GetTimeoutError, LifoQueue, PriorityQueue, PutError, PutTimeoutError,
    Queue, TaskDoneError, TryGetError, TryPutError, ZeroCapacity,
};
pub use raw_mutex::RawMutex;
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{
    AcquireTimeoutError, BoundedSemaphore, ExceedsBound, OverRelease, OwnedSemaphorePermit,
    Semaphore, SemaphorePermit, TryAcquireError,
};
pub use timeout::Timeout;
pub use timer::Timer;
