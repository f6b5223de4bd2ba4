//! A future and its promise: the outcome of work done elsewhere, as in
//! Python's `concurrent.futures.Future` (CPython's `_base.py`). Nothing in
//! this directory knows the thread pool: a future made by
//! [`Future::pending`] works on its own, and the pool's task
//! (`pool/task.rs`) reaches a future only through what is exported here,
//! as CPython's `_base.Future` knows nothing of `thread.py`'s `_WorkItem`.
//!
//! | file         | holds                                                          |
//! |--------------|----------------------------------------------------------------|
//! | `handle.rs`  | [`Future`], the caller's side: wait, read, cancel, callbacks   |
//! | `promise.rs` | [`Promise`], the runner's side: start, finish                  |
//! | `awaited.rs` | [`AsyncResult`]: `future.await`                                |
//! | `phase.rs`   | [`FutureState`], and the phase word the state is kept in       |
//! | `error.rs`   | [`TaskError`], and the message of a panic                      |
//! | `state.rs`   | `Core`, the shared state: the lock, the write-once outcome, settling, and the implementation notes |
//! | `settler.rs` | `Settler`, what holds the state (a pool task, or nothing more), and `CoreRef`, the handle on it |

mod awaited;
mod error;
mod handle;
mod phase;
mod promise;
mod settler;
mod state;

pub use awaited::AsyncResult;
pub use error::TaskError;
pub(crate) use error::panic_message;
pub use handle::Future;
pub use phase::FutureState;
pub use promise::Promise;
pub(super) use settler::{CoreRef, Settler};
pub(super) use state::{Core, Reports};
