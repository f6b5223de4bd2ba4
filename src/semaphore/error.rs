//! The errors of [`BoundedSemaphore`](super::BoundedSemaphore)
//! (`bounded.rs`): a release past the bound, and a request no wait could
//! ever grant. [`OverRelease`] is also what the counted release in
//! `counting.rs` returns.

use core::fmt;

use super::super::timeout::Timeout;

/// The error of a release that would put a [`BoundedSemaphore`] above the
/// number of permits it started with (Python: `ValueError: Semaphore released
/// too many times`). Nothing was released.
///
/// Permits held by a live [`SemaphorePermit`] count as spoken for: they come
/// back when the permit drops, so releasing them by hand as well is one
/// release too many, refused here rather than pushing the semaphore past its
/// bound later.
///
/// [`BoundedSemaphore`]: super::BoundedSemaphore
/// [`SemaphorePermit`]: super::SemaphorePermit
///
/// ```
/// let sem = turnstile::BoundedSemaphore::new(2);
/// let _permit = sem.acquire();
/// let error = sem.release(1).unwrap_err();
/// assert_eq!((error.bound, error.available, error.held, error.released), (2, 1, 1, 1));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OverRelease {
    /// The number of permits the semaphore started with.
    pub bound: usize,
    /// Permits free when the release was refused.
    pub available: usize,
    /// Permits held by live [`SemaphorePermit`]s then, which will come back
    /// by themselves.
    ///
    /// [`SemaphorePermit`]: super::SemaphorePermit
    pub held: usize,
    /// How many the refused call tried to release.
    pub released: usize,
}

impl fmt::Display for OverRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "semaphore released too many times: releasing {} with {} of {} permits free and {} held by permits that give them back on drop",
            self.released, self.available, self.bound, self.held
        )
    }
}

impl std::error::Error for OverRelease {}

/// The error of asking a [`BoundedSemaphore`] for more permits than it can
/// ever have: such a wait would never end.
///
/// [`BoundedSemaphore`]: super::BoundedSemaphore
///
/// ```
/// let sem = turnstile::BoundedSemaphore::new(2);
/// let error = sem.acquire_many(3).unwrap_err();
/// assert_eq!((error.bound, error.requested), (2, 3));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExceedsBound {
    /// The number of permits the semaphore started with.
    pub bound: usize,
    /// How many were asked for.
    pub requested: usize,
}

impl fmt::Display for ExceedsBound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "asked for {} permits from a semaphore bounded at {}: the wait would never end",
            self.requested, self.bound
        )
    }
}

impl std::error::Error for ExceedsBound {}

/// Why [`BoundedSemaphore::try_acquire_many`] took nothing.
///
/// [`BoundedSemaphore::try_acquire_many`]: super::BoundedSemaphore::try_acquire_many
///
/// ```
/// use turnstile::{BoundedSemaphore, TryAcquireError};
///
/// let sem = BoundedSemaphore::new(2);
/// let _one = sem.acquire();
/// assert_eq!(sem.try_acquire_many(2).unwrap_err(), TryAcquireError::NoPermits);
/// assert!(matches!(sem.try_acquire_many(3), Err(TryAcquireError::ExceedsBound(_))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// Too few permits are free right now.
    NoPermits,
    /// More were asked for than the semaphore can ever hold.
    ExceedsBound(ExceedsBound),
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPermits => f.write_str("too few permits are free"),
            Self::ExceedsBound(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TryAcquireError {}

/// Why [`BoundedSemaphore::acquire_many_timeout`] took nothing.
///
/// [`BoundedSemaphore::acquire_many_timeout`]: super::BoundedSemaphore::acquire_many_timeout
///
/// ```
/// use std::time::Duration;
/// use turnstile::{AcquireTimeoutError, BoundedSemaphore};
///
/// let sem = BoundedSemaphore::new(2);
/// let _one = sem.acquire();
/// let late = sem.acquire_many_timeout(2, Duration::from_millis(5));
/// assert_eq!(late.unwrap_err(), AcquireTimeoutError::Timeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcquireTimeoutError {
    /// The time ran out before enough permits were free.
    Timeout,
    /// More were asked for than the semaphore can ever hold.
    ExceedsBound(ExceedsBound),
}

impl fmt::Display for AcquireTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => Timeout.fmt(f),
            Self::ExceedsBound(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for AcquireTimeoutError {}
