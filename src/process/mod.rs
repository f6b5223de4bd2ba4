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
//   entry.rs     FnRef: a function of this binary named to a child (offsets + types)
//   child.rs     init(), process_test_support!(): a child runs its entry and exits
//   spawn.rs     how a child starts: this binary again, with the argument's descriptors
//   handle.rs    Process, Builder: start a child, join, exit codes, kill
//   pool/        Pool: multiprocessing.Pool, worker processes and futures (its own door)
// and here: process_test_support!(), the test-binary twin of init().

mod child;
mod entry;
mod handle;
mod inherit;
mod mutex;
pub mod pool;
mod raw_lock;
mod shm;
mod spawn;

pub use child::init;
pub use handle::{Builder, EntryNotRun, JoinTimeoutError, Process};
pub use mutex::{Lock, LockGuard, LockTimeoutError, Mutex, MutexGuard, OwnerDied, TryLockError};
pub use pool::{ApplyError, Imap, Pool, PoolError, StillRunning};
pub use raw_lock::{Acquired, RawProcessLock};
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
