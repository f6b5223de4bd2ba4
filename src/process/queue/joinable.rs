//! [`JoinableQueue<T>`] (a [`Queue`] that also counts unfinished tasks:
//! `task_done`, `join`) and [`SimpleQueue<T>`] (put, get, empty, close).
//!
//! Every process queue counts tasks (one add under the lock it holds
//! anyway); `JoinableQueue` is the type that lets you use the count, as
//! Python's is the subclass that adds it.

use core::fmt;
use core::ops::Deref;
use std::io;
use std::time::{Duration, Instant};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::super::super::deadline;
use super::super::super::queue::TaskDoneError;
use super::super::super::timeout::Timeout;
use super::api::{DEFAULT_RING_BYTES, Queue};
use super::error::{GetError, PutError};

/// `multiprocessing.JoinableQueue`: a process [`Queue`] (all its methods,
/// through `Deref`) plus [`task_done`](Self::task_done) and
/// [`join`](Self::join) across processes.
///
/// Every item put is a task; a task is finished when some process calls
/// `task_done` for it (usually the one that took it, after dealing with
/// it). `join` waits until every task put so far is finished.
///
/// ```
/// use turnstile::process::JoinableQueue;
///
/// let orders = JoinableQueue::new(0).unwrap();
/// let kitchen = orders.clone();
/// let cook = std::thread::spawn(move || {
///     while let Ok(dish) = kitchen.get() {
///         let _: String = dish;
///         kitchen.task_done().unwrap();
///     }
/// });
/// orders.put("soup".to_string()).unwrap();
/// orders.put("bread".to_string()).unwrap();
/// orders.join(); // both dishes done
/// orders.close();
/// cook.join().unwrap();
/// ```
#[derive(Serialize, Deserialize)]
#[serde(transparent, bound = "")]
pub struct JoinableQueue<T> {
    queue: Queue<T>,
}

impl<T: Serialize + DeserializeOwned> JoinableQueue<T> {
    /// A joinable queue of at most `maxsize` items (0: no limit but the
    /// ring's bytes) with the default ring.
    ///
    /// # Errors
    ///
    /// As [`Queue::new`].
    ///
    /// ```
    /// let queue = turnstile::process::JoinableQueue::<u8>::new(4).unwrap();
    /// assert_eq!(queue.unfinished_tasks(), 0);
    /// ```
    pub fn new(maxsize: usize) -> io::Result<Self> {
        Self::with_capacity(maxsize, DEFAULT_RING_BYTES)
    }

    /// As [`Queue::with_capacity`].
    ///
    /// # Errors
    ///
    /// As [`Queue::with_capacity`].
    ///
    /// ```
    /// let queue = turnstile::process::JoinableQueue::<u8>::with_capacity(0, 256).unwrap();
    /// assert_eq!(queue.ring_bytes(), 256);
    /// ```
    pub fn with_capacity(maxsize: usize, ring_bytes: usize) -> io::Result<Self> {
        Ok(Self {
            queue: Queue::with_capacity(maxsize, ring_bytes)?,
        })
    }
}

impl<T> JoinableQueue<T> {
    /// Marks one task finished (Python's `task_done`).
    ///
    /// # Errors
    ///
    /// [`TaskDoneError`], changing nothing, if every task put is already
    /// finished (Python's `ValueError: task_done() called too many times`).
    ///
    /// ```
    /// let queue = turnstile::process::JoinableQueue::new(0).unwrap();
    /// queue.put(1_u8).unwrap();
    /// queue.get().unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err()); // one too many
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.queue.engine.task_done()
    }

    /// Waits until every task put so far is finished (Python's `join`).
    ///
    /// ```
    /// let queue = turnstile::process::JoinableQueue::<u8>::new(0).unwrap();
    /// queue.join(); // nothing was ever put: returns at once
    /// ```
    pub fn join(&self) {
        // Without a deadline the wait ends only when all are done.
        let _ = self.queue.engine.join(None);
    }

    /// [`join`](Self::join), giving up after `timeout`.
    ///
    /// # Errors
    ///
    /// [`Timeout`] if tasks are still unfinished when it runs out.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::Timeout;
    ///
    /// let queue = turnstile::process::JoinableQueue::new(0).unwrap();
    /// queue.put(1_u8).unwrap();
    /// assert_eq!(queue.join_timeout(Duration::from_millis(5)), Err(Timeout));
    /// ```
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.queue.engine.join(deadline::after(timeout))
    }

    /// [`join`](Self::join), giving up at `deadline`.
    ///
    /// # Errors
    ///
    /// As [`join_timeout`](Self::join_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let queue = turnstile::process::JoinableQueue::<u8>::new(0).unwrap();
    /// assert_eq!(queue.join_deadline(Instant::now()), Ok(()));
    /// ```
    pub fn join_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        self.queue.engine.join(Some(deadline))
    }

    /// Tasks put and not yet marked done: a snapshot.
    ///
    /// ```
    /// let queue = turnstile::process::JoinableQueue::new(0).unwrap();
    /// queue.put('a').unwrap();
    /// assert_eq!(queue.unfinished_tasks(), 1);
    /// ```
    #[must_use]
    pub fn unfinished_tasks(&self) -> usize {
        self.queue.engine.unfinished()
    }
}

