//! Blocking work off the loop: `run_in_executor` (Python's
//! `loop.run_in_executor(pool, func)`).
//!
//! A coroutine that calls something blocking (a `std::thread::sleep`, a
//! big computation, a file read) stops the whole loop until it returns:
//! nothing else runs on the loop's thread meanwhile. Handing the call to a
//! [`ThreadPool`] and awaiting its future keeps the loop free: the pool's
//! worker blocks instead, and its future wakes the task when it is done.

use super::super::pool::{AsyncResult, SubmitError, ThreadPool};

/// Runs `task` on `pool` and returns a future of its result, to await in a
/// coroutine (Python's `await loop.run_in_executor(pool, func)`). The same
/// as `pool.submit(task)` and awaiting the future (see
/// [`AsyncResult`]); an error, handing `task` back, if the pool refuses it.
///
/// ```
/// use std::time::Duration;
/// use turnstile::ThreadPool;
/// use turnstile::event_loop::{run, run_in_executor, sleep};
///
/// let pool = ThreadPool::new(1).unwrap();
/// let total = run(async {
///     let blocking = run_in_executor(&pool, || {
///         std::thread::sleep(Duration::from_millis(20)); // blocks a worker, not the loop
///         (1..=10).sum::<u32>()
///     })
///     .unwrap_or_else(|_| panic!("the pool is running"));
///     sleep(Duration::from_millis(1)).await; // the loop runs on meanwhile
///     blocking.await.unwrap()
/// });
/// assert_eq!(total, 55);
/// ```
pub fn run_in_executor<F, T>(pool: &ThreadPool, task: F) -> Result<AsyncResult<T>, SubmitError<F>>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    pool.submit(task).map(core::future::IntoFuture::into_future)
}
