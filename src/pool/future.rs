//! A future and its promise: the outcome of work done elsewhere, as in
//! Python's `concurrent.futures.Future` (CPython's `_base.py`). The public
//! types come first; the shared state (`Core`) and its notes follow them.

use core::fmt;
use core::future::IntoFuture;
use core::num::NonZeroUsize;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::super::condvar::Condvar;
use super::super::deadline;
use super::super::facade::{Arc, AtomicU8, Ordering, UnsafeCell, current_thread_id};
use super::super::lockdep::{self, PoolTag};
use super::super::mutex::{Mutex, MutexGuard};
use super::super::timeout::Timeout;
use super::task::TaskRef;
use super::wait::Reports;

/// Where a future is in its life (CPython's `_base.py` states, by name).
///
/// ```text
/// Pending ──start──▶ Running ──finish──▶ Finished
///    │
///    └──cancel──▶ Cancelled
/// ```
///
/// No other transition exists: a running task cannot be cancelled, and a
/// cancelled one never starts.
///
/// ```
/// use turnstile::pool::{Future, FutureState};
///
/// let (future, _promise) = Future::<u8>::pending();
/// assert_eq!(future.state(), FutureState::Pending);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FutureState {
    /// Submitted, not started; can still be cancelled.
    Pending,
    /// A worker is running the task.
    Running,
    /// The task returned or panicked; the outcome is stored.
    Finished,
    /// Cancelled before it started; it never runs.
    Cancelled,
}

/// Why a future holds no value (Python: the exception `result()` raises).
///
/// ```
/// use turnstile::pool::{Future, TaskError};
///
/// let (future, promise) = Future::<u8>::pending();
/// promise.start();
/// promise.finish(Err(TaskError::Panicked("boom".into())));
/// assert_eq!(future.exception(), Some(TaskError::Panicked("boom".into())));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; the panic's message (a worker survives it).
    Panicked(String),
    /// The task was cancelled before it started (Python's `CancelledError`).
    Cancelled,
    /// The pool broke before the task ran: a worker's initializer failed
    /// (Python's `BrokenThreadPool`). The reason is the initializer's error.
    PoolBroken(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(message) => write!(f, "the task panicked: {message}"),
            Self::Cancelled => f.write_str("the task was cancelled"),
            Self::PoolBroken(reason) => write!(f, "the thread pool is broken: {reason}"),
        }
    }
}

impl std::error::Error for TaskError {}

/// The caller's side of a task: wait for its outcome and read it (as often
/// as you like, from as many threads as you like), cancel it, or ask to be
/// called back when it is done. A [`Promise`] is the runner's side;
/// [`ThreadPool::submit`](super::ThreadPool::submit) makes the pair for you,
/// [`Future::pending`] by hand.
///
/// A future can be shared, as in Python: `Future<T>` is `Sync` when `T` is,
/// so one thread can wait on `result()` while another calls `cancel()` (share
/// it by reference in scoped threads, or in an `Arc`). Reading borrows the
/// value; [`into_result`](Future::into_result) moves it out when you own the
/// future.
///
/// | Python (`concurrent.futures.Future`) | turnstile                                  |
/// |--------------------------------------|--------------------------------------------|
/// | `f.result()`                         | [`f.result()`](Future::result) → `Result<&T, TaskError>`; [`f.into_result()`](Future::into_result) moves the value out |
/// | `f.result(timeout=t)`                | [`f.result_timeout(t)`](Future::result_timeout): `Err(Timeout)` if not done in time |
/// | `f.exception()`, `exception(timeout=t)` | [`f.exception()`](Future::exception), [`f.exception_timeout(t)`](Future::exception_timeout) |
/// | `f.done()`, `f.running()`, `f.cancelled()` | `is_done()`, `is_running()`, `is_cancelled()` |
/// | `f.cancel()`                         | [`f.cancel()`](Future::cancel)             |
/// | `f.add_done_callback(fn)`            | [`f.add_done_callback(fn)`](Future::add_done_callback); `fn` gets the outcome |
/// | `wait([f], timeout=t)`               | [`f.wait_timeout(t)`](Future::wait_timeout) |
/// | `f.set_running_or_notify_cancel()`   | [`Promise::start`]                         |
/// | `f.set_result(v)`, `set_exception(e)`| [`Promise::finish`] with `Ok(v)` or `Err(e)` |
/// | `await asyncio.wrap_future(f)`       | `f.await` (see [`AsyncResult`]): the outcome, moved out |
///
/// # Examples
///
/// ```
/// use std::thread;
/// use turnstile::pool::Future;
///
/// let (future, promise) = Future::pending();
/// thread::scope(|s| {
///     s.spawn(|| assert_eq!(future.result(), Ok(&42))); // waits, by reference
///     s.spawn(|| assert!(!future.is_cancelled()));
///     promise.start();
///     promise.finish(Ok(42));
/// });
/// assert_eq!(future.result(), Ok(&42)); // ask again: same answer
/// assert_eq!(future.exception(), None);
/// assert_eq!(future.into_result(), Ok(42)); // the value, by move
/// ```
pub struct Future<T> {
    task: TaskRef<T>,
}

