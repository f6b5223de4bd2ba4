//! [`pipe`] and [`Connection`]: Python's `multiprocessing.Pipe()`, two
//! ends of a duplex channel that carry whole values.
//!
//! Underneath is a Unix stream socket pair: bytes in order, both ways, no
//! message boundaries. A value becomes one *frame*: its length as four
//! little-endian bytes, then its postcard encoding. A reader takes the
//! four bytes, checks the length against [`MAX_FRAME`] (a corrupt or
//! hostile length is refused before anything is allocated), then reads
//! exactly that many bytes and decodes them. Because the frame is read
//! whole before decoding, a value that fails to decode costs that frame
//! only: the next `recv` starts at the next frame.
//!
//! The end of the stream says the peer is gone: end-of-file at a frame
//! boundary is [`RecvError::Closed`] (Python's `EOFError`), in the middle
//! of one [`RecvError::Truncated`]. Writing to a closed peer is
//! [`SendError::Closed`]: every write passes `MSG_NOSIGNAL`, so the kernel
//! answers `EPIPE` instead of killing the process with `SIGPIPE`.
//!
//! One end may be used from two threads at once (`&self` methods): a lock
//! per direction keeps two senders' frames from interleaving and two
//! readers from splitting a frame between them, while one thread reads and
//! another writes freely.

use core::fmt;
use std::io;
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::super::deadline;
use super::super::facade::{AtomicUsize, Ordering};
use super::super::mutex::Mutex;
use super::frame::{Framed, KEEP, ReadBuffer, wait_readable, write_all};
use super::inherit;

/// The largest value a frame may carry: 64 MiB of postcard bytes. Larger
/// is refused by the sender ([`SendError::TooLarge`]) and by the reader
/// ([`RecvError::TooLarge`]), so a bad length never makes a reader
/// allocate gigabytes.
pub const MAX_FRAME: usize = 64 << 20;

/// Why a value was not sent.
#[derive(Debug)]
#[non_exhaustive]
pub enum SendError {
    /// The other end is closed (its process ended or dropped it).
    Closed,
    /// The value encodes to more than [`MAX_FRAME`] bytes.
    TooLarge {
        /// The encoded size.
        len: usize,
    },
    /// serde refused the value; its message.
    Encode(String),
    /// What the system said.
    Io(io::Error),
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the other end of the pipe is closed"),
            Self::TooLarge { len } => write!(
                f,
                "the value encodes to {len} bytes, more than a pipe frame's {MAX_FRAME}"
            ),
            Self::Encode(why) => write!(f, "the value cannot be encoded: {why}"),
            Self::Io(error) => write!(f, "the pipe failed: {error}"),
        }
    }
}

impl std::error::Error for SendError {}

/// Why no value was received.
#[derive(Debug)]
#[non_exhaustive]
pub enum RecvError {
    /// The other end is closed and every value it sent has been read
    /// (Python's `EOFError`).
    Closed,
    /// Nothing arrived in time ([`Connection::recv_timeout`]).
    Timeout,
    /// A frame announced more than [`MAX_FRAME`] bytes. Nothing was
    /// allocated; the stream cannot be trusted after it, so every later
    /// `recv` on this end fails.
    TooLarge {
        /// The announced size.
        len: usize,
    },
    /// The other end closed in the middle of a frame.
    Truncated,
    /// The frame was read whole but is not a value of the type asked for;
    /// serde's message. The connection stays usable.
    Decode(String),
    /// What the system said.
    Io(io::Error),
}

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed => f.write_str("the other end of the pipe is closed"),
            Self::Timeout => f.write_str("no value arrived in time"),
            Self::TooLarge { len } => write!(
                f,
                "a frame announced {len} bytes, more than the {MAX_FRAME} allowed"
            ),
            Self::Truncated => f.write_str("the other end closed in the middle of a value"),
            Self::Decode(why) => write!(f, "the value received cannot be decoded: {why}"),
            Self::Io(error) => write!(f, "the pipe failed: {error}"),
        }
    }
}

impl std::error::Error for RecvError {}

/// One end of a [`pipe`]: `send` values to the other end, `recv` what it
/// sent.
///
/// Pass it to a child in its start argument (it is `Serialize` there, and
/// only there). Share it between threads with an `Arc`: one may read
/// while another writes.
///
/// ```
/// let (left, right) = turnstile::process::pipe().unwrap();
/// left.send(&("hello", 42_u32)).unwrap();
/// let (text, n): (String, u32) = right.recv().unwrap();
/// assert_eq!((text.as_str(), n), ("hello", 42));
/// ```
pub struct Connection {
    fd: OwnedFd,
    /// Held while a frame is read: the bytes read ahead of the frames
    /// asked for.
    reading: Mutex<ReadBuffer>,
    /// How many bytes `reading` holds, for `poll` to see without the lock
    /// (a reader blocked in `recv` holds it).
    buffered: AtomicUsize,
    /// Held while a frame is written: the frame being written, its
    /// allocation kept from one send to the next.
    writing: Mutex<Vec<u8>>,
}

