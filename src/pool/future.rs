//! A future and its promise: the result of a task that runs elsewhere, as in
//! Python's `concurrent.futures.Future`.

use core::any::Any;
use core::cell::Cell;
use core::fmt;
use core::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use super::super::condvar::Condvar;
use super::super::facade::{Arc, UnsafeCell, arc_dyn, current_thread_id};
use super::super::mutex::{Mutex, MutexGuard};

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

/// Why a future holds no value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskError {
    /// The task panicked; the panic's message (a worker survives it).
    Panicked(String),
    /// The task was cancelled before it started.
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

/// A done-callback: receives the outcome by reference.
type Callback<T> = Box<dyn FnOnce(&Result<T, TaskError>) + Send>;

/// What a future and its runner share: the state, the outcome and the
/// callbacks, under one lock.
struct Shared<T> {
    inner: Mutex<Inner<T>>,
    settled: Condvar,
}

struct Inner<T> {
    state: FutureState,
    /// Set on Finished or Cancelled; taken by `result`. Absent while the
    /// outcome is lent to running callbacks (see `lent_to`).
    outcome: Option<Result<T, TaskError>>,
    /// Callbacks waiting for the outcome; run once each, never under the lock.
    callbacks: Vec<Callback<T>>,
    /// The thread running done-callbacks with the outcome lent to them, if
    /// any: `result` waits for the outcome to come back, except on that
    /// thread, where it never would.
    lent_to: Option<usize>,
}

impl<T> Inner<T> {
    fn is_settled(&self) -> bool {
        matches!(self.state, FutureState::Finished | FutureState::Cancelled)
    }

    /// Pending → Running, the one way a task starts. Returns whether it moved.
    fn start(&mut self) -> bool {
        let pending = self.state == FutureState::Pending;
        if pending {
            self.state = FutureState::Running;
        }
        pending
    }
}

/// One task in one allocation: the future's shared state and the closure
/// that settles it.
///
/// The future, the promise and the pool's queue all hold the same task as an
/// `Arc<dyn Job>`, so a submitted task costs one allocation, and it is
/// usually freed by the thread that made it (the caller of `result`), which
/// is what allocators are fastest at.
pub(super) struct Task<F, T> {
    shared: Shared<T>,
    /// The closure until a worker takes it to run it (or the task is
    /// dropped unrun). Only ever touched with `shared.inner` locked: it sits
    /// outside that mutex only because the mutex's type cannot name `F`.
    closure: UnsafeCell<Option<F>>,
}

// SAFETY: a shared `Task` hands out `F` only by moving it out with the lock
// held (`take_closure_locked`), which needs nothing more than `F: Send`, as
// `Mutex<F>` is `Sync` when `F: Send`. `shared` is `Sync` when `T: Send`.
unsafe impl<F: Send, T: Send> Sync for Task<F, T> {}

/// A task seen without its closure's type: what futures, promises and the
/// pool's queue hold.
pub(super) trait Job: Send + Sync + 'static {
    /// The future's half, a `Shared<T>` (a `Future<T>` downcasts it).
    fn shared(&self) -> &dyn Any;
    /// The whole `Task<F, T>` (`submit` downcasts it to take a refused
    /// closure back).
    fn as_any(&self) -> &dyn Any;
    /// Runs the closure, unless the task was cancelled, and settles the
    /// future with its value or its panic.
    fn run(&self);
    /// Settles the future with `error` instead of running the closure.
    fn abandon(&self, error: TaskError);
    /// Cancels the task if it has not started; returns whether it is
    /// cancelled now.
    fn cancel(&self) -> bool;
    /// Its promise was dropped unfinished: a task that had not started is
    /// cancelled, one that had is settled as panicked (abandoned).
    fn promise_dropped(&self);
    /// Where the task is now (a snapshot).
    fn state(&self) -> FutureState;
}

