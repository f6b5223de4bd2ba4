//! The async tasks waiting on a primitive: their wakers, each under a key
//! the waiting future keeps, so a poll can replace its own waker and a
//! dropped (cancelled) wait can remove it. The owner keeps the list under
//! its lock, takes it whole when it wakes, and wakes the wakers after
//! unlocking ([`Woken::wake`]). `Event` and the queues use it
//! (a queue wakes one task per change, [`take_one`](Wakers::take_one)).

use core::task::Waker;

pub(crate) struct Wakers {
    list: Vec<(u64, Waker)>,
    next_key: u64,
}

impl Wakers {
    pub(crate) const fn new() -> Self {
        Self {
            list: Vec::new(),
            next_key: 0,
        }
    }

    /// A key no other waiter of this list has.
    pub(crate) fn new_key(&mut self) -> u64 {
        let key = self.next_key;
        self.next_key = key.wrapping_add(1);
        key
    }

    /// Registers `waker` under `key`, replacing the one there unless it
    /// would wake the same task.
    pub(crate) fn register(&mut self, key: u64, waker: &Waker) {
        match self.list.iter_mut().find(|(other, _)| *other == key) {
            Some((_, registered)) => {
                if !registered.will_wake(waker) {
                    registered.clone_from(waker);
                }
            }
            None => self.list.push((key, waker.clone())),
        }
    }

    /// Removes the waker under `key`. Returns whether it was still there:
    /// `false` means a wake took it (or it was never registered).
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        let before = self.list.len();
        self.list.retain(|(other, _)| *other != key);
        self.list.len() != before
    }

    /// A pending task was dropped (cancelled): removes its waker. If a wake
    /// had taken it already, the wake was spent on a task that will not use
    /// it, so this takes the next waker, to be woken in its place once the
    /// lock is let go. For owners that wake one task per change (a spare
    /// wake costs a poll, no more).
    pub(crate) fn cancel(&mut self, key: u64) -> Option<Waker> {
        if self.remove(key) {
            None
        } else {
            self.take_one()
        }
    }

    /// Whether no task waits.
    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Takes the longest-registered waker, to be woken once the lock is let
    /// go.
    pub(crate) fn take_one(&mut self) -> Option<Waker> {
        if self.list.is_empty() {
            return None;
        }
        Some(self.list.remove(0).1)
    }

    /// Takes every waker, to be woken once the lock is let go.
    pub(crate) fn take_all(&mut self) -> Woken {
        Woken(core::mem::take(&mut self.list))
    }
}

/// Wakers taken from a [`Wakers`] list, not yet woken.
#[must_use = "taken wakers must be woken"]
pub(crate) struct Woken(Vec<(u64, Waker)>);

impl Woken {
    pub(crate) fn wake(self) {
        for (_, waker) in self.0 {
            waker.wake();
        }
    }
}