impl<T> Deref for JoinableQueue<T> {
    type Target = Queue<T>;

    fn deref(&self) -> &Queue<T> {
        &self.queue
    }
}

impl<T> Clone for JoinableQueue<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<T> fmt::Debug for JoinableQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("process::JoinableQueue")
            .field(&self.queue)
            .finish()
    }
}

/// `multiprocessing.SimpleQueue`: put, get, empty, close; no item limit
/// (only the ring's bytes), no timeouts, no task counting in its API.
///
/// ```
/// use turnstile::process::SimpleQueue;
///
/// let queue = SimpleQueue::new().unwrap();
/// queue.put([1_u16, 2, 3]).unwrap();
/// assert_eq!(queue.get().unwrap(), [1, 2, 3]);
/// assert!(queue.empty());
/// ```
#[derive(Serialize, Deserialize)]
#[serde(transparent, bound = "")]
pub struct SimpleQueue<T> {
    queue: Queue<T>,
}

impl<T: Serialize + DeserializeOwned> SimpleQueue<T> {
    /// An empty queue with the default ring.
    ///
    /// # Errors
    ///
    /// As [`Queue::new`].
    ///
    /// ```
    /// assert!(turnstile::process::SimpleQueue::<u8>::new().unwrap().empty());
    /// ```
    pub fn new() -> io::Result<Self> {
        Self::with_ring_bytes(DEFAULT_RING_BYTES)
    }

    /// An empty queue whose ring has `ring_bytes` bytes.
    ///
    /// # Errors
    ///
    /// As [`Queue::with_capacity`].
    ///
    /// ```
    /// assert!(turnstile::process::SimpleQueue::<u8>::with_ring_bytes(64).is_ok());
    /// ```
    pub fn with_ring_bytes(ring_bytes: usize) -> io::Result<Self> {
        Ok(Self {
            queue: Queue::with_capacity(0, ring_bytes)?,
        })
    }

    /// Adds `item`, waiting while the ring has no room for it.
    ///
    /// # Errors
    ///
    /// As [`Queue::put`].
    ///
    /// ```
    /// let queue = turnstile::process::SimpleQueue::new().unwrap();
    /// queue.put(String::from("hello")).unwrap();
    /// ```
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        self.queue.put(item)
    }

    /// Takes the next item, waiting while there is none.
    ///
    /// # Errors
    ///
    /// As [`Queue::get`].
    ///
    /// ```
    /// let queue = turnstile::process::SimpleQueue::new().unwrap();
    /// queue.put(2.5_f64).unwrap();
    /// assert_eq!(queue.get(), Ok(2.5));
    /// ```
    pub fn get(&self) -> Result<T, GetError> {
        self.queue.get()
    }
}

impl<T> SimpleQueue<T> {
    /// Whether it holds nothing now: a snapshot.
    ///
    /// ```
    /// assert!(turnstile::process::SimpleQueue::<u8>::new().unwrap().empty());
    /// ```
    #[must_use]
    pub fn empty(&self) -> bool {
        self.queue.empty()
    }

    /// Closes it for every process, as [`Queue::close`].
    ///
    /// ```
    /// let queue = turnstile::process::SimpleQueue::<u8>::new().unwrap();
    /// queue.close();
    /// assert!(queue.get().is_err());
    /// ```
    pub fn close(&self) {
        self.queue.close();
    }
}

impl<T> Clone for SimpleQueue<T> {
    fn clone(&self) -> Self {
        Self {
            queue: self.queue.clone(),
        }
    }
}

impl<T> fmt::Debug for SimpleQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("process::SimpleQueue")
            .field(&self.queue)
            .finish()
    }
}