/// A duplex pipe: two connected [`Connection`]s, Python's
/// `multiprocessing.Pipe()`.
///
/// # Errors
///
/// What `socketpair` says.
///
/// ```
/// let (parent, child) = turnstile::process::pipe().unwrap();
/// child.send(&vec![1, 2, 3]).unwrap();
/// assert_eq!(parent.recv::<Vec<i32>>().unwrap(), [1, 2, 3]);
/// ```
pub fn pipe() -> io::Result<(Connection, Connection)> {
    let mut fds = [0; 2];
    // SAFETY: socketpair fills two new descriptors; close-on-exec so only
    // a child handed an end in its argument inherits it.
    let made = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    if made != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just made, owned by nothing else.
    let (a, b) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    Ok((Connection::from_fd(a), Connection::from_fd(b)))
}

impl Connection {
    fn from_fd(fd: OwnedFd) -> Self {
        Self {
            fd,
            reading: Mutex::new(ReadBuffer::new()),
            buffered: AtomicUsize::new(0),
            writing: Mutex::new(Vec::new()),
        }
    }

    /// Sends one value: Python's `send`. Blocks while the pipe is full
    /// (until the other end reads).
    ///
    /// # Errors
    ///
    /// [`SendError::Closed`] when the other end is gone,
    /// [`SendError::TooLarge`] past [`MAX_FRAME`], [`SendError::Encode`]
    /// when serde refuses the value (a process handle, say: those reach a
    /// child only in its start argument), [`SendError::Io`] otherwise.
    ///
    /// ```
    /// let (a, b) = turnstile::process::pipe().unwrap();
    /// drop(b);
    /// assert!(matches!(a.send(&1_u8), Err(turnstile::process::SendError::Closed)));
    /// ```
    pub fn send<T: Serialize + ?Sized>(&self, value: &T) -> Result<(), SendError> {
        let mut frame = self.writing.lock();
        frame.clear();
        frame.extend_from_slice(&[0; 4]);
        let encoded = postcard::serialize_with_flavor(value, Framed(&mut frame));
        let result = encoded
            .map_err(|error| SendError::Encode(inherit::explain(&error)))
            .and_then(|()| {
                let len = frame.len() - 4;
                if len > MAX_FRAME {
                    return Err(SendError::TooLarge { len });
                }
                frame[..4].copy_from_slice(&(len as u32).to_le_bytes());
                write_all(self.fd.as_fd(), &frame).map_err(|error| match error.raw_os_error() {
                    Some(libc::EPIPE | libc::ECONNRESET) => SendError::Closed,
                    _ => SendError::Io(error),
                })
            });
        if frame.capacity() > KEEP {
            *frame = Vec::new();
        }
        result
    }

    /// Receives one value, waiting as long as it takes: Python's `recv`.
    ///
    /// # Errors
    ///
    /// [`RecvError::Closed`] when the other end is gone and everything it
    /// sent has been read; [`RecvError::Decode`] when the frame is not a
    /// `T` (the next `recv` reads the next frame); [`RecvError::TooLarge`],
    /// [`RecvError::Truncated`] and [`RecvError::Io`] as they say.
    ///
    /// ```
    /// let (a, b) = turnstile::process::pipe().unwrap();
    /// a.send("text").unwrap();
    /// assert_eq!(b.recv::<String>().unwrap(), "text");
    /// ```
    pub fn recv<T: DeserializeOwned>(&self) -> Result<T, RecvError> {
        self.recv_until(None)
    }

    /// [`recv`](Self::recv) waiting at most `timeout` for a value to start
    /// arriving.
    ///
    /// Once a frame's first bytes are in, the rest is read without a limit
    /// (the sender writes a frame whole, so it follows at once); giving up
    /// halfway would leave the stream out of step.
    ///
    /// # Errors
    ///
    /// [`RecvError::Timeout`] when nothing came; otherwise as `recv`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::process::RecvError;
    ///
    /// let (a, _b) = turnstile::process::pipe().unwrap();
    /// let waited = a.recv_timeout::<u32>(Duration::from_millis(10));
    /// assert!(matches!(waited, Err(RecvError::Timeout)));
    /// ```
    pub fn recv_timeout<T: DeserializeOwned>(&self, timeout: Duration) -> Result<T, RecvError> {
        match deadline::after(timeout) {
            Some(at) => self.recv_deadline(at),
            None => self.recv(),
        }
    }

