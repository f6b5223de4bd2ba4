//! First in, first out: Python's `queue.Queue`, with a lock at each end.
//!
//! CPython's queue keeps every item behind one lock, so a producer and a
//! consumer wait for each other on every item. This one is the two-lock
//! queue of Michael and Scott (1996): producers take the *tail* lock and
//! consumers the *head* lock, so one of each can work at once, and neither
//! writes a cache line the other reads on its fast path, except the item's.
//!
//! ```text
//!  head (consumers' lock)                        tail (producers' lock)
//!    │                                              │
//!    ▼                                              ▼
//!  ┌────────────────────┐ next ┌────────────────────┐
//!  │ ✗ ✗ 7 8 9 10 11 12 │ ───▶ │ 13 14 15 · · · · · │     a block: QUEUE_BLOCK slots
//!  └────────────────────┘      └────────────────────┘
//! ```
//!
//! Items live in a chain of fixed-size blocks. A producer writes the item
//! into the next slot, then stores the slot's *stamp* (the item's position
//! plus one) with Release; a consumer takes the slot once it loads (Acquire)
//! the stamp it expects for its position. The stamp is the only handshake
//! between the two ends: no shared counter is written per item. A consumer
//! that finishes a block keeps it as the one spare block, which the next
//! producer to need a block takes instead of allocating.
//!
//! Waiting is on the slow path only: a thread that cannot go on spins
//! briefly (the facade's [`Backoff`]), then counts itself among the
//! [`Sleepers`] of the *other* end, under that end's lock, and sleeps. The
//! other end looks at that count under its own lock after every change, so
//! while nobody sleeps, waking costs one load of a line it already owns.
//!
//! An async task waits the same way, with its waker in place of a sleeping
//! thread: a getting task registers under the tail lock (in the tail's
//! [`End`]), a putting task under the head lock, after the same look a
//! thread makes before it counts itself in. Each change wakes one sleeping
//! thread *and* one waiting task, if there are any: a thread counted in
//! may never sleep (it finds the change first), so a wake spent on it must
//! not be the only one. A task woken and then dropped passes its wake on
//! to the next task (see `cancel_get`). A task in `join` registers beside
//! the joining threads (`JoiningTasks`, in `fifo_sleepers.rs`), and the
//! `task_done` that finishes the last task wakes every one.
//!
//! This file is the engine: the put, take and wait logic, kept whole as one
//! idea although it runs past 500 lines, because no wait in it is safe on
//! its own: each relies on the order of looks and stores that every put,
//! get, close and async poll makes under the same two end locks, and those
//! all live in the one `Engine` impl. The chain of blocks and the end locks
//! are in `fifo_slots.rs`, the count of sleeping threads in
//! `fifo_sleepers.rs`; the engine contract it meets is in `engine.rs`, and
//! CPython's one-lock engine, for the other orders, in `locked.rs`.

use core::marker::PhantomData;
use core::task::Waker;
use std::time::Instant;

use super::super::facade::{AtomicBool, AtomicUsize, Backoff, Ordering, fence};
use super::super::timeout::Timeout;
use super::engine::{Engine, Missed, Patience, Refused};
use super::error::TaskDoneError;
use super::fifo_sleepers::{JoiningTasks, Sleepers};
use super::fifo_slots::{Block, Chain, End, EndGuard, EndLock};
use super::order::Order;

/// FIFO order: items come out in the order they went in. A queue of this
/// order is Python's `queue.Queue`, built as a two-lock queue (see the
/// [`queue` module](super) docs); the other orders keep CPython's one lock.
///
/// ```
/// use turnstile::FifoQueue;
///
/// let queue = FifoQueue::unbounded();
/// queue.put(1).unwrap();
/// queue.put(2).unwrap();
/// assert_eq!(queue.get(), Ok(1));
/// ```
#[derive(Debug)]
pub struct Fifo<T>(PhantomData<fn(T) -> T>);

impl<T> Order<T> for Fifo<T> {
    type Engine = TwoLock<T>;
}

/// The two-lock FIFO queue. See the module notes.
pub struct TwoLock<T> {
    /// The consumers' end. Only consumers write this cache line.
    head: Padded<Head<T>>,
    /// The producers' end. Only producers write this cache line.
    tail: Padded<Tail<T>>,
    /// `task_done` calls so far, and items discarded by `close_immediate`:
    /// the unfinished tasks are `pushed - done`.
    done: Padded<AtomicUsize>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Set once, under the tail lock, by `close`.
    closed: AtomicBool,
    /// The chain's shared part: the spare block (see `fifo_slots.rs`).
    chain: Chain<T>,
    /// Threads in `join`. `task_done` takes no lock, so these count
    /// themselves in without one (see `join`).
    joiners: Sleepers,
    /// Async tasks in `join` (`join_async`), registered the same way.
    joining: JoiningTasks,
}

