//! Concurrency primitives that teach how they work, and are fast enough to use.
//!
//! turnstile grew out of Python lecture notes on threading. Each primitive is
//! implemented here, in a file meant to be read, and model-checked with
//! [loom](https://docs.rs/loom) on that very source: `cargo test` explores
//! the thread interleavings of every primitive, and of a deliberately broken
//! twin of each, so you can watch loom find the race.
//!
//! # Use it
//!
//! ```toml
//! [dependencies]
//! turnstile = "0.1"
//! ```
//!
//! A bounded queue of orders feeding a thread pool, each result coming back
//! through the task's future:
//!
//! ```rust
//! use turnstile::{FifoQueue, ThreadPool};
//!
//! let orders = FifoQueue::bounded(8).unwrap(); // a put waits while 8 are queued
//! let kitchen = ThreadPool::new(2).unwrap(); // two worker threads
//! for dish in ["soup", "bread", "tea"] {
//!     orders.put(dish).unwrap();
//! }
//! orders.close(); // no more orders: the loop below ends when the queue is empty
//! let cooking: Vec<_> = orders.iter().map(|dish| kitchen.submit(move || dish.len()).unwrap()).collect();
//! let sizes: Vec<usize> = cooking.into_iter().map(|future| future.into_result().unwrap()).collect();
//! assert_eq!(sizes, [4, 5, 3]); // each task's result, back through its future
//! ```
//!
//! # The map
//!
//! **Locks**
//! - [`Mutex<T>`]: a lock that owns the data it protects; the guard is the
//!   only way in.
//! - [`Lock`]: Python's `threading.Lock`, a `Mutex<()>` with Python's names.
//! - [`RLock<T>`]: a reentrant lock; its holder may lock it again.
//! - [`RawMutex`]: the one-byte lock under all of them, for building your own.
//!
//! **Signalling**
//! - [`Condvar`]: Python's `Condition`; wait for a change made under a
//!   [`Mutex`] or an [`RLock`].
//! - [`Event`]: a flag threads wait for; Python's `threading.Event`.
//!
//! - [`Semaphore`]: a count of permits; [`BoundedSemaphore`] refuses to
//!   grow past its start.
//!
//! - [`Barrier`]: a fixed number of threads wait for each other, round after
//!   round, with an optional action and default timeout; Python's
//!   `threading.Barrier` (and, with async tasks among the parties,
//!   `asyncio.Barrier`).
//! - [`Timer`]: a call made once after a delay, unless cancelled first;
//!   Python's `threading.Timer`.
//!
//! **Queues**
//! - [`FifoQueue`], [`LifoQueue`], [`PriorityQueue`]: one blocking
//!   [`Queue`] with a pluggable [`queue::Order`]; bounded or unbounded,
//!   joinable (`task_done`/`join`) and closable. Python's `queue` module.
//!
//! **Thread pool**
//! - [`ThreadPool`]: Python's `ThreadPoolExecutor`; `submit` returns a
//!   [`pool::Future`] that any number of threads can wait on and read
//!   (`result`, `exception`), cancel, or ask to call back;
//!   [`pool::as_completed`] and [`pool::wait`] watch many.
//!
//! **Coroutines**
//! - Async waits on the same primitives, for tasks on any executor:
//!   [`Event::wait_async`], [`Semaphore::acquire_async`],
//!   [`Queue::put_async`] / [`Queue::get_async`] / [`Queue::join_async`],
//!   [`Barrier::wait_async`], and a pool future
//!   `.await`ed. A thread and a task can wait on one primitive together.
//! - [`event_loop`]: a single-threaded event loop to read (Python's
//!   `asyncio`: `run`, `spawn`, `sleep`, `gather`, `wait`,
//!   `run_in_executor`), one idea per file.
//!
//! # Reading the source
//!
//! Each file holds one idea and is meant to be read in one sitting, and the
//! imports run one way, from the floor up: the facade (atomics, cells,
//! parking; loom's in the model build), [`RawMutex`], the lock-order
//! checker (feature `lockdep`, whose own state sits behind a raw lock so it
//! never leans on the locks it checks), [`Mutex`] / [`RLock`] /
//! [`Condvar`], then the primitives built on them. A directory is a door
//! and its rooms: `semaphore/counting.rs` is the counting algorithm, with
//! the permits, the bounded form and the async acquire beside it;
//! `queue/api.rs` is the one queue API over the engines in `fifo.rs`
//! (two locks) and `locked.rs` (CPython's one); `pool/future/` is a future
//! that knows nothing of the pool, and `pool/task.rs` what settles it.
//! ARCHITECTURE.md maps every file.
//!
//! # One convention for timed waits
//!
//! Every wait that can give up has a `*_timeout(Duration)` form, and most a
//! `*_deadline(Instant)` form, and every one reports the same way: `Ok` when
//! it got what it waited for (Python's `True`), `Err` when the time ran out:
//! [`Timeout`], or an error enum's `Timeout` variant where the wait can also
//! fail another way (a closed queue, a broken barrier). Non-blocking `try_*`
//! calls return `Option` where "not now" is the only answer, and an error
//! enum otherwise. Errors that refuse an item hand it back
//! ([`PutError::Closed`], [`SubmitError::ShutDown`]). The [`timeout`]
//! module tables every timed wait.
//!
//! ```
//! use std::time::Duration;
//! use turnstile::{Condvar, Mutex, Timeout};
//!
//! let (ready, cv) = (Mutex::new(false), Condvar::new());
//! let mut guard = ready.lock();
//! match cv.wait_timeout_while(&mut guard, Duration::from_millis(5), |ready| !**ready) {
//!     Ok(()) => println!("ready"),
//!     Err(Timeout) => println!("gave up"), // nobody set it
//! }
//! ```
//!
//! # From Python
//!
//! | Python                            | turnstile                                   |
//! |-----------------------------------|---------------------------------------------|
//! | `threading.Lock()`                | [`Lock::new()`] or [`Mutex::new(data)`]     |
//! | `with lock:`                      | `let guard = mutex.lock();` (drop releases) |
//! | `lock.acquire(blocking=False)`    | [`Mutex::try_lock`], [`Lock::try_acquire`]  |
//! | `lock.acquire(timeout=t)`         | [`Mutex::lock_timeout`], [`Lock::acquire_timeout`] → `Err(Timeout)` if not |
//! | `lock.release()`                  | `drop(guard)`                               |
//! | `lock.locked()`                   | [`Mutex::is_locked`], [`Lock::locked`]      |
//! | `threading.RLock()`               | [`RLock::new(data)`]                        |
//! | nested `with rlock:`              | nested [`RLock::lock`]                      |
//! | `threading.Condition(lock)`       | [`Condvar::new()`] beside the lock          |
//! | `cond.wait()`, `cond.wait_for(p)` | [`Condvar::wait`], [`Condvar::wait_while`]  |
//! | `cond.notify(n)`, `notify_all()`  | [`Condvar::notify`], [`Condvar::notify_all`]|
//! | `threading.Event()`               | [`Event::new()`]                            |
//! | `event.wait(timeout=t)`           | [`Event::wait_timeout`]                     |
//! | `threading.Semaphore(n)`          | [`Semaphore::new`]; `with sem:` → [`Semaphore::acquire`] |
//! | acquire here, release elsewhere   | [`Semaphore::acquire_owned`] → [`OwnedSemaphorePermit`] |
//! | `threading.BoundedSemaphore(n)`   | [`BoundedSemaphore::new`]; over-release → [`OverRelease`] |
//! | `threading.Barrier(n, action, timeout)` | [`Barrier::new`], [`Barrier::with_action`], [`Barrier::with_timeout`]; `BrokenBarrierError` → [`BarrierError`] |
//! | `threading.Timer(t, f)`           | [`Timer::start`], [`Timer::cancel`]         |
//! | `threading.local()`               | std's `thread_local!`                       |
//! | `queue.Queue()` / `Queue(maxsize=n)` | [`Queue::new`] / [`FifoQueue::bounded`]  |
//! | `q.put(x)`, `q.get()`             | [`Queue::put`], [`Queue::get`]              |
//! | `q.task_done()`, `q.join()`       | [`Queue::task_done`], [`Queue::join`]       |
//! | `q.unfinished_tasks`              | [`Queue::unfinished_tasks`]                 |
//! | `q.shutdown()`, `shutdown(immediate=True)` | [`Queue::close`], [`Queue::close_immediate`] |
//! | `ThreadPoolExecutor(n)`           | [`ThreadPool::new`]                         |
//! | `pool.submit(fn).result()`        | [`ThreadPool::submit`], [`pool::Future::result`] (or [`into_result`](pool::Future::into_result)) |
//! | `fut.exception()`                 | [`pool::Future::exception`]                 |
//! | `fut.add_done_callback(cb)`       | [`pool::Future::add_done_callback`]         |
//! | `pool.shutdown(...)`              | [`ThreadPool::shutdown`], [`shutdown_background`](ThreadPool::shutdown_background), [`shutdown_now`](ThreadPool::shutdown_now) |
//! | `asyncio.run`, `create_task`, `sleep`, `gather`, `wait_for` | [`event_loop::run`], [`event_loop::spawn`], [`event_loop::sleep`], [`event_loop::try_gather`], [`event_loop::wait_for`] |
//! | `asyncio.TaskGroup`               | [`event_loop::TaskGroup`]                   |
//! | `await event.wait()`, `async with sem:`, `await q.get()` | [`Event::wait_async`], [`Semaphore::acquire_async`], [`Queue::get_async`] |
//! | `await q.join()`, `await barrier.wait()` (`asyncio`) | [`Queue::join_async`], [`Barrier::wait_async`] |
//! | `await loop.run_in_executor(pool, f)` | [`event_loop::run_in_executor`], or `pool.submit(f)?.await` |
//!
//! CPython's own tests of these classes are restated in Rust and run with
//! `cargo test`. Where turnstile deliberately differs (a guard that only its
//! holder can release, a done-callback that receives the outcome rather than
//! the future, a stable priority order, …), TESTING.md in the repository
//! tables each difference with its reason and the test that checks it.
//!
//! # How the source is laid out
//!
//! Every primitive reaches atomics, cells, threads and parking only through
//! one facade module, so the same file compiles against the real ones here and
//! against loom's in `turnstile::model` (feature `model`). ARCHITECTURE.md
//! in the repository tells the whole story.
//!
//! # Optional features
//!
//! - `model`: `turnstile::model`, the primitives compiled a second time
//!   against loom, with a runner that prints a failing schedule as a
//!   timeline, for checking your own code.
//! - `lockdep`: `turnstile::lockdep`, a lock-order checker that reports an
//!   order of acquisitions that can deadlock the first time it is seen, on
//!   a run that did not hang (`cargo run --example deadlock --features
//!   lockdep`). Off, it costs nothing.
//!
//! [`Mutex::new(data)`]: Mutex::new
//! [`Condvar::new()`]: Condvar::new
//! [`Event::new()`]: Event::new
//! [`RLock::new(data)`]: RLock::new

