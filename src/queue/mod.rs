//! Blocking queues: Python's `queue.Queue`, `LifoQueue` and `PriorityQueue`,
//! joinable and closable, as one design.
//!
//! A queue is the table between producers and consumers (the notes' chefs
//! and eaters): [`put`](Queue::put) adds an item, waiting while a bounded
//! queue is full; [`get`](Queue::get) takes one, waiting while it is empty.
//! The order items come out in is the queue's [`Storage`]: [`Fifo`],
//! [`Lifo`] or [`Priority`], or your own. As in CPython's `queue.py`, it is one
//! queue with storage hooks, not three queues.
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
//!
//! `Queue(0)` means "unbounded" in Python; here `bounded(0)` is an error
//! ([`ZeroCapacity`]) rather than a silent unbounded queue.
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
mod lifo;
mod priority;

use core::fmt;
use core::marker::PhantomData;
use std::time::{Duration, Instant};

use super::condvar::Condvar;
use super::deadline;
use super::mutex::{Mutex, MutexGuard};
use super::timeout::Timeout;

pub use error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
    ZeroCapacity,
};
pub use fifo::Fifo;
pub use lifo::Lifo;
pub use priority::{Prioritized, Priority};

/// How a queue orders its items: CPython's `_put`, `_get` and `_qsize`
/// hooks. The queue calls these only with its lock held, so an
/// implementation needs no synchronisation of its own.
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
/// use turnstile::queue::{Queue, Storage};
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
/// let queue: Queue<u32, Largest> = Queue::unbounded();
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
pub struct Queue<T, S = Fifo<T>> {
    state: Mutex<State<S>>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Signalled when an item is added (or the queue closes).
    not_empty: Condvar,
    /// Signalled when an item is taken (or the queue closes).
    not_full: Condvar,
    /// Signalled when the unfinished-task count reaches 0.
    all_done: Condvar,
    _items: PhantomData<fn(T) -> T>,
}

/// Everything the lock protects.
struct State<S> {
    items: S,
    closed: bool,
    /// Items put and not yet marked done with `task_done`.
    unfinished: usize,
}

// # Implementation notes
//
// CPython's queue.py: one mutex shared by three conditions. Every wait is a
// `wait_while` on a predicate read under the lock, so a put or get between a
// check and a sleep is never lost; every change notifies the condition that
// waiters on it are waiting for. A notify with nobody waiting is one atomic
// load (see Condvar), so the uncontended path makes no system call. `close`
// notifies *all* waiters on both conditions: each must see the change.

