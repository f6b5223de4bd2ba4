//! [`Pool`]: Python's `multiprocessing.Pool`, worker processes that run
//! functions of this program, with turnstile's own
//! [`pool::Future`](super::super::pool::Future) for each task.
//!
//! `apply_async(f, arg)` queues a task and returns a future at once: the
//! same future a [`ThreadPool`](super::super::ThreadPool) gives, so
//! `result()`, `result_timeout`, done-callbacks, `pool::wait` and
//! `pool::as_completed` work on it unchanged. The function travels as its
//! place in the program (each worker runs this same binary; see
//! [`Process`](super::Process)), its argument and result as postcard
//! bytes over the worker's [`Connection`](super::Connection).
//!
//! **A worker that dies mid-task fails that task, clearly, and is
//! replaced.** Python's pool leaves such a task's `get()` waiting forever.
//! Here its future holds
//! [`TaskError::WorkerDied`](super::super::pool::TaskError::WorkerDied)
//! with the pid and how it ended ("killed by signal 9 (SIGKILL)"), the
//! other tasks go on, and a new worker takes its place.
//!
//! | Python (`multiprocessing`)                 | turnstile                                       | what differs |
//! |--------------------------------------------|-------------------------------------------------|--------------|
//! | `Pool(3)`                                  | `Pool::new(3)?`                                 | the program's `main` calls `process::init()` first |
//! | `Pool(initializer=f, initargs=(a,))`       | `Pool::builder().initializer(f, a).build()?`    | a failing initializer breaks the pool instead of restarting workers forever |
//! | `Pool(maxtasksperchild=n)`                 | `builder().max_tasks_per_child(n)`              | |
//! | `r = pool.apply_async(f, (a,))`            | `let r = pool.apply_async(f, a)?;`              | `f` is a `fn`, not a closure; one argument (a tuple for more) |
//! | `r.get()`, `r.get(timeout)`, `r.ready()`   | `r.result()`, `r.result_timeout(t)`, `r.is_done()` | a `pool::Future` |
//! | `apply_async(callback=cb, error_callback=e)` | `r.add_done_callback(cb)` (gets the outcome)  | |
//! | `pool.apply(f, (a,))`                      | `pool.apply(f, a)`                              | |
//! | `pool.map(f, items)`, `imap(f, items)`     | `pool.map(f, items)`, `pool.imap(f, items)`     | no `chunksize` |
//! | `pool.close()`, `pool.join()`              | `pool.close()`, `pool.join()`                   | |
//! | `pool.terminate()`, `with Pool() as p:`    | `pool.terminate()`, dropping the pool           | SIGKILL; unfinished tasks fail with `TaskError::Terminated` instead of waiting forever |
//! | a worker killed mid-task: `get()` hangs    | `TaskError::WorkerDied { pid, exitcode }`       | |
//!
//! # Examples
//!
//! ```no_run
//! use turnstile::process::Pool;
//!
//! fn cube(n: u64) -> u64 {
//!     n * n * n
//! }
//!
//! fn main() {
//!     turnstile::process::init(); // a worker runs `cube` here and exits
//!     let pool = Pool::new(3).unwrap();
//!     let futures: Vec<_> = (1..=5).map(|n| pool.apply_async(cube, n).unwrap()).collect();
//!     pool.close();
//!     pool.join().unwrap();
//!     let cubes: Vec<u64> = futures.into_iter().map(|f| f.into_result().unwrap()).collect();
//!     assert_eq!(cubes, [1, 8, 27, 64, 125]);
//! }
//! ```

// The files behind this door:
//   pool.rs     Pool, Builder: start, apply_async/apply, close/join/terminate
//   map.rs      Pool::map, Pool::imap and its iterator Imap
//   minder.rs   the parent side: one minder thread per worker, their shared state
//   worker.rs   the child side: the loop a worker process runs
//   wire.rs     the messages between them
//   job.rs      a queued task and the promise that settles its future
//   error.rs    PoolError, ApplyError, StillRunning

mod error;
mod job;
mod map;
mod minder;
#[allow(clippy::module_inception)] // the pool's own file, beside its door
mod pool;
mod wire;
mod worker;

pub use error::{ApplyError, PoolError, StillRunning};
pub use map::Imap;
pub use pool::{Builder, Pool};
