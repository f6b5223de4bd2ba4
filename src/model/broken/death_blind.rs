//! A process lock that does not look for the kernel's "owner died" mark.

use super::super::facade::Ordering;
use super::super::shared_futex::{FUTEX_TID_MASK, FUTEX_WAITERS, RobustNode, SharedFutex, robust};

/// Broken twin of [`RawProcessLock`](crate::model::process::RawProcessLock):
/// the same word (the owner's thread id, the waiters bit), the same robust
/// list, so the kernel ([`die`](crate::model::process::die)) still marks a
/// dead owner's word `FUTEX_OWNER_DIED` and wakes a sleeper. But a taker
/// only takes a word that is exactly 0: the woken sleeper finds the dead
/// mark, counts the lock as held, and sleeps again, forever. That is
/// Python's `multiprocessing.Lock` after its holder is killed, and what a
/// robust lock is for. loom reports a deadlock, which ends the process, so
/// the test runs the model in a child process.
pub struct DeathBlindLock {
    word: SharedFutex,
    node: RobustNode,
}

impl DeathBlindLock {
    /// A new, unlocked lock.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            word: SharedFutex::new(0),
            node: RobustNode::new(),
        }
    }

    /// Takes the lock, sleeping while it is held.
    pub fn lock(&self) {
        let me = robust::me();
        let tid = me.tid;
        me.set_pending(&self.word, &self.node);
        let mut value = 0;
        let mut slept = 0;
        // BUG: the real lock takes any word whose owner bits are 0 (a dead
        // owner's word is FUTEX_OWNER_DIED, owner 0). This one waits for 0.
        while let Err(now) =
            self.word
                .compare_exchange(value, tid | slept, Ordering::Acquire, Ordering::Relaxed)
        {
            if now & FUTEX_WAITERS == 0
                && self
                    .word
                    .compare_exchange(
                        now,
                        now | FUTEX_WAITERS,
                        Ordering::Relaxed,
                        Ordering::Relaxed,
                    )
                    .is_err()
            {
                continue;
            }
            self.word.wait_while_equal(now | FUTEX_WAITERS, None);
            slept = FUTEX_WAITERS;
            value = 0;
        }
        me.push(&self.word, &self.node);
        me.clear_pending();
    }

    /// Releases the lock, waking a sleeper if the waiters bit says so.
    ///
    /// # Safety
    ///
    /// The calling thread holds the lock.
    pub unsafe fn unlock(&self) {
        let me = robust::me();
        me.set_pending(&self.word, &self.node);
        me.remove(&self.word, &self.node);
        if self.word.swap(0, Ordering::Release) & FUTEX_WAITERS != 0 {
            self.word.wake_one();
        }
        me.clear_pending();
    }

    /// Whether the word names an owner.
    pub fn is_locked(&self) -> bool {
        self.word.load(Ordering::Relaxed) & FUTEX_TID_MASK != 0
    }
}
