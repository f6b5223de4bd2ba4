//! The process-shared futex and the robust list, under loom: the twin of
//! `src/shared_futex.rs`, name for name.
//!
//! loom runs threads, not processes, and a dying process is, to a lock,
//! its threads dying: so a model's "process" is a loom thread, a sleep on
//! a [`SharedFutex`] is a sleep on the model's [`Futex`], and the kernel's
//! walk of a dead thread's robust list is [`die`], which a model thread
//! calls instead of returning normally. It does what
//! `handle_futex_death` in the kernel's `futex/core.c` does, on the locks
//! this thread linked (and the one it named pending): for each word that
//! still names this thread, keep the waiters bit, set `FUTEX_OWNER_DIED`,
//! clear the owner, and wake one waiter if the bit was set; for a pending
//! lock whose word is already 0 (the thread died between releasing and
//! waking), wake one.

use core::ops::Deref;
use std::time::Instant;

use super::facade::{AtomicU32, Futex, Ordering, Wait, current_thread_id};

/// See the normal facade.
pub(crate) const FUTEX_WAITERS: u32 = 0x8000_0000;
/// See the normal facade.
pub(crate) const FUTEX_OWNER_DIED: u32 = 0x4000_0000;
/// See the normal facade.
pub(crate) const FUTEX_TID_MASK: u32 = 0x3fff_ffff;

/// A word threads sleep on; see the normal facade.
pub(crate) struct SharedFutex(Futex<AtomicU32>);

impl Deref for SharedFutex {
    type Target = AtomicU32;

    #[inline]
    fn deref(&self) -> &AtomicU32 {
        &self.0
    }
}

impl SharedFutex {
    pub(crate) fn new(value: u32) -> Self {
        Self(Futex::new(AtomicU32::new(value)))
    }

    #[track_caller]
    pub(crate) fn wait_while_equal(&self, expected: u32, deadline: Option<Instant>) -> Wait {
        self.0
            .wait(|word| word.load(Ordering::SeqCst) == expected, deadline)
    }

    #[track_caller]
    pub(crate) fn wake_one(&self) -> bool {
        self.0.wake_one()
    }

    // Name for name with the normal facade, whose `wake_all` the process
    // primitives use; the model copy compiles only the lock, which does not.
    #[allow(dead_code)]
    #[track_caller]
    pub(crate) fn wake_all(&self) -> usize {
        self.0.wake_all()
    }
}

/// The robust-list link; under loom the list is a per-thread vector of
/// words, so the node itself holds nothing.
pub(crate) struct RobustNode;

impl RobustNode {
    pub(crate) fn new() -> Self {
        Self
    }
}

/// The calling model thread's robust list; see the normal facade.
pub(crate) mod robust {
    use super::{RobustNode, SharedFutex};
    use std::cell::RefCell;

    /// The words a thread holds (its list) and the one it names pending,
    /// as addresses: plain bookkeeping, like the kernel's own list walk,
    /// which loom need not explore.
    #[derive(Default)]
    pub(super) struct List {
        pub(super) held: Vec<usize>,
        pub(super) pending: Option<usize>,
    }

    loom::thread_local! {
        pub(super) static LIST: RefCell<List> = RefCell::new(List::default());
    }

    fn address(word: &SharedFutex) -> usize {
        word as *const SharedFutex as usize
    }

    /// The calling thread as a robust lock sees it; see the normal facade.
    #[derive(Clone, Copy)]
    pub(crate) struct Me {
        pub(crate) tid: u32,
    }

    pub(crate) fn me() -> Me {
        Me {
            tid: super::current_thread_id() as u32 & super::FUTEX_TID_MASK,
        }
    }

    pub(crate) fn supported() -> bool {
        true
    }

    impl Me {
        pub(crate) fn set_pending(self, word: &SharedFutex, _node: &RobustNode) {
            LIST.with(|list| list.borrow_mut().pending = Some(address(word)));
        }

        pub(crate) fn clear_pending(self) {
            LIST.with(|list| list.borrow_mut().pending = None);
        }

        pub(crate) fn push(self, word: &SharedFutex, _node: &RobustNode) {
            LIST.with(|list| list.borrow_mut().held.push(address(word)));
        }

        pub(crate) fn remove(self, word: &SharedFutex, _node: &RobustNode) {
            LIST.with(|list| {
                let held = &mut list.borrow_mut().held;
                if let Some(at) = held.iter().rposition(|&held| held == address(word)) {
                    held.remove(at);
                }
            });
        }
    }
}

/// Ends the calling model thread as a killed process ends it: the kernel
/// walks its robust list (see the module docs). Call it where the thread
/// would be killed, after `std::mem::forget`ting any guard it holds, and
/// return from the thread right after.
///
/// # Safety
///
/// Every lock word the thread linked must still be alive: the walk reads
/// them, as the kernel reads the dead thread's memory.
#[track_caller]
pub unsafe fn die() {
    let tid = robust::me().tid;
    let (held, pending) = robust::LIST.with(|list| {
        let mut list = list.borrow_mut();
        (core::mem::take(&mut list.held), list.pending.take())
    });
    let pending_only = pending.filter(|word| !held.contains(word));
    for (address, is_pending) in held
        .into_iter()
        .map(|w| (w, false))
        .chain(pending_only.map(|w| (w, true)))
    {
        // SAFETY: the caller promises every linked word is still alive.
        let word = unsafe { &*(address as *const SharedFutex) };
        let mut value = word.load(Ordering::SeqCst);
        loop {
            if is_pending && value == 0 {
                word.wake_one();
                break;
            }
            if value & FUTEX_TID_MASK != tid {
                break;
            }
            let dead = (value & FUTEX_WAITERS) | FUTEX_OWNER_DIED;
            match word.compare_exchange(value, dead, Ordering::SeqCst, Ordering::SeqCst) {
                Ok(_) => {
                    if value & FUTEX_WAITERS != 0 {
                        word.wake_one();
                    }
                    break;
                }
                Err(now) => value = now,
            }
        }
    }
}
