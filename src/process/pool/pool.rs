//! [`Pool`] and its [`Builder`]: start the workers, take tasks
//! (`apply_async`, `apply`), and the three ends (`close` + `join`,
//! `terminate`, drop). `map`/`imap` are in `map.rs`, the minder threads in
//! `minder.rs`, the worker's loop in `worker.rs`.

use core::fmt;
use core::num::NonZeroUsize;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::super::facade::{Arc, AtomicU64, Ordering, thread};
use super::super::super::mutex::Mutex;
use super::super::super::pool::Future;
use super::super::entry::FnRef;
use super::super::handle::Process;
use super::super::inherit;
use super::super::pipe::pipe;
use super::error::{ApplyError, PoolError, StillRunning};
use super::job::Job;
use super::minder::{Shared, Spawn, mind};
use super::worker::{Start, serve};

/// A fixed number of worker processes running functions of this program:
/// Python's `multiprocessing.Pool`. See the [module docs](super).
///
/// Dropping a pool [terminates](Pool::terminate) it, as leaving Python's
/// `with Pool() as pool:` block does: call [`close`](Pool::close) and
/// [`join`](Pool::join) first to let the queued work finish.
///
/// # Examples
///
/// A worker runs this same program; the program's `main` must call
/// [`process::init()`](super::super::init) first (a test file:
/// `turnstile::process_test_support!();`).
///
/// ```no_run
/// use turnstile::process::Pool;
///
/// fn square(n: u64) -> u64 {
///     n * n
/// }
///
/// fn main() {
///     turnstile::process::init();
///     let pool = Pool::new(3).unwrap();
///     let result = pool.apply_async(square, 7).unwrap();
///     assert_eq!(result.result(), Ok(&49));
///     pool.close();
///     pool.join().unwrap();
/// }
/// ```
pub struct Pool {
    shared: Arc<Shared>,
    /// The minder threads; joined by the first `join` or `terminate`,
    /// which holds the lock meanwhile so a second caller waits too.
    minders: Mutex<Vec<thread::JoinHandle<()>>>,
    /// Their ids: `join` on one of them (a done-callback runs there)
    /// must not wait, for itself or for a minder that may wait on it.
    minder_ids: Vec<thread::ThreadId>,
    /// The next task's number.
    next_id: AtomicU64,
}

/// Configures a [`Pool`]: how many workers, an initializer, and how many
/// tasks a worker serves before it is replaced. `I` is the initializer's
/// argument type (`()` without one).
///
/// ```
/// let builder = turnstile::process::Pool::builder()
///     .processes(2)
///     .max_tasks_per_child(10);
/// assert!(format!("{builder:?}").contains("processes: Some(2)"));
/// ```
pub struct Builder<I = ()> {
    processes: Option<usize>,
    init: Option<(FnRef, I)>,
    max_tasks: Option<usize>,
}

impl<I> fmt::Debug for Builder<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Builder")
            .field("processes", &self.processes)
            .field("initializer", &self.init.is_some())
            .field("max_tasks_per_child", &self.max_tasks)
            .finish()
    }
}

impl Default for Builder<()> {
    fn default() -> Self {
        Builder {
            processes: None,
            init: None,
            max_tasks: None,
        }
    }
}

impl<I> Builder<I> {
    /// How many worker processes (Python's `processes`). The default is
    /// the number of CPUs (Python's `os.cpu_count()`): a process pool is
    /// for work that computes. `build` fails for 0.
    ///
    /// ```
    /// let builder = turnstile::process::Pool::builder().processes(4);
    /// # let _ = builder;
    /// ```
    pub fn processes(mut self, processes: usize) -> Self {
        self.processes = Some(processes);
        self
    }

    /// Each worker serves this many tasks, then exits and is replaced by
    /// a fresh process (Python's `maxtasksperchild`): for work that leaks
    /// or holds on to memory. `build` fails for 0.
    ///
    /// ```
    /// let builder = turnstile::process::Pool::builder().max_tasks_per_child(1);
    /// # let _ = builder;
    /// ```
    pub fn max_tasks_per_child(mut self, tasks: usize) -> Self {
        self.max_tasks = Some(tasks);
        self
    }

