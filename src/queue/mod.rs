//! Blocking queues: Python's `queue.Queue`, `LifoQueue` and `PriorityQueue`,
//! joinable and closable, as one design.
//!
//! A queue is the table between producers and consumers (the notes' chefs
//! and eaters): [`put`](Queue::put) adds an item, waiting while a bounded
//! queue is full; [`get`](Queue::get) takes one, waiting while it is empty.
//! The order items come out in is the queue's [`Order`]: [`Fifo`],
//! [`Lifo`] or [`Priority`], or a [`Storage`] of your own. As in CPython's
//! `queue.py`, it is one queue with order hooks, not three queues.
//!
//! Every queue is joinable, as Python's `queue.Queue` is: each `put` counts an
//! unfinished task, consumers call [`task_done`](Queue::task_done) when they
//! have finished with an item, and [`join`](Queue::join) waits until every
//! task is done.
//!
//! [`close`](Queue::close) ends a queue (Python 3.13's `shutdown()`): `put`
//! fails and hands the item back, `get` drains what is left and then reports
//! [`GetError::Closed`], and every blocked thread wakes. `for item in &queue`
//! yields until the queue is closed and drained.
//!
//! | Python (`queue`)                   | turnstile                                  |
//! |------------------------------------|--------------------------------------------|
//! | `q = Queue()` / `Queue(maxsize=n)` | `FifoQueue::unbounded()` / `FifoQueue::bounded(n)?` |
//! | `LifoQueue()`, `PriorityQueue()`   | `LifoQueue::unbounded()`, `PriorityQueue::unbounded()` |
//! | `pq.put((priority, item))`         | `pq.put(Prioritized::new(priority, item))` (stable for ties) |
//! | `q.put(x)` / `q.get()`             | `q.put(x)?` / `q.get()?`                   |
//! | `q.put_nowait(x)` / `q.get_nowait()` | `q.try_put(x)` / `q.try_get()`           |
//! | `q.put(x, timeout=t)` / `q.get(timeout=t)` | `q.put_timeout(x, t)` / `q.get_timeout(t)` |
//! | `queue.Full` / `queue.Empty`       | `TryPutError::Full(x)` / `TryGetError::Empty` |
//! | `q.qsize()`, `q.empty()`, `q.full()` | `q.len()`, `q.is_empty()`, `q.is_full()` |
//! | `q.task_done()` / `q.join()`       | `q.task_done()?` / `q.join()`              |
//! | `q.shutdown()` / `shutdown(immediate=True)` | `q.close()` / `q.close_immediate()` |
//! | `queue.ShutDown`                   | `PutError::Closed(x)`, `GetError::Closed`  |
//! | `await aq.put(x)` / `await aq.get()` (`asyncio.Queue`) | `q.put_async(x).await?` / `q.get_async().await?` |
//!
//! An async task waits on the *same* queue as threads do: a task can get
//! what a thread put and the other way round, and a waiting task holds no
//! thread (see [`get_async`](Queue::get_async)).
//!
//! `Queue(0)` means "unbounded" in Python; here `bounded(0)` is an error
//! ([`ZeroCapacity`]) rather than a silent unbounded queue.
//!
//! # Two designs behind one API
//!
//! The second type parameter is the queue's [`Order`], and the order picks
//! the machinery; every method means the same for all of them.
//!
//! - [`Lifo`], [`Priority`] and any [`Storage`] of your own wrapped in
//!   [`Locked`] get CPython's design: one lock over the items and three
//!   condition variables (`not_empty`, `not_full`, `all_tasks_done`). It is
//!   the one to read first: every step is "take the lock, check, wait or
//!   change, notify". `Queue<T, Locked<VecDeque<T>>>` *is* CPython's FIFO.
//! - [`Fifo`] (the default, [`FifoQueue`]) is a two-lock queue: producers
//!   and consumers each take a lock of their own, and hand items over
//!   through slots stamped with their position, so a producer and a consumer
//!   never wait for each other's lock. With one lock, they did on every item
//!   (see BENCHMARKS.md for what that cost). The design is explained in
//!   the source, `src/queue/fifo.rs`.
//!
//! # Examples
//!
//! ```
//! use std::thread;
//! use turnstile::FifoQueue;
//!
//! // Chefs and eaters sharing one table of five places.
//! let table = FifoQueue::bounded(5).unwrap();
//! thread::scope(|scope| {
//!     scope.spawn(|| {
//!         for dish in 0..20 {
//!             table.put(dish).unwrap(); // waits while the table is full
//!         }
//!         table.close(); // no more dishes
//!     });
//!     scope.spawn(|| {
//!         let eaten: u32 = (&table).into_iter().sum(); // until closed and empty
//!         assert_eq!(eaten, (0..20).sum());
//!     });
//! });
//! ```