/// A [`Future`] being awaited: `.await` on a `Future<T>` turns it into one
/// (through [`IntoFuture`]), and it resolves to the task's outcome, moved
/// out as [`Future::into_result`] moves it. Python's `asyncio.wrap_future`
/// (what `loop.run_in_executor` returns): a task on a [`ThreadPool`]
/// awaited from any executor, without a thread blocked waiting for it.
///
/// The waiting task is woken once the outcome can be taken: when the task
/// finishes (or is cancelled, or its promise dropped), after any
/// done-callbacks have returned. Dropping an `AsyncResult` before it is
/// ready drops the task's outcome with it, as dropping the future does;
/// the task itself still runs.
///
/// Awaiting consumes the future, because the outcome is moved out; to await
/// a future that other threads also read, give them what they need first,
/// or add a done-callback.
///
/// [`ThreadPool`]: super::ThreadPool
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
pub struct AsyncResult<T> {
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

// Nothing in an `AsyncResult` relies on staying at one address: the future
// it holds is a pointer to the shared state, moved out and dropped freely.
impl<T> Unpin for AsyncResult<T> {}

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

/// The runner's side of a task: mark it started, then hand over its
/// outcome. Dropping a promise that never finished settles the future:
/// Cancelled if it had not started, Panicked if it had.
///
/// # Examples
///
/// ```
/// use turnstile::pool::{Future, TaskError};
///
/// let (future, promise) = Future::<u8>::pending();
/// drop(promise); // never started
/// assert_eq!(future.result(), Err(TaskError::Cancelled));
/// ```
pub struct Promise<T> {
    task: Option<TaskRef<T>>,
}

impl<T: Send + 'static> Future<T> {
    /// A pending future and the promise that settles it: the building block
    /// of the pool, usable on its own as a one-shot result slot.
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::pending();
    /// promise.start();
    /// promise.finish(Ok("done"));
    /// assert_eq!(future.into_result(), Ok("done"));
    /// ```
    pub fn pending() -> (Future<T>, Promise<T>) {
        let (task, runner) = TaskRef::without_closure();
        (Future { task }, Promise { task: Some(runner) })
    }

    pub(super) fn from_task(task: TaskRef<T>) -> Self {
        Future { task }
    }

    pub(super) fn core(&self) -> &Core<T> {
        self.task.core()
    }

