//! CPython's queue: one lock over the items, three condition variables.
//!
//! Every operation takes the lock, waits on a condition while it cannot go
//! on (`wait_while`, with the predicate read under the lock, so a change
//! between a check and a sleep is never lost), makes its change, and
//! notifies the condition that the other side waits on. A notify with
//! nobody waiting is one atomic load (see `Condvar`), so the uncontended
//! path makes no system call. `close` notifies *all* waiters on both
//! conditions: each must see the change.
//!
//! Async tasks wait in the same state: a task that cannot go on registers
//! its waker in `getting` or `putting` under the lock, where a thread would
//! have waited on `not_empty` or `not_full`, and each change that notifies
//! one thread also wakes one task (woken after the lock is let go). A task
//! in `join` registers in `joining`, and the change that lets `all_done`'s
//! threads go wakes every such task too.
//!
//! The engine contract this meets is in `engine.rs`, the [`Storage`] hook
//! in `order.rs`, and the storages behind `Lifo` and `Priority` in
//! `lifo.rs` and `priority.rs`; the FIFO order has an engine of its own, in
//! `fifo.rs`.

use core::marker::PhantomData;
use core::task::Waker;
use std::time::Instant;

use super::super::condvar::Condvar;
use super::super::mutex::{Mutex, MutexGuard};
use super::super::timeout::Timeout;
use super::super::wakers::{Wakers, Woken};
use super::engine::{Engine, Missed, Patience, Refused};
use super::error::TaskDoneError;
use super::order::{Order, Storage};

/// The order of a [`Storage`], with CPython's design behind it: one lock
/// and three condition variables. [`Lifo`](super::Lifo) and
/// [`Priority`](super::Priority) queues are built this way; `Locked` is for
/// a storage of your own (see [`Storage`] for one).
///
/// ```
/// use std::collections::VecDeque;
/// use turnstile::queue::{Locked, Queue};
///
/// // CPython's `queue.Queue`, exactly: a deque behind one lock.
/// let queue: Queue<&str, Locked<VecDeque<&str>>> = Queue::bounded(2).unwrap();
/// queue.put("first").unwrap();
/// assert_eq!(queue.get(), Ok("first"));
/// ```
#[derive(Debug)]
pub struct Locked<S>(PhantomData<fn(S) -> S>);

/// `S: Send`: a queue is shared between threads, and so is its storage
/// (see the `Send` and `Sync` impls of [`Queue`](super::Queue)).
impl<T, S: Storage<T> + Send> Order<T> for Locked<S> {
    type Engine = OneLock<T, S>;
}

/// The one-lock queue behind [`Locked`], [`Lifo`](super::Lifo) and
/// [`Priority`](super::Priority).
pub struct OneLock<T, S> {
    state: Mutex<State<S>>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Signalled when an item is added (or the queue closes).
    not_empty: Condvar,
    /// Signalled when an item is taken (or the queue closes).
    not_full: Condvar,
    /// Signalled when the unfinished-task count reaches 0.
    all_done: Condvar,
    _items: PhantomData<fn(T) -> T>,
}

/// Everything the lock protects.
struct State<S> {
    items: S,
    closed: bool,
    /// Items put and not yet marked done with `task_done`.
    unfinished: usize,
    /// Async tasks waiting for an item.
    getting: Wakers,
    /// Async tasks waiting for room.
    putting: Wakers,
    /// Async tasks waiting for every task to be done (`join_async`).
    joining: Wakers,
}

impl<T, S: Storage<T>> Engine<T> for OneLock<T, S> {
    fn with_capacity(capacity: Option<usize>) -> Self {
        Self {
            state: Mutex::untracked(State {
                items: S::default(),
                closed: false,
                unfinished: 0,
                getting: Wakers::new(),
                putting: Wakers::new(),
                joining: Wakers::new(),
            }),
            capacity,
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
            all_done: Condvar::new(),
            _items: PhantomData,
        }
    }

    fn put(&self, item: T, patience: Patience) -> Result<(), Refused<T>> {
        let mut state = self.state.lock();
        let room = match patience {
            Patience::NoWait => !self.putter_must_wait(&state),
            Patience::Until(deadline) => self
                .not_full
                .wait_while_until(&mut state, deadline, |state| self.putter_must_wait(state))
                .is_ok(),
        };
        // Closed first: a closed queue refuses even when it has room.
        if state.closed {
            return Err(Refused::Closed(item));
        }
        if !room {
            return Err(Refused::NoRoom(item));
        }
        let task = self.push(&mut state, item);
        drop(state);
        wake(task);
        Ok(())
    }

