//! The wire under a [`Connection`](super::pipe::Connection): frames
//! written whole with `MSG_NOSIGNAL`, read through a buffer that takes
//! whatever has arrived in one system call.
//!
//! A frame is a length (four little-endian bytes) and that many bytes of
//! postcard. `pipe.rs` decides what the bytes mean; this file only moves
//! them.

use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::time::Instant;

/// Bytes read from the socket and not yet handed out.
///
/// One `read` takes whatever has arrived, up to [`READ_AHEAD`] bytes: many
/// small frames at once, where reading each frame's length and then its
/// body would cost two system calls per frame.
pub(crate) struct ReadBuffer {
    pub(crate) bytes: Vec<u8>,
    /// The unread bytes are `bytes[start..end]`.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// `Some(why)` once the stream is out of step (a refused length): every
    /// later read fails with it.
    pub(crate) broken: Option<String>,
}

/// How much one read asks for at least.
pub(crate) const READ_AHEAD: usize = 64 << 10;

/// Buffers larger than this after a big frame are given back.
pub(crate) const KEEP: usize = 1 << 20;

impl ReadBuffer {
    /// An empty buffer (it grows on the first read).
    pub(crate) const fn new() -> Self {
        Self {
            bytes: Vec::new(),
            start: 0,
            end: 0,
            broken: None,
        }
    }

    pub(crate) fn unread(&self) -> &[u8] {
        &self.bytes[self.start..self.end]
    }

    /// Reads once, making room for at least `want` unread bytes in all;
    /// how many bytes came (0: the end of the stream).
    pub(crate) fn fill(&mut self, fd: BorrowedFd<'_>, want: usize) -> io::Result<usize> {
        if self.start > 0 {
            self.bytes.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let size = want.max(self.end + READ_AHEAD);
        if self.bytes.len() < size {
            self.bytes.resize(size, 0);
        }
        loop {
            let room = &mut self.bytes[self.end..];
            // SAFETY: reads into a live buffer of `room.len()` bytes.
            let n = unsafe { libc::read(fd.as_raw_fd(), room.as_mut_ptr().cast(), room.len()) };
            if n >= 0 {
                self.end += n as usize;
                return Ok(n as usize);
            }
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::EINTR) => {}
                // A peer that closed with our data unread: the end too.
                Some(libc::ECONNRESET) => return Ok(0),
                _ => return Err(error),
            }
        }
    }

    /// Hands out `len` bytes; gives a big allocation back once empty.
    pub(crate) fn consume(&mut self, len: usize) {
        self.start += len;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
            if self.bytes.len() > KEEP {
                self.bytes = Vec::new();
            }
        }
    }
}

/// postcard's output, appended to the frame being built.
pub(crate) struct Framed<'a>(pub(crate) &'a mut Vec<u8>);

impl postcard::ser_flavors::Flavor for Framed<'_> {
    type Output = ();

    // Inlined into serde's loops in the user's crate: without it a
    // `Vec<u8>` costs one call per byte (40% of a 4 KiB send, measured).
    #[inline(always)]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    #[inline(always)]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<()> {
        Ok(())
    }
}

/// Writes the whole frame; `MSG_NOSIGNAL`: a closed peer is `EPIPE`, not a
/// `SIGPIPE` that would end the process.
pub(crate) fn write_all(fd: BorrowedFd<'_>, frame: &[u8]) -> io::Result<()> {
    let mut sent = 0;
    while sent < frame.len() {
        let rest = &frame[sent..];
        // SAFETY: writes from a live buffer of `rest.len()` bytes.
        let n = unsafe {
            libc::send(
                fd.as_raw_fd(),
                rest.as_ptr().cast(),
                rest.len(),
                libc::MSG_NOSIGNAL,
            )
        };
        if n < 0 {
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::EINTR) => continue,
                _ => return Err(error),
            }
        }
        sent += n as usize;
    }
    Ok(())
}

/// Waits until `fd` is readable (data or end of stream) or `deadline`.
pub(crate) fn wait_readable(fd: BorrowedFd<'_>, deadline: Option<Instant>) -> io::Result<bool> {
    loop {
        let millis = match deadline {
            None => -1,
            Some(at) => {
                let left = at.saturating_duration_since(Instant::now());
                // Rounded up, so the wait does not end just short and spin.
                i32::try_from(left.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
            }
        };
        let mut poll = libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd.
        let ready = unsafe { libc::poll(&mut poll, 1, millis) };
        if ready < 0 {
            let error = io::Error::last_os_error();
            if error.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(error);
        }
        if ready > 0 {
            return Ok(true);
        }
        if deadline.is_some_and(|at| Instant::now() >= at) {
            return Ok(false);
        }
    }
}