    /// Waits until the future is done (finished or cancelled).
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::<u8>::pending();
    /// drop(promise); // cancels it
    /// future.wait();
    /// assert!(future.is_done());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait(&self) {
        // Without a deadline the wait cannot time out.
        let _ = self.wait_until(None);
    }

    /// Waits at most `timeout` for the future to be done: `Ok(())` if it is,
    /// `Err(Timeout)` if the time ran out (Python's `wait([f], timeout)`).
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::Timeout;
    ///
    /// let (future, _promise) = turnstile::pool::Future::<u8>::pending();
    /// assert_eq!(future.wait_timeout(Duration::from_millis(5)), Err(Timeout));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.wait_until(deadline::after(timeout))
    }

    /// Waits until `deadline` at most for the future to be done.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let (future, promise) = turnstile::pool::Future::pending();
    /// promise.start();
    /// promise.finish(Ok(1));
    /// assert_eq!(future.wait_deadline(Instant::now()), Ok(())); // done: no wait
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        self.wait_until(Some(deadline))
    }

    /// Waits until the future is done or `deadline` passes (`None`: no
    /// limit); the one wait behind `wait`, `wait_timeout`, `wait_deadline`
    /// and `ThreadPool::map_timeout`.
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub(super) fn wait_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let core = self.core();
        lockdep::before_future_wait(&core.pool, lockdep::caller(), deadline.is_some());
        if core.phase().is_settled() {
            return Ok(());
        }
        let mut inner = core.lock();
        core.settled
            .wait_while_until(&mut inner, deadline, |_| !core.phase().is_settled())
    }

    /// Waits for the task and borrows its value, or says why there is none.
    /// Ask as often as you like: every call gives the same answer.
    ///
    /// ```
    /// use turnstile::pool::{Future, TaskError};
    ///
    /// let (future, promise) = Future::<()>::pending();
    /// promise.start();
    /// promise.finish(Err(TaskError::Panicked("boom".into())));
    /// assert_eq!(future.result(), Err(TaskError::Panicked("boom".into())));
    /// assert_eq!(future.result(), Err(TaskError::Panicked("boom".into())));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn result(&self) -> Result<&T, TaskError> {
        self.wait();
        self.read_settled()
    }

    /// As [`result`](Self::result), waiting at most `timeout`: `Err(Timeout)`
    /// if the task is not done by then (Python's `TimeoutError`), otherwise
    /// `Ok` with the outcome.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::Timeout;
    /// use turnstile::pool::Future;
    ///
    /// let (future, promise) = Future::<u8>::pending();
    /// assert_eq!(future.result_timeout(Duration::from_millis(5)), Err(Timeout));
    /// promise.start();
    /// promise.finish(Ok(1));
    /// assert_eq!(future.result_timeout(Duration::from_millis(5)), Ok(Ok(&1)));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn result_timeout(&self, timeout: Duration) -> Result<Result<&T, TaskError>, Timeout> {
        self.wait_timeout(timeout)?;
        Ok(self.read_settled())
    }

    /// Waits for the task and returns why it failed, or `None` if it
    /// returned a value (Python's `exception()`; a cancelled future gives
    /// `Some(TaskError::Cancelled)` where Python raises `CancelledError`).
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::pending();
    /// promise.start();
    /// promise.finish(Ok(5));
    /// assert_eq!(future.exception(), None);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn exception(&self) -> Option<TaskError> {
        self.result().err()
    }

    /// As [`exception`](Self::exception), waiting at most `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::pool::{Future, TaskError};
    ///
    /// let (future, _promise) = Future::<u8>::pending();
    /// assert!(future.exception_timeout(Duration::ZERO).is_err()); // not done
    /// future.cancel();
    /// assert_eq!(future.exception_timeout(Duration::ZERO), Ok(Some(TaskError::Cancelled)));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn exception_timeout(&self, timeout: Duration) -> Result<Option<TaskError>, Timeout> {
        Ok(self.result_timeout(timeout)?.err())
    }

    /// Waits for the task and moves its value out: the cheap way to take
    /// the result when you own the future.
    ///
    /// If done-callbacks are still running on the thread that settled the
    /// future (they borrow the outcome), waits for them to return first.
    ///
    /// # Panics
    ///
    /// If called inside one of this future's own done-callbacks, on the
    /// thread running them: the value is lent to that callback, so the wait
    /// would never end. The callback's argument is the outcome.
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::new(1).unwrap();
    /// let words = pool.submit(|| vec!["chef", "eater"]).unwrap();
    /// let words: Vec<&str> = words.into_result().unwrap(); // moved, not cloned
    /// assert_eq!(words.len(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn into_result(self) -> Result<T, TaskError> {
        let core = self.core();
        lockdep::before_future_wait(&core.pool, lockdep::caller(), false);
        if core.phase().is_settled_and_quiet() {
            // SAFETY: settled (the Acquire load saw the store that followed
            // the outcome's write) and no callback is lent the outcome, nor
            // can one start: that takes a `&Future`, and `self` is the only
            // handle. Nothing else reads or writes the cell.
            let outcome = core.outcome.with_mut(|slot| unsafe { (*slot).take() });
            return outcome.expect("a settled future holds its outcome until into_result takes it");
        }
        let mut inner = core.lock();
        if inner
            .calling_back()
            .is_some_and(|thread| thread.get() == current_thread_id())
        {
            drop(inner);
            panic!(
                "Future::into_result called inside one of the future's own done-callbacks: \
                 the outcome is the callback's argument"
            );
        }
        core.settled
            .wait_while(&mut inner, |_| !core.phase().is_settled_and_quiet());
        // SAFETY: settled, so the outcome was written (under this lock); no
        // callback is running, and this is the only handle to the future
        // (`self` is owned, so no `&Future` is alive): nothing else reads it.
        let outcome = core.outcome.with_mut(|slot| unsafe { (*slot).take() });
        drop(inner);
        outcome.expect("a settled future holds its outcome until into_result takes it")
    }

    /// Cancels the task if it has not started; returns whether it is
    /// cancelled now. A cancelled task never runs; its callbacks run now, on
    /// this thread. Works from any thread while others wait.
    ///
    /// ```
    /// use turnstile::pool::Future;
    ///
    /// let (future, promise) = Future::<u8>::pending();
    /// assert!(future.cancel());
    /// assert!(!promise.start(), "a cancelled task never starts");
    /// assert!(future.is_cancelled());
    /// ```
    pub fn cancel(&self) -> bool {
        self.core().cancel()
    }

    /// The state right now. A snapshot.
    ///
    /// ```
    /// use turnstile::pool::{Future, FutureState};
    ///
    /// let (future, promise) = Future::<u8>::pending();
    /// promise.start();
    /// assert_eq!(future.state(), FutureState::Running);
    /// ```
    pub fn state(&self) -> FutureState {
        self.core().phase().state()
    }

    /// Finished or cancelled. A snapshot.
    ///
    /// ```
    /// let (future, _promise) = turnstile::pool::Future::<u8>::pending();
    /// assert!(!future.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        self.core().phase().is_settled()
    }

    /// A worker is running it. A snapshot.
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::<u8>::pending();
    /// promise.start();
    /// assert!(future.is_running());
    /// ```
    pub fn is_running(&self) -> bool {
        self.state() == FutureState::Running
    }

    /// Cancelled before it started. A snapshot.
    ///
    /// ```
    /// let (future, _promise) = turnstile::pool::Future::<u8>::pending();
    /// future.cancel();
    /// assert!(future.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.state() == FutureState::Cancelled
    }

    /// Reports `(index, raised)` to `reports` once the future is done (at
    /// once if it is): how `wait` and `as_completed` watch many futures.
    pub(super) fn watch(&self, reports: &Arc<Reports>, index: usize) {
        let core = self.core();
        let mut inner = core.lock();
        if core.phase().is_settled() {
            drop(inner);
            // SAFETY: settled, and `&self` keeps `into_result` away.
            let raised = raised(unsafe { core.outcome() });
            let _ = reports.put((index, raised));
        } else {
            inner
                .told()
                .listeners
                .push(Listener::Watcher(Arc::clone(reports), index));
        }
    }

    /// Stops reporting to `reports` (a `wait` or `as_completed` that ended).
    pub(super) fn unwatch(&self, reports: &Arc<Reports>) {
        let mut inner = self.core().lock();
        if let Some(told) = inner.told.as_mut() {
            told.listeners.retain(|listener| {
                !matches!(listener, Listener::Watcher(watcher, _) if Arc::ptr_eq(watcher, reports))
            });
        }
    }

    /// The outcome of a settled future, borrowed.
    fn read_settled(&self) -> Result<&T, TaskError> {
        // SAFETY: every caller has waited until the future is settled, and
        // `&self` keeps `into_result` away.
        unsafe { self.core().outcome() }
            .as_ref()
            .map_err(TaskError::clone)
    }
}

