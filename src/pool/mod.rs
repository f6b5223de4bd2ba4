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

mod future;
mod task;
mod wait;

use core::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::condvar::Condvar;
use super::deadline;
use super::facade::{self, Arc, AtomicBool, Ordering, thread};
use super::lockdep;
use super::mutex::Mutex;
use super::queue::FifoQueue;
use super::timeout::Timeout;

pub(crate) use future::panic_message;
pub use future::{AsyncResult, Future, FutureState, Promise, TaskError};
use task::Queued;
pub use wait::{
    AsCompleted, AsCompletedTimeout, WaitFor, Waited, as_completed, as_completed_timeout, wait,
    wait_timeout,
};

/// Runs once on each worker before it takes tasks. (Boxed inside the `Arc`
/// because loom's `Arc` cannot hold an unsized value.)
type Initializer = Arc<Box<dyn Fn() -> Result<(), String> + Send + Sync>>;

/// Shared between the pool and its workers: how many workers are still at
/// work, so that every waiting shutdown can wait for them to leave (only one
/// caller gets the join handles).
struct Roster {
    /// Workers started and not yet out of their loop.
    working: Mutex<usize>,
    /// Signalled when `working` reaches 0.
    all_left: Condvar,
}

/// One worker's place on the roster, from before its thread is spawned
/// until it leaves: moved into the worker's closure, it is dropped when the
/// worker's work ends, however it ends, or with the closure if the thread
/// could not be started at all.
struct OnRoster(Arc<Roster>);

impl Roster {
    /// Counts one more worker at work.
    fn enlist(roster: &Arc<Self>) -> OnRoster {
        *roster.working.lock() += 1;
        OnRoster(Arc::clone(roster))
    }

    fn wait_until_all_left(&self) {
        let mut working = self.working.lock();
        self.all_left
            .wait_while(&mut working, |working| **working > 0);
    }
}

impl Drop for OnRoster {
    fn drop(&mut self) {
        let mut working = self.0.working.lock();
        *working -= 1;
        if *working == 0 {
            self.0.all_left.notify_all();
        }
    }
}

/// Shared between the pool and its workers: set once if an initializer
/// failed.
struct Health {
    broken: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl Health {
    fn broken_reason(&self) -> Option<String> {
        // Acquire: pairs with the Release in `break_pool`, so the reason
        // written before the flag is seen with it.
        if self.broken.load(Ordering::Acquire) {
            self.reason.lock().clone()
        } else {
            None
        }
    }
}

/// A fixed set of worker threads running submitted closures. See the
/// [module docs](self).
///
/// # Examples
///
/// ```
/// let pool = turnstile::ThreadPool::new(1).unwrap();
/// let future = pool.submit(|| "hello from a worker").unwrap();
/// assert_eq!(future.result(), Ok(&"hello from a worker"));
/// ```
pub struct ThreadPool {
    /// The job queue; closing it is what shuts the pool down.
    jobs: Arc<FifoQueue<Queued>>,
    health: Arc<Health>,
    roster: Arc<Roster>,
    /// The workers' threads, to tell whether a caller is one of them.
    worker_ids: Vec<thread::ThreadId>,
    /// Taken by the first waiting shutdown, which joins them.
    workers: Mutex<Vec<thread::JoinHandle<()>>>,
}

/// Why a pool could not be built.
#[derive(Debug)]
pub enum PoolError {
    /// A pool needs at least one worker.
    ZeroWorkers,
    /// A bounded submission queue needs room for at least one task.
    ZeroCapacity,
    /// A worker thread could not be started: the operating system refused,
    /// or (`InvalidInput`) the thread-name prefix holds a NUL byte.
    Spawn(std::io::Error),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroWorkers => f.write_str("a thread pool needs at least one worker"),
            Self::ZeroCapacity => {
                f.write_str("a bounded submission queue needs a capacity of at least 1")
            }
            Self::Spawn(error) => write!(f, "could not start a worker thread: {error}"),
        }
    }
}

impl std::error::Error for PoolError {}

