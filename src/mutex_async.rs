//! The async lock: [`Mutex::lock_async`] and [`Lock::acquire_async`]
//! (asyncio's `async with lock:`), and their future, [`MutexLock`], which
//! waits for the same lock as a blocking thread (`mutex.rs`), with a waker
//! where the thread would park.
//!
//! # How a task waits beside threads
//!
//! A thread that finds the lock held marks it CONTENDED and parks (see
//! `raw_mutex.rs`). A task does the same with a waker: it puts its waker in
//! the mutex's [`WakerLine`], *then* marks the lock CONTENDED with one swap,
//! which also takes the lock if it was free by then. An unlock that finds
//! CONTENDED wakes one parked thread and the first task in line
//! (`Mutex::unlock`). The swap is the line between the two orders: an
//! unlock before it leaves the lock free for the swap to take; an unlock
//! after it sees CONTENDED and finds the waker already in the line, since
//! the waker went in first. So a task is never left waiting beside a free
//! lock, whoever unlocked it.
//!
//! A woken task takes the lock as CONTENDED (others may still wait), or, if
//! a thread or a newcomer took it first, goes back to the *head* of the
//! line and marks it again. A task dropped after its wake-up and before its
//! next poll (cancelled) hands the wake to the next task in line, as
//! asyncio's `Lock.acquire` does when cancelled after being woken.
//!
//! # Fairness: tasks in arrival order, not handed the lock
//!
//! Waiting tasks are woken in the order they came, as asyncio's `_waiters`
//! deque serves them. Unlike asyncio, the lock is not kept for the woken
//! task until it runs: a thread, or a task arriving just then, that finds
//! it free takes it (the raw lock's barging, which keeps the uncontended
//! path one compare-and-swap), and the woken task waits again, first in
//! line. With tasks alone on one event loop no newcomer can come between a
//! release and the woken task's turn unless it runs in that gap.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::mutex::{Lock, Mutex, MutexGuard};

impl<T: ?Sized> Mutex<T> {
    /// Waits, in an async task, for the lock: the same lock as
    /// [`lock`](Self::lock), shared with waiting threads, without blocking a
    /// thread (asyncio's `await lock.acquire()`). Ready with the guard, which
    /// unlocks when dropped. Dropping the wait before it is ready
    /// (cancelling it) takes nothing and leaves no waker behind.
    ///
    /// Not tracked by the lock-order checker (feature `lockdep`), as with
    /// [`Semaphore::acquire_async`](crate::Semaphore::acquire_async): a
    /// task's locks are not its thread's. The guard is a [`MutexGuard`],
    /// not `Send` (see there).
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use turnstile::Mutex;
    ///
    /// let mutex = Mutex::new(0);
    /// let held = mutex.lock(); // a thread holds it
    /// let mut waiting = std::pin::pin!(mutex.lock_async());
    /// let mut context = Context::from_waker(Waker::noop());
    /// assert!(waiting.as_mut().poll(&mut context).is_pending());
    /// drop(held); // wakes the task; its next poll takes the lock
    /// let Poll::Ready(mut guard) = waiting.as_mut().poll(&mut context) else {
    ///     panic!("the lock is free")
    /// };
    /// *guard += 1;
    /// assert!(mutex.is_locked());
    /// ```
    pub fn lock_async(&self) -> MutexLock<'_, T> {
        MutexLock {
            mutex: self,
            key: None,
        }
    }
}

impl Lock {
    /// asyncio's `async with lock:` / `await lock.acquire()`: waits, in an
    /// async task, for the lock that threads take with
    /// [`acquire`](Self::acquire). See [`Mutex::lock_async`].
    ///
    /// ```
    /// use turnstile::Lock;
    /// use turnstile::event_loop::run;
    ///
    /// let lock = Lock::new();
    /// run(async {
    ///     let _held = lock.acquire_async().await; // `async with lock:`
    ///     assert!(lock.locked());
    /// });
    /// assert!(!lock.locked());
    /// ```
    pub fn acquire_async(&self) -> MutexLock<'_, ()> {
        self.inner.lock_async()
    }
}

/// The future of [`Mutex::lock_async`] and [`Lock::acquire_async`]: ready
/// with the guard once it has taken the lock.
///
/// ```
/// use turnstile::{Mutex, MutexLock};
///
/// let mutex = Mutex::new(1);
/// let waiting: MutexLock<'_, i32> = mutex.lock_async();
/// assert_eq!(format!("{waiting:?}"), "MutexLock { waiting: false }");
/// drop(waiting); // never polled: cancelled, nothing taken
/// assert!(!mutex.is_locked());
/// ```
#[must_use = "a wait does nothing unless awaited"]
pub struct MutexLock<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// While the task waits in the mutex's line: its key there.
    key: Option<u64>,
}

impl<'a, T: ?Sized> Future for MutexLock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        let mutex = this.mutex;
        // SAFETY (both `MutexGuard::new` below): the lock was just taken for
        // this task, which hands the duty to unlock it to the guard.
        if this.key.is_none() && mutex.raw.try_lock() {
            return Poll::Ready(unsafe { MutexGuard::new(mutex) });
        }
        let mut line = mutex.tasks.lock();
        match this.key {
            // Woken (its waker taken) or polled again: back at the head.
            Some(key) => line.register_first(key, context.waker()),
            None => {
                let key = line.new_key();
                line.register(key, context.waker());
                this.key = Some(key);
            }
        }
        // The waker is in the line before this mark: see the module docs.
        if mutex.raw.lock_or_mark() {
            if let Some(key) = this.key.take() {
                line.remove(key);
            }
            return Poll::Ready(unsafe { MutexGuard::new(mutex) });
        }
        Poll::Pending
    }
}

impl<T: ?Sized> Drop for MutexLock<'_, T> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            // Cancelled while waiting: take the waker out. If an unlock took
            // it already, that wake-up was meant for a task that will not
            // use it: pass it to the next in line.
            let next = self.mutex.tasks.lock().cancel(key);
            if let Some(next) = next {
                next.wake();
            }
        }
    }
}

impl<T: ?Sized> fmt::Debug for MutexLock<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MutexLock")
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
