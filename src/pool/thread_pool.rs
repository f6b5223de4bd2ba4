//! The [`ThreadPool`] itself: its [`Builder`], `submit`, and the three
//! ways to shut it down. The workers' loop is in `worker.rs`, `map` in
//! `map.rs`, the errors in `error.rs`; a task is `task.rs`, and the future
//! it settles is in `future/`.

use core::fmt;

use super::super::facade::{self, Arc, thread};
use super::super::mutex::Mutex;
use super::super::queue::FifoQueue;
use super::error::{PoolError, SubmitError};
use super::future::Future;
use super::task::{self, Queued};
use super::worker::{Health, Roster, work};

/// Runs once on each worker before it takes tasks. (Boxed inside the `Arc`
/// because loom's `Arc` cannot hold an unsized value.)
type Initializer = Arc<Box<dyn Fn() -> Result<(), String> + Send + Sync>>;

/// A fixed set of worker threads running submitted closures. See the
/// [module docs](super).
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
    /// [`TaskError::PoolBroken`](super::TaskError::PoolBroken), and `submit` refuses with
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
            health: Arc::new(Health::new()),
            roster: Arc::new(Roster::new()),
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
    /// The cancelled tasks' futures report [`TaskError::Cancelled`](super::TaskError::Cancelled). Returns
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