/// Why `submit` refused a task; the closure is handed back, not run.
///
/// ```
/// use turnstile::pool::SubmitError;
///
/// let pool = turnstile::ThreadPool::new(1).unwrap();
/// pool.shutdown();
/// let refused = pool.submit(|| 1).unwrap_err();
/// assert!(matches!(refused, SubmitError::ShutDown(_)));
/// assert_eq!((refused.into_inner())(), 1); // still yours to run
/// ```
pub enum SubmitError<F> {
    /// The pool was shut down (Python: `RuntimeError`).
    ShutDown(F),
    /// A worker's initializer failed, so the pool is broken (Python:
    /// `BrokenThreadPool`); the reason is the initializer's error.
    Broken {
        /// The closure that was not submitted.
        task: F,
        /// What the initializer reported.
        reason: String,
    },
}

impl<F> SubmitError<F> {
    /// The closure that was not submitted.
    pub fn into_inner(self) -> F {
        match self {
            Self::ShutDown(task) | Self::Broken { task, .. } => task,
        }
    }
}

impl<F> fmt::Debug for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShutDown(_) => f.write_str("ShutDown(..)"),
            Self::Broken { reason, .. } => f
                .debug_struct("Broken")
                .field("reason", reason)
                .finish_non_exhaustive(),
        }
    }
}

impl<F> fmt::Display for SubmitError<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ShutDown(_) => f.write_str("submit on a thread pool that was shut down"),
            Self::Broken { reason, .. } => write!(f, "submit on a broken thread pool: {reason}"),
        }
    }
}

impl<F> std::error::Error for SubmitError<F> {}

/// Configures a [`ThreadPool`].
///
/// ```
/// let pool = turnstile::ThreadPool::builder()
///     .workers(3)
///     .thread_name("crawler")
///     .build()
///     .unwrap();
/// assert_eq!(pool.workers(), 3);
/// ```
#[derive(Clone)]
pub struct Builder {
    workers: Option<usize>,
    name_prefix: String,
    queue_capacity: Option<usize>,
    initializer: Option<Initializer>,
}

impl fmt::Debug for Builder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("workers", &self.workers)
            .field("name_prefix", &self.name_prefix)
            .field("queue_capacity", &self.queue_capacity)
            .field("initializer", &self.initializer.is_some())
            .finish()
    }
}

impl Builder {
    /// How many worker threads. The default is Python's,
    /// `min(32, cpu_count + 4)`: pool tasks in these lessons mostly wait
    /// (downloads, sockets, sleeps), and a few threads beyond the cores keep
    /// the cores busy while some wait, with a cap so a large machine does not
    /// start hundreds. For work that only computes, ask for the number of
    /// cores ([`std::thread::available_parallelism`]), or use rayon.
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::builder().workers(2).build().unwrap();
    /// assert_eq!(pool.workers(), 2);
    /// ```
    pub fn workers(mut self, workers: usize) -> Self {
        self.workers = Some(workers);
        self
    }

    /// Worker threads are named `{prefix}-0`, `{prefix}-1`, … (default
    /// `turnstile-pool`). A prefix with a NUL byte, which no thread name can
    /// hold, makes [`build`](Self::build) fail with [`PoolError::Spawn`].
    pub fn thread_name(mut self, prefix: impl Into<String>) -> Self {
        self.name_prefix = prefix.into();
        self
    }

    /// Bounds the queue of submitted tasks not yet started (default:
    /// unbounded). **Policy when full: `submit` waits** until a worker takes
    /// a task, so a fast producer is slowed to the pool's pace instead of
    /// queueing without limit (backpressure). `build` fails for 0.
    pub fn queue_capacity(mut self, capacity: usize) -> Self {
        self.queue_capacity = Some(capacity);
        self
    }

    /// Runs `init` on each worker thread before it takes any task (Python's
    /// `initializer`). If it returns an error or panics on any worker, the
    /// pool is broken: tasks not yet run settle with
    /// [`TaskError::PoolBroken`], and `submit` refuses with
    /// [`SubmitError::Broken`].
    ///
    /// ```
    /// use turnstile::ThreadPool;
    /// use turnstile::pool::{SubmitError, TaskError};
    ///
    /// let pool = ThreadPool::builder()
    ///     .workers(1)
    ///     .initializer(|| Err("no database"))
    ///     .build()
    ///     .unwrap();
    /// // Whether the task was queued before the pool broke or refused after,
    /// // nothing runs on a broken pool.
    /// match pool.submit(|| 1) {
    ///     Ok(future) => assert_eq!(future.result(), Err(TaskError::PoolBroken("no database".into()))),
    ///     Err(refused) => assert!(matches!(refused, SubmitError::Broken { .. })),
    /// }
    /// ```
    pub fn initializer<E: fmt::Display>(
        mut self,
        init: impl Fn() -> Result<(), E> + Send + Sync + 'static,
    ) -> Self {
        self.initializer = Some(Arc::new(Box::new(move || {
            init().map_err(|error| error.to_string())
        })));
        self
    }