struct Head<T> {
    lock: EndLock<T>,
    /// Items taken so far. Written under the head lock.
    popped: AtomicUsize,
    /// Producers waiting for room, counted under the head lock.
    putters: Sleepers,
}

struct Tail<T> {
    lock: EndLock<T>,
    /// Items put so far, as tasks. Written under the tail lock *before* the
    /// item's stamp, so a consumer that takes the item sees it counted, and
    /// its `task_done` cannot find more done than put.
    pushed: AtomicUsize,
    /// Items put so far, as items a consumer can take. Written under the
    /// tail lock *after* the item's stamp: a consumer that reads it
    /// (Acquire) finds every item below it published, so a waiting getter
    /// that sees `published > popped` is sure to find an item (or see another
    /// getter take it) and never spins on an item not yet published.
    published: AtomicUsize,
    /// Consumers waiting for an item, counted under the tail lock.
    getters: Sleepers,
}

/// Keeps a value on cache lines of its own (128 bytes: two 64-byte lines,
/// since x86 prefetches lines in pairs), so one end's writes do not evict
/// the other end's data.
#[repr(align(128))]
struct Padded<T>(T);

impl<T> core::ops::Deref for Padded<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

// SAFETY: the raw pointers in `End` point into blocks this queue owns; items
// move between threads through the slots, so `T: Send` is needed and enough.
// Every slot access is ordered by its stamp (see `publish` and `take`
// in `fifo_slots.rs`), and
// each `End` is used only under its lock.
unsafe impl<T: Send> Send for TwoLock<T> {}
// SAFETY: as above; `&TwoLock` only moves items in and out, never shares one.
unsafe impl<T: Send> Sync for TwoLock<T> {}

impl<T> Engine<T> for TwoLock<T> {
    fn with_capacity(capacity: Option<usize>) -> Self {
        let first = Block::allocate();
        Self {
            head: Padded(Head {
                lock: EndLock::new(End::at(first)),
                popped: AtomicUsize::new(0),
                putters: Sleepers::new(),
            }),
            tail: Padded(Tail {
                lock: EndLock::new(End::at(first)),
                pushed: AtomicUsize::new(0),
                published: AtomicUsize::new(0),
                getters: Sleepers::new(),
            }),
            done: Padded(AtomicUsize::new(0)),
            capacity,
            closed: AtomicBool::new(false),
            chain: Chain::new(),
            joiners: Sleepers::new(),
            joining: JoiningTasks::new(),
        }
    }

    fn put(&self, item: T, patience: Patience) -> Result<(), Refused<T>> {
        let mut backoff = Backoff::new();
        let mut timed_out = false;
        loop {
            {
                let mut tail = self.tail.lock.lock();
                // Relaxed: `closed` is only ever set under the tail lock,
                // which we hold.
                if self.closed.load(Ordering::Relaxed) {
                    return Err(Refused::Closed(item));
                }
                if self.has_room(&mut tail) {
                    self.chain
                        .publish(&mut tail, item, &self.tail.pushed, &self.tail.published);
                    self.after_publish(tail);
                    return Ok(());
                }
            }
            let deadline = match patience {
                Patience::NoWait => return Err(Refused::NoRoom(item)),
                Patience::Until(deadline) => deadline,
            };
            if timed_out || expired(deadline) {
                return Err(Refused::NoRoom(item));
            }
            if backoff.snooze() {
                continue;
            }
            timed_out = self.wait_for_room(deadline);
            backoff = Backoff::new();
        }
    }

