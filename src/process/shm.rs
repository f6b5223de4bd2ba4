//! Shared memory: a region every process that maps it sees, holding plain
//! data.
//!
//! A [`Shared<T>`] is one `T` in a region of its own: an anonymous
//! `memfd` (no name in `/dev/shm` to leak if a process is killed; the
//! memory goes when the last process unmaps it), mapped `MAP_SHARED`.
//! A child process gets the same region by inheriting the descriptor: pass
//! the `Shared` (or anything built on one) in the argument it is started
//! with. Every process primitive is a `Shared` of its state.
//!
//! What may live in shared memory is [`Plain`] data: nothing that points
//! into one process (a `Box`, a `String`, a reference, a file descriptor).

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use core::ptr::NonNull;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::super::facade::{
    Arc, AtomicBool, AtomicI32, AtomicI64, AtomicU8, AtomicU32, AtomicU64, AtomicUsize,
};
use super::inherit;
use super::raw_lock::RawProcessLock;

/// Data that means the same in every process that maps it.
///
/// # Safety
///
/// An implementor holds no pointer or reference into one process's memory
/// (no `Box`, `Vec`, `String`, `&T`, `Arc`), no file descriptor or other
/// per-process handle, and needs no `Drop` (shared memory is never
/// dropped). Its layout is the same in every process because every process
/// runs the same binary (children re-execute it). Shared mutable state in
/// it must be atomics or sit behind a process lock.
///
/// ```
/// use turnstile::process::Plain;
///
/// #[derive(Clone, Copy)]
/// #[repr(C)]
/// struct Tally {
///     sold: u32,
///     refused: u32,
/// }
///
/// // SAFETY: two integers: no pointers, no handles, no Drop.
/// unsafe impl Plain for Tally {}
/// ```
pub unsafe trait Plain: Send + 'static {}

macro_rules! plain {
    ($($ty:ty),* $(,)?) => {$(
        // SAFETY: a primitive value or atomic: no pointers, no Drop.
        unsafe impl Plain for $ty {}
    )*};
}
plain!(
    (),
    bool,
    char,
    u8,
    u16,
    u32,
    u64,
    u128,
    usize,
    i8,
    i16,
    i32,
    i64,
    i128,
    isize,
    f32,
    f64,
    AtomicBool,
    AtomicU8,
    AtomicU32,
    AtomicU64,
    AtomicUsize,
    AtomicI32,
    AtomicI64,
    RawProcessLock,
);
// SAFETY: an array of plain values is plain.
unsafe impl<T: Plain, const N: usize> Plain for [T; N] {}

/// What opens every region: a check that the `Shared<T>` a child maps is a
/// `T`, not a region of another type handed over by mistake.
#[repr(C, align(64))]
struct Header {
    magic: u64,
    type_hash: u64,
    size: u64,
}

const MAGIC: u64 = u64::from_le_bytes(*b"turnstle");

/// One mapping of a memfd region; unmapped when the last clone goes.
struct Mapping {
    fd: OwnedFd,
    base: NonNull<u8>,
    len: usize,
}

// SAFETY: the mapping is memory every thread may read; what lives in it is
// `Plain` (Send) and shared through `&T` only where `T: Sync`.
unsafe impl Send for Mapping {}
// SAFETY: as above.
unsafe impl Sync for Mapping {}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: `base..base+len` is this mapping's, and nothing borrows
        // it any more (every `Shared` holding it is gone).
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
    }
}