    /// Starts the workers.
    pub fn build(self) -> Result<ThreadPool, PoolError> {
        let count = self.workers.unwrap_or_else(facade::default_pool_workers);
        if count == 0 {
            return Err(PoolError::ZeroWorkers);
        }
        if self.name_prefix.contains('\0') {
            // std would panic naming the thread; say what is wrong instead.
            return Err(PoolError::Spawn(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "the thread-name prefix contains a NUL byte, which a thread name cannot hold",
            )));
        }
        let jobs = match self.queue_capacity {
            None => FifoQueue::unbounded(),
            Some(capacity) => FifoQueue::bounded(capacity).map_err(|_| PoolError::ZeroCapacity)?,
        };
        let mut pool = ThreadPool {
            jobs: Arc::new(jobs),
            health: Arc::new(Health {
                broken: AtomicBool::new(false),
                reason: Mutex::untracked(None),
            }),
            roster: Arc::new(Roster {
                working: Mutex::untracked(0),
                all_left: Condvar::new(),
            }),
            worker_ids: Vec::with_capacity(count),
            workers: Mutex::untracked(Vec::with_capacity(count)),
        };
        for index in 0..count {
            let jobs = Arc::clone(&pool.jobs);
            let health = Arc::clone(&pool.health);
            let on_roster = Roster::enlist(&pool.roster);
            let initializer = self.initializer.clone();
            let spawned = thread::Builder::new()
                .name(format!("{}-{index}", self.name_prefix))
                .spawn(move || {
                    let _on_roster = on_roster;
                    work(&jobs, &health, initializer.as_deref().map(|init| &**init));
                });
            match spawned {
                Ok(worker) => {
                    pool.worker_ids.push(worker.thread().id());
                    pool.workers.get_mut().push(worker);
                }
                // The closure, and its place on the roster, went with the
                // error; dropping `pool` stops the workers already started.
                Err(error) => return Err(PoolError::Spawn(error)),
            }
        }
        Ok(pool)
    }
}

/// A worker's life: initialize, then run jobs until the queue is closed and
/// drained. A failed initializer breaks the pool instead.
fn work(
    jobs: &FifoQueue<Queued>,
    health: &Health,
    initializer: Option<&(dyn Fn() -> Result<(), String> + Send + Sync)>,
) {
    lockdep::enter_pool((jobs as *const FifoQueue<Queued>).cast());
    if let Some(init) = initializer {
        let outcome = panic::catch_unwind(AssertUnwindSafe(init)).unwrap_or_else(|payload| {
            Err(format!(
                "the initializer panicked: {}",
                panic_message(payload.as_ref())
            ))
        });
        if let Err(reason) = outcome {
            break_pool(jobs, health, reason);
            return;
        }
    }
    for job in jobs {
        if let Some(reason) = health.broken_reason() {
            job.abandon(TaskError::PoolBroken(reason));
            continue;
        }
        // The job itself contains task panics (see `Task::run`); this is
        // only a second line of defence so no panic can ever end a worker.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| job.run()));
    }
}

/// Marks the pool broken (the first reason wins), refuses new submits by
/// closing the queue, and settles every queued task with `PoolBroken`.
fn break_pool(jobs: &FifoQueue<Queued>, health: &Health, reason: String) {
    // The first reason recorded wins; a later failing worker reports it too.
    let reason = health.reason.lock().get_or_insert(reason).clone();
    // Release: pairs with the Acquire in `broken_reason`.
    health.broken.store(true, Ordering::Release);
    jobs.close();
    while let Ok(job) = jobs.try_get() {
        job.abandon(TaskError::PoolBroken(reason.clone()));
    }
}

impl ThreadPool {
    /// A pool of `workers` threads; an error for 0.
    ///
    /// ```
    /// assert!(turnstile::ThreadPool::new(0).is_err());
    /// ```
    pub fn new(workers: usize) -> Result<Self, PoolError> {
        Self::builder().workers(workers).build()
    }

