//! The async tasks waiting on a primitive: their wakers, each under a key
//! the waiting future keeps, so a poll can replace its own waker and a
//! dropped (cancelled) wait can remove it. The owner keeps the list under
//! its lock, takes it whole when it wakes, and wakes the wakers after
//! unlocking ([`Woken::wake`]). `Event` and `Semaphore` use it.

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

    /// Removes the waker under `key`, if it is still there.
    pub(crate) fn remove(&mut self, key: u64) {
        self.list.retain(|(other, _)| *other != key);
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
