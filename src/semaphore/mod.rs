//! Counting semaphores: Python's `threading.Semaphore` and
//! `BoundedSemaphore`.
//!
//! A semaphore holds a number of permits. [`acquire`](Semaphore::acquire)
//! takes one, waiting while there are none; dropping the returned
//! [`SemaphorePermit`] gives it back. The notes' picture: a car park with
//! five spaces and twenty-five cars. Use a semaphore to cap how many threads
//! do something at once (connections, downloads); use a [`Mutex`] when that
//! number is one and there is data to protect.
//!
//! | Python (`threading`)                 | turnstile                                   |
//! |--------------------------------------|---------------------------------------------|
//! | `sem = Semaphore(5)`                 | `let sem = Semaphore::new(5);`              |
//! | `with sem: ...`                      | `let _permit = sem.acquire();`              |
//! | `sem.acquire(blocking=False)`        | `sem.try_acquire()` → `Option`              |
//! | `sem.acquire(timeout=t)`             | `sem.acquire_timeout(t)` → `Result<_, Timeout>` |
//! | `sem.acquire()` in one thread, `sem.release()` in another | `Arc<Semaphore>::acquire_owned()`: a permit that moves |
//! | `sem.acquire()` ... `sem.release()`  | `sem.acquire().forget()` ... `sem.release(1)` |
//! | `sem.release(n)`                     | `sem.release(n)`                            |
//! | `sem._value`                         | `sem.available_permits()`                   |
//! | `async with asyncio.Semaphore(5):`   | `let _permit = sem.acquire_async().await;` (the same permits as threads') |
//! | `BoundedSemaphore(5)`                | `BoundedSemaphore::new(5)`                  |
//! | `ValueError` on over-release         | `Err(OverRelease)` from `release`           |
//!
//! # The order waiters are served in
//!
//! **Threads: not FIFO** (as `threading.Semaphore` promises none). A thread
//! that arrives while permits are free takes one even if others are waiting
//! to be woken, and waiting threads are not served in arrival order. That
//! keeps throughput high; a thread can be overtaken but is never left asleep
//! while permits it can use are free.
//!
//! **Async tasks: in arrival order**, as `asyncio.Semaphore`. Tasks that
//! find no permit wait in a line. A release hands its permits to the oldest
//! task in line and wakes only that one (the permit is the task's before it
//! runs); a task that arrives while others are in line joins the back, even
//! if a permit is free for a moment (one handed to a task that has not run
//! yet waits for it, and that task hands on what is left when it runs). A
//! task handed a permit and then dropped (cancelled) before it runs gives
//! it back, and so on to the next in line. With
//! [`acquire_many_async`](Semaphore::acquire_many_async) the order is
//! strict: a task that wants more permits than are free keeps the tasks
//! behind it waiting.
//!
//! **Threads and tasks together**: a release serves the tasks in line
//! first, and waiting threads look for what is left; a thread that arrives
//! while permits are free may still take one before the release has handed
//! it on. So a steady line of tasks can keep a waiting thread waiting.
//! One consequence of the line: a task handed a permit must be polled
//! before the tasks behind it can be served, so an executor that does not
//! poll a woken task until another task in line has its permit deadlocks
//! (one event loop, like asyncio's, never does that).
//!
//! [`Mutex`]: super::mutex::Mutex
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use turnstile::{Mutex, Semaphore};
//!
//! // Twenty-five cars, five parking spaces.
//! let spaces = Arc::new(Semaphore::new(5));
//! let parked = Arc::new(Mutex::new(0));
//! let cars: Vec<_> = (0..25)
//!     .map(|_| {
//!         let (spaces, parked) = (Arc::clone(&spaces), Arc::clone(&parked));
//!         thread::spawn(move || {
//!             let _space = spaces.acquire();
//!             *parked.lock() += 1;
//!             assert!(*parked.lock() <= 5);
//!             *parked.lock() -= 1;
//!         })
//!     })
//!     .collect();
//! for car in cars {
//!     car.join().unwrap();
//! }
//! assert_eq!(spaces.available_permits(), 5);
//! ```

// The files of this module, each one idea, with arrows running one way
// (no file imports one that imports it):
//
// - `counting.rs`: `Semaphore` itself: the count of free permits and the
//   room left under the bound, `new`, `release`, the wait and the wake-up,
//   and the implementation notes. It imports `error.rs` and `task_line.rs`.
// - `permit.rs`: `SemaphorePermit`, and the blocking `acquire*` methods
//   that hand it out.
// - `owned.rs`: `OwnedSemaphorePermit`, the `acquire*_owned` methods, and
//   the sealed `AsSemaphore` trait.
// - `wait_async.rs`: `SemaphoreAcquire`, the future of `acquire_async`.
// - `task_line.rs`: `TaskLine`, the waiting tasks in arrival order, and
//   the hand-off that serves them. It imports nothing of the module.
// - `bounded.rs`: `BoundedSemaphore`, a `Semaphore` with a bound.
// - `error.rs`: `OverRelease`, `ExceedsBound`, `TryAcquireError`,
//   `AcquireTimeoutError`.
//
// This file is the door: it only declares them and re-exports their public
// types; the files name each other directly, never through it.

mod bounded;
mod counting;
mod error;
mod owned;
mod permit;
mod task_line;
mod wait_async;

pub use bounded::BoundedSemaphore;
pub use counting::Semaphore;
pub use error::{AcquireTimeoutError, ExceedsBound, OverRelease, TryAcquireError};
pub use owned::{AsSemaphore, OwnedSemaphorePermit};
pub use permit::SemaphorePermit;
pub use wait_async::SemaphoreAcquire;
