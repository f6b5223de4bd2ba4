//! A barrier that forgets its generation: it reads "released" off the count.

use super::super::condvar::Condvar;
use super::super::mutex::Mutex;

/// Broken twin of [`Barrier`](crate::model::Barrier): the last arrival resets
/// the count to 0 and wakes the others, who wait "until the count is 0". But
/// a fast thread can come round and arrive for the next round before a slow
/// one wakes; the slow one then sees a count of 1, takes it for its own round
/// still filling, and sleeps forever. The real barrier keeps the round's
/// outcome (its Draining phase) until every released thread has left.
pub struct CountOnlyBarrier {
    parties: usize,
    arrived: Mutex<usize>,
    changed: Condvar,
}

impl CountOnlyBarrier {
    /// A barrier for `parties` threads (at least 1).
    pub fn new(parties: usize) -> Self {
        Self {
            parties,
            arrived: Mutex::new(0),
            changed: Condvar::new(),
        }
    }

    /// Waits for all parties; returns whether this thread was the last.
    pub fn wait(&self) -> bool {
        let mut arrived = self.arrived.lock();
        *arrived += 1;
        if *arrived == self.parties {
            *arrived = 0;
            self.changed.notify_all();
            return true;
        }
        // BUG: no generation: "my round was released" is guessed from the
        // count, which the next round may already have raised again.
        self.changed
            .wait_while(&mut arrived, |arrived| **arrived != 0);
        false
    }
}
