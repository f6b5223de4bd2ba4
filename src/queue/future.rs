//! The async put, get and join: [`Queue::put_async`], [`Queue::get_async`]
//! and [`Queue::join_async`], and the futures they return, which wait on
//! the queue's own state, as a thread in `put`, `get` or `join` does, with
//! a waker in place of the sleeping thread (see each engine's notes, in
//! `fifo.rs` and `locked.rs`, for where the waker is kept). The blocking
//! methods are in `api.rs`.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::api::Queue;
use super::engine::{Engine, Missed, Refused};
use super::error::{GetError, PutError};
use super::order::Order;

impl<T, O: Order<T>> Queue<T, O> {
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

    /// Waits, in an async task, until every item put has been marked done
    /// with [`task_done`](Self::task_done) (Python's `await queue.join()`).
    /// The same count as [`join`](Self::join): a thread's `task_done` wakes
    /// a joining task, and a task's wakes a joining thread. Resolves at
    /// once if no task is unfinished. Dropping the future before it
    /// resolves (cancelling it) leaves no waker behind (see [`QueueJoin`]).
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
    /// let queue = turnstile::FifoQueue::unbounded();
    /// queue.put("wash").unwrap();
    /// queue.put("dry").unwrap();
    /// std::thread::scope(|scope| {
    ///     scope.spawn(|| {
    ///         while let Ok(_chore) = queue.try_get() {
    ///             queue.task_done().unwrap(); // a thread finishes each one
    ///         }
    ///     });
    ///     block_on(queue.join_async()); // a task waits for both
    /// });
    /// assert_eq!(queue.unfinished_tasks(), 0);
    /// ```
    pub fn join_async(&self) -> QueueJoin<'_, T, O> {
        QueueJoin {
            queue: self,
            key: None,
        }
    }
}

/// The future of [`Queue::put_async`]: resolves once the item is in the
/// queue (`Ok`) or the queue is closed (`Err(PutError::Closed(item))`, the
/// item handed back).
///
/// Dropping it before it resolves cancels the put: the item was not put
/// and is dropped with the future (take it back first with
/// [`cancel`](Self::cancel)), and no wake-up meant for another waiting task
/// is lost with it.
///
/// # Panics
///
/// Polling it again after it resolved panics, as an `async fn` does.
///
/// ```
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
/// use turnstile::FifoQueue;
///
/// let queue = FifoQueue::bounded(1).unwrap();
/// queue.put(1).unwrap();
/// let mut putting = pin!(queue.put_async(2));
/// let mut context = Context::from_waker(Waker::noop());
/// assert!(putting.as_mut().poll(&mut context).is_pending()); // full
/// assert_eq!(queue.get(), Ok(1)); // room: the task is woken
/// assert_eq!(putting.poll(&mut context), Poll::Ready(Ok(())));
/// assert_eq!(queue.get(), Ok(2));
/// ```
#[must_use = "a put does nothing until it is awaited"]
pub struct QueuePut<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
    /// The item, until it is put or handed back.
    item: Option<T>,
    /// While the task waits: its key in the queue's waker list.
    key: Option<u64>,
}

/// The future of [`Queue::get_async`]: resolves to the next item, or to
/// `Err(GetError::Closed)` once the queue is closed and drained.
///
/// Dropping it before it resolves cancels the get: it has taken nothing,
/// and no wake-up meant for another waiting task is lost with it.
///
/// ```
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
/// use turnstile::FifoQueue;
///
/// let queue = FifoQueue::unbounded();
/// let mut getting = pin!(queue.get_async());
/// let mut context = Context::from_waker(Waker::noop());
/// assert!(getting.as_mut().poll(&mut context).is_pending()); // empty
/// queue.put("soup").unwrap(); // from a thread or a task alike
/// assert_eq!(getting.poll(&mut context), Poll::Ready(Ok("soup")));
/// ```
#[must_use = "a get does nothing until it is awaited"]
pub struct QueueGet<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
    /// While the task waits: its key in the queue's waker list.
    key: Option<u64>,
}

