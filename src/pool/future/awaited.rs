//! [`AsyncResult`]: `future.await`, Python's `asyncio.wrap_future`. The
//! `IntoFuture` impl that makes a [`Future`] awaitable, and the poll, which
//! asks the shared state (`Core::poll_outcome` in `state.rs`) for the
//! outcome or registers the waker.

use core::fmt;
use core::future::IntoFuture;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::error::TaskError;
use super::handle::Future;

/// A [`Future`] being awaited: `.await` on a `Future<T>` turns it into one
/// (through [`IntoFuture`]), and it resolves to the task's outcome, moved
/// out as [`Future::into_result`] moves it. Python's `asyncio.wrap_future`
/// (what `loop.run_in_executor` returns): a task on a [`ThreadPool`]
/// awaited from any executor, without a thread blocked waiting for it.
///
/// The waiting task is woken once the outcome can be taken: when the task
/// finishes (or is cancelled, or its promise dropped), after any
/// done-callbacks have returned. Dropping an `AsyncResult` before it is
/// ready (the awaiting task was cancelled, or a
/// [`wait_for`](crate::event_loop::wait_for) gave up) cancels the task if it
/// has not started, as cancelling asyncio's `wrap_future` cancels the
/// `concurrent.futures` future behind it: it never runs, and its
/// done-callbacks see `Cancelled`. A task already running runs on, its
/// outcome dropped.
///
/// Awaiting consumes the future, because the outcome is moved out; to await
/// a future that other threads also read, give them what they need first,
/// or add a done-callback.
///
/// [`ThreadPool`]: super::super::ThreadPool
///
/// # Examples
///
/// ```
/// use std::task::{Context, Poll, Waker};
/// use turnstile::ThreadPool;
///
/// // Any executor drives it; here, a minimal one: poll, and wait for the
/// // wake-up by polling again (`Waker::noop()` wakes nothing).
/// fn block_on<F: std::future::Future>(future: F) -> F::Output {
///     let mut future = std::pin::pin!(future);
///     let mut context = Context::from_waker(Waker::noop());
///     loop {
///         if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
///             return output;
///         }
///         std::thread::yield_now();
///     }
/// }
///
/// let pool = ThreadPool::new(2).unwrap();
/// let answer = pool.submit(|| 6 * 7).unwrap();
/// assert_eq!(block_on(async { answer.await }), Ok(42));
/// ```
#[must_use = "an awaited future does nothing unless polled"]
pub struct AsyncResult<T: Send + 'static> {
    future: Option<Future<T>>,
}

impl<T: Send + 'static> IntoFuture for Future<T> {
    type Output = Result<T, TaskError>;
    type IntoFuture = AsyncResult<T>;

    /// The future as something to `.await`: see [`AsyncResult`].
    ///
    /// ```
    /// use std::future::IntoFuture;
    /// use turnstile::pool::Future;
    ///
    /// let (future, promise) = Future::pending();
    /// promise.start();
    /// promise.finish(Ok("done"));
    /// let awaited = future.into_future(); // what `.await` does first
    /// # drop(awaited);
    /// ```
    fn into_future(self) -> AsyncResult<T> {
        AsyncResult { future: Some(self) }
    }
}

impl<T: Send + 'static> Drop for AsyncResult<T> {
    /// Not ready yet: nobody will take the outcome, so a task that has not
    /// started need not run (`cancel` does nothing to one that has).
    fn drop(&mut self) {
        if let Some(future) = self.future.take() {
            future.cancel();
        }
    }
}

// Nothing in an `AsyncResult` relies on staying at one address: the future
// it holds is a pointer to the shared state, moved out and dropped freely.
impl<T: Send + 'static> Unpin for AsyncResult<T> {}

impl<T: Send + 'static> core::future::Future for AsyncResult<T> {
    type Output = Result<T, TaskError>;

    /// Ready with the outcome once it can be taken; otherwise registers the
    /// context's waker (the latest poll's replaces an earlier one) and is
    /// pending.
    ///
    /// # Panics
    ///
    /// If polled again after it was ready, as futures may.
    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let future = self
            .future
            .as_ref()
            .expect("AsyncResult polled after it was ready");
        match future.core().poll_outcome(context.waker()) {
            Some(outcome) => {
                self.future = None;
                Poll::Ready(outcome)
            }
            None => Poll::Pending,
        }
    }
}

impl<T: Send + 'static> fmt::Debug for AsyncResult<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.future.as_ref().map(Future::state);
        f.debug_struct("AsyncResult")
            .field("state", &state)
            .finish()
    }
}