mod error;
mod fifo;
mod future;
mod lifo;
mod locked;
mod priority;

use core::fmt;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::deadline;
use super::lockdep;
use super::timeout::Timeout;

pub use error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
    ZeroCapacity,
};
pub use fifo::Fifo;
pub use future::{QueueGet, QueuePut};
pub use lifo::Lifo;
pub use locked::Locked;
pub use priority::{Prioritized, Priority};

use engine::{Engine, Missed, Patience, Refused};

/// The order a queue hands items out in, and with it the machinery behind
/// the queue: [`Fifo`], [`Lifo`], [`Priority`], or [`Locked`] around a
/// [`Storage`] of your own.
///
/// Implemented by turnstile only (the engine it names is private); to
/// choose your own order, implement [`Storage`] and use `Locked<S>`.
///
/// ```
/// use turnstile::queue::{Lifo, Order, Queue};
///
/// fn stack_of<O: Order<u8>>() -> Queue<u8, O> {
///     Queue::new()
/// }
/// let stack = stack_of::<Lifo<u8>>();
/// stack.put(1).unwrap();
/// stack.put(2).unwrap();
/// assert_eq!(stack.get(), Ok(2));
/// ```
pub trait Order<T> {
    /// The machinery behind a queue of this order.
    #[doc(hidden)]
    type Engine: Engine<T>;
}

/// What every queue's machinery does; the public methods of [`Queue`] are
/// thin wrappers around these. Private: only this crate implements it.
mod engine {
    use core::task::Waker;
    use std::time::Instant;

    use super::super::timeout::Timeout;
    use super::TaskDoneError;

    /// How long a put or a get may wait.
    #[derive(Debug, Clone, Copy)]
    pub enum Patience {
        /// Not at all (`try_put`, `try_get`).
        NoWait,
        /// Until the deadline; `None`: for as long as it takes.
        Until(Option<Instant>),
    }

    /// Why a put did not store its item, which it hands back.
    pub enum Refused<T> {
        /// Full, and the patience ran out.
        NoRoom(T),
        /// The queue is closed.
        Closed(T),
    }

    /// Why a get returned no item.
    pub enum Missed {
        /// Empty, and the patience ran out.
        Nothing,
        /// The queue is closed and drained.
        Closed,
    }

    pub trait Engine<T> {
        fn with_capacity(capacity: Option<usize>) -> Self;
        fn put(&self, item: T, patience: Patience) -> Result<(), Refused<T>>;
        fn get(&self, patience: Patience) -> Result<T, Missed>;
        fn task_done(&self) -> Result<(), TaskDoneError>;
        fn join(&self, deadline: Option<Instant>) -> Result<(), Timeout>;
        /// Closes; `immediate` also discards the items. Returns how many.
        fn close(&self, immediate: bool) -> usize;
        fn unfinished(&self) -> usize;
        fn is_closed(&self) -> bool;
        fn len(&self) -> usize;
        fn capacity(&self) -> Option<usize>;
        /// Takes the next item of a queue nobody else can use.
        fn pop_owned(&mut self) -> Option<T>;

        /// One step of an async put: puts `item` if there is room, or
        /// registers `waker` under `key` (making one if `None`) and hands
        /// the item back as `NoRoom`, the look and the registration under
        /// one lock, so a take after the look wakes the task. On success
        /// or `Closed` the registration is gone.
        fn poll_put(&self, item: T, key: &mut Option<u64>, waker: &Waker)
        -> Result<(), Refused<T>>;
        /// One step of an async get, as `poll_put`: `Nothing` means
        /// registered.
        fn poll_get(&self, key: &mut Option<u64>, waker: &Waker) -> Result<T, Missed>;
        /// A pending async put was dropped: removes its waker; if a take
        /// had already taken it (to wake it), wakes another putting task in
        /// its place, so the wake-up is not lost with it.
        fn cancel_put(&self, key: u64);
        /// The same for a pending async get.
        fn cancel_get(&self, key: u64);
    }
}

