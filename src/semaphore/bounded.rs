//! [`BoundedSemaphore`]: a [`Semaphore`] (`counting.rs`) with a bound, and
//! every method a thin call into it, as CPython's is a subclass. Its errors
//! are in `error.rs`.

use core::fmt;
use std::time::{Duration, Instant};

use super::super::facade::{UserArc as Arc, const_fn};
use super::super::lockdep::Class;
use super::super::timeout::Timeout;
use super::counting::Semaphore;
use super::error::{AcquireTimeoutError, ExceedsBound, OverRelease, TryAcquireError};
use super::owned::{AsSemaphore, OwnedSemaphorePermit, sealed};
use super::permit::SemaphorePermit;
use super::wait_async::SemaphoreAcquire;

/// A semaphore that refuses to hold more permits than it started with:
/// Python's `BoundedSemaphore`. Releasing one permit too many is almost
/// always a bug (a double release), so it is reported instead of silently
/// raising the limit.
///
/// It is a [`Semaphore`] with a bound, as CPython's is a subclass that only
/// overrides `release`: the same methods, the same algorithm. Two things
/// differ. [`release`](Self::release) returns `Err(OverRelease)` instead of
/// adding past the bound; and a request for more permits than the bound, which
/// no wait could ever grant, is refused at once with [`ExceedsBound`] by
/// every `*_many` method.
///
/// # Examples
///
/// ```
/// use turnstile::{BoundedSemaphore, OverRelease};
///
/// let sem = BoundedSemaphore::new(1);
/// let permit = sem.acquire();
/// permit.forget();            // acquire() on one path...
/// assert!(sem.release(1).is_ok()); // ...release() on another
/// assert_eq!(
///     sem.release(1),
///     Err(OverRelease { bound: 1, available: 1, held: 0, released: 1 })
/// );
/// assert_eq!(sem.available_permits(), 1);
/// ```
pub struct BoundedSemaphore {
    semaphore: Semaphore,
}

impl BoundedSemaphore {
    const_fn! {
        /// A semaphore with `permits` free permits, and never more.
        ///
        /// ```
        /// let sem = turnstile::BoundedSemaphore::new(3);
        /// assert_eq!((sem.bound(), sem.available_permits()), (3, 3));
        /// ```
        #[must_use]
        #[cfg_attr(feature = "lockdep", track_caller)]
        pub fn new(permits: usize) -> Self {
            Self { semaphore: Semaphore::with_bound(permits, permits, Class::permits("BoundedSemaphore")) }
        }
    }

