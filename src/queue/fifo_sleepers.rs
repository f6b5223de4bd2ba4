//! The FIFO's sleeping threads: [`Sleepers`], a count of the threads that
//! may be asleep until the other end of the queue changes, and the futex
//! they sleep on. The two-lock engine (`fifo.rs`) keeps one for getters,
//! one for putters and one for joiners, and says when each is counted in
//! and woken; the chain of slots it waits on is in `fifo_slots.rs`. The
//! async tasks in `join` wait beside the joining threads, in
//! [`JoiningTasks`].

use core::task::Waker;
use std::time::Instant;

use super::super::facade::{AtomicBool, AtomicU32, AtomicUsize, Futex, Ordering, Wait};
use super::super::mutex::Mutex;
use super::super::wakers::Wakers;

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

/// The async tasks in `join`: their wakers, behind a lock of their own
/// (`task_done` takes no end's lock), and a flag saying whether any is
/// registered, which `task_done` reads without the lock. The flag is the
/// joiners' side of the Dekker pattern in `wake_joiners` (`fifo.rs`): a
/// task sets it, then (after a fence) looks at the count of unfinished
/// tasks; `task_done` changes that count, then (after a fence) reads the
/// flag. One of the two sees the other.
pub(super) struct JoiningTasks {
    /// Whether `wakers` holds any waker. Written under its lock.
    any: AtomicBool,
    wakers: Mutex<Wakers>,
}

impl JoiningTasks {
    pub(super) fn new() -> Self {
        Self {
            any: AtomicBool::new(false),
            wakers: Mutex::untracked(Wakers::new()),
        }
    }

    /// Registers `waker` under `key` (making one if `None`). The caller
    /// then fences and looks at the count again.
    pub(super) fn register(&self, key: &mut Option<u64>, waker: &Waker) {
        let mut wakers = self.wakers.lock();
        let registered = *key.get_or_insert_with(|| wakers.new_key());
        wakers.register(registered, waker);
        // Relaxed: the fence after it orders it (see the type's docs).
        self.any.store(true, Ordering::Relaxed);
    }

    /// The task's join is over (done, or dropped): takes its waker out,
    /// if still there.
    pub(super) fn forget(&self, key: &mut Option<u64>) {
        if let Some(key) = key.take() {
            let mut wakers = self.wakers.lock();
            wakers.remove(key);
            self.any.store(!wakers.is_empty(), Ordering::Relaxed);
        }
    }

    /// After the fence that follows the last task's `task_done`: wakes
    /// every registered task. Relaxed: the fence orders the load.
    pub(super) fn wake_all(&self) {
        if !self.any.load(Ordering::Relaxed) {
            return;
        }
        let woken = {
            let mut wakers = self.wakers.lock();
            self.any.store(false, Ordering::Relaxed);
            wakers.take_all()
        };
        woken.wake();
    }
}
