//! Counting semaphores: Python's `threading.Semaphore` and
//! `BoundedSemaphore`.
//!
//! A semaphore holds a number of permits. [`acquire`](Semaphore::acquire)
//! takes one, waiting while there are none; dropping the returned
//! [`SemaphorePermit`] gives it back. The notes' picture: a car park with
//! five spaces and twenty-five cars. Use a semaphore to cap how many threads
//! do something at once (connections, downloads); use a [`Mutex`] when that
//! number is one and there is data to protect.
//!
//! | Python (`threading`)                 | turnstile                                   |
//! |--------------------------------------|---------------------------------------------|
//! | `sem = Semaphore(5)`                 | `let sem = Semaphore::new(5);`              |
//! | `with sem: ...`                      | `let _permit = sem.acquire();`              |
//! | `sem.acquire(blocking=False)`        | `sem.try_acquire()` → `Option`              |
//! | `sem.acquire(timeout=t)`             | `sem.acquire_timeout(t)` → `Option`         |
//! | `sem.acquire()` ... `sem.release()`  | `sem.acquire().forget()` ... `sem.release(1)` |
//! | `sem.release(n)`                     | `sem.release(n)` (or `add_permits(n)`)      |
//! | `sem._value`                         | `sem.available_permits()`                   |
//! | `BoundedSemaphore(5)`                | `BoundedSemaphore::new(5)`                  |
//! | `ValueError` on over-release         | `Err(OverRelease)` from `release`           |
//!
//! **Not FIFO.** A thread that arrives while permits are free takes one even
//! if others are waiting to be woken, and waiters are not served in arrival
//! order. That keeps throughput high; a waiter can be overtaken but is never
//! left asleep while permits it can use are free.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use turnstile::{Mutex, Semaphore};
//!
//! // Twenty-five cars, five parking spaces.
//! let spaces = Arc::new(Semaphore::new(5));
//! let parked = Arc::new(Mutex::new(0));
//! let cars: Vec<_> = (0..25)
//!     .map(|_| {
//!         let (spaces, parked) = (Arc::clone(&spaces), Arc::clone(&parked));
//!         thread::spawn(move || {
//!             let _space = spaces.acquire();
//!             *parked.lock() += 1;
//!             assert!(*parked.lock() <= 5);
//!             *parked.lock() -= 1;
//!         })
//!     })
//!     .collect();
//! for car in cars {
//!     car.join().unwrap();
//! }
//! assert_eq!(spaces.available_permits(), 5);
//! ```

use core::fmt;
use std::time::Duration;

use super::condvar::Condvar;
use super::facade::const_fn;
use super::mutex::{Mutex, MutexGuard};

/// A counting semaphore. See the [module docs](self).
///
/// # Examples
///
/// ```
/// use turnstile::Semaphore;
///
/// static DOWNLOADS: Semaphore = Semaphore::new(3); // at most three at once
/// let _slot = DOWNLOADS.acquire();
/// assert_eq!(DOWNLOADS.available_permits(), 2);
/// ```
pub struct Semaphore {
    state: Mutex<Counts>,
    released: Condvar,
}

/// What the semaphore's lock protects.
struct Counts {
    /// Permits free to take.
    available: usize,
    /// Permits taken and held by live [`SemaphorePermit`]s, which give them
    /// back on drop. A [`BoundedSemaphore`] counts them as spoken for: only
    /// permits that were taken *and forgotten* may be released into it.
    held: usize,
    /// Waiters that want more than one permit. While there are any, a release
    /// wakes every waiter: waking `n` might wake only big waiters that go back
    /// to sleep, and leave small ones asleep beside free permits.
    greedy_waiters: usize,
}

// # Implementation notes
//
// CPython's Semaphore: a Condition and a counter. acquire waits while too few
// permits are free, then takes them; release adds permits and notifies. The
// lock makes "check the count" and "take the permits" one step; see the
// broken twin `CheckThenTakeSemaphore` for what happens when they are two.

