//! The facade's process-shared half (normal build, Linux): a futex that
//! sleeps across processes, and the kernel's robust list.
//!
//! [`Futex`](super::facade::Futex) parks in `parking_lot_core`'s table,
//! which lives in one process's memory. A word in shared memory needs the
//! kernel's own futex, called *without* `FUTEX_PRIVATE_FLAG`, so that the
//! kernel keys sleepers by the page and the offset rather than by an
//! address in one process.
//!
//! A lock that must survive its holder's death also needs someone to
//! release it when the holder cannot: the kernel's robust futex list
//! (Documentation/locking/robust-futex-ABI.rst). Each thread registers one
//! list head; on the thread's exit, however it dies, the kernel walks the
//! list, and for every lock word whose low 30 bits are the dying thread's
//! id it sets `FUTEX_OWNER_DIED` and wakes one waiter. glibc registers a
//! head for every thread it starts and links its own robust
//! `pthread_mutex_t`s into it, so turnstile shares that head rather than
//! replacing it (a thread has only one): a [`RobustNode`] sits at the
//! offsets of `pthread_mutex_t`'s `__list`, so that the head's
//! `futex_offset` leads from a node to its lock word for both, and it is
//! linked and unlinked as glibc links its own, `prev` pointers included.
//! [`robust::supported`] checks that layout against the kernel's record of
//! the head before any node is linked.
//!
//! `src/model/shared_futex.rs` answers the same names under loom, with a
//! per-thread list that `turnstile::model::die` walks as the kernel would.

use core::ops::Deref;
use core::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::time::Instant;

use super::facade::Wait;

/// The kernel's bits in a robust lock word: someone sleeps on it; its owner
/// died holding it; the rest is the owner's thread id.
pub(crate) const FUTEX_WAITERS: u32 = 0x8000_0000;
/// See [`FUTEX_WAITERS`].
pub(crate) const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// See [`FUTEX_WAITERS`].
pub(crate) const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// A `u32` that threads of *any* process mapping it can sleep on: Linux's
/// futex, shared.
#[repr(transparent)]
pub(crate) struct SharedFutex(AtomicU32);

impl Deref for SharedFutex {
    type Target = AtomicU32;

    #[inline]
    fn deref(&self) -> &AtomicU32 {
        &self.0
    }
}

impl SharedFutex {
    pub(crate) const fn new(value: u32) -> Self {
        Self(AtomicU32::new(value))
    }

    /// Sleeps while the word is `expected`, until woken or `deadline`.
    ///
    /// The kernel compares the word with `expected` under its own queue
    /// lock, so a change made before a wake cannot slip between the check
    /// and the sleep. `Woken` may also be a signal's interruption or a
    /// wake meant for an earlier sleeper: every caller checks the word
    /// again, as with any futex.
    pub(crate) fn wait_while_equal(&self, expected: u32, deadline: Option<Instant>) -> Wait {
        let timeout = match deadline {
            None => None,
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(left) if !left.is_zero() => Some(libc::timespec {
                    tv_sec: left.as_secs().min(i64::MAX as u64) as libc::time_t,
                    tv_nsec: left.subsec_nanos() as libc::c_long,
                }),
                _ => return Wait::TimedOut,
            },
        };
        let timeout_ptr = timeout
            .as_ref()
            .map_or(core::ptr::null(), |t| t as *const libc::timespec);
        // SAFETY: the word is a live AtomicU32 borrowed for the call; the
        // timeout, if any, lives on this stack frame until the call returns.
        let result = unsafe {
            libc::syscall(
                libc::SYS_futex,
                self.0.as_ptr(),
                libc::FUTEX_WAIT,
                expected,
                timeout_ptr,
            )
        };
        if result == 0 {
            return Wait::Woken;
        }
        match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::EAGAIN) => Wait::Invalid,
            Some(libc::ETIMEDOUT) => Wait::TimedOut,
            // EINTR: a signal. The caller looks at the word again.
            _ => Wait::Woken,
        }
    }

    fn wake(&self, count: i32) -> usize {
        // SAFETY: FUTEX_WAKE only reads the address as a key.
        let woke =
            unsafe { libc::syscall(libc::SYS_futex, self.0.as_ptr(), libc::FUTEX_WAKE, count) };
        woke.max(0) as usize
    }

    /// Wakes one sleeper, in any process. Returns whether one was asleep.
    pub(crate) fn wake_one(&self) -> bool {
        self.wake(1) == 1
    }

    /// Wakes every sleeper, in any process. Returns how many.
    pub(crate) fn wake_all(&self) -> usize {
        self.wake(i32::MAX)
    }
}

