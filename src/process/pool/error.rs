//! Why a process [`Pool`](super::Pool) could not be built
//! ([`PoolError`]), refused a task or could not give its result
//! ([`ApplyError`]), or would not be joined ([`StillRunning`]).

use core::fmt;
use std::io;

use super::super::super::pool::TaskError;
use super::super::spawn::StartError;

/// Why a process pool could not be built, or a worker started.
#[derive(Debug)]
pub enum PoolError {
    /// A pool needs at least one worker process.
    ZeroWorkers,
    /// `max_tasks_per_child(0)`: a worker must serve at least one task
    /// (Python: `ValueError`).
    ZeroMaxTasks,
    /// A minder thread (one per worker, in this process) could not be
    /// started.
    Thread(io::Error),
    /// The connection to a new worker could not be made.
    Pipe(io::Error),
    /// A worker process could not be started.
    Start(StartError),
}

impl fmt::Display for PoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ZeroWorkers => f.write_str("a process pool needs at least one worker process"),
            Self::ZeroMaxTasks => {
                f.write_str("max_tasks_per_child must be at least 1 (or not set, for no limit)")
            }
            Self::Thread(error) => write!(f, "could not start a worker's minder thread: {error}"),
            Self::Pipe(error) => write!(f, "could not make a worker's connection: {error}"),
            Self::Start(error) => write!(f, "could not start a worker process: {error}"),
        }
    }
}

impl std::error::Error for PoolError {}

/// Why `apply_async` (and `apply`, `map`, `imap`) refused a task, or, for
/// the blocking calls, why the task has no result.
///
/// ```
/// use turnstile::process::ApplyError;
///
/// assert_eq!(
///     ApplyError::Closed.to_string(),
///     "the process pool was closed: it takes no new tasks"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApplyError {
    /// [`close`](super::Pool::close) was called (Python: `ValueError: Pool
    /// not running`).
    Closed,
    /// [`terminate`](super::Pool::terminate) was called.
    Terminated,
    /// A worker's initializer failed, so no task can run (the reason says
    /// how). Python starts a new worker again and again instead.
    Broken(String),
    /// The argument could not be encoded for the worker (the message says
    /// why: a process handle in it, or the encoder's error).
    Encode(String),
    /// Only from the blocking calls (`apply`, `map`): the task ran, or was
    /// meant to, and failed; the future's error.
    Task(TaskError),
}

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the process pool was closed: it takes no new tasks"),
            Self::Terminated => f.write_str("the process pool was terminated"),
            Self::Broken(reason) => write!(f, "the process pool is broken: {reason}"),
            Self::Encode(why) => write!(f, "the task's argument could not be encoded: {why}"),
            Self::Task(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for ApplyError {}

impl From<TaskError> for ApplyError {
    fn from(error: TaskError) -> Self {
        ApplyError::Task(error)
    }
}

/// [`join`](super::Pool::join) was called on a pool that was neither
/// closed nor terminated: its workers would wait for tasks forever
/// (Python: `ValueError: Pool is still running`).
///
/// ```
/// assert_eq!(
///     turnstile::process::StillRunning.to_string(),
///     "join on a process pool that is still running: call close() or terminate() first"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StillRunning;

impl fmt::Display for StillRunning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "join on a process pool that is still running: call close() or terminate() first",
        )
    }
}

impl std::error::Error for StillRunning {}