impl<T: Send + Sync + 'static> Future<T> {
    /// Calls `callback` with the outcome once the task is finished or
    /// cancelled: on the thread that settles it, or at once on this thread if
    /// it already is (Python's rule), even while the settling thread is still
    /// running the callbacks added before. The future is already done when
    /// the callback runs. A panicking callback is caught and reported on stderr;
    /// later callbacks still run.
    ///
    /// Needs `T: Sync`: the callback reads the value on the settling thread
    /// while other threads may read it through the future.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use turnstile::pool::Future;
    ///
    /// let seen = Arc::new(Mutex::new(None));
    /// let (future, promise) = Future::pending();
    /// let sink = Arc::clone(&seen);
    /// future.add_done_callback(move |outcome| *sink.lock().unwrap() = Some(outcome.clone()));
    /// promise.start();
    /// promise.finish(Ok(7));
    /// assert_eq!(*seen.lock().unwrap(), Some(Ok(7)));
    /// ```
    pub fn add_done_callback(&self, callback: impl FnOnce(&Result<T, TaskError>) + Send + 'static) {
        let core = self.core();
        let mut inner = core.lock();
        // Read under the lock, which `settle` holds while it sets the state
        // and takes the list: either it will find this callback there, or
        // the future is settled and the callback runs here and now, even if
        // the settling thread is still running the earlier ones (Python
        // does the same). Both read the outcome then, which `T: Sync`
        // allows, and `&self` keeps `into_result` away from both.
        if !core.phase().is_settled() {
            inner
                .told()
                .listeners
                .push(Listener::Callback(Box::new(callback)));
            return;
        }
        drop(inner);
        // SAFETY: settled, and `&self` keeps `into_result` away.
        call_back(Box::new(callback), unsafe { core.outcome() });
    }
}

impl<T: Send + 'static> Promise<T> {
    /// Marks the task running, unless it was cancelled: returns whether the
    /// runner should run it (Python's `set_running_or_notify_cancel`).
    ///
    /// ```
    /// let (_future, promise) = turnstile::pool::Future::<u8>::pending();
    /// assert!(promise.start());
    /// ```
    pub fn start(&self) -> bool {
        self.task.as_ref().is_some_and(|task| task.core().start())
    }

    /// Settles the future with the task's outcome: wakes its waiters, then
    /// runs its callbacks on this thread (each exactly once). Does nothing
    /// if the future was cancelled.
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::pending();
    /// promise.start();
    /// promise.finish(Ok("done"));
    /// assert!(future.is_done());
    /// ```
    pub fn finish(mut self, outcome: Result<T, TaskError>) {
        if let Some(task) = self.task.take() {
            task.core().finish(outcome);
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.promise_dropped();
        }
    }
}