impl Semaphore {
    const_fn! {
        /// A semaphore with `permits` free permits.
        ///
        /// ```
        /// assert_eq!(turnstile::Semaphore::new(5).available_permits(), 5);
        /// ```
        #[must_use]
        pub fn new(permits: usize) -> Self {
            Self {
                state: Mutex::new(Counts { available: permits, held: 0, greedy_waiters: 0 }),
                released: Condvar::new(),
            }
        }
    }

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
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes a permit, giving up after `timeout`; `None` if it gave up.
    /// A zero timeout behaves like [`try_acquire`](Self::try_acquire);
    /// `Duration::MAX` waits without limit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::Semaphore::new(0);
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_none());
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.acquire_many_timeout(1, timeout)
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
    pub fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        let taken = self.take(n, None);
        debug_assert!(taken, "a wait without deadline only ends with the permits");
        self.permit(n)
    }

    /// Takes `n` permits if `n` are free right now.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none());
    /// assert_eq!(sem.available_permits(), 2); // a refusal takes nothing
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        let mut counts = self.state.lock();
        if counts.available < n {
            return None;
        }
        counts.take(n);
        Some(self.permit(n))
    }

    /// Takes `n` permits, giving up after `timeout`; `None` if it gave up.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::Semaphore::new(1);
    /// assert!(sem.acquire_many_timeout(2, Duration::from_millis(5)).is_none());
    /// ```
    pub fn acquire_many_timeout(&self, n: usize, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        // `then`, not `then_some`: a permit built for a wait that timed out
        // would be dropped on the spot and give back permits never taken.
        self.take(n, Some(timeout)).then(|| self.permit(n))
    }

    /// Adds `n` permits and wakes waiters that can use them. Python's
    /// `release(n)`: the permits need not have come from `acquire` (see
    /// [`SemaphorePermit::forget`]).
    ///
    /// # Panics
    ///
    /// If the count would pass `usize::MAX`: that many permits is a bug in
    /// the caller. [`BoundedSemaphore::release`] returns an error instead.
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(0);
    /// sem.release(2);
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    #[inline]
    pub fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut counts = self.state.lock();
        counts.available = counts
            .available
            .checked_add(n)
            .expect("Semaphore::release: the permit count would overflow usize");
        self.wake_for(&counts, n);
    }

    /// The same as [`release`](Self::release), under the name tokio uses.
    ///
    /// # Panics
    ///
    /// As [`release`](Self::release).
    ///
    /// # Examples
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(1);
    /// sem.add_permits(4);
    /// assert_eq!(sem.available_permits(), 5);
    /// ```
    pub fn add_permits(&self, n: usize) {
        self.release(n);
    }

    /// How many permits are free. A snapshot.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(2);
    /// let _one = sem.acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.state.lock().available
    }

    /// The guard for `n` permits that this thread has just taken.
    #[inline]
    fn permit(&self, n: usize) -> SemaphorePermit<'_> {
        SemaphorePermit {
            semaphore: self,
            count: n,
        }
    }

    /// Waits until `n` permits are free and takes them. Returns `false` if
    /// `timeout` (`None`: no limit) passed first, having taken nothing.
    #[inline]
    fn take(&self, n: usize, timeout: Option<Duration>) -> bool {
        let mut counts = self.state.lock();
        if counts.available >= n {
            counts.take(n);
            return true;
        }
        self.take_after_waiting(counts, n, timeout)
    }

    /// The slow half of `take`: too few permits are free, so wait.
    #[cold]
    #[inline(never)]
    fn take_after_waiting(
        &self,
        mut counts: MutexGuard<'_, Counts>,
        n: usize,
        timeout: Option<Duration>,
    ) -> bool {
        if n > 1 {
            counts.greedy_waiters += 1;
        }
        let enough = match timeout {
            None => {
                self.released
                    .wait_while(&mut counts, |counts| counts.available < n);
                true
            }
            Some(timeout) => self
                .released
                .wait_timeout_while(&mut counts, timeout, |counts| counts.available < n),
        };
        if n > 1 {
            counts.greedy_waiters -= 1;
        }
        if enough {
            counts.take(n);
        }
        enough
    }

    /// A permit's drop: its `n` permits go from held back to free.
    #[inline]
    fn give_back(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut counts = self.state.lock();
        counts.held -= n;
        counts.available += n;
        self.wake_for(&counts, n);
    }

    /// Wakes the waiters that `added` new permits may satisfy.
    #[inline]
    fn wake_for(&self, counts: &Counts, added: usize) {
        if counts.greedy_waiters > 0 {
            self.released.notify_all();
        } else {
            self.released.notify(added);
        }
    }
}