/// The link a robust lock carries for the kernel's robust list: `prev` and
/// `next`, 24 and 32 bytes after the lock word, as in `pthread_mutex_t`.
/// Written only by the thread that holds the lock (and by glibc, on that
/// same thread, when it links a mutex of its own next to it).
#[repr(C)]
pub(crate) struct RobustNode {
    prev: AtomicUsize,
    next: AtomicUsize,
}

impl RobustNode {
    pub(crate) const fn new() -> Self {
        Self {
            prev: AtomicUsize::new(0),
            next: AtomicUsize::new(0),
        }
    }
}

/// The calling thread's part in the robust list.
pub(crate) mod robust {
    use super::{AtomicUsize, Ordering, RobustNode, SharedFutex};
    use core::sync::atomic::compiler_fence;
    use std::sync::OnceLock;

    /// The kernel's `struct robust_list_head`.
    #[repr(C)]
    struct Head {
        /// The first node's `next` field, or this field's own address.
        list: AtomicUsize,
        futex_offset: isize,
        /// A node being linked or unlinked, for the kernel to look at too.
        list_op_pending: AtomicUsize,
    }

    /// Bytes from a node's `next` field back to its lock word: the lock
    /// word opens a `pthread_mutex_t`, the node is its `__list` at 24.
    pub(crate) const NEXT_TO_WORD: isize = -32;

    /// The calling thread as a robust lock sees it: its id, as the kernel
    /// writes it into a lock word, and its list head if turnstile may link
    /// nodes into it (0 otherwise). Fetched with one thread-local read per
    /// lock operation.
    #[derive(Clone, Copy)]
    pub(crate) struct Me {
        pub(crate) tid: u32,
        head: usize,
    }

    std::thread_local! {
        static ME: core::cell::Cell<Me> = const { core::cell::Cell::new(Me { tid: 0, head: 0 }) };
    }

    /// The calling thread's [`Me`].
    #[inline]
    pub(crate) fn me() -> Me {
        let me = ME.with(core::cell::Cell::get);
        if me.tid != 0 { me } else { first_look() }
    }

    /// In the child of a `fork()`: the one thread left is a new thread with
    /// an id of its own, and glibc has given it an empty robust list, so
    /// what this thread cached belongs to its parent and must be looked up
    /// again. (Without this a forked child wrote its parent's id into lock
    /// words: the kernel then never released a lock the child died
    /// holding, and the parent took it for its own.)
    extern "C" fn forget_after_fork() {
        ME.with(|cell| cell.set(Me { tid: 0, head: 0 }));
    }

    #[cold]
    fn first_look() -> Me {
        static AT_FORK: std::sync::Once = std::sync::Once::new();
        AT_FORK.call_once(|| {
            // SAFETY: registers a child handler that only resets a
            // thread-local cell (no allocation, no lock).
            unsafe { libc::pthread_atfork(None, None, Some(forget_after_fork)) };
        });
        // SAFETY: gettid has no arguments and cannot fail.
        let tid = (unsafe { libc::syscall(libc::SYS_gettid) }) as u32;
        let head = kernel_head().filter(|_| supported()).unwrap_or(0);
        let me = Me { tid, head };
        ME.with(|cell| cell.set(me));
        me
    }