/// The future of [`Queue::join_async`]: resolves once no task of the
/// queue is unfinished (every item put has been marked done, or discarded
/// by [`close_immediate`](Queue::close_immediate)).
///
/// It may be polled again after it resolved: it then waits for the tasks
/// put since, if any. Dropping it before it resolves cancels the wait and
/// removes its waker; it changes nothing else.
///
/// ```
/// use std::pin::pin;
/// use std::task::{Context, Poll, Waker};
/// use turnstile::LifoQueue;
///
/// let queue = LifoQueue::unbounded();
/// queue.put(1).unwrap();
/// let mut joining = pin!(queue.join_async());
/// let mut context = Context::from_waker(Waker::noop());
/// assert!(joining.as_mut().poll(&mut context).is_pending()); // 1 unfinished
/// assert_eq!(queue.get(), Ok(1));
/// assert!(joining.as_mut().poll(&mut context).is_pending()); // taken is not done
/// queue.task_done().unwrap(); // wakes the task
/// assert_eq!(joining.poll(&mut context), Poll::Ready(()));
/// ```
#[must_use = "a join does nothing until it is awaited"]
pub struct QueueJoin<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
    /// While the task waits: its key in the queue's list of joining tasks.
    key: Option<u64>,
}

impl<'a, T, O: Order<T>> QueuePut<'a, T, O> {
    pub(super) fn new(queue: &'a Queue<T, O>, item: T) -> Self {
        Self {
            queue,
            item: Some(item),
            key: None,
        }
    }

    /// Cancels the put and hands the item back; `None` if it was put
    /// already.
    ///
    /// ```
    /// use std::pin::pin;
    /// use std::task::{Context, Waker};
    ///
    /// let queue = turnstile::FifoQueue::bounded(1).unwrap();
    /// queue.put('a').unwrap();
    /// let mut putting = queue.put_async('b');
    /// let mut context = Context::from_waker(Waker::noop());
    /// assert!(pin!(&mut putting).poll(&mut context).is_pending());
    /// assert_eq!(putting.cancel(), Some('b'));
    /// ```
    pub fn cancel(mut self) -> Option<T> {
        self.item.take()
        // `self` drops here and takes its waker out.
    }
}

impl<'a, T, O: Order<T>> QueueGet<'a, T, O> {
    pub(super) fn new(queue: &'a Queue<T, O>) -> Self {
        Self { queue, key: None }
    }
}

// Neither future is ever moved out of while it matters: the item is moved
// in and out by value, never borrowed across a poll.
impl<T, O: Order<T>> Unpin for QueuePut<'_, T, O> {}
impl<T, O: Order<T>> Unpin for QueueGet<'_, T, O> {}
impl<T, O: Order<T>> Unpin for QueueJoin<'_, T, O> {}

impl<T, O: Order<T>> Future for QueueJoin<'_, T, O> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if this.queue.engine.poll_join(&mut this.key, context.waker()) {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl<T, O: Order<T>> Drop for QueueJoin<'_, T, O> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.queue.engine.cancel_join(key);
        }
    }
}

impl<T, O: Order<T>> fmt::Debug for QueueJoin<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueJoin")
            .field("waiting", &self.key.is_some())
            .finish_non_exhaustive()
    }
}

impl<T, O: Order<T>> Future for QueuePut<'_, T, O> {
    type Output = Result<(), PutError<T>>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let item = this.item.take().expect("QueuePut polled after it resolved");
        match this
            .queue
            .engine
            .poll_put(item, &mut this.key, context.waker())
        {
            Ok(()) => Poll::Ready(Ok(())),
            Err(Refused::Closed(item)) => Poll::Ready(Err(PutError::Closed(item))),
            Err(Refused::NoRoom(item)) => {
                this.item = Some(item);
                Poll::Pending
            }
        }
    }
}

impl<T, O: Order<T>> Future for QueueGet<'_, T, O> {
    type Output = Result<T, GetError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match this.queue.engine.poll_get(&mut this.key, context.waker()) {
            Ok(item) => Poll::Ready(Ok(item)),
            Err(Missed::Closed) => Poll::Ready(Err(GetError::Closed)),
            Err(Missed::Nothing) => Poll::Pending,
        }
    }
}

impl<T, O: Order<T>> Drop for QueuePut<'_, T, O> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.queue.engine.cancel_put(key);
        }
    }
}

impl<T, O: Order<T>> Drop for QueueGet<'_, T, O> {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            self.queue.engine.cancel_get(key);
        }
    }
}

impl<T, O: Order<T>> fmt::Debug for QueuePut<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueuePut")
            .field("waiting", &self.key.is_some())
            .field("put", &self.item.is_none())
            .finish_non_exhaustive()
    }
}

impl<T, O: Order<T>> fmt::Debug for QueueGet<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueGet")
            .field("waiting", &self.key.is_some())
            .finish_non_exhaustive()
    }
}
