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
//   pool/        Pool: multiprocessing.Pool, worker processes and futures (its own door)

mod inherit;
mod mutex;
pub mod pool;
mod raw_lock;
mod shm;

pub use pool::{ApplyError, Imap, Pool, PoolError, StillRunning};
pub use mutex::{Lock, LockGuard, LockTimeoutError, Mutex, MutexGuard, OwnerDied, TryLockError};
pub use raw_lock::{Acquired, RawProcessLock};
pub use shm::{Plain, Shared};
