//! Why a future holds no value ([`TaskError`]), and the message of a panic
//! payload as `TaskError::Panicked` carries it.

use core::fmt;

/// Why a future holds no value (Python: the exception `result()` raises).
///
/// ```
/// use turnstile::pool::{Future, TaskError};
///
/// let (future, promise) = Future::<u8>::pending();
/// promise.start();
/// promise.finish(Err(TaskError::Panicked("boom".into())));
/// assert_eq!(future.exception(), Some(TaskError::Panicked("boom".into())));
///
/// // A process pool's worker killed under its task:
/// let died = TaskError::WorkerDied { pid: 4242, exitcode: Some(-9) };
/// assert_eq!(
///     died.to_string(),
///     "worker process 4242 died (killed by signal 9 (SIGKILL)) while running this task"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TaskError {
    /// The task panicked; the panic's message (a worker survives it).
    Panicked(String),
    /// The task was cancelled before it started (Python's `CancelledError`).
    Cancelled,
    /// The pool broke before the task ran: a worker's initializer failed
    /// (Python's `BrokenThreadPool`). The reason is the initializer's error.
    PoolBroken(String),
    /// A process pool's worker process died while running the task (it
    /// was killed, aborted, or exited): its `pid`, and its exit code as
    /// Python's `Process.exitcode` gives it (`-N`: killed by signal `N`;
    /// `None`: it could not be read). The pool starts a new worker; the
    /// task is not run again (it may have done part of its work).
    WorkerDied {
        /// The worker process's id.
        pid: u32,
        /// Its exit code, negative for a signal.
        exitcode: Option<i32>,
    },
    /// The process pool was terminated (`process::Pool::terminate`, or
    /// dropped) before the task finished.
    Terminated,
    /// The task's argument or result could not cross between processes:
    /// encoding or decoding it failed (the message says which).
    Transfer(String),
}

impl fmt::Display for TaskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Panicked(message) => write!(f, "the task panicked: {message}"),
            Self::Cancelled => f.write_str("the task was cancelled"),
            Self::PoolBroken(reason) => write!(f, "the pool is broken: {reason}"),
            Self::WorkerDied { pid, exitcode } => {
                write!(f, "worker process {pid} died (")?;
                write_exit(f, *exitcode)?;
                f.write_str(") while running this task")
            }
            Self::Terminated => {
                f.write_str("the process pool was terminated before the task finished")
            }
            Self::Transfer(why) => {
                write!(
                    f,
                    "the task's value could not cross between processes: {why}"
                )
            }
        }
    }
}

impl std::error::Error for TaskError {}

/// How a process ended, from Python's exit code: "exit code 3", "killed by
/// signal 9 (SIGKILL)".
fn write_exit(f: &mut fmt::Formatter<'_>, exitcode: Option<i32>) -> fmt::Result {
    match exitcode {
        None => f.write_str("its exit status could not be read"),
        Some(code) if code >= 0 => write!(f, "exit code {code}"),
        Some(code) => {
            let signal = code.unsigned_abs();
            write!(f, "killed by signal {signal}")?;
            let name = match signal {
                2 => "SIGINT",
                4 => "SIGILL",
                6 => "SIGABRT",
                7 => "SIGBUS",
                8 => "SIGFPE",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                13 => "SIGPIPE",
                15 => "SIGTERM",
                _ => return Ok(()),
            };
            write!(f, " ({name})")
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
