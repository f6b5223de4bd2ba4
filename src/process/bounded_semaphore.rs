//! `BoundedSemaphore` for processes: Python's
//! `multiprocessing.BoundedSemaphore`, a [`Semaphore`] that refuses to be
//! released past the number it started with.

use core::fmt;
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::semaphore::OverRelease;
use super::semaphore::Semaphore;
use super::semaphore_permit::{AcquireError, SemaphorePermit};

/// Python's `multiprocessing.BoundedSemaphore`: a process [`Semaphore`]
/// whose free permits never pass its bound; a [`release`](Self::release)
/// that would is an [`OverRelease`] error (Python's `ValueError`), and
/// asking for more than the bound is [`AcquireError::ExceedsBound`]
/// instead of a wait that could never end.
///
/// ```
/// let sem = turnstile::process::BoundedSemaphore::new(1).unwrap();
/// let permit = sem.acquire().unwrap();
/// drop(permit);
/// assert!(sem.release(1).is_err()); // would make 2 of 1
/// ```
#[derive(Clone, Serialize, Deserialize)]
pub struct BoundedSemaphore {
    inner: Semaphore,
}

impl BoundedSemaphore {
    /// A semaphore with `bound` free permits, never more.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region;
    /// `InvalidInput` for a bound of 0 (nothing could ever be taken) or
    /// past `u32::MAX`.
    ///
    /// ```
    /// let sem = turnstile::process::BoundedSemaphore::new(2).unwrap();
    /// assert_eq!(sem.bound(), 2);
    /// ```
    pub fn new(bound: usize) -> io::Result<Self> {
        let limit = u32::try_from(bound)
            .ok()
            .filter(|&b| b != 0)
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "a bounded semaphore needs a bound from 1 to u32::MAX",
                )
            })?;
        Ok(Self {
            inner: Semaphore::with_bound(bound, limit)?,
        })
    }

    /// As [`Semaphore::acquire`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire`].
    ///
    /// ```
    /// let sem = turnstile::process::BoundedSemaphore::new(1).unwrap();
    /// let _permit = sem.acquire().unwrap();
    /// ```
    pub fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.inner.acquire()
    }

    /// As [`Semaphore::acquire_many`]; more than the bound is
    /// [`AcquireError::ExceedsBound`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_many`].
    ///
    /// ```
    /// use turnstile::process::{AcquireError, BoundedSemaphore};
    ///
    /// let sem = BoundedSemaphore::new(2).unwrap();
    /// assert!(matches!(sem.acquire_many(3), Err(AcquireError::ExceedsBound(_))));
    /// ```
    pub fn acquire_many(
        &self,
        n: usize,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.inner.acquire_many(n)
    }

    /// As [`Semaphore::try_acquire`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::try_acquire`].
    ///
    /// ```
    /// let sem = turnstile::process::BoundedSemaphore::new(1).unwrap();
    /// let _held = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.inner.try_acquire()
    }

    /// As [`Semaphore::acquire_timeout`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_timeout`].
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::process::BoundedSemaphore::new(1).unwrap();
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_ok());
    /// ```
    pub fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.inner.acquire_timeout(timeout)
    }

    /// As [`Semaphore::acquire_deadline`].
    ///
    /// # Errors
    ///
    /// As [`Semaphore::acquire_deadline`].
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let sem = turnstile::process::BoundedSemaphore::new(1).unwrap();
    /// assert!(sem.acquire_deadline(Instant::now()).is_ok());
    /// ```
    pub fn acquire_deadline(
        &self,
        deadline: Instant,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.inner.acquire_deadline(deadline)
    }

    /// Gives back `n` permits by hand (for forgotten ones).
    ///
    /// # Errors
    ///
    /// [`OverRelease`] if the free permits would pass the bound.
    ///
    /// ```
    /// let sem = turnstile::process::BoundedSemaphore::new(1).unwrap();
    /// sem.acquire().unwrap().forget();
    /// sem.release(1).unwrap();
    /// assert!(sem.release(1).is_err());
    /// ```
    pub fn release(&self, n: usize) -> Result<(), OverRelease> {
        self.inner.release(n)
    }

    /// Permits free now (a snapshot).
    ///
    /// ```
    /// assert_eq!(turnstile::process::BoundedSemaphore::new(3).unwrap().available_permits(), 3);
    /// ```
    #[must_use]
    pub fn available_permits(&self) -> usize {
        self.inner.available_permits()
    }

    /// The bound it was made with.
    ///
    /// ```
    /// assert_eq!(turnstile::process::BoundedSemaphore::new(5).unwrap().bound(), 5);
    /// ```
    #[must_use]
    pub fn bound(&self) -> usize {
        self.inner.bound()
    }

    /// As [`Semaphore::reclaim`].
    ///
    /// ```
    /// assert_eq!(turnstile::process::BoundedSemaphore::new(1).unwrap().reclaim(), 0);
    /// ```
    pub fn reclaim(&self) -> usize {
        self.inner.reclaim()
    }

    /// As [`Semaphore::reclaimed`].
    ///
    /// ```
    /// assert_eq!(turnstile::process::BoundedSemaphore::new(1).unwrap().reclaimed(), 0);
    /// ```
    #[must_use]
    pub fn reclaimed(&self) -> usize {
        self.inner.reclaimed()
    }
}

impl fmt::Debug for BoundedSemaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::BoundedSemaphore")
            .field("bound", &self.bound())
            .field("available_permits", &self.available_permits())
            .finish()
    }
}
