//! Queues between processes: `multiprocessing`'s `Queue`, `JoinableQueue`
//! and `SimpleQueue`, in shared memory.
//!
//! A process queue is one shared region: a small state (a
//! [`RawProcessLock`](super::RawProcessLock), positions, counters, three
//! futex words to sleep on) and after it a ring of bytes. `put` encodes the
//! item with postcard (outside the lock), then copies a 4-byte length and
//! the bytes into the ring; `get` copies them out and decodes (outside the
//! lock again). Items are any `T: Serialize + DeserializeOwned`; every
//! process that holds a handle (a clone, or one passed in a child's start
//! argument) sees the same queue.
//!
//! | Python | here | what differs |
//! |--------|------|--------------|
//! | `Queue(maxsize)` | [`Queue::new`]`(maxsize)` | also bounded by the ring's bytes ([`Queue::with_capacity`]) |
//! | `put`, `put_nowait`, `put(timeout=)` | `put`, `try_put`, `put_timeout` | errors hand the item back; too large for the ring is an error, never a hang |
//! | `get`, `get_nowait`, `get(timeout=)` | `get`, `try_get`, `get_timeout` | an item that is not a `T` is a `Decode` error |
//! | `qsize`, `empty`, `full` | the same | `qsize` works on every platform |
//! | `close` | [`Queue::close`] | closes for *every* process: puts fail, gets drain then fail |
//! | `JoinableQueue`: `task_done`, `join` | [`JoinableQueue`] | over-calling `task_done` is a [`TaskDoneError`](crate::TaskDoneError); `join_timeout` |
//! | `SimpleQueue` | [`SimpleQueue`] | |
//!
//! There is no feeder thread: a put is in the ring when `put` returns.
//!
//! # A process killed mid-put or mid-get
//!
//! Python's queue lock stays locked forever when its holder is killed.
//! Here the kernel releases it (the robust list) and the next operation
//! finds [`Acquired::OwnerDied`](super::Acquired), repairs, counts the
//! event in [`Queue::dead_holders`] and goes on. Nothing the dead process
//! had not finished is lost or half-there, because each operation
//! *publishes* with one store at its end (see `ring.rs`):
//!
//! - a putter killed before it published leaves no trace of its item;
//!   one killed after leaves the whole item in the queue;
//! - a getter killed before it published the taking leaves the item in
//!   the queue for the next getter; after, the item was taken (as if
//!   `get` had returned and the process died holding the value).
//!
//! A process killed while *sleeping* in `get`, `put` or `join` holds
//! nothing: the others go on. One killed after taking an item but before
//! its `task_done` leaves that task unfinished for good, as in Python:
//! `JoinableQueue::join` waits on; `join_timeout` says so.
//!
//! Encoding and decoding run outside the lock: an item's `Serialize`
//! that panics adds nothing; a `Deserialize` that panics does so after
//! the item was taken (it is gone, like a `Decode` error's item).
//!
//! ```
//! use turnstile::process::{PutError, Queue, TryGetError};
//!
//! let queue = Queue::with_capacity(2, 1024).unwrap();
//! queue.put("wool".to_string()).unwrap();
//! queue.put("linen".to_string()).unwrap();
//! assert!(queue.full());
//! assert_eq!(queue.get().unwrap(), "wool");
//! let too_big = "x".repeat(2000);
//! assert!(matches!(queue.put(too_big), Err(PutError::TooLarge(_))));
//! assert_eq!(queue.get().unwrap(), "linen");
//! assert_eq!(queue.try_get(), Err(TryGetError::Empty));
//! ```

// The files behind this door:
//   ring.rs      State (lock, positions, counters, signals), the byte ring, repair
//   engine.rs    locking with recovery, sleeping on a signal, put/get/close/task_done/join on bytes
//   codec.rs     postcard with a length in front, outside the lock
//   error.rs     the put and get errors (the item handed back)
//   api.rs       Queue<T>
//   joinable.rs  JoinableQueue<T>, SimpleQueue<T>

mod api;
mod codec;
mod engine;
mod error;
mod joinable;
mod ring;

pub use api::{DEFAULT_RING_BYTES, Queue};
#[doc(hidden)]
pub use engine::DieAt;
pub use error::{GetError, GetTimeoutError, PutError, PutTimeoutError, TryGetError, TryPutError};
pub use joinable::{JoinableQueue, SimpleQueue};
