//! The event loop's "I am asleep" flag: how a waker on another thread
//! knows whether it must ring the loop's doorbell (write its eventfd, a
//! system call) or may simply leave the task in the ready queue for a loop
//! that is awake and will see it.
//!
//! Two sides, each writing one thing and then reading the other's:
//!
//! ```text
//!   the loop, with nothing to do           a waker, on any thread
//!   ─────────────────────────────          ──────────────────────
//!   sleeping = true                        ready.put(task)
//!   fence(SeqCst)                          fence(SeqCst)
//!   if ready is empty: sleep (epoll)       if sleeping: ring (eventfd)
//!   sleeping = false
//! ```
//!
//! A lost wake-up would be the loop asleep beside a ready task, with no
//! ring: the loop read "empty" *and* the waker read "not sleeping". That
//! is Dekker's pattern, and without the fences both stale reads are
//! allowed (each side's write may still sit in its core's store buffer
//! when the other side reads). The two SeqCst fences fall in one total
//! order; whichever comes second sees the write made before the first: if
//! the loop's comes second it sees the task and does not sleep, if the
//! waker's comes second it sees the flag and rings. A ring the loop did
//! not need (it found the task after all) leaves the eventfd readable, so
//! the next sleep returns at once: one spurious turn, never a hang.
//!
//! The model `loop_sleep_flag_loses_no_wake_up` checks this file under
//! loom with the real ready queue; the twin `UnfencedSleepFlag` (the same
//! without the fences) loses the wake-up there. Compiled in the model copy
//! for that reason, though only the event loop uses it.

use super::facade::{AtomicBool, Ordering, fence};

/// Whether the loop is (about to be) asleep in its selector. (Public in
/// the model copy only, for `tests/model_sleep_flag.rs`; the crate keeps
/// the module private.)
pub struct SleepFlag {
    /// `true` from just before the loop's last look at its ready queue
    /// until it wakes; `false` while it runs tasks, and after the first
    /// waker that saw it `true` has rung (the loop is waking then anyway).
    sleeping: AtomicBool,
}

impl SleepFlag {
    /// A flag for a loop that is awake.
    #[allow(clippy::new_without_default)] // a private type in the normal build
    pub fn new() -> Self {
        Self {
            sleeping: AtomicBool::new(false),
        }
    }

    /// The loop's side: says it is going to sleep, then calls `sleep`
    /// unless `anything_ready` (its last look at the ready queue) says
    /// there is work. `None` when it did not sleep.
    pub fn sleep_unless<T>(
        &self,
        anything_ready: impl FnOnce() -> bool,
        sleep: impl FnOnce() -> T,
    ) -> Option<T> {
        // Relaxed: the fence below orders it before the look.
        self.sleeping.store(true, Ordering::Relaxed);
        // The loop's half of Dekker's pattern: pairs with the fence in
        // `must_ring` (see the module docs).
        fence(Ordering::SeqCst);
        let slept = (!anything_ready()).then(sleep);
        // Relaxed: a waker that still reads `true` rings once more than
        // needed, which costs a spurious turn, nothing else.
        self.sleeping.store(false, Ordering::Relaxed);
        slept
    }

    /// The waker's side, after it has put its task in the ready queue:
    /// whether it must ring the loop awake. Only the first waker to see
    /// the loop asleep rings; later ones find the flag cleared.
    pub fn must_ring(&self) -> bool {
        // The waker's half of Dekker's pattern: pairs with the fence in
        // `sleep_unless`, so the put before it and this load cannot both
        // be missed by the loop's look and missed here.
        fence(Ordering::SeqCst);
        // Relaxed: the fence orders the load; the swap only decides who
        // rings among wakers that all saw `true`.
        self.sleeping.load(Ordering::Relaxed) && self.sleeping.swap(false, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::super::facade::run_test;
    use super::*;

    #[test]
    fn only_the_first_waker_of_a_sleeping_loop_rings() {
        run_test(|| {
            let flag = SleepFlag::new();
            assert!(!flag.must_ring(), "an awake loop needs no ring");
            let rings = flag.sleep_unless(|| false, || (flag.must_ring(), flag.must_ring()));
            assert_eq!(rings, Some((true, false)));
            assert!(!flag.must_ring(), "awake again once the sleep is over");
        });
    }

    #[test]
    fn the_loop_does_not_sleep_beside_ready_work() {
        run_test(|| {
            let flag = SleepFlag::new();
            assert_eq!(flag.sleep_unless(|| true, || unreachable!()), None::<()>);
            // It announced itself during the look: a waker then would ring.
            let rang = flag.sleep_unless(|| flag.must_ring(), || ());
            assert_eq!(rang, None);
        });
    }
}
