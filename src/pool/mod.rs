//! A thread pool with futures and done-callbacks: Python's
//! `concurrent.futures.ThreadPoolExecutor`, built on turnstile's own queue.
//!
//! [`ThreadPool::submit`] hands a closure to a fixed set of worker threads
//! and returns a [`Future`]: [`result`](Future::result) waits for the value,
//! [`add_done_callback`](Future::add_done_callback) runs code as soon as the
//! task has an outcome, [`cancel`](Future::cancel) stops a task that has not
//! started. A panicking task never kills its worker: its future holds
//! [`TaskError::Panicked`] with the message. Dropping the pool waits for the
//! submitted work, like `with ThreadPoolExecutor() as pool:`.
//!
//! | Python (`concurrent.futures`)          | turnstile                                |
//! |----------------------------------------|------------------------------------------|
//! | `ThreadPoolExecutor(max_workers=4)`    | `ThreadPool::new(4)?`                    |
//! | `ThreadPoolExecutor(thread_name_prefix=p)` | `ThreadPool::builder().thread_name(p)` |
//! | `fut = pool.submit(fn)`                | `let fut = pool.submit(f)?;`             |
//! | `fut.result()` / `result(timeout=t)`   | `fut.result()` (borrows; ask again) or `fut.into_result()` (moves) / `fut.result_timeout(t)` |
//! | `fut.exception()`                      | `fut.exception()`                        |
//! | `fut.add_done_callback(cb)`            | `fut.add_done_callback(cb)` (gets the outcome) |
//! | `fut.cancel()`, `done()`, `running()`, `cancelled()` | `cancel()`, `is_done()`, `is_running()`, `is_cancelled()` |
//! | `pool.shutdown()` / `shutdown(wait=False)` / `shutdown(cancel_futures=True)` | `pool.shutdown()` / `shutdown_background()` / `shutdown_now()` |
//! | `RuntimeError` on submit after shutdown| `Err(SubmitError::ShutDown(f))`, closure handed back |
//! | `initializer=f`, `BrokenThreadPool`    | `builder().initializer(f)`, `SubmitError::Broken`, `TaskError::PoolBroken` |
//! | `pool.map(fn, items)`, `timeout=t`     | `pool.map(f, items)`, [`map_timeout`](ThreadPool::map_timeout) (results in item order) |
//! | `as_completed(fs)`, `timeout=t`        | [`as_completed`], [`as_completed_timeout`] (borrow the futures) |
//! | `wait(fs, return_when)`, `timeout=t`   | [`wait`], [`wait_timeout`] with [`WaitFor`] |
//! | default `max_workers`: `min(32, cpu_count + 4)` | the same (see [`Builder::workers`]) |

//!
//! # Examples
//!
//! ```
//! use turnstile::ThreadPool;
//!
//! let pool = ThreadPool::new(2).unwrap();
//! let squares: Vec<_> = (1..=4u64).map(|n| pool.submit(move || n * n).unwrap()).collect();
//! let total: u64 = squares.iter().map(|f| f.result().unwrap()).sum();
//! assert_eq!(total, 1 + 4 + 9 + 16);
//! ```

// The files (a door: each child imports its siblings directly, not through
// the re-exports below):
// - `thread_pool.rs`: `ThreadPool`, its `Builder`, `submit`, shutdown;
// - `worker.rs`: the loop each worker runs, and what breaks the pool;
// - `map.rs`: `ThreadPool::map` / `map_timeout` and their iterators;
// - `error.rs`: `PoolError`, `SubmitError`;
// - `task.rs`: a submitted closure and its future's state in one
//   allocation, as the queue holds it;
// - `future/`: `Future`, `Promise`, `AsyncResult`, `TaskError`, usable
//   without a pool (its own door lists its files);
// - `wait.rs`: `wait` and `as_completed` over many futures.

mod error;
mod future;
mod map;
mod task;
mod thread_pool;
mod wait;
mod worker;

pub use error::{PoolError, SubmitError};
pub(crate) use future::panic_message;
pub use future::{AsyncResult, Future, FutureState, Promise, TaskError};
pub use map::{Map, MapTimeout};
pub use thread_pool::{Builder, ThreadPool};
pub use wait::{
    AsCompleted, AsCompletedTimeout, WaitFor, Waited, as_completed, as_completed_timeout, wait,
    wait_timeout,
};