impl<T, S: Storage<T>> Queue<T, S> {
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
            state: Mutex::new(State {
                items: S::default(),
                closed: false,
                unfinished: 0,
            }),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
            _items: PhantomData,
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
    pub fn put(&self, item: T) -> Result<(), PutError<T>> {
        let mut state = self.state.lock();
        self.not_full
            .wait_while(&mut state, |state| self.putter_must_wait(state));
        if state.closed {
            return Err(PutError::Closed(item));
        }
        self.push(&mut state, item);
        Ok(())
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
        let mut state = self.state.lock();
        if state.closed {
            return Err(TryPutError::Closed(item));
        }
        if self.is_full_locked(&state) {
            return Err(TryPutError::Full(item));
        }
        self.push(&mut state, item);
        Ok(())
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
    pub fn put_deadline(&self, item: T, deadline: Instant) -> Result<(), PutTimeoutError<T>> {
        self.put_until(item, Some(deadline))
    }

    fn put_until(&self, item: T, deadline: Option<Instant>) -> Result<(), PutTimeoutError<T>> {
        let mut state = self.state.lock();
        let room = self
            .not_full
            .wait_while_until(&mut state, deadline, |state| self.putter_must_wait(state));
        if room.is_err() {
            return Err(PutTimeoutError::Timeout(item));
        }
        if state.closed {
            return Err(PutTimeoutError::Closed(item));
        }
        self.push(&mut state, item);
        Ok(())
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
    pub fn get(&self) -> Result<T, GetError> {
        let mut state = self.state.lock();
        self.not_empty
            .wait_while(&mut state, |state| Self::getter_must_wait(state));
        self.pop(&mut state).ok_or(GetError::Closed)
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
        let mut state = self.state.lock();
        match self.pop(&mut state) {
            Some(item) => Ok(item),
            None if state.closed => Err(TryGetError::Closed),
            None => Err(TryGetError::Empty),
        }
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
    pub fn get_deadline(&self, deadline: Instant) -> Result<T, GetTimeoutError> {
        self.get_until(Some(deadline))
    }

    fn get_until(&self, deadline: Option<Instant>) -> Result<T, GetTimeoutError> {
        let mut state = self.state.lock();
        let ready = self
            .not_empty
            .wait_while_until(&mut state, deadline, |state| Self::getter_must_wait(state));
        match self.pop(&mut state) {
            Some(item) => Ok(item),
            None if ready.is_ok() => Err(GetTimeoutError::Closed),
            None => Err(GetTimeoutError::Timeout),
        }
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
        let mut state = self.state.lock();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            self.all_done.notify_all();
        }
        Ok(())
    }

    /// Waits until every item put has been marked with
    /// [`task_done`](Self::task_done) (Python's `join`).
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::<u8>::unbounded();
    /// queue.join(); // nothing was ever put: returns at once
    /// ```
    pub fn join(&self) {
        let mut state = self.state.lock();
        self.all_done
            .wait_while(&mut state, |state| state.unfinished > 0);
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
    pub fn join_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        self.join_until(Some(deadline))
    }

    fn join_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let mut state = self.state.lock();
        self.all_done
            .wait_while_until(&mut state, deadline, |state| state.unfinished > 0)
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
        self.close_with(false);
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
        self.close_with(true)
    }

    fn close_with(&self, immediate: bool) -> usize {
        let mut state = self.state.lock();
        state.closed = true;
        let mut discarded = S::default();
        if immediate {
            discarded = core::mem::take(&mut state.items);
            state.unfinished = state.unfinished.saturating_sub(discarded.len());
            if state.unfinished == 0 {
                self.all_done.notify_all();
            }
        }
        self.not_empty.notify_all();
        self.not_full.notify_all();
        drop(state);
        // Dropped only now, with the lock released: an item's `Drop` may use
        // this queue (a discarded pool task cancels its future, whose
        // callbacks may submit again) and must not find the lock held.
        let count = discarded.len();
        drop(discarded);
        count
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
        self.state.lock().unfinished
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
    pub fn iter(&self) -> Iter<'_, T, S> {
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
    pub fn try_iter(&self) -> TryIter<'_, T, S> {
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
        self.state.lock().closed
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
        self.state.lock().items.len()
    }

    /// Whether no item is queued. A snapshot.
    ///
    /// ```
    /// assert!(turnstile::FifoQueue::<u8>::unbounded().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.state.lock().items.is_empty()
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
        self.is_full_locked(&self.state.lock())
    }

    /// The most items it holds; `None` if unbounded.
    ///
    /// ```
    /// assert_eq!(turnstile::LifoQueue::<u8>::bounded(3).unwrap().capacity(), Some(3));
    /// ```
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    fn is_full_locked(&self, state: &State<S>) -> bool {
        self.capacity
            .is_some_and(|capacity| state.items.len() >= capacity)
    }

    /// A putter sleeps while the queue is open and full (never, unbounded).
    fn putter_must_wait(&self, state: &State<S>) -> bool {
        !state.closed && self.is_full_locked(state)
    }

    /// A getter sleeps while the queue is open and empty.
    fn getter_must_wait(state: &State<S>) -> bool {
        !state.closed && state.items.is_empty()
    }