    fn get(&self, patience: Patience) -> Result<T, Missed> {
        let mut backoff = Backoff::new();
        let mut timed_out = false;
        loop {
            {
                let mut head = self.head.lock.lock();
                if let Some(item) = self.chain.take(&mut head, &self.head.popped) {
                    self.after_take(head);
                    return Ok(item);
                }
                if self.is_closed() {
                    // Every put finished before the close (both hold the
                    // tail lock), and reading `closed` as set (Acquire,
                    // pairing with the Release in `close`) makes their stamps
                    // visible: one more look finds anything they left.
                    return match self.chain.take(&mut head, &self.head.popped) {
                        Some(item) => {
                            self.after_take(head);
                            Ok(item)
                        }
                        None => Err(Missed::Closed),
                    };
                }
            }
            let deadline = match patience {
                Patience::NoWait => return Err(Missed::Nothing),
                Patience::Until(deadline) => deadline,
            };
            if timed_out || expired(deadline) {
                return Err(Missed::Nothing);
            }
            if backoff.snooze() {
                continue;
            }
            timed_out = self.wait_for_item(deadline);
            backoff = Backoff::new();
        }
    }

    fn task_done(&self) -> Result<(), TaskDoneError> {
        // A CAS that only succeeds while `done` is below `pushed`: two calls
        // for the last task cannot both count.
        let mut done = self.done.load(Ordering::Relaxed);
        loop {
            // Whoever took the item saw it counted here (see `pushed`).
            let pushed = self.tail.pushed.load(Ordering::Acquire);
            if done >= pushed {
                return Err(TaskDoneError);
            }
            match self.done.compare_exchange_weak(
                done,
                done + 1,
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    // `pushed` only grows, so unless this was the last
                    // unfinished task as we read it, some task is left.
                    if done + 1 == pushed {
                        self.wake_joiners();
                    }
                    return Ok(());
                }
                Err(now) => done = now,
            }
        }
    }

    fn join(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let mut timed_out = false;
        loop {
            if self.unfinished() == 0 {
                return Ok(());
            }
            if timed_out || expired(deadline) {
                return Err(Timeout);
            }
            self.joiners.count_in();
            // SeqCst fence: see `wake_joiners`.
            fence(Ordering::SeqCst);
            timed_out = self.joiners.sleep(|| self.unfinished() > 0, deadline);
        }
    }

    fn close(&self, immediate: bool) -> usize {
        {
            let _tail = self.tail.lock.lock();
            // Release: a getter that reads it set (Acquire) sees every put
            // that came before (see `get`). A sleeper that counted itself in
            // before this is woken below; one that counts itself in after it
            // sees `closed` under the same lock and does not sleep.
            self.closed.store(true, Ordering::Release);
        }
        let mut discarded = Vec::new();
        if immediate {
            let mut head = self.head.lock.lock();
            while let Some(item) = self.chain.take(&mut head, &self.head.popped) {
                discarded.push(item);
            }
            drop(head);
            self.done.fetch_add(discarded.len(), Ordering::AcqRel);
        }
        // Every sleeper, whether it counted itself before the close (it is
        // woken here, or sees `closed` before it sleeps) or not (it sees
        // `closed` under the lock it counts itself under, and never sleeps).
        self.tail.getters.wake_all();
        self.head.putters.wake_all();
        // The same for tasks: a getting task registers under the tail lock,
        // which the close held; a putting task under the head lock, taken
        // here after `closed` was set.
        let getting = self.tail.lock.lock().tasks.take_all();
        let putting = self.head.lock.lock().tasks.take_all();
        getting.wake();
        putting.wake();
        if immediate {
            self.wake_joiners();
        }
        // Dropped with no lock held: an item's `Drop` may use this queue.
        let count = discarded.len();
        drop(discarded);
        count
    }

    fn unfinished(&self) -> usize {
        // `done` first: it never passes `pushed`, and `pushed` only grows.
        let done = self.done.load(Ordering::Acquire);
        self.tail
            .pushed
            .load(Ordering::Acquire)
            .saturating_sub(done)
    }

    fn is_closed(&self) -> bool {
        self.closed.load(Ordering::Acquire)
    }

    fn len(&self) -> usize {
        // A getter may take an item before its producer has counted it as
        // published, so `popped` can briefly pass `published`: 0 then.
        let popped = self.head.popped.load(Ordering::Acquire);
        self.tail
            .published
            .load(Ordering::Acquire)
            .saturating_sub(popped)
    }

    fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    fn pop_owned(&mut self) -> Option<T> {
        // Owned: the lock is free, and taking it costs one CAS.
        let mut head = self.head.lock.lock();
        self.chain.take(&mut head, &self.head.popped)
    }

    fn poll_put(&self, item: T, key: &mut Option<u64>, waker: &Waker) -> Result<(), Refused<T>> {
        let mut item = item;
        loop {
            match self.put(item, Patience::NoWait) {
                Ok(()) => {
                    Self::forget_task(&self.head.lock, key);
                    return Ok(());
                }
                Err(Refused::Closed(back)) => {
                    Self::forget_task(&self.head.lock, key);
                    return Err(Refused::Closed(back));
                }
                Err(Refused::NoRoom(back)) => item = back,
            }
            // The look `wait_for_room` makes, and the registration, under
            // the head lock: a take after it sees the waker.
            let mut head = self.head.lock.lock();
            let popped = self.head.popped.load(Ordering::Relaxed);
            if !self.is_closed() && self.is_full_with(popped) {
                let registered = *key.get_or_insert_with(|| head.tasks.new_key());
                head.tasks.register(registered, waker);
                return Err(Refused::NoRoom(item));
            }
            // Room (or the close) came since the try: try again.
        }
    }

    fn poll_get(&self, key: &mut Option<u64>, waker: &Waker) -> Result<T, Missed> {
        loop {
            match self.get(Patience::NoWait) {
                Ok(item) => {
                    Self::forget_task(&self.tail.lock, key);
                    return Ok(item);
                }
                Err(Missed::Closed) => {
                    Self::forget_task(&self.tail.lock, key);
                    return Err(Missed::Closed);
                }
                Err(Missed::Nothing) => {}
            }
            // The look `wait_for_item` makes, and the registration, under
            // the tail lock: a put after it sees the waker.
            let mut tail = self.tail.lock.lock();
            let published = self.tail.published.load(Ordering::Relaxed);
            if !self.closed.load(Ordering::Relaxed)
                && published <= self.head.popped.load(Ordering::Acquire)
            {
                let registered = *key.get_or_insert_with(|| tail.tasks.new_key());
                tail.tasks.register(registered, waker);
                return Err(Missed::Nothing);
            }
        }
    }

    fn cancel_put(&self, key: u64) {
        Self::cancel(&self.head.lock, key);
    }

    fn cancel_get(&self, key: u64) {
        Self::cancel(&self.tail.lock, key);
    }

    fn poll_join(&self, key: &mut Option<u64>, waker: &Waker) -> bool {
        if self.unfinished() > 0 {
            self.joining.register(key, waker);
            // SeqCst fence: see `wake_joiners`. A `task_done` that came
            // before it is seen in the look below; one after it sees the
            // registration. (One in between may do both: it wakes a task
            // that is ready at once, a spare poll.)
            fence(Ordering::SeqCst);
            if self.unfinished() > 0 {
                return false;
            }
        }
        self.joining.forget(key);
        true
    }

    fn cancel_join(&self, key: u64) {
        self.joining.forget(&mut Some(key));
    }
}

