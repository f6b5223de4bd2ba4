//! Why a [`ThreadPool`](super::ThreadPool) could not be built
//! ([`PoolError`]) or refused a task ([`SubmitError`]).

use core::fmt;

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
