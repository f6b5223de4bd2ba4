//! The async tasks waiting on a primitive: their wakers, each under a key
//! the waiting future keeps, so a poll can replace its own waker and a
//! dropped (cancelled) wait can remove it. The owner keeps the list under
//! its lock, takes it whole when it wakes, and wakes the wakers after
//! unlocking ([`Woken::wake`]). `Event`, `Barrier` and the queues use it
//! (a queue wakes one task per change, [`take_one`](Wakers::take_one)).
//!
//! [`WakerLine`] is such a list for an owner with no lock of its own to keep
//! it under (`Mutex` and `Condvar`, whose state is an atomic): eight bytes,
//! a pointer that stays null until the first task waits, then a list behind
//! a lock of its own.

use core::ptr;
use core::task::Waker;

use super::facade::{AtomicPtr, Ordering, UnsafeCell, const_fn, fence};
use super::raw_mutex::RawMutex;

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
        if !self.renew(key, waker) {
            self.list.push((key, waker.clone()));
        }
    }

    /// Removes the waker under `key`. Returns whether it was still there:
    /// `false` means a wake took it (or it was never registered).
    pub(crate) fn remove(&mut self, key: u64) -> bool {
        let before = self.list.len();
        self.list.retain(|(other, _)| *other != key);
        self.list.len() != before
    }

    /// Registers `waker` under `key` at the head of the line if it is not
    /// there: a task that was woken (its waker taken) and has to wait again
    /// keeps the place it had, as asyncio's waiter stays first in its deque
    /// until it runs.
    pub(crate) fn register_first(&mut self, key: u64, waker: &Waker) {
        if !self.renew(key, waker) {
            self.list.insert(0, (key, waker.clone()));
        }
    }

    /// Replaces the waker under `key` if it is still there (see
    /// [`register`](Self::register)); `false` if a wake took it.
    pub(crate) fn renew(&mut self, key: u64, waker: &Waker) -> bool {
        match self.list.iter_mut().find(|(other, _)| *other == key) {
            Some((_, registered)) => {
                if !registered.will_wake(waker) {
                    registered.clone_from(waker);
                }
                true
            }
            None => false,
        }
    }

    /// Takes the `n` longest-registered wakers (all, if fewer wait), to be
    /// woken once the lock is let go.
    pub(crate) fn take_first(&mut self, n: usize) -> Woken {
        let n = n.min(self.list.len());
        Woken(self.list.drain(..n).collect())
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
    /// No waker.
    pub(crate) const fn none() -> Self {
        Self(Vec::new())
    }

    /// Adds `more` to these.
    pub(crate) fn add(&mut self, more: Woken) {
        self.0.extend(more.0);
    }

    /// How many were taken.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn wake(self) {
        for (_, waker) in self.0 {
            waker.wake();
        }
    }
}

/// A [`Wakers`] list under a lock of its own, made on first use: a null
/// pointer (eight bytes, no allocation) for an owner no task has waited on.
/// Once made it stays until the owner drops.
pub(crate) struct WakerLine {
    line: AtomicPtr<Line>,
}

struct Line {
    lock: RawMutex,
    wakers: UnsafeCell<Wakers>,
}

impl WakerLine {
    const_fn! {
        pub(crate) fn new() -> Self {
            Self { line: AtomicPtr::new(ptr::null_mut()) }
        }
    }

    /// Locks the list, making it first if no task has waited before.
    pub(crate) fn lock(&self) -> LineGuard<'_> {
        // Acquire: pairs with the AcqRel of the thread that made the list,
        // so its initialised contents are seen.
        let mut line = self.line.load(Ordering::Acquire);
        if line.is_null() {
            let made = Box::into_raw(Box::new(Line {
                lock: RawMutex::new(),
                wakers: UnsafeCell::new(Wakers::new()),
            }));
            line = match self.line.compare_exchange(
                ptr::null_mut(),
                made,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => made,
                Err(theirs) => {
                    // SAFETY: `made` came from `Box::into_raw` above and was
                    // never shared.
                    drop(unsafe { Box::from_raw(made) });
                    theirs
                }
            };
        }
        // SAFETY: a list once made lives as long as `self`.
        let line = unsafe { &*line };
        line.lock.lock();
        LineGuard { line }
    }

    /// Locks the list if any task ever waited; `None` (one load) otherwise.
    pub(crate) fn lock_if_made(&self) -> Option<LineGuard<'_>> {
        // Acquire: as in `lock`.
        let line = self.line.load(Ordering::Acquire);
        if line.is_null() {
            return None;
        }
        // SAFETY: as in `lock`.
        let line = unsafe { &*line };
        line.lock.lock();
        Some(LineGuard { line })
    }

    /// The cold half of `Mutex::unlock`, after it found the lock CONTENDED:
    /// wakes one parked thread and the first task, since either kind may
    /// wait. The loser of the race finds the lock taken and waits again,
    /// marking it CONTENDED, so the next unlock comes here too.
    #[cold]
    #[inline(never)]
    pub(crate) fn wake_contended(&self, raw: &RawMutex) {
        // Acquire: the unlock's swap read the CONTENDED that a task's
        // Release swap wrote after making this line; the fence makes the
        // line visible here (a stale null would skip the task: loom found
        // that schedule), and keeps the inline unlock a plain Release swap.
        fence(Ordering::Acquire);
        raw.wake_one_sleeper();
        self.wake_first();
    }

    /// Wakes the task first in line, if any.
    fn wake_first(&self) {
        let first = self.lock_if_made().and_then(|mut line| line.take_one());
        if let Some(first) = first {
            first.wake();
        }
    }
}

impl Drop for WakerLine {
    fn drop(&mut self) {
        // Acquire: as in `lock` (loom's atomics have no `get_mut`).
        let line = self.line.load(Ordering::Acquire);
        if !line.is_null() {
            // SAFETY: made by `Box::into_raw` in `lock`; `&mut self` means no
            // guard borrows it any more.
            drop(unsafe { Box::from_raw(line) });
        }
    }
}

/// The locked list of a [`WakerLine`]; unlocks when dropped.
pub(crate) struct LineGuard<'a> {
    line: &'a Line,
}

impl core::ops::Deref for LineGuard<'_> {
    type Target = Wakers;

    fn deref(&self) -> &Wakers {
        // SAFETY: the guard holds the list's lock.
        self.line.wakers.with(|wakers| unsafe { &*wakers })
    }
}

impl core::ops::DerefMut for LineGuard<'_> {
    fn deref_mut(&mut self) -> &mut Wakers {
        // SAFETY: the guard holds the list's lock, and `&mut self` is the
        // only borrow through it.
        self.line.wakers.with_mut(|wakers| unsafe { &mut *wakers })
    }
}

impl Drop for LineGuard<'_> {
    fn drop(&mut self) {
        // SAFETY: locked when the guard was made; dropped once.
        unsafe { self.line.lock.unlock() }
    }
}
