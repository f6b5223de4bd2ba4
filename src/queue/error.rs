//! What can go wrong with a queue operation. Errors of operations that were
//! handed an item give it back: nothing is lost.

use core::fmt;

/// `put` on a closed queue. The item is handed back.
///
/// ```
/// use turnstile::{FifoQueue, PutError};
///
/// let queue = FifoQueue::unbounded();
/// queue.close();
/// assert_eq!(queue.put("late"), Err(PutError::Closed("late")));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue was closed; here is the item.
    Closed(T),
}

/// `try_put` found the queue full or closed. The item is handed back.
///
/// ```
/// use turnstile::{FifoQueue, TryPutError};
///
/// let queue = FifoQueue::bounded(1).unwrap();
/// queue.put(1).unwrap();
/// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// No room right now (Python's `queue.Full`).
    Full(T),
    /// The queue was closed.
    Closed(T),
}

/// `put_timeout` ran out of time or found the queue closed. The item is
/// handed back.
///
/// ```
/// use std::time::Duration;
/// use turnstile::{FifoQueue, PutTimeoutError};
///
/// let queue = FifoQueue::bounded(1).unwrap();
/// queue.put(1).unwrap();
/// assert_eq!(queue.put_timeout(2, Duration::from_millis(5)), Err(PutTimeoutError::Timeout(2)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// Still no room when the time ran out.
    Timeout(T),
    /// The queue was closed.
    Closed(T),
}

/// `get` on a queue that is closed and drained.
///
/// ```
/// use turnstile::{FifoQueue, GetError};
///
/// let queue = FifoQueue::<u8>::unbounded();
/// queue.close();
/// assert_eq!(queue.get(), Err(GetError::Closed));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetError {
    /// Closed, and nothing left to take (Python's `queue.ShutDown`).
    Closed,
}

/// `try_get` found nothing to take.
///
/// ```
/// use turnstile::{FifoQueue, TryGetError};
///
/// let queue = FifoQueue::<u8>::unbounded();
/// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryGetError {
    /// Nothing there right now (Python's `queue.Empty`).
    Empty,
    /// Closed, and nothing left to take.
    Closed,
}

/// `get_timeout` ran out of time or found the queue closed and drained.
///
/// ```
/// use std::time::Duration;
/// use turnstile::{FifoQueue, GetTimeoutError};
///
/// let queue = FifoQueue::<u8>::unbounded();
/// assert_eq!(queue.get_timeout(Duration::from_millis(5)), Err(GetTimeoutError::Timeout));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GetTimeoutError {
    /// Still nothing when the time ran out.
    Timeout,
    /// Closed, and nothing left to take.
    Closed,
}

/// `task_done` called more times than items were taken (Python:
/// `ValueError: task_done() called too many times`). Nothing changed.
///
/// ```
/// use turnstile::{FifoQueue, TaskDoneError};
///
/// let queue = FifoQueue::<u8>::unbounded();
/// assert_eq!(queue.task_done(), Err(TaskDoneError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaskDoneError;

/// `bounded(0)`: a queue that can hold nothing could never take a `put`.
/// (Python's `Queue(0)` means *unbounded*; here that is `unbounded()`.)
///
/// ```
/// use turnstile::{FifoQueue, ZeroCapacity};
///
/// assert_eq!(FifoQueue::<u8>::bounded(0).unwrap_err(), ZeroCapacity);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroCapacity;

impl<T> PutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            Self::Closed(item) => item,
        }
    }
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(item) | Self::Closed(item) => item,
        }
    }
}

impl<T> PutTimeoutError<T> {
    /// The item that was not put.
    pub fn into_inner(self) -> T {
        match self {
            Self::Timeout(item) | Self::Closed(item) => item,
        }
    }
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("put on a closed queue")
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "put on a full queue",
            Self::Closed(_) => "put on a closed queue",
        })
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout(_) => "timed out waiting for room in the queue",
            Self::Closed(_) => "put on a closed queue",
        })
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("get on a closed and empty queue")
    }
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "get on an empty queue",
            Self::Closed => "get on a closed and empty queue",
        })
    }
}

impl fmt::Display for GetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Timeout => "timed out waiting for an item",
            Self::Closed => "get on a closed and empty queue",
        })
    }
}

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done() called more times than items were taken")
    }
}

impl fmt::Display for ZeroCapacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a bounded queue needs a capacity of at least 1 (use unbounded() for no limit)")
    }
}

impl<T: fmt::Debug> std::error::Error for PutError<T> {}
impl<T: fmt::Debug> std::error::Error for TryPutError<T> {}
impl<T: fmt::Debug> std::error::Error for PutTimeoutError<T> {}
impl std::error::Error for GetError {}
impl std::error::Error for TryGetError {}
impl std::error::Error for GetTimeoutError {}
impl std::error::Error for TaskDoneError {}
impl std::error::Error for ZeroCapacity {}
