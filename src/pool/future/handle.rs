//! [`Future`], the caller's side of a task: wait for the outcome and read
//! it, cancel, add done-callbacks, and the watching that `pool/wait.rs`
//! builds `wait` and `as_completed` on. The runner's side is
//! `promise.rs`, `.await` is `awaited.rs`, and the state both share is
//! `state.rs`.

use core::fmt;
use std::time::{Duration, Instant};

use super::super::super::deadline;
use super::super::super::facade::{Arc, current_thread_id};
use super::super::super::lockdep;
use super::super::super::timeout::Timeout;
use super::error::TaskError;
use super::phase::FutureState;
use super::promise::Promise;
use super::settler::CoreRef;
use super::state::{Core, Listener, Reports, call_back, raised};

/// The caller's side of a task: wait for its outcome and read it (as often
/// as you like, from as many threads as you like), cancel it, or ask to be
/// called back when it is done. A [`Promise`] is the runner's side;
/// [`ThreadPool::submit`](super::super::ThreadPool::submit) makes the pair for you,
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
/// | `await asyncio.wrap_future(f)`       | `f.await` (see [`AsyncResult`](super::AsyncResult)): the outcome, moved out |
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
    shared: CoreRef<T>,
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
        let (shared, runner) = CoreRef::pending();
        (Future { shared }, Promise::new(runner))
    }

    /// The future on a state made elsewhere (the pool's `submit`).
    pub(crate) fn from_core(shared: CoreRef<T>) -> Self {
        Future { shared }
    }

    pub(crate) fn core(&self) -> &Core<T> {
        self.shared.core()
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
    pub(crate) fn wait_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
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
    pub(crate) fn watch(&self, reports: &Arc<Reports>, index: usize) {
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
    pub(crate) fn unwatch(&self, reports: &Arc<Reports>) {
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

impl<T: Send + 'static> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Future")
            .field("state", &self.state())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::super::facade::run_test;
    use super::Future;

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
