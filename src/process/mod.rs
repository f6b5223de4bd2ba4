//! Processes: the other half of the notes, `multiprocessing` for Rust
//! (Linux with glibc; feature `process`, on by default).
//!
//! Threads share everything; processes share nothing unless they ask. This
//! module is the asking:
//!
//! - [`Shared<T>`]: one [`Plain`] value in shared memory that children
//!   inherit (an anonymous memfd: nothing left in `/dev/shm` if a process
//!   is killed).
//! - [`Mutex<T>`] and [`Lock`]: `multiprocessing.Lock` (with `Value` and
//!   `Array`'s data inside), on [`RawProcessLock`], a futex word that names
//!   its owner. **A holder that is killed is reported, not a hang**: the
//!   kernel's robust list releases the lock, wakes a waiter, and the next
//!   `lock()` returns [`OwnerDied`] holding the guard. Python's
//!   `multiprocessing.Lock` stays locked forever in the same case.
//! - [`Queue<T>`], [`JoinableQueue<T>`], [`SimpleQueue<T>`]: the
//!   `multiprocessing` queues, any serde value, in a byte ring of shared
//!   memory; a process killed mid-put or mid-get is recovered from, and
//!   counted ([`Queue::dead_holders`]). See [`queue`].
//! - [`Process`]: `multiprocessing.Process` with the *spawn* start method:
//!   a child is this same program run again, running a plain `fn(A)` with
//!   a serde argument. [`join`](Process::join) gives Python's exit codes.
//! - [`pipe`] and [`Connection`]: `multiprocessing.Pipe()`, serde values
//!   in frames over a socket pair, with clear errors for a closed end.
//! - [`Pool`]: `multiprocessing.Pool`, worker processes running functions
//!   of this program; `apply_async` returns turnstile's own
//!   [`pool::Future`](crate::pool::Future). **A worker killed mid-task
//!   fails that task with
//!   [`TaskError::WorkerDied`](crate::pool::TaskError::WorkerDied) and is
//!   replaced**, where Python's `get()` waits forever. See [`pool`].
//!
//! # Starting processes: the opt-in
//!
//! A child starts at `main` like any run of the program, so a program that
//! starts processes calls [`init`] first in `main` (Python's
//! `if __name__ == '__main__':`, the other way round: `init` runs the
//! child's entry and exits, in a child only). A test file writes
//! [`process_test_support!()`](crate::process_test_support) at its top
//! instead, since libtest owns a test binary's `main`.
//!
//! ```no_run
//! use turnstile::process::{Mutex, Process};
//!
//! fn add(counter: Mutex<u64>) {
//!     *counter.lock().unwrap() += 1;
//! }
//!
//! fn main() {
//!     turnstile::process::init();
//!     let counter = Mutex::new(0_u64).unwrap();
//!     let mut children: Vec<Process> = (0..4)
//!         .map(|_| Process::start(add, counter.clone()).unwrap())
//!         .collect();
//!     for child in &mut children {
//!         assert_eq!(child.join().unwrap(), 0);
//!     }
//!     assert_eq!(*counter.lock().unwrap(), 4);
//! }
//! ```
//! - [`RLock`], [`Semaphore`], [`BoundedSemaphore`], [`Event`],
//!   [`Condition`], [`Barrier`]: the rest of `multiprocessing`'s
//!   primitives, each a handle to its state in shared memory. Each says when
//!   a process died inside it: an `RLock`'s next taker gets [`OwnerDied`]; a
//!   dead holder's semaphore permits come back and the waiter that found
//!   them is told ([`AcquireError::OwnerDied`]); a party that dies waiting
//!   at a barrier breaks it; a waiter that dies on a condition is passed
//!   over by `notify`.
//!
//! # Passing handles to a child
//!
//! A handle (a `Shared`, a lock, a queue, a pipe end) reaches a child only
//! in the argument the child is started with: its descriptor is inherited
//! then. Serialising a handle anywhere else is an error that says so, as
//! Python allows a `Lock` to be shared "only through inheritance".
//!
//! ```
//! use turnstile::process::{Mutex, OwnerDied};
//!
//! let counter = Mutex::new(0_u64).unwrap();
//! match counter.lock() {
//!     Ok(mut n) => *n += 1,
//!     Err(died) => {
//!         let mut n = died.into_inner();
//!         n.mark_consistent();
//!         *n += 1;
//!     }
//! }
//! assert_eq!(*counter.lock().unwrap(), 1);
//! ```