impl<T: Send + 'static> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Future")
            .field("state", &self.state())
            .finish()
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise").finish_non_exhaustive()
    }
}

// # Implementation notes
//
// A future's state is a `Core`: one lock over the callback list and the
// watchers, the state (`phase`) in an atomic beside it, a condition variable
// for waiters, and the outcome in a write-once cell. Every transition but
// one happens under the lock, so "is it done?" and "add me to the list" are
// one step (the broken twin `UnlockedCallbackFuture` makes them two and
// loses callbacks). The state is an atomic so that it can be *read* without
// the lock: `state`, `is_done`, and a wait or `into_result` on a future that
// is already settled cost one load instead of a lock and an unlock (on the
// pool bench, pinned to one CPU, that took turnstile from 0.97x to 0.90x
// threadpool's time).
//
// The one transition without the lock is `start` (Pending → Running), which
// every pool task makes on its worker: a compare-and-swap from exactly
// Pending. Nobody waits for a start and no list changes with it, so the
// lock has nothing to guard there; what remains is the race with a cancel,
// and the cancel (under the lock) leaves Pending by a compare-and-swap too,
// to the private SETTLING phase, before it writes the outcome. Exactly one
// of the two swaps succeeds (models `future_cancel_racing_start_exactly_one_wins`
// and `pool_cancel_racing_the_worker_exactly_one_wins`; with the cancel's
// swap made a look and a store, both fail). The lock and unlock this saves
// per task took the pool bench pinned to one CPU from 0.94x to 0.88x
// threadpool's time (about 5% less per task, four alternating rounds on an
// AMD EPYC host; BENCHMARKS.md, issue 12).
//
// The outcome is written once, under the lock, in the same critical section
// that moves the state to Finished or Cancelled, and before the Release
// store of that state; a reader looks at it only after an Acquire load has
// shown it that state, so the write happens before every read. After that
// it is only read, by shared reference: by holders of `&Future` (`result`,
// `exception`, a late `add_done_callback`) and by the thread running the
// callbacks. The one exception is `into_result`, which moves it out: it owns
// the only handle, so no `&Future` is alive, and it waits until no callbacks
// run (`calling_back`, mirrored in the phase's CALLING_BACK bit so the
// lock-free check sees it). When callbacks are waiting, `settle` stores
// "settled" and "lent to the callbacks" in one store: stored one after the
// other, an `into_result` between them would take the value a callback is
// about to read (the model
// `future_into_result_arriving_during_the_callbacks_waits_for_them` catches
// exactly that). That is why a settled future can be read again and
// again, from any number of threads, without a lock.
//
// Python's order is kept: the future is done before its callbacks run, and
// `result` waiters wake before them too. A callback added once the future
// is settled runs at once on the adding thread, even while the settling
// thread still runs the earlier ones (Python's rule; the callbacks only
// read the outcome, and `T: Sync` lets them read it at the same time).

/// A done-callback: receives the outcome by reference.
type Callback<T> = Box<dyn FnOnce(&Result<T, TaskError>) + Send>;

/// Who is told when the future settles: a done-callback, or a `wait` /
/// `as_completed` watching it, told `(index, raised)` on its reports queue.
/// One list for both, so a future without either costs one empty `Vec`.
enum Listener<T> {
    Callback(Callback<T>),
    Watcher(Arc<Reports>, usize),
}

/// The future's state, shared by the future, its promise, and the pool's
/// task that holds it.
pub(super) struct Core<T> {
    /// The state, and whether callbacks are being run (see [`Phase`]).
    /// Written only under `inner`'s lock; read anywhere.
    phase: AtomicU8,
    inner: Mutex<Inner<T>>,
    /// Signalled when the future settles and when its callbacks have run.
    settled: Condvar,
    /// `None` until the future settles; then the outcome, read-only, until
    /// `into_result` takes it (see the implementation notes).
    outcome: UnsafeCell<Option<Result<T, TaskError>>>,
    /// The pool it was submitted to, for the lock-order checker (nothing
    /// without feature `lockdep`).
    pub(super) pool: PoolTag,
}

// SAFETY: the outcome is written once, under the lock, before any reader can
// see the future settled, and moved out only by `into_result`, which excludes
// every reader (see the implementation notes). Moving `T` between threads
// needs `T: Send`. Two threads read `&T` at once only through a shared
// `&Future`, which is `Sync` only when `T: Sync`, or through a done-callback,
// which `add_done_callback` accepts only when `T: Sync`.
unsafe impl<T: Send> Sync for Core<T> {}