#![warn(missing_docs)]
#![warn(unsafe_op_in_unsafe_fn)]

// README.md's Rust blocks (its quick start) run as doctests too.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub mod barrier;
mod barrier_async;
pub mod condvar;
mod condvar_async;
mod deadline;
pub mod event;
pub mod event_loop;
mod facade;
#[cfg(feature = "lockdep")]
pub mod lockdep;
#[cfg(not(feature = "lockdep"))]
#[path = "lockdep/off.rs"]
mod lockdep;
pub mod mutex;
mod mutex_async;
pub mod pool;
#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
pub mod process;
pub mod queue;
pub mod raw_mutex;
pub mod rlock;
pub mod semaphore;
#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
mod shared_futex;
#[cfg(target_os = "linux")]
mod sleep_flag;
pub mod timeout;
pub mod timer;
mod wakers;

pub use barrier::{Barrier, BarrierError, BarrierWaitResult, ZeroParties};
pub use barrier_async::BarrierWait;
pub use condvar::{Condvar, Relock};
pub use condvar_async::CondvarWait;
pub use event::{Event, EventWait};
pub use mutex::{Lock, LockGuard, Mutex, MutexGuard};
pub use mutex_async::MutexLock;
pub use pool::{PoolError, SubmitError, TaskError, ThreadPool};
pub use queue::{
    FifoQueue, GetError, GetTimeoutError, LifoQueue, PriorityQueue, PutError, PutTimeoutError,
    Queue, QueueGet, QueueJoin, QueuePut, TaskDoneError, TryGetError, TryPutError, ZeroCapacity,
};
pub use raw_mutex::RawMutex;
pub use rlock::{RLock, RLockGuard};
pub use semaphore::{
    AcquireTimeoutError, BoundedSemaphore, ExceedsBound, OverRelease, OwnedSemaphorePermit,
    Semaphore, SemaphoreAcquire, SemaphorePermit, TryAcquireError,
};
pub use timeout::Timeout;
pub use timer::Timer;

#[cfg(feature = "model")]
pub mod model;
