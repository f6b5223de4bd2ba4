//! The line of async tasks waiting for permits, in arrival order (asyncio's
//! `Semaphore._waiters` deque). The semaphore keeps it under its `sleep`
//! lock; a release hands permits to the tasks at its head
//! ([`TaskLine::hand_off`]), and each task leaves the line itself, on the
//! poll that finds it served or when it is dropped (cancelled). This file
//! knows nothing of the count: `hand_off` is given the way to take permits.

use core::task::Waker;
use std::collections::VecDeque;

/// The waiting tasks, oldest first.
pub(super) struct TaskLine {
    line: VecDeque<Place>,
    next_key: u64,
}

/// One task's place in line.
struct Place {
    /// The key its future keeps.
    key: u64,
    /// How many permits it waits for.
    wants: usize,
    /// Its waker; `None` once served (the hand-off took it to wake it).
    waker: Option<Waker>,
    /// Served: the permits it wants were taken from the count for it, and
    /// are its own once it leaves the line (or go back to the count if it
    /// is dropped first).
    served: bool,
}

/// Wakers of tasks just served, to be woken once the lock is let go.
#[must_use = "served tasks must be woken"]
pub(super) struct Served(Vec<Waker>);

impl Served {
    /// No task served.
    pub(super) const fn none() -> Self {
        Self(Vec::new())
    }

    pub(super) fn wake(self) {
        for waker in self.0 {
            waker.wake();
        }
    }
}

impl TaskLine {
    pub(super) const fn new() -> Self {
        Self {
            line: VecDeque::new(),
            next_key: 0,
        }
    }

    /// Whether some task in line has been served and not yet left: it will
    /// hand on what is free when it leaves.
    pub(super) fn has_served(&self) -> bool {
        self.line.iter().any(|place| place.served)
    }

    /// Puts a task wanting `wants` permits at the back of the line, with
    /// no waker yet (one served before it registers one is not woken: it
    /// is still running). Returns its key.
    pub(super) fn join(&mut self, wants: usize) -> u64 {
        let key = self.next_key;
        self.next_key = key.wrapping_add(1);
        self.line.push_back(Place {
            key,
            wants,
            waker: None,
            served: false,
        });
        key
    }

    /// Whether the task under `key` has been served.
    pub(super) fn is_served(&self, key: u64) -> bool {
        self.line
            .iter()
            .any(|place| place.key == key && place.served)
    }

    /// Keeps `waker` as the task's waker, unless the one there wakes the
    /// same task.
    pub(super) fn register(&mut self, key: u64, waker: &Waker) {
        if let Some(place) = self.line.iter_mut().find(|place| place.key == key) {
            match &mut place.waker {
                Some(registered) if registered.will_wake(waker) => {}
                slot => *slot = Some(waker.clone()),
            }
        }
    }

    /// Takes the task under `key` out of line. Returns whether it had been
    /// served.
    pub(super) fn leave(&mut self, key: u64) -> bool {
        match self.line.iter().position(|place| place.key == key) {
            Some(at) => self.line.remove(at).is_some_and(|place| place.served),
            None => false,
        }
    }

    /// Serves the tasks at the head of the line, oldest first, each as
    /// `take(wants)` takes its permits from the count, and stops at the
    /// first it cannot serve: a task that wants more than is free keeps
    /// the ones behind it waiting (strict arrival order, as tokio's
    /// semaphore). Tasks served already are passed over. Returns the
    /// wakers of those served now.
    pub(super) fn hand_off(&mut self, mut take: impl FnMut(usize) -> bool) -> Served {
        let mut served = Vec::new();
        for place in self.line.iter_mut().filter(|place| !place.served) {
            if !take(place.wants) {
                break;
            }
            place.served = true;
            served.extend(place.waker.take());
        }
        Served(served)
    }
}
