//! The async acquire: [`Semaphore::acquire_async`] and its future,
//! [`SemaphoreAcquire`], which waits on the same count as a blocking
//! thread (`counting.rs`), with a place in the line of waiting tasks
//! (`task_line.rs`) where the thread would sleep, and is ready with a
//! [`SemaphorePermit`] (`permit.rs`).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::counting::Semaphore;
use super::permit::SemaphorePermit;
use super::task_line::Served;

impl Semaphore {
    /// Waits, in an async task, for a permit: the same permits as
    /// [`acquire`](Self::acquire), shared with waiting threads, without
    /// blocking a thread (Python's `async with asyncio.Semaphore():`). The
    /// permit is given back when it drops. Waiting tasks are served in
    /// arrival order, as asyncio's (see [the module docs](super) for how
    /// they share the permits with threads). Dropping the wait before it
    /// is ready (cancelling it) leaves the line and no waker behind; a
    /// permit already handed to it goes on to the next task in line.
    ///
    /// Permits taken this way are not tracked by the lock-order checker
    /// (feature `lockdep`): an async task may move between threads while it
    /// holds one.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use turnstile::Semaphore;
    ///
    /// let sem = Semaphore::new(1);
    /// let held = sem.acquire();
    /// let mut waiting = std::pin::pin!(sem.acquire_async());
    /// let mut context = Context::from_waker(Waker::noop());
    /// assert!(waiting.as_mut().poll(&mut context).is_pending());
    /// drop(held); // hands the permit to the waiting task, and wakes it
    /// let Poll::Ready(permit) = waiting.as_mut().poll(&mut context) else {
    ///     panic!("the permit is free")
    /// };
    /// assert_eq!((permit.count(), sem.available_permits()), (1, 0));
    /// ```
    pub fn acquire_async(&self) -> SemaphoreAcquire<'_> {
        self.acquire_many_async(1)
    }

    /// Waits, in an async task, until `n` permits are free and takes them
    /// together, as [`acquire_many`](Self::acquire_many) does for a thread.
    /// In line with the other tasks: while it waits for `n`, tasks that
    /// came after it wait too, even for fewer.
    ///
    /// ```
    /// # use std::task::{Context, Waker};
    /// # use std::task::Poll;
    /// let sem = turnstile::Semaphore::new(3);
    /// let mut two = std::pin::pin!(sem.acquire_many_async(2));
    /// let Poll::Ready(permits) = two.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
    ///     panic!("three are free")
    /// };
    /// assert_eq!((permits.count(), sem.available_permits()), (2, 1));
    /// ```
    pub fn acquire_many_async(&self, n: usize) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire {
            semaphore: self,
            n,
            key: None,
        }
    }
}

/// The future of [`Semaphore::acquire_async`] and
/// [`acquire_many_async`](Semaphore::acquire_many_async): ready with the
/// permits once it has taken them.
#[must_use = "a wait does nothing unless awaited"]
pub struct SemaphoreAcquire<'a> {
    semaphore: &'a Semaphore,
    n: usize,
    /// While the task is in line (and counted among the waiters): its key
    /// there.
    key: Option<u64>,
}

impl<'a> Future for SemaphoreAcquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = &mut *self;
        let semaphore = this.semaphore;
        let n = this.n;
        // Not tracked by the lock-order checker (see `acquire_async`).
        let permit = || SemaphorePermit {
            semaphore,
            count: n,
        };
        let (mut line, key, served) = match this.key {
            Some(key) => (semaphore.sleep.lock(), key, Served::none()),
            None => {
                // Nobody waits: one compare-and-swap, as a thread's acquire.
                if semaphore.nobody_waits() && semaphore.try_take(n) {
                    return Poll::Ready(permit());
                }
                let mut line = semaphore.sleep.lock();
                // Counted in before the look below: a release after that
                // look sees the count and comes to serve the line.
                semaphore.count_in();
                // Behind a task served and not yet run, the permits free
                // now are left for it to hand on when it leaves (asyncio:
                // a task woken wakes the next if permits are still free);
                // otherwise the line is served now, this task last.
                let behind_served = line.has_served();
                let key = line.join(n);
                this.key = Some(key);
                let served = if behind_served {
                    Served::none()
                } else {
                    semaphore.serve_tasks(&mut line)
                };
                (line, key, served)
            }
        };
        let poll = if line.is_served(key) {
            // Its permits were taken for it: leave the line with them, and
            // serve those behind if permits are still free.
            line.leave(key);
            semaphore.count_out();
            this.key = None;
            let more = semaphore.serve_tasks(&mut line);
            drop(line);
            more.wake();
            Poll::Ready(permit())
        } else {
            line.register(key, context.waker());
            drop(line);
            Poll::Pending
        };
        served.wake();
        poll
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            // Cancelled while in line. Served already: the permits taken
            // for it go back to the count, and from there on to the next
            // in line (`give_back` serves the line), once `sleep` is let
            // go. Not served: the task behind may now be served (this one
            // may have wanted more than is free).
            let mut line = self.semaphore.sleep.lock();
            let was_served = line.leave(key);
            self.semaphore.count_out();
            let served = self.semaphore.serve_tasks(&mut line);
            drop(line);
            served.wake();
            if was_served {
                self.semaphore.give_back(self.n);
            }
        }
    }
}

impl fmt::Debug for SemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreAcquire")
            .field("permits", &self.n)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}