impl Counts {
    /// Moves `n` free permits into a permit guard.
    #[inline]
    fn take(&mut self, n: usize) {
        self.available -= n;
        self.held += n;
    }
}

impl Default for Semaphore {
    /// A semaphore with one permit, as Python's `Semaphore()`.
    fn default() -> Self {
        Self::new(1)
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("available_permits", &self.available_permits())
            .finish()
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
    semaphore: &'a Semaphore,
    count: usize,
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
        self.semaphore.state.lock().held -= count;
        core::mem::forget(self);
        count
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.give_back(self.count);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("count", &self.count)
            .finish()
    }
}

/// A semaphore that refuses to hold more permits than it started with:
/// Python's `BoundedSemaphore`. Releasing one permit too many is almost
/// always a bug (a double release), so it is reported instead of silently
/// raising the limit.
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
    bound: usize,
}

/// The error of a release that would put a [`BoundedSemaphore`] above the
/// number of permits it started with (Python: `ValueError: Semaphore released
/// too many times`). Nothing was released.
///
/// Permits held by a live [`SemaphorePermit`] count as spoken for: they come
/// back when the permit drops, so releasing them by hand as well is one
/// release too many, refused here rather than pushing the semaphore past its
/// bound later.
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

impl BoundedSemaphore {
    const_fn! {
        /// A semaphore with `permits` free permits, and never more.
        ///
        /// ```
        /// let sem = turnstile::BoundedSemaphore::new(3);
        /// assert_eq!((sem.bound(), sem.available_permits()), (3, 3));
        /// ```
        #[must_use]
        pub fn new(permits: usize) -> Self {
            Self { semaphore: Semaphore::new(permits), bound: permits }
        }
    }

    /// Takes a permit, waiting while none is free.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _permit = sem.acquire();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.semaphore.acquire()
    }

    /// Takes a permit if one is free right now.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _first = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire()
    }

    /// Takes a permit, giving up after `timeout`; `None` if it gave up.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _held = sem.acquire();
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_none());
    /// ```
    pub fn acquire_timeout(&self, timeout: Duration) -> Option<SemaphorePermit<'_>> {
        self.semaphore.acquire_timeout(timeout)
    }

    /// Takes `n` permits at once, waiting until `n` are free; an error if
    /// `n` is more than the semaphore can ever hold.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(sem.acquire_many(3).is_err()); // could never be granted
    /// assert_eq!(sem.acquire_many(2).unwrap().count(), 2);
    /// ```
    pub fn acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, ExceedsBound> {
        self.check_request(n)?;
        Ok(self.semaphore.acquire_many(n))
    }

    /// Takes `n` permits if `n` are free right now (never, if `n` is above
    /// the bound).
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none());
    /// assert!(sem.try_acquire_many(2).is_some());
    /// ```
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire_many(n)
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
        if n == 0 {
            return Ok(());
        }
        let semaphore = &self.semaphore;
        let mut counts = semaphore.state.lock();
        // Never more than `bound` free or held: `available + held <= bound`.
        let forgotten = self.bound.saturating_sub(counts.available + counts.held);
        if n > forgotten {
            return Err(OverRelease {
                bound: self.bound,
                available: counts.available,
                held: counts.held,
                released: n,
            });
        }
        counts.available += n;
        semaphore.wake_for(&counts, n);
        Ok(())
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
        self.bound
    }

    fn check_request(&self, n: usize) -> Result<(), ExceedsBound> {
        if n > self.bound {
            return Err(ExceedsBound {
                bound: self.bound,
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
            .field("bound", &self.bound)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::facade::{Arc, run_test, thread};
    use super::Semaphore;

    /// `greedy_waiters` counts waiters for more than one permit while they
    /// wait, and only those: a count left behind would make every later
    /// release wake every waiter. (Nothing outside can see the count; a
    /// stale one only costs wake-ups, which is why this is a unit test.)
    #[test]
    fn greedy_waiters_are_counted_only_while_they_wait() {
        for wanted in [1, 2] {
            run_test(move || {
                let semaphore = Arc::new(Semaphore::new(0));
                let waiter = {
                    let semaphore = Arc::clone(&semaphore);
                    thread::spawn(move || semaphore.acquire_many(wanted).forget())
                };
                semaphore.release(wanted);
                waiter.join().unwrap();
                assert_eq!(semaphore.state.lock().greedy_waiters, 0);
            });
        }
    }
}
