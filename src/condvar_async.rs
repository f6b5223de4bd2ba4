//! The async wait on a condition: [`Condvar::wait_async`] (asyncio's
//! `await cond.wait()`), its future [`CondvarWait`], and
//! [`Condvar::wait_while_async`] (`await cond.wait_for(predicate)`). The
//! tasks wait on the same condvar as blocking threads (`condvar.rs`), and a
//! notify counts them with the threads.
//!
//! # How a task waits
//!
//! On its first poll, still holding the lock, the task puts its waker in
//! the condvar's line (`WakerLine`) and counts itself in `waiters`, then
//! drops the guard. A notifier that changed the state under the lock after
//! that sees the count and finds the waker; one before it changed the state
//! before the task looked, so the task does not wait (the same argument as
//! for threads: see `condvar.rs`). The notification *is* the waker taken out
//! of the line: a task whose key is gone has been notified, exactly once,
//! and then takes the lock back with [`Mutex::lock_async`]. Tasks do not
//! watch the sequence word, so a notify spent on a task wakes no thread.
//!
//! # Cancellation
//!
//! asyncio's `Condition.wait` takes the lock back even when cancelled,
//! then raises `CancelledError`. A Rust future cannot run after it is
//! dropped, so dropping a `CondvarWait` leaves the lock *released*: the
//! caller no longer holds a guard (before the first poll the guard is still
//! inside and is dropped with it, which unlocks too). A wait dropped after
//! its notification and before it resolved hands one notification on
//! (`notify(1)`), as asyncio does since Python 3.13, so the notify is not
//! lost on a waiter that will not act on it.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::condvar::Condvar;
use super::facade::Ordering;
use super::mutex::{Mutex, MutexGuard};
use super::mutex_async::MutexLock;

impl Condvar {
    /// asyncio's `await cond.wait()`: takes the guard, releases the lock,
    /// waits in an async task until notified, takes the lock back
    /// (asynchronously) and is ready with the guard. Threads waiting with
    /// [`wait`](Self::wait) share the condvar: a notify wakes tasks and
    /// threads, waiting tasks first, and counts each.
    ///
    /// As with `wait`, check your condition in a loop, or use
    /// [`wait_while_async`](Self::wait_while_async). Only a [`MutexGuard`]:
    /// asyncio has no reentrant lock. Dropping the future (cancelling it)
    /// leaves the lock released and passes a notification it already got on
    /// (see [`CondvarWait`]). Not tracked by the lock-order checker.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use turnstile::event_loop::{run, spawn};
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let shared = Arc::new((Mutex::new(false), Condvar::new()));
    /// run(async {
    ///     let waiter = {
    ///         let shared = Arc::clone(&shared);
    ///         spawn(async move {
    ///             let (ready, cv) = &*shared;
    ///             let mut guard = ready.lock_async().await;
    ///             while !*guard {
    ///                 guard = cv.wait_async(guard).await;
    ///             }
    ///         })
    ///         .unwrap()
    ///     };
    ///     // A thread sets the flag and notifies.
    ///     let shared = Arc::clone(&shared);
    ///     std::thread::spawn(move || {
    ///         *shared.0.lock() = true;
    ///         shared.1.notify_one();
    ///     });
    ///     waiter.await.unwrap();
    /// });
    /// ```
    pub fn wait_async<'c, 'a, T: ?Sized>(
        &'c self,
        guard: MutexGuard<'a, T>,
    ) -> CondvarWait<'c, 'a, T> {
        CondvarWait {
            condvar: self,
            mutex: guard.mutex,
            state: State::Holding(guard),
        }
    }

    /// asyncio's `await cond.wait_for(predicate)`, with the test turned
    /// round as in [`wait_while`](Self::wait_while): waits while `condition`
    /// holds, checking it under the lock before each wait and after each
    /// wake-up, and is ready with the guard once it is false.
    ///
    /// ```
    /// use turnstile::event_loop::{run, spawn};
    /// use turnstile::{Condvar, Mutex};
    ///
    /// static SHELF: Mutex<Vec<u32>> = Mutex::new(Vec::new());
    /// static STOCKED: Condvar = Condvar::new();
    /// run(async {
    ///     let buyer = spawn(async {
    ///         let mut shelf = STOCKED
    ///             .wait_while_async(SHELF.lock_async().await, |shelf| shelf.is_empty())
    ///             .await;
    ///         shelf.pop()
    ///     })
    ///     .unwrap();
    ///     SHELF.lock_async().await.push(7);
    ///     STOCKED.notify_one();
    ///     assert_eq!(buyer.await.unwrap(), Some(7));
    /// });
    /// ```
    pub async fn wait_while_async<'a, T: ?Sized>(
        &self,
        mut guard: MutexGuard<'a, T>,
        mut condition: impl FnMut(&mut T) -> bool,
    ) -> MutexGuard<'a, T> {
        while condition(&mut *guard) {
            guard = self.wait_async(guard).await;
        }
        guard
    }
}