impl<F, T> Task<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    /// A pending task, and its future.
    pub(super) fn submitted(closure: F) -> (Future<T>, Arc<dyn Job>) {
        Self::with_closure(Some(closure))
    }

    fn with_closure(closure: Option<F>) -> (Future<T>, Arc<dyn Job>) {
        let job = arc_dyn!(Task {
            shared: Shared {
                inner: Mutex::new(Inner {
                    state: FutureState::Pending,
                    outcome: None,
                    callbacks: Vec::new(),
                    lent_to: None,
                }),
                settled: Condvar::new(),
            },
            closure: UnsafeCell::new(closure),
        } => dyn Job);
        let future = Future {
            job: Arc::clone(&job),
            _value: PhantomData,
        };
        (future, job)
    }

    /// Takes the closure out, if it is still there.
    pub(super) fn take_closure(&self) -> Option<F> {
        let inner = self.shared.inner.lock();
        self.take_closure_locked(&inner)
    }

    /// Pending → Running, taking the closure in the same critical section.
    /// `None` if the task was cancelled; its closure is then dropped here,
    /// unrun and unlocked.
    fn claim(&self) -> Option<F> {
        let mut inner = self.shared.inner.lock();
        let started = inner.start();
        let closure = self.take_closure_locked(&inner);
        drop(inner);
        closure.filter(|_| started)
    }

    /// The one place the closure is reached. The guard is the proof that
    /// `shared.inner` is locked, which is the rule for touching `closure`.
    fn take_closure_locked(&self, _locked: &MutexGuard<'_, Inner<T>>) -> Option<F> {
        // SAFETY: every access to `closure` goes through here, holding
        // `shared.inner` (the guard above is of this task's own mutex: both
        // callers lock `self.shared.inner`), so no two accesses overlap.
        self.closure.with_mut(|slot| unsafe { (*slot).take() })
    }
}

impl<F, T> Job for Task<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    fn shared(&self) -> &dyn Any {
        &self.shared
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn run(&self) {
        let Some(closure) = self.claim() else {
            return; // cancelled: it never runs
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(closure))
            .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())));
        settle(&self.shared, outcome);
    }

    fn abandon(&self, error: TaskError) {
        if self.claim().is_some() {
            settle(&self.shared, Err(error));
        }
    }

    fn cancel(&self) -> bool {
        cancel(&self.shared)
    }

    fn state(&self) -> FutureState {
        self.shared.inner.lock().state
    }

    fn promise_dropped(&self) {
        let state = self.shared.inner.lock().state;
        match state {
            // Never started: the same as a cancel.
            FutureState::Pending => {
                cancel(&self.shared);
            }
            FutureState::Running => settle(
                &self.shared,
                Err(TaskError::Panicked(String::from(
                    "the task was abandoned before it finished",
                ))),
            ),
            FutureState::Finished | FutureState::Cancelled => {}
        }
    }
}

/// The typed state inside a job: the `Shared<T>` its `Task<F, T>` was built
/// with. A `Future<T>` or `Promise<T>` is only ever made with a job of its
/// own `T` (`Task::with_closure`), so the downcast cannot fail.
fn shared_of<T: Send + 'static>(job: &dyn Job) -> &Shared<T> {
    job.shared()
        .downcast_ref()
        .expect("a future's job holds the state of the future's own value type")
}

/// The caller's side of a task: wait for its result, cancel it, or ask to
/// be called back when it is done.
///
/// Not `Sync`: one owner reads the result, by value. Send it to another
/// thread if that thread should own it.
///
/// # Examples
///
/// ```
/// use turnstile::pool::Future;
///
/// let (future, promise) = Future::pending();
/// assert!(promise.start());
/// promise.finish(Ok(6 * 7));
/// assert_eq!(future.result(), Ok(42));
/// ```
pub struct Future<T> {
    job: Arc<dyn Job>,
    /// Owns a `T` to come (so it is `Send` only if `T` is), and is not `Sync`.
    _value: PhantomData<(T, Cell<()>)>,
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
    job: Option<Arc<dyn Job>>,
    _value: PhantomData<T>,
}

// # Implementation notes
//
// One lock guards the state, the outcome and the callback list. Every
// transition happens under it, so "is it done?" and "add me to the list"
// are one step (the broken twin `UnlockedCallbackFuture` makes them two and
// loses callbacks). Callbacks run with the lock released. The runner marks
// the future Finished first (Python's order: inside a callback the future is
// done), takes the list, and runs it with the outcome *lent*: held by the
// runner, absent from the future, `lent_to` naming the runner's thread. A
// callback added meanwhile lands on the list and runs in the runner's next
// pass, so it runs exactly once. When the list is empty the outcome goes back
// and `result` waiters wake: they wait for the outcome, not for Finished,
// since `result` moves it out while a callback may still be reading it. On
// the runner's own thread such a wait would never end, so `result` refuses
// there. After the outcome is back, a new callback runs at once on the
// caller's thread (Python's rule), with the outcome lent the same way. A
// cancel stores its outcome and wakes waiters first, then runs the callbacks
// it took.
//
// A pool task is one allocation (`Task`): the state above plus the closure.
// The closure is taken by whoever moves the task out of Pending, inside the
// same critical section, so it runs at most once and never after a cancel.

