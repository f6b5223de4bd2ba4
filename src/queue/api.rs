//! The [`Queue`] type and its blocking methods: put and get (waiting, not
//! waiting, or until a timeout), `task_done` and `join`, `close`, and the
//! snapshots (`len`, `is_full`, ...). Each is a thin wrapper around the
//! queue's engine (the contract is in `engine.rs`, the engines in `fifo.rs`
//! and `locked.rs`) that adds what every engine shares: the public error
//! types (`error.rs`) and the report to the lock-order checker. The async
//! put and get are in `future.rs`, the iterators in `iter.rs`.

use core::fmt;
use std::time::{Duration, Instant};

use super::super::deadline;
use super::super::lockdep;
use super::super::timeout::Timeout;
use super::engine::{Engine, Missed, Patience, Refused};
use super::error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
    ZeroCapacity,
};
use super::fifo::Fifo;
use super::order::Order;

/// A blocking queue with a pluggable order. See the [module docs](super).
///
/// # Examples
///
/// ```
/// use turnstile::FifoQueue;
///
/// let queue = FifoQueue::bounded(2).unwrap();
/// queue.put('a').unwrap();
/// assert_eq!((queue.len(), queue.capacity()), (1, Some(2)));
/// ```
pub struct Queue<T, O: Order<T> = Fifo<T>> {
    /// The machinery; `pub(super)` for the futures (`future.rs`) and the
    /// owned iterator (`iter.rs`), which drive it directly.
    pub(super) engine: O::Engine,
}

// SAFETY: a queue moves items from thread to thread and never lets two
// threads use one item, so `T: Send` is what sharing or sending it needs.
// Every engine holds only its items, atomics and turnstile's own locks: the
// two-lock FIFO says so itself, and a one-lock engine holds its storage in a
// `Mutex`, which is why `Locked<S>` is an order only for `S: Send` (and
// `Lifo<T>`, `Priority<T>` are `Send` exactly when `T` is). Written out
// rather than derived so that code generic over `O: Order<T>` can share a
// queue without naming the engine.
unsafe impl<T: Send, O: Order<T>> Send for Queue<T, O> {}
// SAFETY: as above.
unsafe impl<T: Send, O: Order<T>> Sync for Queue<T, O> {}

impl<T, O: Order<T>> Queue<T, O> {
    /// A queue with no limit on its length: Python's `Queue()`, the same as
    /// [`unbounded`](Self::unbounded) and [`Default`].
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::<u8>::new();
    /// assert_eq!(queue.capacity(), None);
    /// ```
    pub fn new() -> Self {
        Self::unbounded()
    }

    /// A queue with no limit on its length (Python's `Queue()`).
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::<u8>::unbounded();
    /// assert_eq!(queue.capacity(), None);
    /// ```
    pub fn unbounded() -> Self {
        Self::with_capacity(None)
    }

    /// A queue that holds at most `capacity` items; `put` waits while it is
    /// full. An error for 0 (see [`ZeroCapacity`]).
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::<u8>::bounded(8).unwrap();
    /// assert_eq!(queue.capacity(), Some(8));
    /// ```
    pub fn bounded(capacity: usize) -> Result<Self, ZeroCapacity> {
        if capacity == 0 {
            return Err(ZeroCapacity);
        }
        Ok(Self::with_capacity(Some(capacity)))
    }

    fn with_capacity(capacity: Option<usize>) -> Self {
        Self {
            engine: O::Engine::with_capacity(capacity),
        }
    }

