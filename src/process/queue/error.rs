//! What can go wrong with a process queue operation: the thread queues'
//! errors (`src/queue/error.rs`) and what only bytes between processes
//! add: an item too large for the ring, a value serde cannot write or
//! read. Errors of operations that were handed an item give it back.

use core::fmt;

/// `put` did not add the item; here it is back.
///
/// ```
/// use turnstile::process::{PutError, Queue};
///
/// let queue = Queue::with_capacity(0, 64).unwrap();
/// let big = vec![0_u8; 100];
/// assert!(matches!(queue.put(big), Err(PutError::TooLarge(_))));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutError<T> {
    /// The queue was closed.
    Closed(T),
    /// Its encoding (with the 4-byte length in front) is longer than the
    /// queue's whole ring: it could never fit, so waiting would never end.
    TooLarge(T),
    /// serde could not encode it with postcard; the message says why.
    Encode(T, String),
}

/// `try_put` did not add the item; here it is back.
///
/// ```
/// use turnstile::process::{Queue, TryPutError};
///
/// let queue = Queue::new(1).unwrap();
/// queue.try_put(1_u8).unwrap();
/// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryPutError<T> {
    /// No room right now: `maxsize` items, or not enough free bytes in
    /// the ring (Python's `queue.Full`).
    Full(T),
    /// The queue was closed.
    Closed(T),
    /// Longer than the whole ring (see [`PutError::TooLarge`]).
    TooLarge(T),
    /// serde could not encode it.
    Encode(T, String),
}

/// `put_timeout` did not add the item; here it is back.
///
/// ```
/// use std::time::Duration;
/// use turnstile::process::{PutTimeoutError, Queue};
///
/// let queue = Queue::new(1).unwrap();
/// queue.put('a').unwrap();
/// let late = queue.put_timeout('b', Duration::from_millis(5));
/// assert_eq!(late, Err(PutTimeoutError::Timeout('b')));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutTimeoutError<T> {
    /// Still no room when the time ran out.
    Timeout(T),
    /// The queue was closed.
    Closed(T),
    /// Longer than the whole ring (see [`PutError::TooLarge`]).
    TooLarge(T),
    /// serde could not encode it.
    Encode(T, String),
}

/// `get` gave no item.
///
/// ```
/// use turnstile::process::{GetError, Queue};
///
/// let queue = Queue::<u8>::new(0).unwrap();
/// queue.close();
/// assert_eq!(queue.get(), Err(GetError::Closed));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetError {
    /// Closed, and nothing left to take.
    Closed,
    /// The next item's bytes are not a `T` (a handle of another item type
    /// on the same queue, say). The item is taken and gone; the queue
    /// goes on with the next one.
    Decode(String),
}

/// `try_get` gave no item.
///
/// ```
/// use turnstile::process::{Queue, TryGetError};
///
/// let queue = Queue::<u8>::new(0).unwrap();
/// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TryGetError {
    /// Nothing there right now (Python's `queue.Empty`).
    Empty,
    /// Closed, and nothing left to take.
    Closed,
    /// The item taken was not a `T` (see [`GetError::Decode`]).
    Decode(String),
}

/// `get_timeout` gave no item.
///
/// ```
/// use std::time::Duration;
/// use turnstile::process::{GetTimeoutError, Queue};
///
/// let queue = Queue::<u8>::new(0).unwrap();
/// let late = queue.get_timeout(Duration::from_millis(5));
/// assert_eq!(late, Err(GetTimeoutError::Timeout));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetTimeoutError {
    /// Still nothing when the time ran out.
    Timeout,
    /// Closed, and nothing left to take.
    Closed,
    /// The item taken was not a `T` (see [`GetError::Decode`]).
    Decode(String),
}

impl<T> PutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// use turnstile::process::PutError;
    ///
    /// assert_eq!(PutError::Closed(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Closed(item) | Self::TooLarge(item) | Self::Encode(item, _) => item,
        }
    }
}

impl<T> TryPutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// use turnstile::process::TryPutError;
    ///
    /// assert_eq!(TryPutError::Full(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(item)
            | Self::Closed(item)
            | Self::TooLarge(item)
            | Self::Encode(item, _) => item,
        }
    }
}

impl<T> PutTimeoutError<T> {
    /// The item that was not put.
    ///
    /// ```
    /// use turnstile::process::PutTimeoutError;
    ///
    /// assert_eq!(PutTimeoutError::Timeout(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        match self {
            Self::Timeout(item)
            | Self::Closed(item)
            | Self::TooLarge(item)
            | Self::Encode(item, _) => item,
        }
    }
}

const CLOSED_PUT: &str = "put on a closed process queue";
const TOO_LARGE: &str = "the item's encoding is larger than the process queue's whole ring \
     (make the queue with_capacity(maxsize, more ring bytes))";
const CLOSED_GET: &str = "get on a closed and empty process queue";

fn encode(f: &mut fmt::Formatter<'_>, why: &str) -> fmt::Result {
    write!(f, "could not encode the item for the process queue: {why}")
}

fn decode(f: &mut fmt::Formatter<'_>, why: &str) -> fmt::Result {
    write!(
        f,
        "the process queue's next item is not the type asked for (it was taken and dropped): {why}"
    )
}

impl<T> fmt::Display for PutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed(_) => f.write_str(CLOSED_PUT),
            Self::TooLarge(_) => f.write_str(TOO_LARGE),
            Self::Encode(_, why) => encode(f, why),
        }
    }
}

impl<T> fmt::Display for TryPutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("put on a full process queue"),
            Self::Closed(_) => f.write_str(CLOSED_PUT),
            Self::TooLarge(_) => f.write_str(TOO_LARGE),
            Self::Encode(_, why) => encode(f, why),
        }
    }
}

impl<T> fmt::Display for PutTimeoutError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout(_) => f.write_str("timed out waiting for room in the process queue"),
            Self::Closed(_) => f.write_str(CLOSED_PUT),
            Self::TooLarge(_) => f.write_str(TOO_LARGE),
            Self::Encode(_, why) => encode(f, why),
        }
    }
}

impl fmt::Display for GetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str(CLOSED_GET),
            Self::Decode(why) => decode(f, why),
        }
    }
}

impl fmt::Display for TryGetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("get on an empty process queue"),
            Self::Closed => f.write_str(CLOSED_GET),
            Self::Decode(why) => decode(f, why),
        }
    }
}

impl fmt::Display for GetTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("timed out waiting for an item from the process queue"),
            Self::Closed => f.write_str(CLOSED_GET),
            Self::Decode(why) => decode(f, why),
        }
    }
}

impl<T: fmt::Debug> std::error::Error for PutError<T> {}
impl<T: fmt::Debug> std::error::Error for TryPutError<T> {}
impl<T: fmt::Debug> std::error::Error for PutTimeoutError<T> {}
impl std::error::Error for GetError {}
impl std::error::Error for TryGetError {}
impl std::error::Error for GetTimeoutError {}