    fn get(&self, patience: Patience) -> Result<T, Missed> {
        let mut state = self.state.lock();
        let ready = match patience {
            Patience::NoWait => true,
            Patience::Until(deadline) => self
                .not_empty
                .wait_while_until(&mut state, deadline, |state| Self::getter_must_wait(state))
                .is_ok(),
        };
        match self.pop(&mut state) {
            Some((item, task)) => {
                drop(state);
                wake(task);
                Ok(item)
            }
            None if state.closed => Err(Missed::Closed),
            None if ready && !matches!(patience, Patience::NoWait) => Err(Missed::Closed),
            None => Err(Missed::Nothing),
        }
    }

    fn task_done(&self) -> Result<(), TaskDoneError> {
        let mut state = self.state.lock();
        if state.unfinished == 0 {
            return Err(TaskDoneError);
        }
        state.unfinished -= 1;
        if state.unfinished == 0 {
            let joining = self.all_done(&mut state);
            drop(state);
            joining.wake();
        }
        Ok(())
    }

    fn join(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let mut state = self.state.lock();
        self.all_done
            .wait_while_until(&mut state, deadline, |state| state.unfinished > 0)
    }

    fn close(&self, immediate: bool) -> usize {
        let mut state = self.state.lock();
        state.closed = true;
        let mut discarded = S::default();
        let mut joining = None;
        if immediate {
            discarded = core::mem::take(&mut state.items);
            state.unfinished = state.unfinished.saturating_sub(discarded.len());
            if state.unfinished == 0 {
                joining = Some(self.all_done(&mut state));
            }
        }
        self.not_empty.notify_all();
        self.not_full.notify_all();
        let getting = state.getting.take_all();
        let putting = state.putting.take_all();
        drop(state);
        getting.wake();
        putting.wake();
        if let Some(joining) = joining {
            joining.wake();
        }
        // Dropped only now, with the lock released: an item's `Drop` may use
        // this queue (a discarded pool task cancels its future, whose
        // callbacks may submit again) and must not find the lock held.
        let count = discarded.len();
        drop(discarded);
        count
    }

    fn unfinished(&self) -> usize {
        self.state.lock().unfinished
    }

    fn is_closed(&self) -> bool {
        self.state.lock().closed
    }

    fn len(&self) -> usize {
        self.state.lock().items.len()
    }

    fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    fn pop_owned(&mut self) -> Option<T> {
        self.state.get_mut().items.pop()
    }

    fn poll_put(&self, item: T, key: &mut Option<u64>, waker: &Waker) -> Result<(), Refused<T>> {
        let mut state = self.state.lock();
        if state.closed {
            forget(&mut state.putting, key);
            return Err(Refused::Closed(item));
        }
        if self.is_full_locked(&state) {
            let registered = *key.get_or_insert_with(|| state.putting.new_key());
            state.putting.register(registered, waker);
            return Err(Refused::NoRoom(item));
        }
        forget(&mut state.putting, key);
        let task = self.push(&mut state, item);
        drop(state);
        wake(task);
        Ok(())
    }

    fn poll_get(&self, key: &mut Option<u64>, waker: &Waker) -> Result<T, Missed> {
        let mut state = self.state.lock();
        if let Some((item, task)) = self.pop(&mut state) {
            forget(&mut state.getting, key);
            drop(state);
            wake(task);
            return Ok(item);
        }
        if state.closed {
            forget(&mut state.getting, key);
            return Err(Missed::Closed);
        }
        let registered = *key.get_or_insert_with(|| state.getting.new_key());
        state.getting.register(registered, waker);
        Err(Missed::Nothing)
    }

    fn cancel_put(&self, key: u64) {
        // The guard is a temporary: unlocked before the wake.
        let next = self.state.lock().putting.cancel(key);
        wake(next);
    }

    fn cancel_get(&self, key: u64) {
        // The guard is a temporary: unlocked before the wake.
        let next = self.state.lock().getting.cancel(key);
        wake(next);
    }

