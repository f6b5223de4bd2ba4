//! What the process primitives share inside: the guard of a primitive's
//! own internal lock, and holder slots that say when the thread or process
//! inside a primitive has died.
//!
//! Every primitive keeps its few words of state behind one
//! [`RawProcessLock`]. A process killed while it holds that lock leaves it
//! `OwnerDied`: [`enter`] reports that to the primitive, which repairs its
//! words (each update is written so that a half-done one can be finished
//! or is harmless; see each file), counts the recovery, and goes on.
//!
//! A [`Slot`] names one party inside a primitive (a semaphore permit's
//! holder, a condition's waiter, a barrier's party) with a robust word of
//! its own: the party's thread holds the slot's `RawProcessLock` for as
//! long as it is inside. When it dies, the kernel releases that word as it
//! releases any robust lock, so "in use, but its lock is free" means "its
//! holder is dead", with no pid to check and no pid-reuse race.
//! Nobody sleeps on a slot's word: the others look at the slots when they
//! have waited a [`SLICE`] without news.

use core::marker::PhantomData;
use std::time::{Duration, Instant};

use super::super::facade::{AtomicU32, Ordering};
use super::super::shared_futex::SharedFutex;
use super::raw_lock::{Acquired, RawProcessLock};

/// A slot nobody uses.
pub(super) const FREE: u32 = 0;

/// How long a waiter sleeps before it looks for dead holders.
pub(super) const SLICE: Duration = Duration::from_millis(100);

/// The end of the next sleep: the deadline, or one slice from now if that
/// comes first.
pub(super) fn slice_end(deadline: Option<Instant>) -> Instant {
    let slice = Instant::now() + SLICE;
    deadline.map_or(slice, |deadline| deadline.min(slice))
}

/// Whether `deadline` has passed.
pub(super) fn passed(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

/// The internal lock, held; released on drop. Not `Send`: a robust lock is
/// released by the thread that took it.
pub(super) struct Entered<'a> {
    lock: &'a RawProcessLock,
    /// A process died holding the internal lock: the caller repairs.
    pub(super) repair: bool,
    _not_send: PhantomData<*const ()>,
}

/// Takes a primitive's internal lock. If a process died holding it, the
/// guard's `repair` is set, `recoveries` counts it, and the lock is marked
/// consistent: the caller must finish what the dead process left half-done
/// before it reads the state.
pub(super) fn enter<'a>(lock: &'a RawProcessLock, recoveries: &AtomicU32) -> Entered<'a> {
    let repair = lock.lock() == Acquired::OwnerDied;
    if repair {
        recoveries.fetch_add(1, Ordering::Relaxed);
        lock.mark_consistent();
    }
    Entered {
        lock,
        repair,
        _not_send: PhantomData,
    }
}

impl Drop for Entered<'_> {
    fn drop(&mut self) {
        // SAFETY: `enter` took it on this thread (the guard is not Send).
        unsafe { self.lock.unlock() };
    }
}

/// One party inside a primitive: its robust word, what it is doing, and
/// two numbers the primitive gives meaning to.
#[repr(C)]
pub(super) struct Slot {
    owner: RawProcessLock,
    /// [`FREE`], or the primitive's own states; a futex word, for
    /// primitives whose parties sleep on their own slot.
    pub(super) state: SharedFutex,
    /// The primitive's number (permits held, a ticket, a round).
    pub(super) value: AtomicU32,
    /// A second number (a semaphore's total being folded).
    pub(super) extra: AtomicU32,
    _pad: u32,
}

impl Slot {
    pub(super) fn new() -> Self {
        Self {
            owner: RawProcessLock::new(),
            state: SharedFutex::new(FREE),
            value: AtomicU32::new(0),
            extra: AtomicU32::new(0),
            _pad: 0,
        }
    }

    /// Whether the party in this slot has died. Call it holding the
    /// primitive's internal lock: claims and releases happen under it, so
    /// an in-use slot whose word is free can only be a dead party's.
    pub(super) fn is_dead(&self) -> bool {
        self.state.load(Ordering::Acquire) != FREE && !self.owner.is_locked()
    }
}

/// Claims a free slot for the calling thread, in `state` with `value`.
/// Call it holding the primitive's internal lock. `None` if all are used.
pub(super) fn claim(slots: &[Slot], state: u32, value: u32) -> Option<usize> {
    for (index, slot) in slots.iter().enumerate() {
        if slot.state.load(Ordering::Relaxed) != FREE {
            continue;
        }
        // A free slot's word is free, or marked by a dead party whose slot
        // was cleared since: take it either way.
        let Some(acquired) = slot.owner.try_lock() else {
            continue;
        };
        if acquired == Acquired::OwnerDied {
            slot.owner.mark_consistent();
        }
        slot.value.store(value, Ordering::Relaxed);
        // The publish: the slot counts from here.
        slot.state.store(state, Ordering::Release);
        return Some(index);
    }
    None
}

/// Gives a slot back: free first, then its word, so that under the
/// internal lock no live slot ever looks dead.
///
/// # Safety
///
/// The calling thread claimed this slot and has not given it back.
pub(super) unsafe fn release(slot: &Slot) {
    slot.state.store(FREE, Ordering::Release);
    // SAFETY: the caller's promise: this thread holds the slot's word.
    unsafe { slot.owner.unlock() };
}

/// Clears a dead party's slot (its word the kernel has released already).
pub(super) fn clear_dead(slot: &Slot) {
    slot.state.store(FREE, Ordering::Release);
}

/// A fresh table of `N` free slots.
pub(super) fn table<const N: usize>() -> [Slot; N] {
    core::array::from_fn(|_| Slot::new())
}
