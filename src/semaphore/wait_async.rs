//! The async acquire: [`Semaphore::acquire_async`] and its future,
//! [`SemaphoreAcquire`], which waits on the same count as a blocking
//! thread (`counting.rs`), with a waker where the thread would sleep, and
//! is ready with a [`SemaphorePermit`] (`permit.rs`).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::counting::Semaphore;
use super::permit::SemaphorePermit;

impl Semaphore {
    /// Waits, in an async task, for a permit: the same permits as
    /// [`acquire`](Self::acquire), shared with waiting threads, without
    /// blocking a thread (Python's `async with asyncio.Semaphore():`). The
    /// permit is given back when it drops. Dropping the wait before it is
    /// ready (cancelling it) takes nothing and leaves no waker behind.
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
    /// drop(held); // wakes the task; its next poll takes the permit
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
    /// While the task is counted among the waiters: its key in the waker
    /// list.
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
        if this.key.is_none() && semaphore.try_take(n) {
            return Poll::Ready(permit());
        }
        let mut sleepers = semaphore.sleep.lock();
        let key = match this.key {
            Some(key) => key,
            None => {
                // Counted in before the look below: a release after that
                // look sees the count and comes to wake us.
                semaphore.count_in();
                let key = sleepers.new_key();
                this.key = Some(key);
                key
            }
        };
        if semaphore.try_take(n) {
            sleepers.remove(key);
            semaphore.count_out();
            this.key = None;
            return Poll::Ready(permit());
        }
        sleepers.register(key, context.waker());
        Poll::Pending
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            // Cancelled while waiting: nothing was taken; take the waker out
            // (a release may have taken it already) and count out.
            let mut sleepers = self.semaphore.sleep.lock();
            sleepers.remove(key);
            self.semaphore.count_out();
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
