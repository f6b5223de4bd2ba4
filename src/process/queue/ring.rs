//! The queue's shared state: one `#[repr(C)]` [`State`] followed, in the
//! same region, by a ring of bytes that holds the items.
//!
//! Each item in the ring is a little-endian `u32` length and then that
//! many bytes of postcard; both may wrap from the ring's end to its start.
//! Positions are byte counters that only grow (`read_pos`, `write_pos`,
//! taken modulo the ring's length to find a byte), so `write_pos -
//! read_pos` is the bytes in use and a full ring is not confused with an
//! empty one.
//!
//! # How a dead holder leaves the ring
//!
//! Everything here is read and written with the queue's lock held. An
//! operation changes the ring in an order that a holder killed at any
//! instruction leaves readable:
//!
//! - a put copies its bytes into *free* space first (no reader looks
//!   there), then stores `write_pos` (the item now exists), then `puts`;
//! - a get copies its item *out* first (the ring is unchanged), then
//!   stores `read_pos` (the item is now taken), then `gets`.
//!
//! `write_pos` and `read_pos` are the commit points: one store each. The
//! counters after them can lag by one if the holder died just between,
//! and [`State::repair`] puts them right by walking the items between the
//! two positions: the lengths there were all written before their
//! `write_pos` store, so the walk always finds whole items.

use super::super::super::facade::{AtomicU32, AtomicU64, Ordering};
use super::super::super::shared_futex::SharedFutex;
use super::super::raw_lock::RawProcessLock;
use super::super::shm::Plain;

/// Bytes of the length in front of every item.
pub(super) const LEN_BYTES: u64 = 4;

/// One condition that threads can sleep on: a sequence number bumped (with
/// the lock held) each time the condition may have changed for a sleeper,
/// and how many may sleep on it, so that the common case (nobody sleeps)
/// makes no system call.
#[repr(C)]
pub(super) struct Signal {
    pub(super) seq: SharedFutex,
    /// Raised under the lock before a sleep, lowered after it. A sleeper
    /// killed asleep leaves it one too high: later changes then make a
    /// wake call that wakes nobody, which costs time, not correctness.
    pub(super) sleepers: AtomicU32,
}

impl Signal {
    const fn new() -> Self {
        Self {
            seq: SharedFutex::new(0),
            sleepers: AtomicU32::new(0),
        }
    }

    /// Tells sleepers, if any, that the condition may have changed: one of
    /// them (`all == false`) or all. Called with the lock held and before
    /// the change is published, so a holder that dies between the two
    /// has still woken the sleeper, who then finds the lock released by
    /// the kernel instead of sleeping on.
    pub(super) fn announce(&self, all: bool) {
        if self.sleepers.load(Ordering::Relaxed) == 0 {
            return;
        }
        self.seq.fetch_add(1, Ordering::Relaxed);
        if all {
            self.seq.wake_all();
        } else {
            self.seq.wake_one();
        }
    }

    /// Wakes every sleeper whether or not one is counted: after a dead
    /// holder, whose announcements may be half made.
    pub(super) fn wake_everyone(&self) {
        self.seq.fetch_add(1, Ordering::Relaxed);
        self.seq.wake_all();
    }
}

/// The queue's state at the start of its region. Numbers are atomics only
/// so that `&State` can be shared; every access but the sleepers' futex
/// waits happens with `lock` held, so `Relaxed` suffices (the lock orders
/// one holder after the next).
#[repr(C)]
pub(super) struct State {
    pub(super) lock: RawProcessLock,
    /// The ring's length in bytes; fixed at creation.
    pub(super) ring_len: u64,
    /// Most items the queue holds; 0: as many as the ring's bytes hold.
    pub(super) maxsize: u64,
    pub(super) read_pos: AtomicU64,
    pub(super) write_pos: AtomicU64,
    /// Items ever put, taken, and marked done (`task_done`): the queue
    /// holds `puts - gets` items and `puts - done` tasks are unfinished.
    pub(super) puts: AtomicU64,
    pub(super) gets: AtomicU64,
    pub(super) done: AtomicU64,
    /// 1 once `close` was called.
    pub(super) closed: AtomicU32,
    /// Holders found dead and recovered from.
    pub(super) dead_holders: AtomicU64,
    /// Items dropped by [`repair`](Self::repair) because the ring could not
    /// be read (memory overwritten from outside the queue); 0 otherwise.
    pub(super) discarded: AtomicU64,
    pub(super) not_empty: Signal,
    pub(super) not_full: Signal,
    pub(super) all_done: Signal,
}

// SAFETY: a process lock, integers and futex words: nothing per-process,
// no Drop.
unsafe impl Plain for State {}
// SAFETY: every field is an atomic or the process lock (itself shared
// state); the ring beside it is reached only with the lock held.
unsafe impl Sync for State {}