    /// [`recv_timeout`](Self::recv_timeout) until a point in time.
    ///
    /// # Errors
    ///
    /// As [`recv_timeout`](Self::recv_timeout).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let (a, b) = turnstile::process::pipe().unwrap();
    /// b.send(&5_i64).unwrap();
    /// let soon = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(a.recv_deadline::<i64>(soon).unwrap(), 5);
    /// ```
    pub fn recv_deadline<T: DeserializeOwned>(&self, deadline: Instant) -> Result<T, RecvError> {
        self.recv_until(Some(deadline))
    }

    /// Whether a value (or the end of the stream) is waiting to be read,
    /// waiting at most `timeout`: Python's `poll(timeout)`. After `true`,
    /// `recv` does not wait (it may report [`RecvError::Closed`]).
    ///
    /// # Errors
    ///
    /// What `poll(2)` says.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let (a, b) = turnstile::process::pipe().unwrap();
    /// assert!(!a.poll(Duration::ZERO).unwrap());
    /// b.send(&1_u8).unwrap();
    /// assert!(a.poll(Duration::from_secs(1)).unwrap());
    /// ```
    pub fn poll(&self, timeout: Duration) -> io::Result<bool> {
        if self.buffered.load(Ordering::Relaxed) > 0 {
            return Ok(true);
        }
        wait_readable(self.fd.as_fd(), deadline::after(timeout))
    }

    fn recv_until<T: DeserializeOwned>(&self, deadline: Option<Instant>) -> Result<T, RecvError> {
        let mut buffer = match deadline {
            None => self.reading.lock(),
            Some(at) => self
                .reading
                .lock_deadline(at)
                .map_err(|_| RecvError::Timeout)?,
        };
        let result = self.read_frame(&mut buffer, deadline);
        self.buffered
            .store(buffer.end - buffer.start, Ordering::Relaxed);
        result
    }

    /// Reads one frame through `buffer` and decodes it.
    fn read_frame<T: DeserializeOwned>(
        &self,
        buffer: &mut ReadBuffer,
        deadline: Option<Instant>,
    ) -> Result<T, RecvError> {
        if let Some(why) = buffer.broken.as_ref() {
            return Err(RecvError::Io(io::Error::other(why.clone())));
        }
        // The length. Only a wait for the first byte has a deadline: once
        // a frame has begun, its rest is on its way.
        while buffer.unread().len() < 4 {
            if buffer.unread().is_empty()
                && deadline.is_some()
                && !wait_readable(self.fd.as_fd(), deadline).map_err(RecvError::Io)?
            {
                return Err(RecvError::Timeout);
            }
            if buffer.fill(self.fd.as_fd(), 4).map_err(RecvError::Io)? == 0 {
                return Err(if buffer.unread().is_empty() {
                    RecvError::Closed
                } else {
                    RecvError::Truncated
                });
            }
        }
        let header: [u8; 4] = buffer.unread()[..4].try_into().expect("four bytes");
        let len = u32::from_le_bytes(header) as usize;
        if len > MAX_FRAME {
            buffer.broken = Some(format!(
                "the pipe is out of step: an earlier frame announced {len} bytes, more than \
                 the {MAX_FRAME} allowed, and was not read"
            ));
            return Err(RecvError::TooLarge { len });
        }
        while buffer.unread().len() < 4 + len {
            if buffer
                .fill(self.fd.as_fd(), 4 + len)
                .map_err(RecvError::Io)?
                == 0
            {
                return Err(RecvError::Truncated);
            }
        }
        let decoded = postcard::from_bytes(&buffer.unread()[4..4 + len])
            .map_err(|error| RecvError::Decode(error.to_string()));
        // Decoded or not, the frame is used up: the next read starts at
        // the next frame.
        buffer.consume(4 + len);
        decoded
    }
}

impl AsFd for Connection {
    fn as_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("fd", &self.fd.as_raw_fd())
            .finish_non_exhaustive()
    }
}

impl Serialize for Connection {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        inherit::serialize_fd(self.fd.as_fd(), serializer)
    }
}

impl<'de> Deserialize<'de> for Connection {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fd = inherit::deserialize_fd(deserializer)?;
        // A descriptor of another kind handed over by mistake is refused.
        let mut kind: libc::c_int = 0;
        let mut len = core::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: getsockopt writes one int into `kind`.
        let ok = unsafe {
            libc::getsockopt(
                fd.as_raw_fd(),
                libc::SOL_SOCKET,
                libc::SO_TYPE,
                (&raw mut kind).cast(),
                &mut len,
            )
        };
        if ok != 0 || kind != libc::SOCK_STREAM {
            return Err(D::Error::custom(
                "the descriptor handed over for a pipe end is not a stream socket",
            ));
        }
        Ok(Self::from_fd(fd))
    }
}