impl<T> TwoLock<T> {
    /// After a put, still under the tail lock: wakes one getter that waits
    /// for an item, thread or task.
    #[inline]
    fn after_publish(&self, mut tail: EndGuard<'_, T>) {
        // Under the tail lock, where getters count themselves and getting
        // tasks register.
        let wake = self.tail.getters.any();
        let task = if tail.tasks.is_empty() {
            None
        } else {
            tail.tasks.take_one()
        };
        drop(tail);
        if wake {
            self.tail.getters.wake_one();
        }
        if let Some(task) = task {
            task.wake();
        }
    }

    /// A task's put or get is done: takes its waker out, if still there.
    /// A wake that took it already was spent on this task, which went on.
    fn forget_task(end: &EndLock<T>, key: &mut Option<u64>) {
        if let Some(key) = key.take() {
            end.lock().tasks.remove(key);
        }
    }

    /// A pending task was dropped: see `Engine::cancel_get`.
    fn cancel(end: &EndLock<T>, key: u64) {
        // The guard is a temporary: unlocked before the wake.
        let next = end.lock().tasks.cancel(key);
        if let Some(next) = next {
            next.wake();
        }
    }

    /// Whether a producer may add an item now; producers only.
    #[inline]
    fn has_room(&self, tail: &mut End<T>) -> bool {
        let Some(capacity) = self.capacity else {
            return true;
        };
        if tail.position - tail.seen_popped < capacity {
            return true;
        }
        tail.seen_popped = self.head.popped.load(Ordering::Acquire);
        tail.position - tail.seen_popped < capacity
    }

