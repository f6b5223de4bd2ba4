//! The FIFO's sleeping threads: [`Sleepers`], a count of the threads that
//! may be asleep until the other end of the queue changes, and the futex
//! they sleep on. The two-lock engine (`fifo.rs`) keeps one for getters,
//! one for putters and one for joiners, and says when each is counted in
//! and woken; the chain of slots it waits on is in `fifo_slots.rs`.

use std::time::Instant;

use super::super::facade::{AtomicU32, AtomicUsize, Futex, Ordering, Wait};

/// Threads asleep, or about to sleep, until the other end of the queue
/// changes. A thread counts itself in with the other end's lock held; that
/// end reads the count with its lock held after each change, and wakes one
/// sleeper if it is not zero (see `wait_for_item` in `fifo.rs` for why
/// nobody is missed).
///
/// `count` is "may be asleep and not yet woken": a waker that wakes a
/// thread takes it off the count, and a thread that returns without being
/// woken takes itself off.
pub(super) struct Sleepers {
    count: AtomicUsize,
    bell: Futex<AtomicU32>,
}

impl Sleepers {
    pub(super) fn new() -> Self {
        Self {
            count: AtomicUsize::new(0),
            bell: Futex::new(AtomicU32::new(0)),
        }
    }

    /// With the other end's lock held (joiners: before a fence): counts this
    /// thread in.
    pub(super) fn count_in(&self) {
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    /// With the lock released: sleeps until woken (or `deadline`) if
    /// `still` holds when the futex looks. Returns whether it timed out.
    pub(super) fn sleep(&self, still: impl Fn() -> bool, deadline: Option<Instant>) -> bool {
        let outcome = self.bell.wait(|_| still(), deadline);
        if outcome != Wait::Woken {
            // Not woken, so no waker took us off the count.
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
        outcome == Wait::TimedOut
    }

    /// With this end's lock held: whether anyone may be asleep. Relaxed:
    /// the lock orders it against `count_in` (for joiners, the fences do).
    #[inline]
    pub(super) fn any(&self) -> bool {
        self.count.load(Ordering::Relaxed) != 0
    }

    /// Wakes one sleeper, if one is asleep.
    #[cold]
    #[inline(never)]
    pub(super) fn wake_one(&self) {
        if self.bell.wake_one() {
            self.count.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Wakes every sleeper.
    pub(super) fn wake_all(&self) {
        let woken = self.bell.wake_all();
        self.count.fetch_sub(woken, Ordering::Relaxed);
    }
}