    /// Runs `f(arg)` in each worker process once, before it takes a task
    /// (Python's `initializer`, `initargs`). The argument is sent to every
    /// worker at its start, so it may hold process handles (a
    /// [`Shared`](super::super::Shared), a lock, a queue): they are
    /// inherited then, the only way a handle reaches a child. Hence
    /// `J: Clone`: each worker gets its own copy, as Python pickles
    /// `initargs` once per worker.
    ///
    /// If `f` panics (or the worker dies in it), the pool is broken: no
    /// task runs, queued ones fail with
    /// [`TaskError::PoolBroken`](super::super::super::pool::TaskError::PoolBroken),
    /// and `apply_async` refuses with [`ApplyError::Broken`]. (Python
    /// starts a new worker, which fails again, forever.)
    ///
    /// ```
    /// fn open_log(path: String) {
    ///     let _ = path; // each worker would open its log here
    /// }
    ///
    /// let builder = turnstile::process::Pool::builder().initializer(open_log, "/tmp/log".to_string());
    /// assert!(format!("{builder:?}").contains("initializer: true"));
    /// ```
    pub fn initializer<J>(self, f: fn(J), arg: J) -> Builder<J>
    where
        J: Serialize + DeserializeOwned + 'static,
    {
        Builder {
            processes: self.processes,
            init: Some((FnRef::new(f), arg)),
            max_tasks: self.max_tasks,
        }
    }
}

impl<I> Builder<I>
where
    I: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
{
    /// Starts the worker processes and their minder threads; fails if a
    /// worker could not be started (the ones started are stopped).
    ///
    /// ```
    /// use turnstile::process::{Pool, PoolError};
    ///
    /// // Fails before starting anything.
    /// assert!(matches!(Pool::builder().processes(0).build(), Err(PoolError::ZeroWorkers)));
    /// assert!(matches!(
    ///     Pool::builder().processes(1).max_tasks_per_child(0).build(),
    ///     Err(PoolError::ZeroMaxTasks)
    /// ));
    /// ```
    pub fn build(self) -> Result<Pool, PoolError> {
        let count = match self.processes {
            Some(0) => return Err(PoolError::ZeroWorkers),
            Some(count) => count,
            None => thread::available_parallelism().map_or(1, usize::from),
        };
        let max_tasks = match self.max_tasks {
            Some(tasks) => Some(NonZeroUsize::new(tasks).ok_or(PoolError::ZeroMaxTasks)?),
            None => None,
        };
        let init = self.init;
        let spawn: Spawn = Box::new(move |index| {
            let (ours, theirs) = pipe().map_err(PoolError::Pipe)?;
            let start = Start {
                conn: theirs,
                init: init.clone(),
                max_tasks,
            };
            let name = format!("PoolWorker-{index}");
            let process = Process::builder()
                .name(name.as_str())
                .daemon(true)
                .start(serve::<I>, start)
                .map_err(PoolError::Start)?;
            Ok((process, ours))
        });
        let shared = Arc::new(Shared::new(count, spawn, max_tasks));
        // Each minder starts its own worker (see `minder::mind` for why)
        // and says on a one-shot future whether it could.
        let mut minders = Vec::with_capacity(count);
        let mut started = Vec::with_capacity(count);
        let mut failure = None;
        for index in 0..count {
            let (told, tell) = Future::pending();
            let mine = Arc::clone(&shared);
            let spawned = thread::Builder::new()
                .name(format!("pool-minder-{index}"))
                .spawn(move || mind(mine, index, tell));
            match spawned {
                Ok(handle) => {
                    minders.push(handle);
                    started.push(told);
                }
                Err(error) => {
                    failure = Some(PoolError::Thread(error));
                    break;
                }
            }
        }
        for told in started {
            match told.into_result() {
                Ok(Ok(())) => {}
                Ok(Err(error)) => {
                    failure.get_or_insert(error);
                }
                // The promise was dropped: the minder panicked.
                Err(error) => {
                    failure
                        .get_or_insert(PoolError::Thread(std::io::Error::other(error.to_string())));
                }
            }
        }
        if let Some(error) = failure {
            // Stops the workers that did start: their minders see the
            // flag, kill and reap them, and return.
            shared.terminate();
            for handle in minders {
                let _ = handle.join();
            }
            return Err(error);
        }
        Ok(Pool {
            shared,
            minder_ids: minders.iter().map(|handle| handle.thread().id()).collect(),
            minders: Mutex::new(minders),
            next_id: AtomicU64::new(0),
        })
    }
}