/// How a [`Locked`] queue orders its items: CPython's `_put`, `_get` and
/// `_qsize` hooks. The queue calls these only with its lock held, so an
/// implementation needs no synchronisation of its own. [`Lifo`] and
/// [`Priority`] are storages; so are `VecDeque` (first in, first out) and
/// `Vec` (last in, first out).
///
/// A hook that panics does not break the queue: the panic reaches the
/// caller of `put` or `get`, the lock is released, and the queue's count of
/// unfinished tasks and its wake-ups follow whatever the storage's length
/// then says (an item a panicking `pop` lost counts as done, so `join` does
/// not wait for it). Keeping the items themselves is the storage's part:
/// [`Priority`] moves nothing until its comparisons are over.
///
/// # Examples
///
/// ```
/// use turnstile::queue::{Locked, Queue, Storage};
///
/// /// Hands out the largest item first.
/// #[derive(Default)]
/// struct Largest(Vec<u32>);
///
/// impl Storage<u32> for Largest {
///     fn push(&mut self, item: u32) {
///         self.0.push(item);
///         self.0.sort();
///     }
///     fn pop(&mut self) -> Option<u32> {
///         self.0.pop()
///     }
///     fn len(&self) -> usize {
///         self.0.len()
///     }
/// }
///
/// let queue: Queue<u32, Locked<Largest>> = Queue::unbounded();
/// for n in [3, 9, 1] {
///     queue.put(n).unwrap();
/// }
/// assert_eq!(queue.get(), Ok(9));
/// ```
pub trait Storage<T>: Default {
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Removes the next item, if any.
    fn pop(&mut self) -> Option<T>;
    /// How many items are stored.
    fn len(&self) -> usize;
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: CPython's own storage, a deque.
///
/// ```
/// use std::collections::VecDeque;
/// use turnstile::queue::{Locked, Queue};
///
/// let cpython: Queue<u8, Locked<VecDeque<u8>>> = Queue::new();
/// cpython.put(1).unwrap();
/// cpython.put(2).unwrap();
/// assert_eq!(cpython.get(), Ok(1));
/// ```
impl<T> Storage<T> for VecDeque<T> {
    #[inline]
    fn push(&mut self, item: T) {
        self.push_back(item);
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.pop_front()
    }
    #[inline]
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
}

/// Last in, first out: a stack.
///
/// ```
/// use turnstile::queue::{Locked, Queue};
///
/// let stack: Queue<u8, Locked<Vec<u8>>> = Queue::new();
/// stack.put(1).unwrap();
/// stack.put(2).unwrap();
/// assert_eq!(stack.get(), Ok(2));
/// ```
impl<T> Storage<T> for Vec<T> {
    #[inline]
    fn push(&mut self, item: T) {
        Vec::push(self, item);
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }
}

/// A first-in, first-out queue: Python's `queue.Queue`.
pub type FifoQueue<T> = Queue<T, Fifo<T>>;
/// A last-in, first-out queue (a stack): Python's `queue.LifoQueue`.
pub type LifoQueue<T> = Queue<T, Lifo<T>>;
/// A smallest-first queue, stable for equal items: Python's
/// `queue.PriorityQueue`.
pub type PriorityQueue<T> = Queue<T, Priority<T>>;

/// A blocking queue with a pluggable order. See the [module docs](self).
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
    engine: O::Engine,
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