/// The future of [`Condvar::wait_async`]: ready with the guard once notified
/// and the lock is taken back.
///
/// Dropped before it is ready, it leaves the lock released (asyncio would
/// take it back, then raise `CancelledError`); if it had been notified, it
/// hands one notification on to another waiter, task or thread.
///
/// ```
/// use std::task::{Context, Waker};
/// use turnstile::{Condvar, Mutex};
///
/// let (lock, cv) = (Mutex::new(()), Condvar::new());
/// let mut waiting = Box::pin(cv.wait_async(lock.lock()));
/// let mut context = Context::from_waker(Waker::noop());
/// assert!(waiting.as_mut().poll(&mut context).is_pending());
/// assert!(!lock.is_locked(), "the lock is let go while the task waits");
/// drop(waiting); // cancelled: the lock stays released, no waiter is left
/// assert_eq!(cv.notify_all(), 0);
/// ```
#[must_use = "a wait does nothing unless awaited"]
pub struct CondvarWait<'c, 'a, T: ?Sized> {
    condvar: &'c Condvar,
    mutex: &'a Mutex<T>,
    state: State<'a, T>,
}

enum State<'a, T: ?Sized> {
    /// Not polled yet: the caller's guard, still locked.
    Holding(MutexGuard<'a, T>),
    /// Registered under this key, lock released, not yet seen notified.
    Waiting(u64),
    /// Notified: taking the lock back.
    Relocking(MutexLock<'a, T>),
    /// Ready was returned.
    Done,
}

impl<'a, T: ?Sized> Future for CondvarWait<'_, 'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = &mut *self;
        let condvar = this.condvar;
        match &mut this.state {
            State::Holding(_) => {
                // Still under the lock: register and count in, then unlock
                // (dropping the guard, by replacing the state).
                let key = {
                    let mut line = condvar.tasks.lock();
                    let key = line.new_key();
                    line.register(key, context.waker());
                    key
                };
                // Relaxed: the lock orders it (see `condvar.rs`).
                condvar.waiters.fetch_add(1, Ordering::Relaxed);
                this.state = State::Waiting(key);
                Poll::Pending
            }
            State::Waiting(key) => {
                if condvar.tasks.lock().renew(*key, context.waker()) {
                    return Poll::Pending;
                }
                // Notified: the notifier took our waker.
                condvar.waiters.fetch_sub(1, Ordering::Relaxed);
                this.state = State::Relocking(this.mutex.lock_async());
                this.relock(context)
            }
            State::Relocking(_) => this.relock(context),
            State::Done => panic!("CondvarWait polled after it was ready"),
        }
    }
}

impl<'a, T: ?Sized> CondvarWait<'_, 'a, T> {
    /// Polls the lock's re-acquisition; on Ready, the wait is done.
    fn relock(&mut self, context: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let State::Relocking(lock) = &mut self.state else {
            unreachable!("relock is called only while relocking")
        };
        let guard = core::task::ready!(Pin::new(lock).poll(context));
        self.state = State::Done;
        Poll::Ready(guard)
    }
}

impl<T: ?Sized> Drop for CondvarWait<'_, '_, T> {
    fn drop(&mut self) {
        let notified = match self.state {
            // The guard inside drops and unlocks; nothing was registered.
            State::Holding(_) | State::Done => return,
            State::Waiting(key) => {
                let still_waiting = self.condvar.tasks.lock().remove(key);
                self.condvar.waiters.fetch_sub(1, Ordering::Relaxed);
                !still_waiting
            }
            State::Relocking(_) => true,
        };
        if notified {
            // The notification was spent on a wait that will not act on it.
            self.condvar.notify(1);
        }
    }
}

impl<T: ?Sized> fmt::Debug for CondvarWait<'_, '_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Holding(_) => "holding the lock",
            State::Waiting(_) => "waiting",
            State::Relocking(_) => "notified, relocking",
            State::Done => "done",
        };
        f.debug_struct("CondvarWait")
            .field("state", &state)
            .finish()
    }
}