    /// Stores `item`, counts its task, and wakes one getter.
    #[inline]
    fn push(&self, state: &mut MutexGuard<'_, State<S>>, item: T) {
        let hook = StorageHook::enter(self, state);
        hook.state.items.push(item);
        hook.returned();
        state.unfinished += 1;
        self.not_empty.notify_one();
    }

    /// Takes the next item, if any, and wakes one putter.
    #[inline]
    fn pop(&self, state: &mut MutexGuard<'_, State<S>>) -> Option<T> {
        let hook = StorageHook::enter(self, state);
        let item = hook.state.items.pop();
        hook.returned();
        let item = item?;
        if self.capacity.is_some() {
            self.not_full.notify_one();
        }
        Some(item)
    }
}

/// A call into the storage, which is user code and may panic. If it
/// unwinds, dropping this brings the queue's books in line with the
/// storage's length: items it gained are counted as unfinished tasks and
/// announced to getters; items it lost count as done (nobody will call
/// `task_done` for them) and make room for putters. A call that returns
/// normally is booked by the caller, as usual.
struct StorageHook<'a, T, S: Storage<T>> {
    queue: &'a Queue<T, S>,
    state: &'a mut State<S>,
    len_before: usize,
}

impl<'a, T, S: Storage<T>> StorageHook<'a, T, S> {
    #[inline]
    fn enter(queue: &'a Queue<T, S>, state: &'a mut State<S>) -> Self {
        let len_before = state.items.len();
        Self {
            queue,
            state,
            len_before,
        }
    }

    /// The hook returned: nothing to mend.
    #[inline]
    fn returned(self) {
        core::mem::forget(self);
    }
}

impl<T, S: Storage<T>> Drop for StorageHook<'_, T, S> {
    /// Runs only when the storage call unwound (see `returned`).
    fn drop(&mut self) {
        let (queue, state) = (self.queue, &mut *self.state);
        let len = state.items.len();
        if len > self.len_before {
            state.unfinished += len - self.len_before;
            queue.not_empty.notify_all();
        } else if len < self.len_before {
            state.unfinished = state.unfinished.saturating_sub(self.len_before - len);
            queue.not_full.notify_all();
            if state.unfinished == 0 {
                queue.all_done.notify_all();
            }
        }
    }
}

impl<T, S: Storage<T>> fmt::Debug for Queue<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Queue")
            .field("len", &state.items.len())
            .field("capacity", &self.capacity)
            .field("closed", &state.closed)
            .field("unfinished", &state.unfinished)
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
pub struct Iter<'a, T, S> {
    queue: &'a Queue<T, S>,
}

impl<T, S: Storage<T>> Iterator for Iter<'_, T, S> {
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
pub struct TryIter<'a, T, S> {
    queue: &'a Queue<T, S>,
}

impl<T, S: Storage<T>> Iterator for TryIter<'_, T, S> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_get().ok()
    }
}

impl<T, S> fmt::Debug for Iter<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T, S> fmt::Debug for TryIter<'_, T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

impl<T, S: Storage<T>> Default for Queue<T, S> {
    /// An unbounded queue, as [`Queue::new`].
    fn default() -> Self {
        Self::unbounded()
    }
}

impl<'a, T, S: Storage<T>> IntoIterator for &'a Queue<T, S> {
    type Item = T;
    type IntoIter = Iter<'a, T, S>;

    fn into_iter(self) -> Iter<'a, T, S> {
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
pub struct IntoIter<T, S> {
    queue: Queue<T, S>,
}

impl<T, S: Storage<T>> Iterator for IntoIter<T, S> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.state.get_mut().items.pop()
    }
}

impl<T, S: Storage<T>> IntoIterator for Queue<T, S> {
    type Item = T;
    type IntoIter = IntoIter<T, S>;

    fn into_iter(self) -> IntoIter<T, S> {
        IntoIter { queue: self }
    }
}