impl<T: Send + 'static> Future<T> {
    /// A pending future and the promise that settles it: the building block
    /// of the pool, usable on its own as a one-shot result slot.
    pub fn pending() -> (Future<T>, Promise<T>) {
        // A task with no closure: the promise's holder does the work.
        let (future, job) = Task::<fn() -> T, T>::with_closure(None);
        let promise = Promise {
            job: Some(job),
            _value: PhantomData,
        };
        (future, promise)
    }

    /// Waits for the task and returns its value, or why there is none.
    ///
    /// # Panics
    ///
    /// If called inside one of this future's own done-callbacks, on the
    /// thread running them: the callback borrows the outcome that `result`
    /// would move out, so the wait could never end. The callback's argument
    /// is that outcome. (The panic is contained like any callback's.)
    ///
    /// ```
    /// use turnstile::pool::{Future, TaskError};
    ///
    /// let (future, promise) = Future::<()>::pending();
    /// promise.start();
    /// promise.finish(Err(TaskError::Panicked("boom".into())));
    /// assert_eq!(future.result(), Err(TaskError::Panicked("boom".into())));
    /// ```
    pub fn result(self) -> Result<T, TaskError> {
        let mut inner = self.lock_to_read();
        self.shared()
            .settled
            .wait_while(&mut inner, |inner| inner.outcome.is_none());
        Self::take_outcome(&mut inner)
    }

    /// Waits at most `timeout`. On time, the value (or why there is none);
    /// otherwise the future is handed back to wait again later.
    ///
    /// # Panics
    ///
    /// As [`result`](Self::result), inside this future's own done-callbacks.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::pool::Future;
    ///
    /// let (future, promise) = Future::<u8>::pending();
    /// let future = future.result_timeout(Duration::from_millis(5)).unwrap_err(); // not done yet
    /// promise.start();
    /// promise.finish(Ok(1));
    /// assert_eq!(future.result_timeout(Duration::from_millis(5)).ok(), Some(Ok(1)));
    /// ```
    pub fn result_timeout(self, timeout: Duration) -> Result<Result<T, TaskError>, Self> {
        let outcome = {
            let mut inner = self.lock_to_read();
            if !self
                .shared()
                .settled
                .wait_timeout_while(&mut inner, timeout, |inner| inner.outcome.is_none())
            {
                None
            } else {
                Some(Self::take_outcome(&mut inner))
            }
        };
        outcome.ok_or(self)
    }

    /// Calls `callback` with the outcome once the task is finished or
    /// cancelled: on the thread that settles it, or at once on this thread if
    /// it already is (Python's rule). The future is already done when the
    /// callback runs. A panicking callback is caught and reported on stderr;
    /// later callbacks still run.
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
        let mut inner = self.shared().inner.lock();
        if !inner.is_settled() || inner.lent_to.is_some() {
            // The settling thread will run it, exactly once (it looks for
            // new callbacks before it takes the outcome back).
            inner.callbacks.push(Box::new(callback));
            return;
        }
        // Settled: lend the outcome out and run the callback without the
        // lock; `result` waits until it is back.
        let outcome = Self::take_outcome(&mut inner);
        lend_and_run_callbacks(self.shared(), inner, vec![Box::new(callback)], outcome);
    }

    /// Locks the future to read its outcome, refusing (with a panic) on the
    /// thread that has it lent to callbacks, where the wait would never end.
    fn lock_to_read(&self) -> MutexGuard<'_, Inner<T>> {
        let inner = self.shared().inner.lock();
        if inner
            .lent_to
            .is_some_and(|thread| thread == current_thread_id())
        {
            drop(inner);
            panic!(
                "Future::result called inside one of the future's own done-callbacks: \
                 the outcome is the callback's argument"
            );
        }
        inner
    }

    fn shared(&self) -> &Shared<T> {
        shared_of(&*self.job)
    }

    fn take_outcome(inner: &mut MutexGuard<'_, Inner<T>>) -> Result<T, TaskError> {
        inner
            .outcome
            .take()
            .expect("a settled future holds its outcome, unless lent, until result() consumes it")
    }
}