    /// The head the kernel has on record for the calling thread, checked
    /// for the size turnstile expects.
    fn kernel_head() -> Option<usize> {
        let mut head: *mut Head = core::ptr::null_mut();
        let mut len: libc::size_t = 0;
        // SAFETY: both out-pointers are valid locals; pid 0 asks about the
        // calling thread.
        let result = unsafe { libc::syscall(libc::SYS_get_robust_list, 0, &mut head, &mut len) };
        (result == 0 && !head.is_null() && len == core::mem::size_of::<Head>())
            .then_some(head as usize)
    }

    /// Whether this process's robust lists are glibc's, laid out as
    /// turnstile's nodes expect: checked once per process.
    pub(crate) fn supported() -> bool {
        static SUPPORTED: OnceLock<bool> = OnceLock::new();
        *SUPPORTED.get_or_init(|| {
            // SAFETY: the kernel's record of this thread's head, which glibc
            // keeps in the thread's descriptor for the thread's whole life.
            kernel_head().is_some_and(
                |head| unsafe { (*(head as *const Head)).futex_offset } == NEXT_TO_WORD,
            )
        })
    }

    fn next_field(node: &RobustNode) -> usize {
        &node.next as *const AtomicUsize as usize
    }

    impl Me {
        fn head(self) -> Option<&'static Head> {
            // SAFETY: a head from `kernel_head`, glibc's, alive as long as
            // the thread; `Me` is never sent to another thread.
            (self.head != 0).then(|| unsafe { &*(self.head as *const Head) })
        }

        /// Names the lock being taken or released: if the thread dies
        /// before [`clear_pending`](Self::clear_pending), the kernel looks
        /// at this lock too.
        #[inline]
        pub(crate) fn set_pending(self, _word: &SharedFutex, node: &RobustNode) {
            if let Some(head) = self.head() {
                head.list_op_pending
                    .store(next_field(node), Ordering::Relaxed);
                compiler_fence(Ordering::SeqCst);
            }
        }

        /// Ends what [`set_pending`](Self::set_pending) began.
        #[inline]
        pub(crate) fn clear_pending(self) {
            if let Some(head) = self.head() {
                compiler_fence(Ordering::SeqCst);
                head.list_op_pending.store(0, Ordering::Relaxed);
            }
        }

        /// Links a lock the calling thread has just taken at the front.
        #[inline]
        pub(crate) fn push(self, _word: &SharedFutex, node: &RobustNode) {
            let Some(head) = self.head() else { return };
            let head_field = &head.list as *const AtomicUsize as usize;
            let first = head.list.load(Ordering::Relaxed);
            // The first node's `prev` (or glibc's `robust_prev`, just
            // before the head, when the list is empty) now points at ours.
            // SAFETY: `first` is the `next` field of a live node of this
            // thread's list, or the head's `list` field; 8 bytes before
            // either is its `prev`, which only this thread writes.
            unsafe {
                (*(((first & !1) - 8) as *const AtomicUsize))
                    .store(next_field(node), Ordering::Relaxed)
            };
            node.next.store(first, Ordering::Relaxed);
            node.prev.store(head_field, Ordering::Relaxed);
            compiler_fence(Ordering::SeqCst);
            head.list.store(next_field(node), Ordering::Relaxed);
        }

        /// Unlinks a lock the calling thread is about to release.
        #[inline]
        pub(crate) fn remove(self, _word: &SharedFutex, node: &RobustNode) {
            if self.head == 0 {
                return;
            }
            let next = node.next.load(Ordering::Relaxed);
            let prev = node.prev.load(Ordering::Relaxed);
            // SAFETY: `next` and `prev` were set when this thread linked
            // the node and kept up to date by every link and unlink since,
            // all on this thread: they point at live `next` fields (or the
            // head).
            unsafe {
                (*(((next & !1) - 8) as *const AtomicUsize)).store(prev, Ordering::Relaxed);
                (*((prev & !1) as *const AtomicUsize)).store(next, Ordering::Relaxed);
            }
            compiler_fence(Ordering::SeqCst);
            node.prev.store(0, Ordering::Relaxed);
            node.next.store(0, Ordering::Relaxed);
        }
    }
}
