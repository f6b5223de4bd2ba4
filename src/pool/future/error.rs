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

/// The message of a panic payload, as `TaskError::Panicked` carries it.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| String::from("<a panic without a message>"))
}