struct Inner<T> {
    /// Who is told when the future settles, made on first use: most
    /// futures have nobody (submit, then `result`), and without the list,
    /// the waker and the thread id inline a pool task is 40 bytes smaller,
    /// which keeps a small task's one allocation in the allocator's fastest
    /// size classes (issue 12).
    told: Option<Box<Told<T>>>,
}

/// Who is told the outcome other than by `wait` (callbacks, watchers, an
/// awaiting task), and the thread telling the callbacks.
struct Told<T> {
    /// Callbacks and watchers waiting for the outcome; each told once, never
    /// under the lock.
    listeners: Vec<Listener<T>>,
    /// The task awaiting the outcome ([`AsyncResult`]), if one polled and
    /// found it not ready: woken, outside the lock, once the outcome can be
    /// taken (settled, and no callback borrowing it).
    waker: Option<Waker>,
    /// The thread running the callbacks, while one does: the outcome is lent
    /// to it, so `into_result` waits (or, on that thread, refuses). Only a
    /// future with listeners runs callbacks, so this lives beside them.
    calling_back: Option<NonZeroUsize>,
}

impl<T> Inner<T> {
    /// The list of listeners and the waker, made if there is none yet.
    fn told(&mut self) -> &mut Told<T> {
        self.told.get_or_insert_with(|| {
            Box::new(Told {
                listeners: Vec::new(),
                waker: None,
                calling_back: None,
            })
        })
    }

    fn has_listeners(&self) -> bool {
        self.told
            .as_ref()
            .is_some_and(|told| !told.listeners.is_empty())
    }

    fn take_listeners(&mut self) -> Vec<Listener<T>> {
        self.told
            .as_mut()
            .map(|told| core::mem::take(&mut told.listeners))
            .unwrap_or_default()
    }

    fn calling_back(&self) -> Option<NonZeroUsize> {
        self.told.as_ref().and_then(|told| told.calling_back)
    }

    fn take_waker(&mut self) -> Option<Waker> {
        self.told.as_mut().and_then(|told| told.waker.take())
    }
}

/// A snapshot of `Core::phase`: a [`FutureState`] in the low two bits,
/// [`Phase::CALLING_BACK`] while a thread runs the callbacks (the outcome is
/// lent to it, so `into_result` must wait), and [`Phase::SETTLING`] while a
/// cancel that has won the race with `start` settles the future.
#[derive(Clone, Copy)]
struct Phase(u8);

impl Phase {
    const CALLING_BACK: u8 = 0b100;
    /// Pending no more, settled not yet: stored by `leave_pending` and
    /// replaced by `settle` in the same critical section, so only lock-free
    /// readers ever see it, and they read it as Pending (its low bits are
    /// zero), which it still is to them: not started, not done.
    const SETTLING: u8 = 0b1000;

    fn of(state: FutureState) -> Self {
        Phase(match state {
            FutureState::Pending => 0,
            FutureState::Running => 1,
            FutureState::Finished => 2,
            FutureState::Cancelled => 3,
        })
    }

    fn state(self) -> FutureState {
        match self.0 & 0b11 {
            0 => FutureState::Pending,
            1 => FutureState::Running,
            2 => FutureState::Finished,
            _ => FutureState::Cancelled,
        }
    }

    fn is_settled(self) -> bool {
        matches!(self.state(), FutureState::Finished | FutureState::Cancelled)
    }

    /// The same state, with the CALLING_BACK bit set or cleared.
    fn calling_back(self, running: bool) -> Self {
        if running {
            Phase(self.0 | Self::CALLING_BACK)
        } else {
            Phase(self.0 & !Self::CALLING_BACK)
        }
    }

    /// Settled, and no thread is running its callbacks.
    fn is_settled_and_quiet(self) -> bool {
        self.is_settled() && self.0 & Self::CALLING_BACK == 0
    }
}