    /// After a take, still under the head lock: a bounded queue has room
    /// now; wake a producer that waits for it.
    #[inline]
    fn after_take(&self, head: EndGuard<'_, T>) {
        // Under the head lock, where putters count themselves and putting
        // tasks register. Unbounded queues have none.
        if self.capacity.is_none() {
            return;
        }
        let mut head = head;
        let wake = self.head.putters.any();
        let task = if head.tasks.is_empty() {
            None
        } else {
            head.tasks.take_one()
        };
        drop(head);
        if wake {
            self.head.putters.wake_one();
        }
        if let Some(task) = task {
            task.wake();
        }
    }

    /// Sleeps until a producer publishes an item or the queue closes (or
    /// `deadline`), unless one of them has happened already. Returns whether
    /// it timed out.
    ///
    /// The getter counts itself under the *tail* lock, after looking there
    /// for items and the close. A producer publishes and reads the count
    /// under that lock too, so one of the two sees the other: either the
    /// producer came first and the getter finds its item, or the getter did
    /// and the producer wakes it. (A getter that has counted itself but is
    /// not asleep yet when the wake comes finds the change when the futex
    /// looks at `still`, and does not sleep.)
    fn wait_for_item(&self, deadline: Option<Instant>) -> bool {
        let seen = {
            let _tail = self.tail.lock.lock();
            // Exact under the tail lock: every producer that published has
            // released it.
            let published = self.tail.published.load(Ordering::Relaxed);
            if self.closed.load(Ordering::Relaxed)
                || published > self.head.popped.load(Ordering::Acquire)
            {
                return false;
            }
            self.tail.getters.count_in();
            published
        };
        self.tail.getters.sleep(
            || {
                !self.closed.load(Ordering::Acquire)
                    && self.tail.published.load(Ordering::Acquire) == seen
            },
            deadline,
        )
    }

    /// Sleeps until a consumer takes an item or the queue closes (or
    /// `deadline`), unless one of them has happened already; the mirror of
    /// `wait_for_item`, counting itself under the *head* lock.
    fn wait_for_room(&self, deadline: Option<Instant>) -> bool {
        let seen = {
            let _head = self.head.lock.lock();
            let popped = self.head.popped.load(Ordering::Relaxed);
            if self.is_closed() || !self.is_full_with(popped) {
                return false;
            }
            self.head.putters.count_in();
            popped
        };
        self.head.putters.sleep(
            || !self.is_closed() && self.head.popped.load(Ordering::Acquire) == seen,
            deadline,
        )
    }

    /// Wakes the threads and tasks in `join`, after the change that
    /// finished the last task.
    ///
    /// No lock orders a joiner's count against this look at it, so it is
    /// Dekker's pattern: each side writes one location (`done`, or the
    /// joiner's count) and then reads the other's, and with weaker orderings
    /// both could read the old values, the joiner sleeping and nobody waking
    /// it. A SeqCst fence between each side's write and read forbids that:
    /// the two fences fall in one total order, and whichever side's fence
    /// comes second sees the other side's write. (Fences rather than SeqCst
    /// accesses: loom models the fences exactly and treats SeqCst accesses
    /// as Acquire/Release, and so would report a lost wake-up that hardware
    /// cannot produce.) A joining task is the same: its registration is
    /// its write, then the fence, then its look (`poll_join`).
    fn wake_joiners(&self) {
        fence(Ordering::SeqCst);
        if self.joiners.any() {
            self.joiners.wake_all();
        }
        self.joining.wake_all();
    }

    /// Whether a putter would find no room, `popped` items having been
    /// taken. `pushed` only grows and every putter has seen its own last
    /// value, so a stale read can only say "room" too soon, never "full".
    fn is_full_with(&self, popped: usize) -> bool {
        self.capacity.is_some_and(|capacity| {
            let pushed = self.tail.pushed.load(Ordering::Acquire);
            pushed.saturating_sub(popped) >= capacity
        })
    }
}

/// Whether `deadline` has passed. A wait that timed out says so itself;
/// this catches a deadline that passed before the wait began. Both are
/// needed: under the model a wait may time out at any step, long before
/// the clock reaches the deadline, and only its own report ends the loop.
fn expired(deadline: Option<Instant>) -> bool {
    deadline.is_some_and(|deadline| Instant::now() >= deadline)
}

impl<T> Drop for TwoLock<T> {
    fn drop(&mut self) {
        while self.pop_owned().is_some() {}
        // SAFETY: `&mut self`: nobody else uses the queue; every item left
        // has been dropped above; and this is the head's end.
        unsafe { self.chain.free(&self.head.lock.lock()) };
    }
}