/// The message of a task argument that holds a process handle.
const HANDLE_IN_TASK: &str = "it holds a process handle (shared memory, a process lock or \
     queue, a pipe end): a handle reaches a worker only in the initializer's argument, at the \
     worker's start (Python refuses to pickle a Lock into a task for the same reason)";

impl Pool {
    /// A pool of `processes` workers (Python's `Pool(processes)`).
    pub fn new(processes: usize) -> Result<Pool, PoolError> {
        Builder::default().processes(processes).build()
    }

    /// A [`Builder`], for an initializer or `max_tasks_per_child`.
    pub fn builder() -> Builder<()> {
        Builder::default()
    }

    /// Queues `f(arg)` to run in a worker process and returns its future at
    /// once (Python's `apply_async`): turnstile's own
    /// [`pool::Future`](super::super::super::pool::Future), so `result()`,
    /// `result_timeout`, done-callbacks, [`pool::wait`] and
    /// [`pool::as_completed`] work on it as on a thread pool's.
    ///
    /// `f` must be a function (not a closure: a worker finds it by its
    /// place in the program), and `arg` and the result cross as postcard
    /// bytes. Refuses with [`ApplyError`] when the pool is closed,
    /// terminated or broken, or `arg` cannot be encoded (a process handle
    /// in it is refused: pass handles in the initializer's argument).
    ///
    /// The future's error says what went wrong in the worker:
    /// [`TaskError::Panicked`] (the worker lives on),
    /// [`TaskError::WorkerDied`] (pid and exit code; a new worker takes its
    /// place), [`TaskError::Terminated`], [`TaskError::Transfer`].
    ///
    /// [`pool::wait`]: super::super::super::pool::wait
    /// [`pool::as_completed`]: super::super::super::pool::as_completed
    /// [`TaskError::Panicked`]: super::super::super::pool::TaskError::Panicked
    /// [`TaskError::WorkerDied`]: super::super::super::pool::TaskError::WorkerDied
    /// [`TaskError::Terminated`]: super::super::super::pool::TaskError::Terminated
    /// [`TaskError::Transfer`]: super::super::super::pool::TaskError::Transfer
    ///
    /// ```no_run
    /// fn shout(word: String) -> String {
    ///     word.to_uppercase()
    /// }
    ///
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(2).unwrap();
    /// let loud = pool.apply_async(shout, "hello".to_string()).unwrap();
    /// loud.add_done_callback(|outcome| println!("{outcome:?}"));
    /// assert_eq!(loud.into_result().unwrap(), "HELLO");
    /// ```
    pub fn apply_async<A, R>(&self, f: fn(A) -> R, arg: A) -> Result<Future<R>, ApplyError>
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        self.refuse_if_not_running()?;
        // Encoded under `collect`, as a start argument would be, only to
        // find out whether it holds a handle: a task's argument crosses
        // after the worker started, when no descriptor can be inherited.
        let (bytes, handles) = inherit::collect(|| postcard::to_stdvec(&arg));
        if !handles.is_empty() {
            return Err(ApplyError::Encode(String::from(HANDLE_IN_TASK)));
        }
        let bytes = bytes.map_err(|error| ApplyError::Encode(error.to_string()))?;
        let (future, promise) = Future::pending();
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let job = Job::new(id, FnRef::new(f), bytes, promise);
        if self.shared.jobs.put(job).is_err() {
            // Closed between the check and the put: the job comes back
            // and is dropped with its future, which nobody holds.
            return Err(self.not_running());
        }
        Ok(future)
    }

    /// Runs `f(arg)` in a worker and waits for its result (Python's
    /// `apply`): `apply_async` and then the result, moved out.
    ///
    /// ```no_run
    /// fn add((a, b): (i32, i32)) -> i32 {
    ///     a + b
    /// }
    ///
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(1).unwrap();
    /// assert_eq!(pool.apply(add, (2, 3)), Ok(5));
    /// ```
    pub fn apply<A, R>(&self, f: fn(A) -> R, arg: A) -> Result<R, ApplyError>
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        Ok(self.apply_async(f, arg)?.into_result()?)
    }

    /// No more tasks (Python's `close`): `apply_async` refuses from now on;
    /// the queued tasks still run, and each worker exits once the queue is
    /// empty. [`join`](Self::join) waits for that. Closing twice is harmless.
    ///
    /// ```no_run
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(1).unwrap();
    /// pool.close();
    /// pool.join().unwrap();
    /// ```
    pub fn close(&self) {
        self.shared.jobs.close();
    }

    /// Waits until every worker process has exited and been reaped (Python's
    /// `join`). Only after [`close`](Self::close) or
    /// [`terminate`](Self::terminate): on a running pool the workers would
    /// wait for tasks forever, so it returns `Err(StillRunning)` at once.
    ///
    /// Called from a done-callback (which runs on a minder thread), it
    /// returns without waiting: that minder cannot wait for itself, and
    /// the others may be waiting for it.
    pub fn join(&self) -> Result<(), StillRunning> {
        if !self.shared.jobs.is_closed() {
            return Err(StillRunning);
        }
        if self.minder_ids.contains(&thread::current().id()) {
            return Ok(());
        }
        let mut minders = self.minders.lock();
        for minder in minders.drain(..) {
            // A minder does not panic (the user's code it calls, the
            // done-callbacks, has its panics caught); if one did, there
            // is nothing left of it to wait for.
            let _ = minder.join();
        }
        Ok(())
    }

    /// Stops now (Python's `terminate`): every worker process is killed
    /// (SIGKILL), tasks still queued or running fail with
    /// [`TaskError::Terminated`](super::super::super::pool::TaskError::Terminated),
    /// and this returns once every worker is reaped. Python sends SIGTERM,
    /// and leaves the unfinished results waiting forever; a Rust program
    /// ends on SIGTERM as abruptly as on SIGKILL unless it installed a
    /// handler, and SIGKILL cannot be ignored, so nothing here can hang.
    ///
    /// ```no_run
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(1).unwrap();
    /// pool.terminate();
    /// assert!(pool.pids().is_empty());
    /// ```
    pub fn terminate(&self) {
        self.shared.terminate();
        // Closed now, so join does not refuse.
        let _ = self.join();
    }

    /// The process ids of the workers alive now: a snapshot (Python keeps
    /// them in the private `pool._pool`). Empty once the pool is joined or
    /// terminated.
    ///
    /// ```no_run
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(2).unwrap();
    /// assert_eq!(pool.pids().len(), 2);
    /// ```
    pub fn pids(&self) -> Vec<u32> {
        self.shared.pids()
    }

    fn refuse_if_not_running(&self) -> Result<(), ApplyError> {
        if let Some(reason) = self.shared.broken() {
            return Err(ApplyError::Broken(reason));
        }
        if self.shared.jobs.is_closed() {
            return Err(self.not_running());
        }
        Ok(())
    }

    fn not_running(&self) -> ApplyError {
        if self.shared.is_terminated() {
            ApplyError::Terminated
        } else {
            ApplyError::Closed
        }
    }
}

impl Drop for Pool {
    /// [`terminate`](Pool::terminate), as leaving Python's `with Pool() as
    /// pool:` block does; `close` and `join` first to let the work finish.
    fn drop(&mut self) {
        self.terminate();
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("workers", &self.pids())
            .field("queued", &self.shared.jobs.len())
            .field("closed", &self.shared.jobs.is_closed())
            .field("terminated", &self.shared.is_terminated())
            .finish()
    }
}