impl<T> Core<T> {
    pub(super) fn new() -> Self {
        Core {
            phase: AtomicU8::new(Phase::of(FutureState::Pending).0),
            inner: Mutex::untracked(Inner { told: None }),
            settled: Condvar::new(),
            outcome: UnsafeCell::new(None),
            pool: PoolTag::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock()
    }

    /// The phase now. Acquire: pairs with the Release in `set_phase`, so a
    /// thread that sees a settled phase also sees the outcome written
    /// before it.
    fn phase(&self) -> Phase {
        Phase(self.phase.load(Ordering::Acquire))
    }

    /// Sets the phase. The guard is only a witness: every write but
    /// `start`'s happens under the lock, and `start` changes only a Pending
    /// phase, which no caller of this one holds (a cancel has left Pending
    /// first), so this store never overwrites a start.
    fn set_phase(&self, _witness: &MutexGuard<'_, Inner<T>>, phase: Phase) {
        self.phase.store(phase.0, Ordering::Release);
    }

    /// Pending → Running, if nobody has left Pending first: returns whether
    /// it did. The one transition made without the lock (it is the one
    /// every task makes, on the worker, and nothing waits for it): a
    /// compare-and-swap from exactly Pending, which fails once a cancel has
    /// claimed the future for itself (see [`leave_pending`](Self::leave_pending)).
    #[inline]
    pub(super) fn start(&self) -> bool {
        self.swap_from_pending(Phase::of(FutureState::Running))
    }

    /// Under the lock, Pending → [`Phase::SETTLING`] if the task has not
    /// started: returns whether it had not, and the caller then settles it.
    /// A compare-and-swap, not a look and a store, because `start` does not
    /// take the lock: between a look that saw Pending and a store of
    /// Cancelled, a worker could start the task, and both would win (the
    /// broken twin `CheckThenSetStateFuture` does exactly that).
    fn leave_pending(&self, _witness: &MutexGuard<'_, Inner<T>>) -> bool {
        self.swap_from_pending(Phase(Phase::SETTLING))
    }

    /// Pending → `next` in one compare-and-swap, if the phase is exactly
    /// Pending: the one way out of Pending, shared by `start` and
    /// `leave_pending`, so at most one of them ever succeeds.
    fn swap_from_pending(&self, next: Phase) -> bool {
        self.phase
            .compare_exchange(
                Phase::of(FutureState::Pending).0,
                next.0,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    /// → Finished with `outcome`, unless it is settled already (cancelled).
    #[inline]
    pub(super) fn finish(&self, outcome: Result<T, TaskError>) {
        let inner = self.lock();
        if !self.phase().is_settled() {
            self.settle(inner, FutureState::Finished, outcome);
        }
    }

    /// Pending → Cancelled. Returns whether it is cancelled now.
    pub(super) fn cancel(&self) -> bool {
        let inner = self.lock();
        if self.leave_pending(&inner) {
            self.settle(inner, FutureState::Cancelled, Err(TaskError::Cancelled));
            return true;
        }
        // Not Pending, and under the lock it cannot become Pending again.
        self.phase().state() == FutureState::Cancelled
    }

    /// Its promise was dropped unfinished: a task that had not started is
    /// cancelled, one that had is settled as panicked (abandoned).
    pub(super) fn promise_dropped(&self) {
        let inner = self.lock();
        if self.leave_pending(&inner) {
            self.settle(inner, FutureState::Cancelled, Err(TaskError::Cancelled));
            return;
        }
        // Not Pending now; settled already, or started and abandoned.
        if self.phase().state() == FutureState::Running {
            self.settle(
                inner,
                FutureState::Finished,
                Err(TaskError::Panicked(String::from(
                    "the task was abandoned before it finished",
                ))),
            );
        }
    }

    /// Stores the outcome and moves to `state` (Finished or Cancelled), then
    /// wakes waiters and tells the listeners (Python's order: done first,
    /// callbacks after).
    fn settle<'a>(
        &'a self,
        mut inner: MutexGuard<'a, Inner<T>>,
        state: FutureState,
        outcome: Result<T, TaskError>,
    ) {
        // SAFETY: the future is not settled yet (every caller checked, under
        // this lock), so nobody reads the outcome: readers wait for the
        // settled state, which is set below in this same critical section.
        self.outcome
            .with_mut(|slot| unsafe { *slot = Some(outcome) });
        if !inner.has_listeners() {
            self.set_phase(&inner, Phase::of(state));
            self.settled.notify_all();
            let waker = inner.take_waker();
            drop(inner);
            if let Some(waker) = waker {
                waker.wake();
            }
        } else {
            // Settled and lent to this thread's callbacks in one store, so
            // `into_result`'s lock-free check never sees the one without
            // the other.
            inner.told().calling_back = NonZeroUsize::new(current_thread_id());
            self.set_phase(&inner, Phase::of(state).calling_back(true));
            self.settled.notify_all();
            self.run_callbacks(inner);
        }
    }

    /// Tells the listeners without the lock (running the callbacks with the
    /// outcome lent to them), then wakes `into_result`. No listener joins
    /// the list once the future is settled (a late callback runs at once
    /// on its own thread, a late watcher reports at once), so one pass
    /// tells them all.
    #[cold]
    fn run_callbacks<'a>(&'a self, mut inner: MutexGuard<'a, Inner<T>>) {
        let listeners = inner.take_listeners();
        drop(inner);
        // SAFETY: settled; `calling_back` keeps `into_result` away.
        let outcome = unsafe { self.outcome() };
        for listener in listeners {
            match listener {
                Listener::Callback(callback) => call_back(callback, outcome),
                // The reports queue is never closed: this put cannot fail.
                Listener::Watcher(reports, index) => {
                    let _ = reports.put((index, raised(outcome)));
                }
            }
        }
        let mut inner = self.lock();
        inner.told().calling_back = None;
        self.set_phase(&inner, self.phase().calling_back(false));
        self.settled.notify_all();
        let waker = inner.take_waker();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// [`AsyncResult`]'s poll: the outcome if it can be taken now, or
    /// `None` with `waker` registered to be woken when it can. The caller
    /// owns the only handle to the future.
    fn poll_outcome(&self, waker: &Waker) -> Option<Result<T, TaskError>> {
        if !self.phase().is_settled_and_quiet() {
            let mut inner = self.lock();
            // Looked at again under the lock, which `settle` and
            // `run_callbacks` hold when they take the waker: either they
            // have made the outcome takeable (we see it here), or they will
            // find this waker. A look outside the lock alone could miss
            // both (the broken twin `LateWakerFuture` does).
            if !self.phase().is_settled_and_quiet() {
                match &mut inner.told().waker {
                    Some(registered) if registered.will_wake(waker) => {}
                    slot => *slot = Some(waker.clone()),
                }
                return None;
            }
        }
        // SAFETY: settled and no callback is lent the outcome, nor can one
        // start (that takes a `&Future`, and the caller owns the only
        // handle): nothing else reads or writes the cell.
        let outcome = self.outcome.with_mut(|slot| unsafe { (*slot).take() });
        Some(outcome.expect("a settled future holds its outcome until it is taken"))
    }

    /// The outcome, borrowed.
    ///
    /// # Safety
    ///
    /// The caller has seen the future settled, by `phase()` (an Acquire
    /// load, so the write happened before this read), and keeps `into_result` from running
    /// while the borrow lives: it holds a `&Future`, or it is the thread
    /// running the callbacks with `calling_back` set.
    unsafe fn outcome(&self) -> &Result<T, TaskError> {
        // SAFETY: as the caller promised, the cell is written and not written
        // again while this borrow lives.
        let slot = self.outcome.with(|slot| unsafe { &*slot });
        slot.as_ref()
            .expect("a settled future holds its outcome until into_result takes it")
    }
}

/// Runs one done-callback, containing its panic: a panicking callback is
/// reported on stderr (as Python logs it) and the rest still run.
fn call_back<T>(callback: Callback<T>, outcome: &Result<T, TaskError>) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| callback(outcome))) {
        eprintln!(
            "turnstile: a done-callback panicked: {}",
            panic_message(payload.as_ref())
        );
    }
}

