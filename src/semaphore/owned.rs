//! [`OwnedSemaphorePermit`], permits held through the `Arc` a semaphore
//! lives in, so they can move to another thread; the `*_owned` acquire
//! methods of [`Semaphore`]; and [`AsSemaphore`], the sealed trait naming
//! the semaphores such a permit can come from (`bounded.rs` implements it
//! for `BoundedSemaphore`, so that this file need not name that type).

use core::fmt;
use std::time::Duration;

use super::super::facade::UserArc as Arc;
use super::super::lockdep;
use super::super::timeout::Timeout;
use super::counting::Semaphore;
use super::permit::SemaphorePermit;

impl Semaphore {
    /// [`acquire`](Self::acquire) for a semaphore in an [`Arc`]: the permit
    /// holds a clone of the `Arc`, so it can move to another thread or into
    /// a pool task and be given back there (Python: `acquire()` in one
    /// thread, `release()` in another).
    ///
    /// [`Arc`]: std::sync::Arc
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// let connections = Arc::new(turnstile::Semaphore::new(2));
    /// let permit = connections.acquire_owned();
    /// assert_eq!(connections.available_permits(), 1);
    /// thread::spawn(move || drop(permit)).join().unwrap(); // given back there
    /// assert_eq!(connections.available_permits(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_owned(self: &Arc<Self>) -> OwnedSemaphorePermit {
        self.acquire().into_owned(self)
    }

    /// [`acquire_many`](Self::acquire_many), with an owned permit (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(3));
    /// let two = sem.acquire_many_owned(2);
    /// assert_eq!((two.count(), sem.available_permits()), (2, 1));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_owned(self: &Arc<Self>, n: usize) -> OwnedSemaphorePermit {
        self.acquire_many(n).into_owned(self)
    }

    /// [`try_acquire`](Self::try_acquire), with an owned permit (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(1));
    /// let first = sem.try_acquire_owned();
    /// assert!(first.is_some() && sem.try_acquire_owned().is_none());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit> {
        Some(self.try_acquire()?.into_owned(self))
    }

    /// [`acquire_timeout`](Self::acquire_timeout), with an owned permit (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(0));
    /// assert!(sem.acquire_timeout_owned(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout_owned(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<OwnedSemaphorePermit, Timeout> {
        Ok(self.acquire_timeout(timeout)?.into_owned(self))
    }
}

impl SemaphorePermit<'_> {
    /// The same permits, held through `owner` (the `Arc` this permit's
    /// semaphore lives in) instead of a borrow. They stay counted as held.
    pub(super) fn into_owned<S: AsSemaphore>(self, owner: &Arc<S>) -> OwnedSemaphorePermit<S> {
        debug_assert!(core::ptr::eq(self.semaphore, owner.semaphore()));
        let count = self.count;
        // Owned permits may move to other threads: the checker lets go here.
        lockdep::unlocked(&self.semaphore.class, self.semaphore.id());
        core::mem::forget(self);
        OwnedSemaphorePermit {
            owner: Arc::clone(owner),
            count,
        }
    }
}

/// Permits taken from a semaphore in an `Arc` (see
/// [`Semaphore::acquire_owned`]): like [`SemaphorePermit`], but it holds the
/// `Arc` rather than a borrow, so it can move anywhere, a pool task
/// included. Dropping it gives the permits back.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use turnstile::{Semaphore, ThreadPool};
///
/// let slots = Arc::new(Semaphore::new(1));
/// let pool = ThreadPool::new(2).unwrap();
/// let permit = slots.acquire_owned();
/// let task = pool.submit(move || permit.count()).unwrap(); // the permit moves in
/// assert_eq!(task.into_result(), Ok(1));
/// assert_eq!(slots.available_permits(), 1); // given back when the task ended
/// ```
#[must_use = "if unused the permit is given back at once"]
pub struct OwnedSemaphorePermit<S: AsSemaphore = Semaphore> {
    owner: Arc<S>,
    count: usize,
}

impl<S: AsSemaphore> OwnedSemaphorePermit<S> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(3));
    /// assert_eq!(sem.acquire_owned().count(), 1);
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// The semaphore the permits came from.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(turnstile::Semaphore::new(1));
    /// let permit = sem.acquire_owned();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<S> {
        &self.owner
    }

    /// As [`SemaphorePermit::forget`]: keeps the permits taken and returns
    /// how many.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(1));
    /// assert_eq!(sem.acquire_owned().forget(), 1);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(self) -> usize {
        let count = self.count;
        self.owner.semaphore().forget_held(count);
        // Drop the `Arc` without running this permit's `Drop`.
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // read out exactly once and dropped here.
        drop(unsafe { core::ptr::read(&this.owner) });
        count
    }
}

impl<S: AsSemaphore> Drop for OwnedSemaphorePermit<S> {
    fn drop(&mut self) {
        self.owner.semaphore().give_back(self.count);
    }
}

impl<S: AsSemaphore> fmt::Debug for OwnedSemaphorePermit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("count", &self.count)
            .finish()
    }
}

/// The semaphores an [`OwnedSemaphorePermit`] can come from: [`Semaphore`]
/// and [`BoundedSemaphore`]. Sealed: implemented here only.
///
/// [`BoundedSemaphore`]: super::BoundedSemaphore
pub trait AsSemaphore: sealed::AsSemaphore {}

impl AsSemaphore for Semaphore {}

pub(super) mod sealed {
    pub trait AsSemaphore {
        /// The counting semaphore underneath.
        fn semaphore(&self) -> &super::Semaphore;
    }

    impl AsSemaphore for super::Semaphore {
        fn semaphore(&self) -> &super::Semaphore {
            self
        }
    }
}