    fn poll_join(&self, key: &mut Option<u64>, waker: &Waker) -> bool {
        let mut state = self.state.lock();
        if state.unfinished == 0 {
            forget(&mut state.joining, key);
            return true;
        }
        // Under the lock `task_done` takes the wakers under.
        let registered = *key.get_or_insert_with(|| state.joining.new_key());
        state.joining.register(registered, waker);
        false
    }

    fn cancel_join(&self, key: u64) {
        self.state.lock().joining.remove(key);
    }
}

/// A task's put or get is done: takes its waker out, if still there.
fn forget(tasks: &mut Wakers, key: &mut Option<u64>) {
    if let Some(key) = key.take() {
        tasks.remove(key);
    }
}

/// Wakes a task taken under the lock, now that the lock is let go.
fn wake(task: Option<Waker>) {
    if let Some(task) = task {
        task.wake();
    }
}

impl<T, S: Storage<T>> OneLock<T, S> {
    /// The last unfinished task is done: wakes the threads in `join`, and
    /// takes the joining tasks' wakers, to be woken once the lock is let go.
    fn all_done(&self, state: &mut State<S>) -> Woken {
        self.all_done.notify_all();
        state.joining.take_all()
    }

    fn is_full_locked(&self, state: &State<S>) -> bool {
        self.capacity
            .is_some_and(|capacity| state.items.len() >= capacity)
    }

    /// A putter sleeps while the queue is open and full (never, unbounded).
    fn putter_must_wait(&self, state: &State<S>) -> bool {
        !state.closed && self.is_full_locked(state)
    }

    /// A getter sleeps while the queue is open and empty.
    fn getter_must_wait(state: &State<S>) -> bool {
        !state.closed && state.items.is_empty()
    }

    /// Stores `item`, counts its task, and wakes one getting thread; returns
    /// one getting task to wake once the lock is let go.
    #[inline]
    fn push(&self, state: &mut MutexGuard<'_, State<S>>, item: T) -> Option<Waker> {
        let hook = StorageHook::enter(self, state);
        hook.state.items.push(item);
        hook.returned();
        state.unfinished += 1;
        self.not_empty.notify_one();
        state.getting.take_one()
    }

    /// Takes the next item, if any, and wakes one putting thread; returns
    /// the item and one putting task to wake once the lock is let go.
    #[inline]
    fn pop(&self, state: &mut MutexGuard<'_, State<S>>) -> Option<(T, Option<Waker>)> {
        let hook = StorageHook::enter(self, state);
        let item = hook.state.items.pop();
        hook.returned();
        let item = item?;
        let mut task = None;
        if self.capacity.is_some() {
            self.not_full.notify_one();
            task = state.putting.take_one();
        }
        Some((item, task))
    }
}
/// A call into the storage, which is user code and may panic. If it
/// unwinds, dropping this brings the queue's books in line with the
/// storage's length: items it gained are counted as unfinished tasks and
/// announced to getters; items it lost count as done (nobody will call
/// `task_done` for them) and make room for putters. A call that returns
/// normally is booked by the caller, as usual.
struct StorageHook<'a, T, S: Storage<T>> {
    queue: &'a OneLock<T, S>,
    state: &'a mut State<S>,
    len_before: usize,
}

impl<'a, T, S: Storage<T>> StorageHook<'a, T, S> {
    #[inline]
    fn enter(queue: &'a OneLock<T, S>, state: &'a mut State<S>) -> Self {
        let len_before = state.items.len();
        Self {
            queue,
            state,
            len_before,
        }
    }

    /// The hook returned: nothing to mend.
    #[inline]
    fn returned(self) {
        core::mem::forget(self);
    }
}

impl<T, S: Storage<T>> Drop for StorageHook<'_, T, S> {
    /// Runs only when the storage call unwound (see `returned`).
    fn drop(&mut self) {
        let (queue, state) = (self.queue, &mut *self.state);
        let len = state.items.len();
        // The tasks are woken here, under the lock, on this unwinding path
        // only: a waker schedules its task and returns, it does not poll it.
        if len > self.len_before {
            state.unfinished += len - self.len_before;
            queue.not_empty.notify_all();
            state.getting.take_all().wake();
        } else if len < self.len_before {
            state.unfinished = state.unfinished.saturating_sub(self.len_before - len);
            queue.not_full.notify_all();
            state.putting.take_all().wake();
            if state.unfinished == 0 {
                queue.all_done(state).wake();
            }
        }
    }
}