/// Whether an outcome counts as a failure for `WaitFor::FirstError`: a
/// panic or a broken pool, not a cancel (Python's `FIRST_EXCEPTION`).
fn raised<T>(outcome: &Result<T, TaskError>) -> bool {
    matches!(outcome, Err(error) if *error != TaskError::Cancelled)
}

/// The message of a panic payload, as `TaskError::Panicked` carries it.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("<a panic without a message>"))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::facade::run_test;
    use super::super::wait::{WaitFor, as_completed_timeout, wait_timeout};
    use super::Future;

    /// A `wait` or `as_completed` that ends takes its watchers off the
    /// futures it watched: a future that never settles must not collect one
    /// per timed-out wait. (Nothing outside can count them; a leftover one
    /// only costs memory until the future settles, which is why this is a
    /// unit test.)
    #[test]
    fn an_ended_wait_leaves_no_watcher_behind() {
        run_test(|| {
            let (future, _promise) = Future::<u8>::pending();
            let waited = wait_timeout([&future], WaitFor::AllCompleted, Duration::ZERO);
            assert_eq!(waited.pending.len(), 1);
            assert!(!future.core().lock().has_listeners());
            let yielded = as_completed_timeout([&future], Duration::ZERO).count();
            assert_eq!(yielded, 1, "the timeout alone");
            assert!(!future.core().lock().has_listeners());
        });
    }

    /// Nobody listening, nothing made: a future settled without callbacks,
    /// watchers or an awaiting task never allocates their list.
    #[test]
    fn a_future_nobody_listens_to_makes_no_listener_list() {
        run_test(|| {
            let (future, promise) = Future::pending();
            assert!(promise.start());
            promise.finish(Ok(1_u8));
            future.wait();
            assert!(future.core().lock().told.is_none());
            assert_eq!(future.into_result(), Ok(1));
        });
    }
}
