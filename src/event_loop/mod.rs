//! A single-threaded event loop to read: the last lesson of the notes,
//! asyncio, built on `std::task` and turnstile's own queue.
//!
//! Not a rival to tokio: it is the smallest loop that runs the notes'
//! coroutine examples, one idea per file, each short enough to read in one
//! sitting. Everything turnstile can wait for asynchronously (a
//! [`pool::Future`](crate::pool::Future), [`Event::wait_async`](crate::Event::wait_async),
//! [`Semaphore::acquire_async`](crate::Semaphore::acquire_async),
//! [`Queue::get_async`](crate::Queue::get_async) and
//! [`put_async`](crate::Queue::put_async)) works here, and on any other
//! executor too.
//!
//! # The pieces, in the notes' vocabulary
//!
//! | asyncio | here | file |
//! |---|---|---|
//! | the event loop: "a task list; while True: run what is ready, drop what is done" | [`run`] | `run.rs` |
//! | `asyncio.run(main())` | [`run(main)`](run) | `run.rs` |
//! | `asyncio.create_task(coro)` | [`spawn(future)`](spawn) → [`JoinHandle`] | `task.rs` |
//! | `await task`, `task.done()`, `task.cancelled()`, `task.cancel()` | `handle.await`, [`is_finished`](JoinHandle::is_finished), [`is_cancelled`](JoinHandle::is_cancelled), [`cancel`](JoinHandle::cancel) | `task.rs` |
//! | a task nobody awaits, left to run | [`handle.detach()`](JoinHandle::detach) (dropping a handle cancels its task) | `task.rs` |
//! | `async with asyncio.TaskGroup() as tg: tg.create_task(coro)` | [`TaskGroup::new()`](TaskGroup::new), [`group.spawn(future)`](TaskGroup::spawn), [`group.join().await`](TaskGroup::join) → `Err(TaskGroupError)` for `ExceptionGroup` | `group.rs` |
//! | `await asyncio.sleep(s)`, `asyncio.sleep(0)` | [`sleep(duration)`](sleep) (or [`sleep_until(instant)`](sleep_until)), [`yield_now()`](yield_now) | `sleep.rs` |
//! | `await asyncio.wait_for(aw, timeout)` (cancels `aw` on the timeout) | [`wait_for(timeout, future)`](wait_for) → `Result<_, Timeout>` (drops `future`: a task stops) | `sleep.rs` |
//! | `await asyncio.gather(*aws, return_exceptions=True)` | [`gather(futures)`](gather) | `gather.rs` |
//! | `await asyncio.gather(*aws)` (the first exception raised) | [`try_gather(futures)`](try_gather) → `Result<Vec<_>, E>` | `gather.rs` |
//! | `done, pending = await asyncio.wait(tasks, return_when=...)` | [`wait(handles, ReturnWhen::..)`](wait) (`FirstCompleted`, `FirstException`, `AllCompleted`) | `gather.rs` |
//! | `done, pending = await asyncio.wait(tasks, timeout=s)` | [`wait_timeout(handles, timeout, ReturnWhen::..)`](wait_timeout) | `gather.rs` |
//! | `await loop.run_in_executor(pool, func)` | [`run_in_executor(&pool, func)`](run_in_executor) | `executor.rs` |
//! | `asyncio.Future()`, `fut.set_result(x)`, `await fut` | [`pool::Future::pending()`](crate::pool::Future::pending), [`Promise::finish`](crate::pool::Promise::finish), `future.await` | `pool/future/` |
//! | `asyncio.Queue`, `Event`, `Semaphore` | turnstile's own, shared with threads: `get_async`, `wait_async`, `acquire_async` | their own files |
//! | a coroutine (`async def`) | an `async fn` or `async` block: a future, polled by the loop | |
//! | the selector loop's `select` (epoll), its self-pipe | the idle wait (Linux): an epoll selector and an eventfd | `selector.rs`, `idle.rs` |
//! | `await loop.sock_accept(sock)`, `asyncio.start_server` | [`net::TcpListener::accept`] | `net/listener.rs` |
//! | `await asyncio.open_connection(..)`, `reader.read(n)`, `writer.write(d); await writer.drain()` | [`net::TcpStream::connect`], [`read`](net::TcpStream::read), [`write_all`](net::TcpStream::write_all) | `net/stream.rs` |
//!
//! # How it works
//!
//! A *task* is a future the loop owns. The loop polls a task only when the
//! task's [`Waker`](core::task::Waker) has put its number in the ready
//! queue (a [`FifoQueue`](crate::FifoQueue), so wakers on other threads,
//! such as a pool worker finishing a job, can put there too). A poll runs
//! the task until its next `.await` that is not ready; that await has left
//! the waker with whatever it waits for (a timer, an event, a queue), and
//! the task is not polled again until that wakes it. When nothing is
//! ready, the loop blocks on the ready queue until a wake-up comes or its
//! earliest timer is due.
//!
//! So one thread runs many tasks, but only one at a time, and only between
//! awaits: a task that blocks (`std::thread::sleep`, a blocking
//! [`Queue::get`](crate::Queue::get)) stops every other task with it. Hand
//! blocking calls to a pool with [`run_in_executor`].
//!
//! Tasks and their handles stay on the loop's thread (`spawn` takes
//! futures that need not be `Send`); only wakers cross threads.
//!
//! # Cancelling
//!
//! A task is cancelled by dropping its future: whatever it was awaiting
//! is dropped with it, and a [`JoinHandle`] dropped before its task
//! finishes cancels that task too. So a cancel reaches down, as asyncio's
//! does: [`wait_for`] that times out stops the task it waited for before
//! it reports, and cancelling a task that awaits a [`gather`] or a
//! `wait_for` stops the tasks it awaits. [`detach`](JoinHandle::detach)
//! opts a task out; [`wait`] and [`try_gather`] leave tasks running where
//! asyncio does. (See `task.rs`, "Who owns a task", for why a handle owns
//! its task rather than detaching on drop as tokio's does.)
//!
//! # Example
//!
//! The notes' first coroutine lesson: two one-second sleeps on one thread
//! take one second, not two (here 100 ms each).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use turnstile::event_loop::{run, sleep, spawn};
//!
//! async fn f(name: &'static str) -> &'static str {
//!     sleep(Duration::from_millis(100)).await; // the loop runs the other task meanwhile
//!     name
//! }
//!
//! let start = Instant::now();
//! let names = run(async {
//!     let f1 = spawn(f("f1")).unwrap();
//!     let f2 = spawn(f("f2")).unwrap();
//!     (f1.await.unwrap(), f2.await.unwrap())
//! });
//! assert_eq!(names, ("f1", "f2"));
//! assert!(start.elapsed() < Duration::from_millis(200)); // ~100 ms, not 200
//! ```

mod executor;
mod gather;
mod group;
mod idle;
#[cfg(target_os = "linux")]
pub mod net;
mod run;
#[cfg(target_os = "linux")]
mod selector;
mod sleep;
mod task;

pub use executor::run_in_executor;
pub use gather::{
    DoneAndPending, Gather, ReturnWhen, TryGather, Wait, gather, try_gather, wait, wait_timeout,
};
pub use group::{GroupJoin, GroupSpawnError, TaskGroup, TaskGroupError};
pub use run::run;
pub use sleep::{Sleep, WaitFor, YieldNow, sleep, sleep_until, wait_for, yield_now};
pub use task::{JoinHandle, NoRunningLoop, spawn};