    /// A [`Builder`] for a configured pool.
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::builder().build().unwrap();
    /// assert!(pool.workers() >= 1);
    /// ```
    pub fn builder() -> Builder {
        Builder {
            workers: None,
            name_prefix: String::from("turnstile-pool"),
            queue_capacity: None,
            initializer: None,
        }
    }

    /// Queues `task` for a worker and returns its future. With a bounded
    /// submission queue (see [`Builder::queue_capacity`]) it waits while the
    /// queue is full. After [`shutdown`](Self::shutdown) the closure is
    /// handed back in the error.
    ///
    /// ```
    /// use turnstile::pool::TaskError;
    ///
    /// let pool = turnstile::ThreadPool::new(1).unwrap();
    /// let future = pool.submit(|| -> u8 { panic!("bad input") }).unwrap();
    /// assert_eq!(future.result(), Err(TaskError::Panicked("bad input".into())));
    /// assert_eq!(pool.submit(|| 2).unwrap().into_result(), Ok(2)); // the worker survived
    /// ```
    pub fn submit<F, T>(&self, task: F) -> Result<Future<T>, SubmitError<F>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let (future, job) = task::submitted(task);
        future.core().pool.set(Arc::as_ptr(&self.jobs).cast());
        let Err(refused) = self.jobs.put(job) else {
            return Ok(future);
        };
        // Closed: shut down. Hand the closure back.
        let task = task::take_back::<F, T>(refused.into_inner());
        Err(match self.health.broken_reason() {
            Some(reason) => SubmitError::Broken { task, reason },
            None => SubmitError::ShutDown(task),
        })
    }

    /// Runs `f` on every item, on the workers, and yields the results in
    /// the order of the items (Python's `pool.map`). All items are submitted
    /// at once; each result waits for its own task. Items the pool refused
    /// (it was shut down) yield [`TaskError::Cancelled`]. Dropping the
    /// iterator leaves the submitted tasks to run, as a Python `map` whose
    /// results are never read does.
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::new(2).unwrap();
    /// let lengths: Vec<_> = pool
    ///     .map(|word: &str| word.len(), ["chef", "eater", "pot"])
    ///     .map(Result::unwrap)
    ///     .collect();
    /// assert_eq!(lengths, [4, 5, 3]);
    /// ```
    pub fn map<A, T, F>(&self, f: F, items: impl IntoIterator<Item = A>) -> Map<T>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(A) -> T + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let futures = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.submit(move || f(item)).ok()
            })
            .collect::<Vec<_>>();
        Map {
            futures: futures.into_iter(),
        }
    }

    /// As [`map`](Self::map), with a deadline `timeout` from now for the
    /// whole iteration (Python's `map(fn, items, timeout=t)`). A result not
    /// ready by then yields `Err(Timeout)`; that task and every later one is
    /// cancelled (those already running finish, unread), and the iterator
    /// ends.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let pool = turnstile::ThreadPool::new(2).unwrap();
    /// let doubled: Vec<_> = pool
    ///     .map_timeout(|n: u32| n * 2, [1, 2, 3], Duration::from_secs(10))
    ///     .map(|outcome| outcome.unwrap().unwrap())
    ///     .collect();
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    pub fn map_timeout<A, T, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = A>,
        timeout: Duration,
    ) -> MapTimeout<T>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(A) -> T + Send + Sync + 'static,
    {
        let deadline = deadline::after(timeout);
        MapTimeout {
            results: self.map(f, items),
            deadline,
        }
    }

    /// Stops the pool and waits for it (Python's `shutdown()`, and what
    /// dropping the pool does): new submits are refused, the workers finish
    /// every queued task, and this returns when they have exited.
    ///
    /// Whichever thread calls it waits as long: a second `shutdown` racing
    /// the first returns when the workers are gone too. Calling it again is
    /// harmless. From inside one of the pool's own tasks a worker cannot
    /// wait for itself: the first such caller waits for the other workers; a
    /// later one returns at once (two tasks waiting for each other would
    /// never return).
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::new(1).unwrap();
    /// let future = pool.submit(|| 1).unwrap();
    /// pool.shutdown();
    /// assert_eq!(future.result(), Ok(&1)); // queued work still ran
    /// ```
    pub fn shutdown(&self) {
        self.jobs.close();
        self.wait_for_workers();
    }

    /// Stops the pool without waiting (Python's `shutdown(wait=False)`): new
    /// submits are refused; the workers finish every queued task and exit on
    /// their own.
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::new(1).unwrap();
    /// let future = pool.submit(|| 1).unwrap();
    /// pool.shutdown_background();
    /// assert!(pool.submit(|| 2).is_err());
    /// assert_eq!(future.result(), Ok(&1));
    /// ```
    pub fn shutdown_background(&self) {
        self.jobs.close();
    }

    /// Stops the pool, cancels every task that has not started, and waits
    /// for the running ones (Python's `shutdown(cancel_futures=True)`).
    /// The cancelled tasks' futures report [`TaskError::Cancelled`]. Returns
    /// how many it cancelled.
    ///
    /// ```
    /// use turnstile::pool::TaskError;
    ///
    /// let pool = turnstile::ThreadPool::new(1).unwrap();
    /// let gate = std::sync::Arc::new(turnstile::Event::new());
    /// let opener = std::sync::Arc::clone(&gate);
    /// let first = pool.submit(move || opener.wait()).unwrap();
    /// let second = pool.submit(|| ()).unwrap();
    /// while !first.is_running() {
    ///     std::thread::yield_now();
    /// }
    /// gate.set(); // the first task may finish while we cancel: it ran
    /// assert_eq!(pool.shutdown_now(), 1);
    /// assert_eq!(second.result(), Err(TaskError::Cancelled));
    /// ```
    pub fn shutdown_now(&self) -> usize {
        // Discarding a queued job cancels its future (see `Queued`).
        let cancelled = self.jobs.close_immediate();
        self.wait_for_workers();
        cancelled
    }

    /// Joins the workers once the queue is closed.
    fn wait_for_workers(&self) {
        let workers = core::mem::take(&mut *self.workers.lock());
        let me = thread::current().id();
        let on_a_worker = self.worker_ids.contains(&me);
        for worker in workers {
            // A task may shut its own pool down (or drop the last handle to
            // it, running `Drop` on a worker): that worker cannot wait for
            // itself; it leaves when its task returns and finds the queue
            // closed.
            if worker.thread().id() == me {
                continue;
            }
            // A worker never panics (see `work`); nothing to report.
            let _ = worker.join();
        }
        // Another caller may hold the handles and be joining them: wait as it
        // does, until every worker has left its loop.
        if !on_a_worker {
            self.roster.wait_until_all_left();
        }
    }

    /// How many worker threads the pool was built with (and still has, until
    /// it is shut down with `wait`).
    ///
    /// ```
    /// assert_eq!(turnstile::ThreadPool::new(2).unwrap().workers(), 2);
    /// ```
    pub fn workers(&self) -> usize {
        self.workers.lock().len()
    }
}

