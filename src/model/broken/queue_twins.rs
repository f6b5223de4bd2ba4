//! Six broken queues, each a few lines of a real queue with one bug.

use core::task::Waker;
use std::collections::VecDeque;

use super::super::condvar::Condvar;
use super::super::facade::{
    AtomicBool, AtomicU32, AtomicUsize, Futex, Ordering, UnsafeCell, Wait, fence,
};
use super::super::mutex::Mutex;

/// Broken twin of [`Queue::close`](crate::model::Queue::close): it wakes *one*
/// blocked getter where every one must wake. The others sleep on an empty,
/// closed queue forever; loom reports a deadlock.
pub struct NotifyOneOnCloseQueue<T> {
    state: Mutex<(VecDeque<T>, bool)>,
    not_empty: Condvar,
}

impl<T> NotifyOneOnCloseQueue<T> {
    /// An empty, open queue.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            state: Mutex::new((VecDeque::new(), false)),
            not_empty: Condvar::new(),
        }
    }

    /// Takes an item, waiting while empty and open; `None` once closed and
    /// drained.
    pub fn get(&self) -> Option<T> {
        let mut state = self.state.lock();
        self.not_empty
            .wait_while(&mut state, |state| state.0.is_empty() && !state.1);
        state.0.pop_front()
    }

    /// Closes the queue.
    pub fn close(&self) {
        self.state.lock().1 = true;
        // BUG: every waiter must see the close; this wakes one.
        self.not_empty.notify_one();
    }
}

/// Broken twin of [`Queue::get`](crate::model::Queue::get): it waits until the
/// queue is not empty, lets the lock go, and pops under the lock again. Two
/// getters can both see the one item; the second pops nothing.
pub struct CheckThenPopQueue<T> {
    items: Mutex<VecDeque<T>>,
    not_empty: Condvar,
}

impl<T> CheckThenPopQueue<T> {
    /// An empty queue.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            not_empty: Condvar::new(),
        }
    }

    /// Adds an item and wakes a getter.
    pub fn put(&self, item: T) {
        self.items.lock().push_back(item);
        self.not_empty.notify_one();
    }

    /// Takes an item (or, through the bug, finds none: `None`).
    pub fn get(&self) -> Option<T> {
        let mut items = self.items.lock();
        self.not_empty
            .wait_while(&mut items, |items| items.is_empty());
        // BUG: "is it empty?" and "pop" in two critical sections.
        drop(items);
        self.items.lock().pop_front()
    }
}

/// Broken twin of the queue's task counting: the unfinished-task counter is
/// read and written outside the lock, as a load and a separate store. A put
/// and a `task_done` that overlap lose one update, so `join` returns before
/// the work is done, or never.
pub struct LooseCountQueue<T> {
    items: Mutex<VecDeque<T>>,
    not_empty: Condvar,
    unfinished: AtomicUsize,
    all_done_lock: Mutex<()>,
    all_done: Condvar,
}

impl<T> LooseCountQueue<T> {
    /// An empty queue with no unfinished tasks.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            not_empty: Condvar::new(),
            unfinished: AtomicUsize::new(0),
            all_done_lock: Mutex::new(()),
            all_done: Condvar::new(),
        }
    }

    /// Adds an item and counts its task.
    pub fn put(&self, item: T) {
        self.items.lock().push_back(item);
        // BUG: read, then write, with no lock around the pair.
        let unfinished = self.unfinished.load(Ordering::SeqCst);
        self.unfinished.store(unfinished + 1, Ordering::SeqCst);
        self.not_empty.notify_one();
    }

    /// Takes an item, waiting while empty.
    pub fn get(&self) -> T {
        let mut items = self.items.lock();
        self.not_empty
            .wait_while(&mut items, |items| items.is_empty());
        items.pop_front().expect("not empty under the lock")
    }

    /// Marks a taken item done.
    pub fn task_done(&self) {
        // BUG: the same unlocked read-then-write.
        let unfinished = self.unfinished.load(Ordering::SeqCst);
        self.unfinished
            .store(unfinished.saturating_sub(1), Ordering::SeqCst);
        if unfinished <= 1 {
            let _held = self.all_done_lock.lock();
            self.all_done.notify_all();
        }
    }

    /// Waits until the counter reads 0.
    pub fn join(&self) {
        let mut held = self.all_done_lock.lock();
        self.all_done
            .wait_while(&mut held, |_| self.unfinished.load(Ordering::SeqCst) > 0);
    }
}

/// Broken twin of the FIFO queue's hand-over through a stamped slot: the
/// producer stores the slot's stamp *before* it writes the item. A consumer
/// that sees the stamp reads the slot while the producer may still be
/// writing it: loom reports the two unordered accesses.
pub struct StampFirstSlot<T> {
    stamp: AtomicUsize,
    item: UnsafeCell<Option<T>>,
}