    /// Adds `item` from an async task, waiting while the queue is full
    /// without holding a thread (`asyncio.Queue.put`). The same queue, the
    /// same items and the same room as [`put`](Self::put): threads and
    /// tasks can share one queue either way round. Dropping the future
    /// before it resolves puts nothing (see [`QueuePut`]).
    ///
    /// Not seen by the lock-order checker: a task moves between threads, so
    /// the locks "held" around an await are not a thread's.
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     let mut future = std::pin::pin!(future);
    /// #     let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop {
    /// #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut context) {
    /// #             return out;
    /// #         }
    /// #         std::thread::yield_now();
    /// #     }
    /// # }
    /// let queue = turnstile::FifoQueue::bounded(1).unwrap();
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| assert_eq!(queue.get(), Ok(7))); // a thread gets it
    ///     block_on(async { queue.put_async(7).await.unwrap() }); // a task puts it
    /// });
    /// ```
    pub fn put_async(&self, item: T) -> QueuePut<'_, T, O> {
        QueuePut::new(self, item)
    }

    /// Takes the next item from an async task, waiting while the queue is
    /// empty without holding a thread (`asyncio.Queue.get`). After
    /// [`close`](Self::close) it drains what is left, then resolves to
    /// [`GetError::Closed`], as [`get`](Self::get) does. Dropping the future
    /// before it resolves takes nothing (see [`QueueGet`]).
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     let mut future = std::pin::pin!(future);
    /// #     let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop {
    /// #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut context) {
    /// #             return out;
    /// #         }
    /// #         std::thread::yield_now();
    /// #     }
    /// # }
    /// let queue = turnstile::LifoQueue::unbounded();
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| {
    ///         queue.put(1).unwrap();
    ///         queue.close();
    ///     });
    ///     block_on(async {
    ///         assert_eq!(queue.get_async().await, Ok(1)); // put by a thread
    ///         assert!(queue.get_async().await.is_err()); // closed and drained
    ///     });
    /// });
    /// ```
    pub fn get_async(&self) -> QueueGet<'_, T, O> {
        QueueGet::new(self)
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
    /// [`task_done`](Self::task_done) (Python's `join`).
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

    /// An iterator that takes items with [`get`](Self::get), waiting for
    /// each, until the queue is closed and drained (the same as
    /// `for item in &queue`).
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::new();
    /// queue.put(1).unwrap();
    /// queue.close();
    /// assert_eq!(queue.iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T, O> {
        Iter { queue: self }
    }

    /// An iterator that takes the items there are right now with
    /// [`try_get`](Self::try_get), and ends when the queue is empty; it never
    /// waits (crossbeam's `try_iter`).
    ///
    /// ```
    /// let queue = turnstile::LifoQueue::new();
    /// queue.put(1).unwrap();
    /// queue.put(2).unwrap();
    /// assert_eq!(queue.try_iter().collect::<Vec<_>>(), [2, 1]);
    /// assert_eq!(queue.try_iter().next(), None); // empty: no wait
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T, O> {
        TryIter { queue: self }
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

/// Iterates by [`Queue::get`]: yields items until the queue is closed and
/// drained, waiting for each.
///
/// ```
/// let queue = turnstile::FifoQueue::unbounded();
/// queue.put(1).unwrap();
/// queue.put(2).unwrap();
/// queue.close();
/// assert_eq!((&queue).into_iter().collect::<Vec<_>>(), [1, 2]);
/// ```
pub struct Iter<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
}

impl<T, O: Order<T>> Iterator for Iter<'_, T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.get().ok()
    }
}

/// Takes the items a queue holds right now, without waiting: see
/// [`Queue::try_iter`].
///
/// ```
/// let queue = turnstile::FifoQueue::new();
/// queue.put('a').unwrap();
/// let mut now = queue.try_iter();
/// assert_eq!((now.next(), now.next()), (Some('a'), None));
/// ```
pub struct TryIter<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
}

impl<T, O: Order<T>> Iterator for TryIter<'_, T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_get().ok()
    }
}

impl<T, O: Order<T>> fmt::Debug for Iter<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T, O: Order<T>> fmt::Debug for TryIter<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

impl<T, O: Order<T>> Default for Queue<T, O> {
    /// An unbounded queue, as [`Queue::new`].
    fn default() -> Self {
        Self::unbounded()
    }
}

impl<'a, T, O: Order<T>> IntoIterator for &'a Queue<T, O> {
    type Item = T;
    type IntoIter = Iter<'a, T, O>;

    fn into_iter(self) -> Iter<'a, T, O> {
        self.iter()
    }
}

/// Takes the remaining items out of an owned queue, in the queue's order.
/// Owning the queue means nobody else can put, so it never waits.
///
/// ```
/// let queue = turnstile::PriorityQueue::unbounded();
/// for n in [3, 1, 2] {
///     queue.put(n).unwrap();
/// }
/// assert_eq!(queue.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
/// ```
pub struct IntoIter<T, O: Order<T>> {
    queue: Queue<T, O>,
}

impl<T, O: Order<T>> Iterator for IntoIter<T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.engine.pop_owned()
    }
}

impl<T, O: Order<T>> IntoIterator for Queue<T, O> {
    type Item = T;
    type IntoIter = IntoIter<T, O>;

    fn into_iter(self) -> IntoIter<T, O> {
        IntoIter { queue: self }
    }
}