/// The iterator [`ThreadPool::map`] returns: results in the order of the
/// items, each waiting for its task.
#[derive(Debug)]
pub struct Map<T: Send + 'static> {
    futures: std::vec::IntoIter<Option<Future<T>>>,
}

impl<T: Send + 'static> Iterator for Map<T> {
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        let future = self.futures.next()?;
        Some(future.map_or(Err(TaskError::Cancelled), Future::into_result))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.futures.size_hint()
    }
}

/// The iterator [`ThreadPool::map_timeout`] returns.
#[derive(Debug)]
pub struct MapTimeout<T: Send + 'static> {
    results: Map<T>,
    /// `None`: too far away to matter.
    deadline: Option<Instant>,
}

impl<T: Send + 'static> Iterator for MapTimeout<T> {
    type Item = Result<Result<T, TaskError>, Timeout>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(future) = self.results.futures.next()? else {
            return Some(Ok(Err(TaskError::Cancelled)));
        };
        if let Err(timeout) = future.wait_until(self.deadline) {
            // Python cancels the late task and every later one, and stops.
            future.cancel();
            for rest in self.results.futures.by_ref().flatten() {
                rest.cancel();
            }
            return Some(Err(timeout));
        }
        Some(Ok(future.into_result()))
    }
}

impl Drop for ThreadPool {
    /// [`shutdown`](ThreadPool::shutdown): queued work runs to the end, as
    /// when a Python `with ThreadPoolExecutor()` block exits.
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("workers", &self.workers())
            .field("queued", &self.jobs.len())
            .field("shut_down", &self.jobs.is_closed())
            .finish()
    }
}
