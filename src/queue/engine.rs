//! The engine contract: what every queue's machinery does. The public
//! methods of [`Queue`](super::api::Queue) (in `api.rs`) are thin wrappers
//! around these; the two engines are the two-lock FIFO (`fifo.rs`) and
//! CPython's one lock (`locked.rs`), and an [`Order`](super::order::Order)
//! (`order.rs`) names the engine behind it. Private: only this crate
//! implements it.

use core::task::Waker;
use std::time::Instant;

use super::super::timeout::Timeout;
use super::error::TaskDoneError;

/// How long a put or a get may wait.
#[derive(Debug, Clone, Copy)]
pub enum Patience {
    /// Not at all (`try_put`, `try_get`).
    NoWait,
    /// Until the deadline; `None`: for as long as it takes.
    Until(Option<Instant>),
}

/// Why a put did not store its item, which it hands back.
pub enum Refused<T> {
    /// Full, and the patience ran out.
    NoRoom(T),
    /// The queue is closed.
    Closed(T),
}

/// Why a get returned no item.
pub enum Missed {
    /// Empty, and the patience ran out.
    Nothing,
    /// The queue is closed and drained.
    Closed,
}

pub trait Engine<T> {
    fn with_capacity(capacity: Option<usize>) -> Self;
    fn put(&self, item: T, patience: Patience) -> Result<(), Refused<T>>;
    fn get(&self, patience: Patience) -> Result<T, Missed>;
    fn task_done(&self) -> Result<(), TaskDoneError>;
    fn join(&self, deadline: Option<Instant>) -> Result<(), Timeout>;
    /// Closes; `immediate` also discards the items. Returns how many.
    fn close(&self, immediate: bool) -> usize;
    fn unfinished(&self) -> usize;
    fn is_closed(&self) -> bool;
    fn len(&self) -> usize;
    fn capacity(&self) -> Option<usize>;
    /// Takes the next item of a queue nobody else can use.
    fn pop_owned(&mut self) -> Option<T>;

    /// One step of an async put: puts `item` if there is room, or
    /// registers `waker` under `key` (making one if `None`) and hands
    /// the item back as `NoRoom`, the look and the registration under
    /// one lock, so a take after the look wakes the task. On success
    /// or `Closed` the registration is gone.
    fn poll_put(&self, item: T, key: &mut Option<u64>, waker: &Waker) -> Result<(), Refused<T>>;
    /// One step of an async get, as `poll_put`: `Nothing` means
    /// registered.
    fn poll_get(&self, key: &mut Option<u64>, waker: &Waker) -> Result<T, Missed>;
    /// A pending async put was dropped: removes its waker; if a take
    /// had already taken it (to wake it), wakes another putting task in
    /// its place, so the wake-up is not lost with it.
    fn cancel_put(&self, key: u64);
    /// The same for a pending async get.
    fn cancel_get(&self, key: u64);
    /// One step of an async join: `true` once no task is unfinished;
    /// otherwise registers `waker` under `key` (making one if `None`),
    /// ordered against `task_done` so that a `task_done` that finishes the
    /// last task after the look wakes the task. On `true` the registration
    /// is gone.
    fn poll_join(&self, key: &mut Option<u64>, waker: &Waker) -> bool;
    /// A pending async join was dropped: removes its waker. Every joiner
    /// is woken by the change it waits for, so there is no wake to pass on.
    fn cancel_join(&self, key: u64);
}