    /// Takes a permit, waiting while none is free.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _permit = sem.acquire();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.semaphore.acquire()
    }

    /// Waits, in an async task, for a permit; see
    /// [`Semaphore::acquire_async`].
    ///
    /// ```
    /// # use std::task::{Context, Waker};
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let mut one = std::pin::pin!(sem.acquire_async());
    /// assert!(one.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
    /// ```
    pub fn acquire_async(&self) -> SemaphoreAcquire<'_> {
        self.semaphore.acquire_async()
    }

    /// Waits, in an async task, for `n` permits; see
    /// [`Semaphore::acquire_many_async`]. `Err(ExceedsBound)` at once if `n`
    /// is more than the bound, as [`acquire_many`](Self::acquire_many): that
    /// wait would never end.
    ///
    /// ```
    /// # use std::task::{Context, Waker};
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(sem.acquire_many_async(3).is_err());
    /// let mut two = std::pin::pin!(sem.acquire_many_async(2).unwrap());
    /// assert!(two.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
    /// ```
    pub fn acquire_many_async(&self, n: usize) -> Result<SemaphoreAcquire<'_>, ExceedsBound> {
        self.check_request(n)?;
        Ok(self.semaphore.acquire_many_async(n))
    }

    /// Takes a permit if one is free right now.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _first = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire()
    }

    /// Takes a permit, giving up after `timeout`: `Err(Timeout)` if it gave
    /// up.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _held = sem.acquire();
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphorePermit<'_>, Timeout> {
        self.semaphore.acquire_timeout(timeout)
    }

    /// Takes a permit, giving up at `deadline`.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// assert!(sem.acquire_deadline(Instant::now()).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_deadline(&self, deadline: Instant) -> Result<SemaphorePermit<'_>, Timeout> {
        self.semaphore.acquire_deadline(deadline)
    }

    /// Takes `n` permits at once, waiting until `n` are free; an error at
    /// once if `n` is more than the semaphore can ever hold.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(sem.acquire_many(3).is_err()); // could never be granted
    /// assert_eq!(sem.acquire_many(2).unwrap().count(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, ExceedsBound> {
        self.check_request(n)?;
        Ok(self.semaphore.acquire_many(n))
    }

    /// Takes `n` permits if `n` are free right now.
    ///
    /// ```
    /// use turnstile::TryAcquireError;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(matches!(sem.try_acquire_many(3), Err(TryAcquireError::ExceedsBound(_))));
    /// assert!(sem.try_acquire_many(2).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.check_request(n)
            .map_err(TryAcquireError::ExceedsBound)?;
        self.semaphore
            .try_acquire_many(n)
            .ok_or(TryAcquireError::NoPermits)
    }

    /// Takes `n` permits, giving up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::AcquireTimeoutError;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// let too_many = sem.acquire_many_timeout(3, Duration::from_secs(60)); // returns at once
    /// assert!(matches!(too_many, Err(AcquireTimeoutError::ExceedsBound(_))));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        self.check_request(n)
            .map_err(AcquireTimeoutError::ExceedsBound)?;
        self.semaphore
            .acquire_many_timeout(n, timeout)
            .map_err(|Timeout| AcquireTimeoutError::Timeout)
    }

    /// [`acquire`](Self::acquire) for a semaphore in an `Arc`: a permit that
    /// can move (see [`Semaphore::acquire_owned`]).
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(1));
    /// let permit = sem.acquire_owned();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_owned(self: &Arc<Self>) -> OwnedSemaphorePermit<Self> {
        self.acquire().into_owned(self)
    }

    /// [`acquire_many`](Self::acquire_many), with an owned permit; an error
    /// at once if `n` is more than the semaphore can ever hold.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(2));
    /// assert!(sem.acquire_many_owned(3).is_err());
    /// assert_eq!(sem.acquire_many_owned(2).unwrap().count(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_owned(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit<Self>, ExceedsBound> {
        Ok(self.acquire_many(n)?.into_owned(self))
    }

    /// [`try_acquire`](Self::try_acquire), with an owned permit.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(1));
    /// let _first = sem.try_acquire_owned().unwrap();
    /// assert!(sem.try_acquire_owned().is_none());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit<Self>> {
        Some(self.try_acquire()?.into_owned(self))
    }

    /// [`acquire_timeout`](Self::acquire_timeout), with an owned permit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(1));
    /// assert!(sem.acquire_timeout_owned(Duration::ZERO).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout_owned(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<OwnedSemaphorePermit<Self>, Timeout> {
        Ok(self.acquire_timeout(timeout)?.into_owned(self))
    }

    /// Gives back `n` permits taken with [`SemaphorePermit::forget`]. Refused,
    /// with nothing released, if the semaphore would then hold more permits
    /// than it started with, counting those that live permits will give back.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// sem.acquire().forget();
    /// assert!(sem.release(1).is_ok());
    /// assert!(sem.release(1).is_err()); // Python: ValueError
    /// ```
    pub fn release(&self, n: usize) -> Result<(), OverRelease> {
        self.semaphore.add(n)
    }

    /// How many permits are free. A snapshot.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// let _one = sem.acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.semaphore.available_permits()
    }

    /// The number of permits it started with, and can never exceed.
    ///
    /// ```
    /// assert_eq!(turnstile::BoundedSemaphore::new(4).bound(), 4);
    /// ```
    pub fn bound(&self) -> usize {
        self.semaphore.bound
    }

    fn check_request(&self, n: usize) -> Result<(), ExceedsBound> {
        if n > self.bound() {
            return Err(ExceedsBound {
                bound: self.bound(),
                requested: n,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BoundedSemaphore")
            .field("available_permits", &self.available_permits())
            .field("bound", &self.bound())
            .finish()
    }
}

impl AsSemaphore for BoundedSemaphore {}

impl sealed::AsSemaphore for BoundedSemaphore {
    fn semaphore(&self) -> &Semaphore {
        &self.semaphore
    }
}