impl State {
    pub(super) fn new(maxsize: u64, ring_len: u64) -> Self {
        Self {
            lock: RawProcessLock::new(),
            ring_len,
            maxsize,
            read_pos: AtomicU64::new(0),
            write_pos: AtomicU64::new(0),
            puts: AtomicU64::new(0),
            gets: AtomicU64::new(0),
            done: AtomicU64::new(0),
            closed: AtomicU32::new(0),
            dead_holders: AtomicU64::new(0),
            discarded: AtomicU64::new(0),
            not_empty: Signal::new(),
            not_full: Signal::new(),
            all_done: Signal::new(),
        }
    }

    pub(super) fn len(&self) -> u64 {
        self.puts
            .load(Ordering::Relaxed)
            .wrapping_sub(self.gets.load(Ordering::Relaxed))
    }

    pub(super) fn used_bytes(&self) -> u64 {
        self.write_pos
            .load(Ordering::Relaxed)
            .wrapping_sub(self.read_pos.load(Ordering::Relaxed))
    }

    pub(super) fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Relaxed) != 0
    }

    /// Whether an item of `bytes` (length included) fits now.
    pub(super) fn has_room(&self, bytes: u64) -> bool {
        let items_ok = self.maxsize == 0 || self.len() < self.maxsize;
        items_ok && self.ring_len - self.used_bytes() >= bytes
    }

    /// Puts the counters right after a holder died, from what the ring
    /// holds (see the module docs). Called with the lock held.
    pub(super) fn repair(&self, ring: &Ring) {
        let read = self.read_pos.load(Ordering::Relaxed);
        let write = self.write_pos.load(Ordering::Relaxed);
        let Some(items) = ring.count_items(read, write) else {
            // Unreadable lengths: not a state any holder's death leaves
            // (lengths are written before the position that shows them).
            // Empty the ring rather than hand out garbage, and count what
            // went.
            self.discarded.fetch_add(self.len(), Ordering::Relaxed);
            self.read_pos.store(write, Ordering::Relaxed);
            self.gets
                .store(self.puts.load(Ordering::Relaxed), Ordering::Relaxed);
            return;
        };
        let puts = self.puts.load(Ordering::Relaxed);
        let gets = self.gets.load(Ordering::Relaxed);
        let counted = puts.wrapping_sub(gets);
        if counted < items {
            // A putter died after storing write_pos, before puts.
            self.puts.store(gets + items, Ordering::Relaxed);
        } else if counted > items {
            // A getter died after storing read_pos, before gets.
            self.gets.store(puts - items, Ordering::Relaxed);
        }
    }
}

/// The ring's bytes in this process's mapping.
pub(super) struct Ring {
    base: *mut u8,
    len: u64,
}

impl Ring {
    /// # Safety
    ///
    /// `base..base+len` is mapped for as long as the `Ring` is used, and
    /// the caller touches it only with the queue's lock held.
    pub(super) unsafe fn new(base: *mut u8, len: u64) -> Self {
        Self { base, len }
    }

    /// Copies `bytes` into the ring starting at position `pos`, wrapping.
    /// The caller checked there is room.
    pub(super) fn write(&self, pos: u64, bytes: &[u8]) {
        let start = (pos % self.len) as usize;
        let first = bytes.len().min(self.len as usize - start);
        // SAFETY: `start + first <= len` and the rest (`bytes.len() -
        // first <= len`, since an item never exceeds the ring) goes at the
        // ring's start; both are in the mapping (`new`'s contract), and
        // the source is a distinct local buffer.
        unsafe {
            core::ptr::copy_nonoverlapping(bytes.as_ptr(), self.base.add(start), first);
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr().add(first),
                self.base,
                bytes.len() - first,
            );
        }
    }

    /// Copies `out.len()` bytes out of the ring from position `pos`.
    pub(super) fn read(&self, pos: u64, out: &mut [u8]) {
        let start = (pos % self.len) as usize;
        let first = out.len().min(self.len as usize - start);
        // SAFETY: as in `write`, the other way.
        unsafe {
            core::ptr::copy_nonoverlapping(self.base.add(start), out.as_mut_ptr(), first);
            core::ptr::copy_nonoverlapping(
                self.base,
                out.as_mut_ptr().add(first),
                out.len() - first,
            );
        }
    }

    /// The length in front of the item at `pos`.
    pub(super) fn read_len(&self, pos: u64) -> u64 {
        let mut len = [0; LEN_BYTES as usize];
        self.read(pos, &mut len);
        u64::from(u32::from_le_bytes(len))
    }

    /// How many whole items lie between `read` and `write`, or `None` if a
    /// length points past `write`.
    fn count_items(&self, read: u64, write: u64) -> Option<u64> {
        let used = write.checked_sub(read)?;
        if used > self.len {
            return None;
        }
        let (mut pos, mut items) = (read, 0);
        while pos != write {
            if write - pos < LEN_BYTES {
                return None;
            }
            let next = pos + LEN_BYTES + self.read_len(pos);
            if next > write {
                return None;
            }
            pos = next;
            items += 1;
        }
        Some(items)
    }
}