// SAFETY: as the real queue's: the stamp is meant to order every access to
// the item (which this twin, by its bug, fails to do; loom checks it).
unsafe impl<T: Send> Sync for StampFirstSlot<T> {}

impl<T> StampFirstSlot<T> {
    /// An empty slot.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            stamp: AtomicUsize::new(0),
            item: UnsafeCell::new(None),
        }
    }

    /// Publishes `item` (once).
    pub fn put(&self, item: T) {
        // BUG: the stamp says "ready" before the item is written.
        self.stamp.store(1, Ordering::Release);
        // SAFETY: (not safe: that is the bug loom finds.)
        self.item.with_mut(|cell| unsafe { *cell = Some(item) });
    }

    /// Takes the item if the stamp says it is there.
    pub fn try_get(&self) -> Option<T> {
        if self.stamp.load(Ordering::Acquire) != 1 {
            return None;
        }
        // SAFETY: the stamp was meant to make this the only access.
        self.item.with_mut(|cell| unsafe { (*cell).take() })
    }
}

/// Broken twin of the FIFO queue's sleep protocol: a getter that found the
/// queue empty counts itself among the sleepers *after* letting the lock go.
/// A producer that publishes in that gap reads the count under the lock as
/// zero and wakes nobody; the getter, which saw nothing change under the
/// lock, may still read the old count of published items and sleep for
/// ever. loom reports the deadlock.
pub struct CountInOutsideQueue<T> {
    items: Mutex<VecDeque<T>>,
    published: AtomicUsize,
    sleepers: AtomicUsize,
    bell: Futex<AtomicU32>,
}

impl<T> CountInOutsideQueue<T> {
    /// An empty queue.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            items: Mutex::new(VecDeque::new()),
            published: AtomicUsize::new(0),
            sleepers: AtomicUsize::new(0),
            bell: Futex::new(AtomicU32::new(0)),
        }
    }

    /// Adds an item; under the lock, reads whether anyone sleeps.
    pub fn put(&self, item: T) {
        let wake = {
            let mut items = self.items.lock();
            items.push_back(item);
            let published = self.published.load(Ordering::Relaxed);
            self.published.store(published + 1, Ordering::Release);
            self.sleepers.load(Ordering::Relaxed) != 0
        };
        if wake && self.bell.wake_one() {
            self.sleepers.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Takes an item, sleeping while there is none.
    pub fn get(&self) -> T {
        loop {
            let seen = {
                let mut items = self.items.lock();
                if let Some(item) = items.pop_front() {
                    return item;
                }
                self.published.load(Ordering::Relaxed)
            };
            // BUG: counted in with the lock released; the real queue counts
            // in under the lock the producer reads the count under.
            self.sleepers.fetch_add(1, Ordering::Relaxed);
            let outcome = self
                .bell
                .wait(|_| self.published.load(Ordering::Acquire) == seen, None);
            if outcome != Wait::Woken {
                self.sleepers.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

/// Broken twin of the FIFO queue's async join (`join_async`): `task_done`
/// takes no lock, so a joining task registers its waker, sets a flag, and
/// looks at the count of unfinished tasks again; `task_done` counts, then
/// reads the flag. Each side writes one location and reads the other's
/// (Dekker's pattern), and this task has no SeqCst fence between its
/// write and its read: both sides may read the old values, the task
/// staying pending and `task_done` waking nobody. loom reports the lost
/// wake-up.
pub struct NoFenceJoinQueue {
    put: AtomicUsize,
    done: AtomicUsize,
    any: AtomicBool,
    joining: Mutex<Vec<Waker>>,
}

impl NoFenceJoinQueue {
    /// A queue with no task.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            put: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
            any: AtomicBool::new(false),
            joining: Mutex::new(Vec::new()),
        }
    }

    /// Counts one task (the put of an item).
    pub fn put(&self) {
        self.put.fetch_add(1, Ordering::Release);
    }

    /// Marks one task done; the last wakes the joining tasks.
    pub fn task_done(&self) {
        let done = self.done.fetch_add(1, Ordering::AcqRel) + 1;
        if done == self.put.load(Ordering::Acquire) {
            fence(Ordering::SeqCst);
            if self.any.load(Ordering::Relaxed) {
                let woken = core::mem::take(&mut *self.joining.lock());
                woken.into_iter().for_each(Waker::wake);
            }
        }
    }

    /// One poll of an async join: `true` once every task is done; else
    /// `waker` is to be woken when they are (or so it hopes).
    pub fn poll_join(&self, waker: &Waker) -> bool {
        if self.unfinished() == 0 {
            return true;
        }
        self.joining.lock().push(waker.clone());
        self.any.store(true, Ordering::Relaxed);
        // BUG: no SeqCst fence between the flag's store and the look below.
        self.unfinished() == 0
    }

    fn unfinished(&self) -> usize {
        let done = self.done.load(Ordering::Acquire);
        self.put.load(Ordering::Acquire) - done
    }
}