impl Mapping {
    fn new(len: usize) -> io::Result<Self> {
        // SAFETY: the name is a valid C string; MFD_CLOEXEC keeps it from
        // leaking into children a process start did not hand it to.
        let fd = unsafe { libc::memfd_create(c"turnstile".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: a descriptor memfd_create just made, owned by nothing else.
        let fd = unsafe { <OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd) };
        let size = libc::off_t::try_from(len).map_err(|_| io::Error::other("region too large"))?;
        // SAFETY: ftruncate on an fd we own.
        if unsafe { libc::ftruncate(fd.as_raw_fd(), size) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Self::map(fd, len)
    }

    fn map(fd: OwnedFd, len: usize) -> io::Result<Self> {
        // SAFETY: a fresh shared mapping of `len` bytes of the file; the
        // kernel picks the address.
        let base = unsafe {
            libc::mmap(
                core::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                fd.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        let base =
            NonNull::new(base.cast()).ok_or_else(|| io::Error::other("mmap gave address 0"))?;
        Ok(Self { fd, base, len })
    }

    fn file_len(fd: &OwnedFd) -> io::Result<usize> {
        // SAFETY: fstat fills the zeroed struct for an fd we own.
        let mut stat: libc::stat = unsafe { core::mem::zeroed() };
        if unsafe { libc::fstat(fd.as_raw_fd(), &mut stat) } != 0 {
            return Err(io::Error::last_os_error());
        }
        usize::try_from(stat.st_size).map_err(|_| io::Error::other("bad region size"))
    }
}

/// One `T` in shared memory: every process this handle is passed to sees
/// the same `T`.
///
/// `Clone` gives another handle to the same value. Passing a `Shared` in a
/// child's start argument (it is `Serialize`) gives the child a handle too;
/// anywhere else serialising it is an error, since only a child started
/// with it inherits its descriptor.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use turnstile::process::Shared;
///
/// let hits = Shared::new(AtomicU32::new(0)).unwrap();
/// let again = hits.clone();
/// again.fetch_add(1, Ordering::Relaxed);
/// assert_eq!(hits.load(Ordering::Relaxed), 1);
/// ```
pub struct Shared<T: Plain> {
    mapping: Arc<Mapping>,
    _value: PhantomData<T>,
}

impl<T: Plain> Shared<T> {
    const OFFSET: usize = core::mem::size_of::<Header>();

    /// Puts `value` in a new region of shared memory.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the region (`memfd_create`,
    /// `ftruncate`, `mmap`).
    ///
    /// ```
    /// let number = turnstile::process::Shared::new(7_u64).unwrap();
    /// assert_eq!(*number, 7);
    /// ```
    pub fn new(value: T) -> io::Result<Self> {
        Self::with_tail(value, 0)
    }

    /// Puts `value` in a new region followed by `tail` more bytes, zeroed,
    /// that the value's owner reaches through [`tail`](Self::tail): for
    /// state whose size is chosen at run time (a process queue's byte
    /// ring). A handle a child maps sees the same tail.
    pub(crate) fn with_tail(value: T, tail: usize) -> io::Result<Self> {
        const {
            assert!(
                core::mem::align_of::<T>() <= 64,
                "shared values are aligned to 64 bytes at most"
            )
        };
        const {
            assert!(
                !core::mem::needs_drop::<T>(),
                "a value in shared memory is never dropped"
            )
        };
        let len = (Self::OFFSET + core::mem::size_of::<T>().max(1))
            .checked_add(tail)
            .ok_or_else(|| io::Error::other("region too large"))?;
        let mapping = Mapping::new(len)?;
        // SAFETY: the region is fresh, zeroed, large enough for the header
        // and a `T` at OFFSET, and aligned for both (mmap gives page
        // alignment, OFFSET is 64); nobody else maps it yet.
        unsafe {
            mapping.base.as_ptr().cast::<Header>().write(Header {
                magic: MAGIC,
                type_hash: type_hash::<T>(),
                size: core::mem::size_of::<T>() as u64,
            });
            mapping
                .base
                .as_ptr()
                .add(Self::OFFSET)
                .cast::<T>()
                .write(value);
        }
        Ok(Self {
            mapping: Arc::new(mapping),
            _value: PhantomData,
        })
    }

    fn from_fd(fd: OwnedFd) -> io::Result<Self> {
        let len = Mapping::file_len(&fd)?;
        if len < Self::OFFSET + core::mem::size_of::<T>() {
            return Err(io::Error::other(
                "the shared region is smaller than the type expected",
            ));
        }
        let mapping = Mapping::map(fd, len)?;
        // SAFETY: the region holds at least a header (checked above).
        let header = unsafe { &*mapping.base.as_ptr().cast::<Header>() };
        if header.magic != MAGIC
            || header.type_hash != type_hash::<T>()
            || header.size != core::mem::size_of::<T>() as u64
        {
            return Err(io::Error::other(format!(
                "the shared region handed over does not hold a {}",
                core::any::type_name::<T>()
            )));
        }
        Ok(Self {
            mapping: Arc::new(mapping),
            _value: PhantomData,
        })
    }

    fn value(&self) -> &T {
        // SAFETY: `new` or `from_fd` checked that a `T` lives at OFFSET,
        // and the mapping lives as long as `self`.
        unsafe { &*self.mapping.base.as_ptr().add(Self::OFFSET).cast::<T>() }
    }

    /// The bytes after the value ([`with_tail`](Self::with_tail)): where
    /// they start and how many there are (0 for a region made by `new`).
    /// Unsynchronised memory shared with every process that maps the
    /// region: the caller guards it (a process queue with its lock).
    pub(crate) fn tail(&self) -> (*mut u8, usize) {
        let start = Self::OFFSET + core::mem::size_of::<T>().max(1);
        let len = self.mapping.len.saturating_sub(start);
        // SAFETY: `start` is within the mapping or at its end (`new` and
        // `from_fd` checked the value fits), so the pointer is in bounds
        // or one past the end, and `len` bytes from it are mapped.
        (
            unsafe { self.mapping.base.as_ptr().add(start.min(self.mapping.len)) },
            len,
        )
    }
}

/// A stable hash of `T`'s name: the same binary gives the same name.
fn type_hash<T>() -> u64 {
    // FNV-1a: tiny, and stable across processes (std's hasher is seeded).
    core::any::type_name::<T>()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
        })
}

impl<T: Plain + Sync> Deref for Shared<T> {
    type Target = T;

    fn deref(&self) -> &T {
        self.value()
    }
}

impl<T: Plain> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Self {
            mapping: Arc::clone(&self.mapping),
            _value: PhantomData,
        }
    }
}

impl<T: Plain + Sync + fmt::Debug> fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Shared").field(self.value()).finish()
    }
}

impl<T: Plain> Serialize for Shared<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        inherit::serialize_fd(self.mapping.fd.as_fd(), serializer)
    }
}

impl<'de, T: Plain> Deserialize<'de> for Shared<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let fd = inherit::deserialize_fd(deserializer)?;
        Self::from_fd(fd).map_err(D::Error::custom)
    }
}
