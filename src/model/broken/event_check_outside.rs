//! An event whose waiter looks at the flag, then takes the lock and sleeps.

use super::super::condvar::Condvar;
use super::super::facade::{AtomicBool, Ordering};
use super::super::mutex::Mutex;

/// Broken twin of [`Event`](crate::model::Event): `set` is the real one, but
/// `wait` checks the flag *outside* the lock and then sleeps without checking
/// again. A `set` that lands between the look and the sleep notifies nobody
/// (the waiter is not yet waiting), and the waiter then sleeps forever: the
/// lost wake-up, in a new costume. loom reports a deadlock.
pub struct CheckOutsideEvent {
    flag: AtomicBool,
    lock: Mutex<()>,
    changed: Condvar,
}

impl CheckOutsideEvent {
    /// A new event, not set.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            flag: AtomicBool::new(false),
            lock: Mutex::new(()),
            changed: Condvar::new(),
        }
    }

    /// Sets the flag and wakes the waiters (as the real event does).
    pub fn set(&self) {
        let _held = self.lock.lock();
        self.flag.store(true, Ordering::Release);
        self.changed.notify_all();
    }

    /// Waits for the flag.
    pub fn wait(&self) {
        // BUG: the look happens without the lock, and nothing looks again
        // once the lock is held.
        if !self.flag.load(Ordering::Acquire) {
            let mut held = self.lock.lock();
            self.changed.wait(&mut held);
        }
    }
}
