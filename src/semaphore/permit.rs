//! [`SemaphorePermit`], the guard of permits taken from a [`Semaphore`],
//! and the blocking acquire methods that hand it out. The count and the
//! wait they use are in `counting.rs`; a permit that holds an `Arc` instead
//! of a borrow is in `owned.rs`.

use core::fmt;
use std::time::{Duration, Instant};

use super::super::deadline;
use super::super::lockdep;
use super::super::timeout::Timeout;
use super::counting::Semaphore;

impl Semaphore {
    /// Takes a permit, waiting while none is free.
    ///
    /// ```
    /// let parking = turnstile::Semaphore::new(1);
    /// {
    ///     let _space = parking.acquire(); // `with sem:`
    ///     assert_eq!(parking.available_permits(), 0);
    /// }
    /// assert_eq!(parking.available_permits(), 1);
    /// ```
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.acquire_many(1)
    }

    /// Takes a permit if one is free right now.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(1);
    /// let first = sem.try_acquire();
    /// assert!(first.is_some());
    /// assert!(sem.try_acquire().is_none());
    /// ```
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes a permit, giving up after `timeout`: `Err(Timeout)` if it gave
    /// up. A zero timeout behaves like [`try_acquire`](Self::try_acquire);
    /// `Duration::MAX` waits without limit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::Semaphore::new(0);
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphorePermit<'_>, Timeout> {
        self.acquire_many_timeout(1, timeout)
    }

    /// Takes a permit, giving up at `deadline`: `Err(Timeout)` if it gave up.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let sem = turnstile::Semaphore::new(1);
    /// assert!(sem.acquire_deadline(Instant::now()).is_ok()); // free: no wait
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_deadline(&self, deadline: Instant) -> Result<SemaphorePermit<'_>, Timeout> {
        self.take(1, Some(deadline))?;
        Ok(self.permit(1))
    }

    /// Takes `n` permits at once, waiting until `n` are free. `n == 0`
    /// returns at once. The permits are taken together or not at all, so two
    /// threads asking for many cannot each hold half and wait for the rest.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(4);
    /// let three = sem.acquire_many(3);
    /// assert_eq!((three.count(), sem.available_permits()), (3, 1));
    /// ```
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        let taken = self.take(n, None);
        debug_assert!(
            taken.is_ok(),
            "a wait without deadline only ends with the permits"
        );
        self.permit(n)
    }

    /// Takes `n` permits if `n` are free right now.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none());
    /// assert_eq!(sem.available_permits(), 2); // a refusal takes nothing
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.try_take(n).then(|| self.permit(n))
    }

    /// Takes `n` permits, giving up after `timeout`: `Err(Timeout)` if it
    /// gave up, having taken none.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::Semaphore::new(1);
    /// assert!(sem.acquire_many_timeout(2, Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, Timeout> {
        // The permit is built only once the permits are taken: one built for
        // a wait that timed out would be dropped on the spot and give back
        // permits never taken.
        self.take(n, deadline::after(timeout))?;
        Ok(self.permit(n))
    }

    /// The guard for `n` permits that this thread has just taken.
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn permit(&self, n: usize) -> SemaphorePermit<'_> {
        lockdep::locked(&self.class, self.id(), lockdep::caller());
        SemaphorePermit {
            semaphore: self,
            count: n,
        }
    }
}

/// Permits taken from a semaphore; dropping it gives them back.
///
/// # Examples
///
/// ```
/// let sem = turnstile::Semaphore::new(2);
/// let permit = sem.acquire_many(2);
/// drop(permit); // both come back
/// assert_eq!(sem.available_permits(), 2);
/// ```
#[must_use = "if unused the permit is given back at once"]
pub struct SemaphorePermit<'a> {
    pub(super) semaphore: &'a Semaphore,
    pub(super) count: usize,
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(3);
    /// assert_eq!(sem.acquire_many(2).count(), 2);
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// Keeps the permits taken without giving them back on drop, and returns
    /// how many: for code that releases on another path, as Python's
    /// `acquire()` ... `release()`. Give them back with
    /// [`Semaphore::release`].
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(1);
    /// let taken = sem.acquire().forget(); // Python: sem.acquire()
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release(taken); // Python: sem.release(), on another path
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[inline]
    pub fn forget(self) -> usize {
        let count = self.count;
        self.semaphore.forget_held(count);
        lockdep::unlocked(&self.semaphore.class, self.semaphore.id());
        core::mem::forget(self);
        count
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.give_back(self.count);
        lockdep::unlocked(&self.semaphore.class, self.semaphore.id());
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("count", &self.count)
            .finish()
    }
}