    /// Adds `item`, waiting while the queue is full. Hands the item back if
    /// the queue is (or gets) closed.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put("soup").unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        if self.capacity().is_some() {
            lockdep::before_wait("Queue::put", lockdep::caller(), false);
        }
        let mut item = item;
        loop {
            match self.engine.put(item, Patience::Until(None)) {
                Ok(()) => return Ok(()),
                Err(Refused::Closed(back)) => return Err(PutError::Closed(back)),
                // Without a deadline the engine does not give up for want of
                // room; if it ever did, trying again is still right.
                Err(Refused::NoRoom(back)) => item = back,
            }
        }
    }

    /// Adds `item` if there is room right now (Python's `put_nowait`).
    ///
    /// ```
    /// use turnstile::{FifoQueue, TryPutError};
    ///
    /// let queue = FifoQueue::bounded(1).unwrap();
    /// assert_eq!(queue.try_put(1), Ok(()));
    /// assert_eq!(queue.try_put(2), Err(TryPutError::Full(2)));
    /// ```
    pub fn try_put(&self, item: T) -> Result<(), TryPutError<T>> {
        self.engine
            .put(item, Patience::NoWait)
            .map_err(|refused| match refused {
                Refused::NoRoom(item) => TryPutError::Full(item),
                Refused::Closed(item) => TryPutError::Closed(item),
            })
    }

    /// Adds `item`, waiting at most `timeout` for room. A zero timeout
    /// behaves like [`try_put`](Self::try_put); `Duration::MAX` waits
    /// without limit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let queue = turnstile::FifoQueue::unbounded();
    /// assert!(queue.put_timeout(1, Duration::from_millis(5)).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn put_timeout(&self, item: T, timeout: Duration) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, deadline::after(timeout))
    }

    /// Adds `item`, waiting until `deadline` at most for room.
    ///
    /// ```
    /// use std::time::Instant;
    /// use turnstile::PutTimeoutError;
    ///
    /// let queue = turnstile::FifoQueue::bounded(1).unwrap();
    /// queue.put(1).unwrap();
    /// assert_eq!(queue.put_deadline(2, Instant::now()), Err(PutTimeoutError::Timeout(2)));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, Some(deadline))
    }

    #[cfg_attr(feature = "lockdep", track_caller)]
    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutTimeoutError<T>> {
        if self.capacity().is_some() {
            lockdep::before_wait("Queue::put", lockdep::caller(), deadline.is_some());
        }
        self.engine
            .put(item, Patience::Until(deadline))
            .map_err(|refused| match refused {
                Refused::NoRoom(item) => PutTimeoutError::Timeout(item),
                Refused::Closed(item) => PutTimeoutError::Closed(item),
            })
    }

    /// Takes the next item, waiting while the queue is empty. After
    /// [`close`](Self::close) it still drains what is left, then reports
    /// [`GetError::Closed`].
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put(5).unwrap();
    /// assert_eq!(queue.get(), Ok(5));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn get(&self) -> Result<T, GetError> {
        lockdep::before_wait("Queue::get", lockdep::caller(), false);
        loop {
            match self.engine.get(Patience::Until(None)) {
                Ok(item) => return Ok(item),
                Err(Missed::Closed) => return Err(GetError::Closed),
                // As in `put`: without a deadline the engine waits on.
                Err(Missed::Nothing) => {}
            }
        }
    }

    /// Takes the next item if there is one right now (Python's
    /// `get_nowait`).
    ///
    /// ```
    /// use turnstile::{FifoQueue, TryGetError};
    ///
    /// let queue = FifoQueue::<u8>::unbounded();
    /// assert_eq!(queue.try_get(), Err(TryGetError::Empty));
    /// ```
    pub fn try_get(&self) -> Result<T, TryGetError> {
        self.engine
            .get(Patience::NoWait)
            .map_err(|missed| match missed {
                Missed::Nothing => TryGetError::Empty,
                Missed::Closed => TryGetError::Closed,
            })
    }

    /// Takes the next item, waiting at most `timeout`. A zero timeout
    /// behaves like [`try_get`](Self::try_get); `Duration::MAX` waits
    /// without limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::{FifoQueue, GetTimeoutError};
    ///
    /// let queue = FifoQueue::<u8>::unbounded();
    /// assert_eq!(queue.get_timeout(Duration::from_millis(5)), Err(GetTimeoutError::Timeout));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn get_timeout(&self, timeout: Duration) -> Result<T, GetTimeoutError> {
        self.get_until(deadline::after(timeout))
    }

    /// Takes the next item, waiting until `deadline` at most (crossbeam's
    /// `recv_deadline`).
    ///
    /// ```
    /// use std::time::Instant;
    /// use turnstile::GetTimeoutError;
    ///
    /// let queue = turnstile::FifoQueue::<u8>::new();
    /// assert_eq!(queue.get_deadline(Instant::now()), Err(GetTimeoutError::Timeout));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetTimeoutError> {
        self.get_until(Some(deadline))
    }

    #[cfg_attr(feature = "lockdep", track_caller)]
    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetTimeoutError> {
        self.get_reported_as("Queue::get", lockdep::caller(), deadline)
    }

    /// `get_until`, shown to the lock-order checker as the wait `what`
    /// called at `at`: for a caller whose user never sees this queue (the
    /// event loop, waiting for a wake-up, is `event_loop::run` at the call
    /// of `run`, not `Queue::get` inside turnstile). Without a deadline it
    /// may return `Timeout` early.
    pub(crate) fn get_reported_as(
        &self,
        what: &'static str,
        at: lockdep::Site,
        deadline: Option<Instant>,
    ) -> Result<T, GetTimeoutError> {
        lockdep::before_wait(what, at, deadline.is_some());
        self.engine
            .get(Patience::Until(deadline))
            .map_err(|missed| match missed {
                Missed::Nothing => GetTimeoutError::Timeout,
                Missed::Closed => GetTimeoutError::Closed,
            })
    }

    /// Marks one taken item as finished (Python's `task_done`). An error,
    /// changing nothing, if every item put has already been marked.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put(1).unwrap();
    /// queue.get().unwrap();
    /// assert!(queue.task_done().is_ok());
    /// assert!(queue.task_done().is_err()); // one too many
    /// ```
    pub fn task_done(&self) -> Result<(), TaskDoneError> {
        self.engine.task_done()
    }

    /// Waits until every item put has been marked with
    /// [`task_done`](Self::task_done) (Python's `join`). An async task
    /// waits for the same with [`join_async`](Self::join_async).
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::<u8>::unbounded();
    /// queue.join(); // nothing was ever put: returns at once
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn join(&self) {
        lockdep::before_wait("Queue::join", lockdep::caller(), false);
        // Without a deadline, `join` only returns once every task is done.
        while self.engine.join(None).is_err() {}
    }

    /// Like [`join`](Self::join), giving up after `timeout`: `Ok(())` once
    /// every task is done, `Err(Timeout)` if some are still unfinished when
    /// the time runs out.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put(1).unwrap();
    /// assert!(queue.join_timeout(Duration::from_millis(5)).is_err()); // not done yet
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn join_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.join_until(deadline::after(timeout))
    }

    /// Like [`join`](Self::join), giving up at `deadline`.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let queue = turnstile::FifoQueue::<u8>::new();
    /// assert!(queue.join_deadline(Instant::now()).is_ok()); // nothing unfinished
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn join_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        self.join_until(Some(deadline))
    }

    #[cfg_attr(feature = "lockdep", track_caller)]
    fn join_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        lockdep::before_wait("Queue::join", lockdep::caller(), deadline.is_some());
        self.engine.join(deadline)
    }

    /// Closes the queue (Python 3.13's `shutdown()`): later `put`s fail and
    /// hand their item back, `get`s drain what is left and then fail, and
    /// every blocked thread wakes. Closing twice is harmless.
    ///
    /// ```
    /// use turnstile::{FifoQueue, GetError};
    ///
    /// let queue = FifoQueue::unbounded();
    /// queue.put(1).unwrap();
    /// queue.close();
    /// assert_eq!(queue.get(), Ok(1)); // drains first
    /// assert_eq!(queue.get(), Err(GetError::Closed));
    /// ```
    pub fn close(&self) {
        self.engine.close(false);
    }

    /// Closes the queue and discards the items still in it (Python 3.13's
    /// `shutdown(immediate=True)`): they count as done, so
    /// [`join`](Self::join) does not wait for them. Returns how many items it
    /// discarded.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put(1).unwrap();
    /// queue.put(2).unwrap();
    /// assert_eq!(queue.close_immediate(), 2);
    /// queue.join(); // the discarded items count as done
    /// ```
    pub fn close_immediate(&self) -> usize {
        self.engine.close(true)
    }

    /// How many items were put and not yet marked done with
    /// [`task_done`](Self::task_done) (Python's `unfinished_tasks`): what
    /// [`join`](Self::join) waits to reach 0. A snapshot.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::new();
    /// queue.put("a").unwrap();
    /// queue.put("b").unwrap();
    /// let _ = queue.get();
    /// assert_eq!(queue.unfinished_tasks(), 2); // taken is not done
    /// queue.task_done().unwrap();
    /// assert_eq!(queue.unfinished_tasks(), 1);
    /// ```
    pub fn unfinished_tasks(&self) -> usize {
        self.engine.unfinished()
    }

    /// Whether the queue has been closed. A snapshot.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::<u8>::unbounded();
    /// queue.close();
    /// assert!(queue.is_closed());
    /// ```
    pub fn is_closed(&self) -> bool {
        self.engine.is_closed()
    }

    /// How many items are queued (Python's `qsize`). A snapshot: by the time
    /// you act on it, other threads may have changed it.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put(1).unwrap();
    /// assert_eq!(queue.len(), 1);
    /// ```
    pub fn len(&self) -> usize {
        self.engine.len()
    }

    /// Whether no item is queued. A snapshot.
    ///
    /// ```
    /// assert!(turnstile::FifoQueue::<u8>::unbounded().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.engine.len() == 0
    }

    /// Whether a bounded queue is at capacity (never, for an unbounded one).
    /// A snapshot.
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::bounded(1).unwrap();
    /// queue.put(1).unwrap();
    /// assert!(queue.is_full());
    /// ```
    pub fn is_full(&self) -> bool {
        self.capacity()
            .is_some_and(|capacity| self.engine.len() >= capacity)
    }

    /// The most items it holds; `None` if unbounded.
    ///
    /// ```
    /// assert_eq!(turnstile::LifoQueue::<u8>::bounded(3).unwrap().capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.engine.capacity()
    }
}

impl<T, O: Order<T>> fmt::Debug for Queue<T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Queue")
            .field("len", &self.len())
            .field("capacity", &self.capacity())
            .field("closed", &self.is_closed())
            .field("unfinished", &self.unfinished_tasks())
            .finish()
    }
}

impl<T, O: Order<T>> Default for Queue<T, O> {
    /// An unbounded queue, as [`Queue::new`].
    fn default() -> Self {
        Self::unbounded()
    }
}