impl<T> Future<T> {
    /// Cancels the task if it has not started; returns whether it did. A
    /// cancelled task never runs; its callbacks run now, on this thread.
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
        self.job.cancel()
    }

    /// The state right now. A snapshot.
    ///
    /// ```
    /// use turnstile::pool::{Future, FutureState};
    ///
    /// let (future, promise) = Future::<u8>::pending();
    /// assert_eq!(future.state(), FutureState::Pending);
    /// promise.start();
    /// assert_eq!(future.state(), FutureState::Running);
    /// ```
    pub fn state(&self) -> FutureState {
        self.job.state()
    }

    /// Finished or cancelled. A snapshot.
    ///
    /// ```
    /// let (future, _promise) = turnstile::pool::Future::<u8>::pending();
    /// assert!(!future.is_done());
    /// ```
    pub fn is_done(&self) -> bool {
        matches!(self.state(), FutureState::Finished | FutureState::Cancelled)
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
        let Some(job) = &self.job else {
            return false;
        };
        shared_of::<T>(&**job).inner.lock().start()
    }

    /// Settles the future with the task's outcome, running its callbacks on
    /// this thread first (each exactly once), then waking `result` waiters.
    /// Does nothing if the future was cancelled.
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::pending();
    /// promise.start();
    /// promise.finish(Ok("done"));
    /// assert!(future.is_done());
    /// ```
    pub fn finish(mut self, outcome: Result<T, TaskError>) {
        if let Some(job) = self.job.take() {
            settle(shared_of(&*job), outcome);
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        let Some(job) = self.job.take() else {
            return;
        };
        job.promise_dropped();
    }
}

/// Pending → Cancelled: stores the outcome and wakes `result` waiters at
/// once, then runs the queued callbacks without the lock. Returns whether the
/// future is (now) cancelled.
fn cancel<T>(shared: &Shared<T>) -> bool {
    let mut inner = shared.inner.lock();
    match inner.state {
        FutureState::Pending => {}
        FutureState::Cancelled => return true,
        FutureState::Running | FutureState::Finished => return false,
    }
    inner.state = FutureState::Cancelled;
    inner.outcome = Some(Err(TaskError::Cancelled));
    let callbacks = core::mem::take(&mut inner.callbacks);
    shared.settled.notify_all();
    drop(inner);
    run_callbacks(callbacks, &Err(TaskError::Cancelled));
    true
}

/// Running → Finished with `outcome`, then the queued callbacks (Python's
/// order: the future is done before its callbacks run). Does nothing if it
/// was cancelled.
fn settle<T>(shared: &Shared<T>, outcome: Result<T, TaskError>) {
    let mut inner = shared.inner.lock();
    if inner.state == FutureState::Cancelled {
        return;
    }
    inner.state = FutureState::Finished;
    let callbacks = core::mem::take(&mut inner.callbacks);
    lend_and_run_callbacks(shared, inner, callbacks, outcome);
}

/// Runs `callbacks` against `outcome` with the lock released, and any
/// callback added meanwhile, then stores the outcome and wakes `result`
/// waiters. While the callbacks run the outcome is lent to them: it is not
/// in the future, and `result` waits for it (or refuses, on this thread).
fn lend_and_run_callbacks<'a, T>(
    shared: &'a Shared<T>,
    mut inner: MutexGuard<'a, Inner<T>>,
    mut callbacks: Vec<Callback<T>>,
    outcome: Result<T, TaskError>,
) {
    while !callbacks.is_empty() {
        inner.lent_to = Some(current_thread_id());
        drop(inner);
        run_callbacks(callbacks, &outcome);
        inner = shared.inner.lock();
        callbacks = core::mem::take(&mut inner.callbacks);
    }
    inner.lent_to = None;
    inner.outcome = Some(outcome);
    shared.settled.notify_all();
}

/// Runs each callback, containing panics: a panicking callback is reported
/// on stderr (as Python logs it) and the rest still run.
fn run_callbacks<T>(callbacks: Vec<Callback<T>>, outcome: &Result<T, TaskError>) {
    for callback in callbacks {
        if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| callback(outcome))) {
            eprintln!(
                "turnstile: a done-callback panicked: {}",
                panic_message(payload.as_ref())
            );
        }
    }
}

/// The message of a panic payload, as `TaskError::Panicked` carries it.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("<a panic without a message>"))
}

impl<T> fmt::Debug for Future<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Future")
            .field("state", &self.job.state())
            .finish()
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise").finish_non_exhaustive()
    }
}
