//! The event loop's sleep flag without its two fences.

use super::super::facade::{AtomicBool, Ordering};

/// Broken twin of the event loop's `SleepFlag` (`src/sleep_flag.rs`): the
/// same steps, but no SeqCst fence between each side's write and its read.
/// Then the loop's look at the ready queue may miss the waker's task *and*
/// the waker's look at the flag may miss the loop's "asleep": both reads
/// see the old values (Dekker's pattern, store buffering), the loop
/// sleeps, and nobody rings. loom reports a deadlock.
pub struct UnfencedSleepFlag {
    sleeping: AtomicBool,
}

impl UnfencedSleepFlag {
    /// A flag for a loop that is awake.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            sleeping: AtomicBool::new(false),
        }
    }

    /// The loop's side, as the real one but for the fence.
    pub fn sleep_unless<T>(
        &self,
        anything_ready: impl FnOnce() -> bool,
        sleep: impl FnOnce() -> T,
    ) -> Option<T> {
        // BUG: no fence(SeqCst) after this store, so the look below may be
        // made before the store is visible to the waker.
        self.sleeping.store(true, Ordering::Release);
        let slept = (!anything_ready()).then(sleep);
        self.sleeping.store(false, Ordering::Relaxed);
        slept
    }

    /// The waker's side, as the real one but for the fence.
    pub fn must_ring(&self) -> bool {
        // BUG: no fence(SeqCst) before this load (the waker's put may not
        // be visible to the loop yet when this reads the flag).
        self.sleeping.load(Ordering::Acquire) && self.sleeping.swap(false, Ordering::Relaxed)
    }
}
