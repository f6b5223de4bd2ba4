//! How a handle crosses into a child process: as an inherited descriptor.
//!
//! Rust cannot send a lock or a mapping to another process, and neither
//! can Python: `multiprocessing` shares a `Lock` "only through
//! inheritance". turnstile does the same. Every process handle
//! ([`SharedMemory`](super::shm::SharedMemory) and what is built on it, a
//! pipe's [`Connection`]) owns a file descriptor; serialising the handle
//! writes that descriptor's *number* and records it, and the code that
//! starts a child (`Process::start`) keeps exactly the recorded descriptors
//! open across `exec`. The child finds the same numbers open when it reads
//! its argument back, and duplicates each one it is handed.
//!
//! Serialising a handle anywhere else (into a queue, a pipe, a file) is an
//! error with a message that says why: a descriptor number means nothing
//! in another process unless that process inherited it.

use std::cell::{Cell, RefCell};
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

thread_local! {
    /// While a parent serialises a child's argument: the descriptors its
    /// handles named, in order. `None` at any other time.
    static OUTGOING: RefCell<Option<Vec<RawFd>>> = const { RefCell::new(None) };
    /// While a child deserialises its start argument.
    static INCOMING: Cell<bool> = const { Cell::new(false) };
    /// Whether this thread refused to serialise a handle since the last
    /// [`explain`]: postcard keeps only the kind of a custom error, not
    /// its message, so the message is recovered from here.
    static REFUSED: Cell<bool> = const { Cell::new(false) };
}

/// The text for a postcard error from serialising a value: the refusal's
/// own message if a handle refused (see [`NOT_AT_START`]), else postcard's.
pub(crate) fn explain(error: &postcard::Error) -> String {
    if REFUSED.with(|refused| refused.replace(false)) {
        NOT_AT_START.to_owned()
    } else {
        error.to_string()
    }
}

/// What a parent calls around serialising a child's argument: runs `f`
/// and returns its result with every descriptor a handle recorded.
pub(crate) fn collect<R>(f: impl FnOnce() -> R) -> (R, Vec<RawFd>) {
    let before = OUTGOING.with(|out| out.borrow_mut().replace(Vec::new()));
    let result = f();
    let fds = OUTGOING.with(|out| out.replace(before)).unwrap_or_default();
    (result, fds)
}

/// What a child calls around deserialising its start argument.
pub(crate) fn receiving<R>(f: impl FnOnce() -> R) -> R {
    struct Reset(bool);
    impl Drop for Reset {
        fn drop(&mut self) {
            INCOMING.with(|incoming| incoming.set(self.0));
        }
    }
    let _reset = Reset(INCOMING.with(|incoming| incoming.replace(true)));
    f()
}

/// The message of a handle serialised outside a process start.
pub(crate) const NOT_AT_START: &str = "a turnstile process handle (shared memory, a process lock or \
     queue, a pipe end) can only be handed to a child process in the argument it is started \
     with: its descriptor is inherited then, and means nothing in another process otherwise \
     (multiprocessing shares its locks only through inheritance too)";

/// Serialises a handle's descriptor: records it for the child being
/// started, or fails with [`NOT_AT_START`].
pub(crate) fn serialize_fd<S: Serializer>(
    fd: BorrowedFd<'_>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let raw = fd.as_raw_fd();
    let recorded = OUTGOING.with(|out| match out.borrow_mut().as_mut() {
        Some(fds) => {
            fds.push(raw);
            true
        }
        None => false,
    });
    if !recorded {
        REFUSED.with(|refused| refused.set(true));
        return Err(S::Error::custom(NOT_AT_START));
    }
    raw.serialize(serializer)
}

/// Reads a handle's descriptor in a child: a duplicate (close-on-exec) of
/// the inherited one, which the start code closes once the argument is
/// read. Fails outside a child's start.
pub(crate) fn deserialize_fd<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<OwnedFd, D::Error> {
    let raw = RawFd::deserialize(deserializer)?;
    if !INCOMING.with(Cell::get) {
        return Err(D::Error::custom(NOT_AT_START));
    }
    // SAFETY: F_DUPFD_CLOEXEC only reads the descriptor table; a bad number
    // gives -1 and EBADF, checked below.
    let copy = unsafe { libc::fcntl(raw, libc::F_DUPFD_CLOEXEC, 0) };
    if copy < 0 {
        return Err(D::Error::custom(format_args!(
            "descriptor {raw} named in the start argument is not open in this process: {}",
            std::io::Error::last_os_error()
        )));
    }
    // SAFETY: `copy` was just made by fcntl and nothing else owns it.
    Ok(unsafe { OwnedFd::from_raw_fd(copy) })
}