// The files behind this door:
//   shm.rs       Plain, Shared<T>: a value in a memfd region, mapped shared
//   inherit.rs   how a handle's descriptor crosses into a child at its start
//   raw_lock.rs  RawProcessLock, Acquired: the robust futex lock (model copy too)
//   mutex.rs     Mutex<T>, Lock, their guard, OwnerDied and the lock errors
//   inner.rs     the primitives' internal-lock guard and robust holder slots
//   rlock.rs     RLock: a process lock its holder may take again
//   semaphore.rs Semaphore: counts, acquire, dead holders' permits reclaimed
//   semaphore_permit.rs  its shared counts, its permit (release, forget), AcquireError
//   bounded_semaphore.rs  BoundedSemaphore: a Semaphore with a bound
//   event.rs     Event: a flag processes wait on (one futex word)
//   condition.rs Condition over a Lock or RLock: notify(n) wakes n, oldest first
//   condition_lock.rs  the locks a Condition takes, letting go around a wait; WaitError
//   barrier.rs   Barrier: parties meet; a dead party breaks it
//   entry.rs     FnRef: a function of this binary named to a child (offsets + types)
//   child.rs     init(), process_test_support!(): a child runs its entry and exits
//   spawn.rs     how a child starts: this binary again, with the argument's descriptors
//   handle.rs    Process, Builder: start a child, join, exit codes, kill
//   queue/       Queue<T>, JoinableQueue<T>, SimpleQueue<T>: a byte ring in shm
//   pipe.rs      pipe(), Connection: framed postcard values over a socketpair
//   frame.rs     the bytes under a Connection: whole-frame writes, read-ahead buffer
//   pool/        Pool: multiprocessing.Pool, worker processes and futures (its own door)
// and here: process_test_support!(), the test-binary twin of init().

mod barrier;
mod bounded_semaphore;
mod child;
mod condition;
mod condition_lock;
mod entry;
mod event;
mod frame;
mod handle;
mod inherit;
mod inner;
mod mutex;
mod pipe;
pub mod pool;
pub mod queue;
mod raw_lock;
mod rlock;
mod semaphore;
mod semaphore_permit;
mod shm;
mod spawn;

pub use barrier::{Barrier, BarrierWaitResult, MAX_PARTIES};
pub use bounded_semaphore::BoundedSemaphore;
pub use child::init;
pub use condition::Condition;
pub use condition_lock::{ConditionGuard, ConditionLock, WAITER_SLOTS, WaitError};
pub use event::Event;
pub use handle::{Builder, EntryNotRun, JoinTimeoutError, Process};
pub use mutex::{Lock, LockGuard, LockTimeoutError, Mutex, MutexGuard, OwnerDied, TryLockError};
pub use pipe::{Connection, MAX_FRAME, RecvError, SendError, pipe};
pub use pool::{ApplyError, Imap, Pool, PoolError, StillRunning};
#[doc(hidden)]
pub use queue::DieAt;
pub use queue::{
    DEFAULT_RING_BYTES, GetError, GetTimeoutError, JoinableQueue, PutError, PutTimeoutError, Queue,
    SimpleQueue, TryGetError, TryPutError,
};
pub use raw_lock::{Acquired, RawProcessLock};
pub use rlock::{RLock, RLockGuard};
pub use semaphore::Semaphore;
pub use semaphore_permit::{AcquireError, HOLDER_SLOTS, PermitOwnerDied, SemaphorePermit};
pub use shm::{Plain, Shared};
pub use spawn::StartError;

/// Lets a test binary start processes: a test named
/// `__turnstile_process_child` that calls [`init`].
///
/// libtest owns a test binary's `main`, so [`init`] cannot
/// be its first line. Every child is started with the arguments
/// `__turnstile_process_child --exact --nocapture --test-threads=1 -q`,
/// which make libtest run this one test, which runs the entry and exits.
/// In a normal test run the test passes at once.
///
/// Write it once, at the top level of each test file that starts
/// processes (inside a module its name would not match).
///
/// ```
/// turnstile::process_test_support!();
/// # fn main() {}
/// ```
///
/// [`init`]: crate::process::init
#[macro_export]
macro_rules! process_test_support {
    () => {
        /// Where a child process of this test binary runs its entry
        /// (`turnstile::process_test_support!`).
        #[test]
        fn __turnstile_process_child() {
            $crate::process::init();
        }
    };
}
