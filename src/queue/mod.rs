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
//! | `await aq.join()` (`asyncio.Queue`) | `q.join_async().await`                    |
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

// Where things are. This file is the door: it re-exports what the files
// below define, and they import each other directly, never through it.
//
// - `api.rs`: the `Queue` type and its blocking methods; `future.rs`: its
//   async put, get and join; `iter.rs`: its iterators; `error.rs`: the errors.
// - `order.rs`: the `Order` and `Storage` traits; `engine.rs`: the
//   (private) contract every engine meets.
// - `locked.rs`: CPython's one-lock engine, behind `Locked`, with the
//   storages `lifo.rs` and `priority.rs`.
// - `fifo.rs`: the two-lock FIFO engine, with its chain of slots in
//   `fifo_slots.rs` and its sleeping threads in `fifo_sleepers.rs`.

mod api;
mod engine;
mod error;
mod fifo;
mod fifo_sleepers;
mod fifo_slots;
mod future;
mod iter;
mod lifo;
mod locked;
mod order;
mod priority;

pub use api::Queue;
pub use error::{
    GetError, GetTimeoutError, PutError, PutTimeoutError, TaskDoneError, TryGetError, TryPutError,
    ZeroCapacity,
};
pub use fifo::Fifo;
pub use future::{QueueGet, QueueJoin, QueuePut};
pub use iter::{IntoIter, Iter, TryIter};
pub use lifo::Lifo;
pub use locked::Locked;
pub use order::{Order, Storage};
pub use priority::{Prioritized, Priority};

/// A first-in, first-out queue: Python's `queue.Queue`.
pub type FifoQueue<T> = Queue<T, Fifo<T>>;
/// A last-in, first-out queue (a stack): Python's `queue.LifoQueue`.
pub type LifoQueue<T> = Queue<T, Lifo<T>>;
/// A smallest-first queue, stable for equal items: Python's
/// `queue.PriorityQueue`.
pub type PriorityQueue<T> = Queue<T, Priority<T>>;
