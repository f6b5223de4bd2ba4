//! `Semaphore` for processes: Python's `multiprocessing.Semaphore`, whose
//! killed holders' permits come back.

use core::fmt;
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::deadline;
use super::super::facade::{Backoff, Ordering, Wait};
use super::super::semaphore::{ExceedsBound, OverRelease};
use super::inner::{self, enter};
#[cfg(doc)]
use super::semaphore_permit::HOLDER_SLOTS;
use super::semaphore_permit::{AcquireError, HELD, PermitOwnerDied, SemaphorePermit, State};
use super::shm::Shared;

/// Python's `multiprocessing.Semaphore`: `n` permits shared by the
/// threads of every process it is passed to, each permit's holder named
/// so that a killed holder's permits come back.
///
/// A permit taken with [`Semaphore::acquire`] is a [`SemaphorePermit`]
/// that claims a holder slot for the taking thread: a
/// robust word the kernel releases when that thread dies. A process that
/// waits for a permit looks at the slots when it starts to wait and every
/// 100 ms after; a slot whose holder is dead is cleared, its permits are
/// free again, and the waiter that found it is told, with its permit, in
/// [`AcquireError::OwnerDied`]. [`Semaphore::reclaimed`] counts them all.
/// Python's semaphore loses a killed holder's permit for good.
///
/// The shared state's counts, the permit, its release and the acquire
/// errors are in `semaphore_permit.rs`.
///
/// Limits: [`HOLDER_SLOTS`] holders are named at once; a permit taken when
/// every slot is in use works the same but is not named (if its holder
/// dies, its permits are lost, as in Python). A permit given up with
/// [`SemaphorePermit::forget`] is not named either: it is the caller's to
/// [`release`](Semaphore::release), Python's manual way.
///
/// ```
/// let sem = turnstile::process::Semaphore::new(2).unwrap();
/// let a = sem.acquire().unwrap();
/// let _b = sem.acquire().unwrap();
/// assert!(sem.try_acquire().is_err());
/// drop(a);
/// assert!(sem.try_acquire().is_ok());
/// ```
// Serialised as its region: a child handed it maps the same state.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Semaphore {
    shared: Shared<State>,
}

impl Semaphore {
    /// A semaphore with `permits` free permits.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region; more
    /// than `u32::MAX` permits is `InvalidInput`.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(3).unwrap();
    /// assert_eq!(sem.available_permits(), 3);
    /// ```
    pub fn new(permits: usize) -> io::Result<Self> {
        Self::with_bound(permits, 0)
    }

    pub(super) fn with_bound(permits: usize, bound: u32) -> io::Result<Self> {
        let permits = u32::try_from(permits).map_err(|_| {
            io::Error::new(io::ErrorKind::InvalidInput, "more than u32::MAX permits")
        })?;
        Ok(Self {
            shared: Shared::new(State::new(permits, bound))?,
        })
    }

    fn state(&self) -> &State {
        &self.shared
    }

    fn enter(&self) -> inner::Entered<'_> {
        let state = self.state();
        let entered = enter(&state.lock, &state.recoveries);
        if entered.repair {
            state.repair();
        }
        entered
    }

    /// Takes a permit, waiting as long as it takes (`acquire()`).
    ///
    /// # Errors
    ///
    /// Only [`AcquireError::OwnerDied`], holding the permit.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(1).unwrap();
    /// let permit = sem.acquire().unwrap();
    /// assert_eq!(sem.available_permits(), 0);
    /// drop(permit);
    /// ```
    pub fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.acquire_until(1, None, true)
    }

    /// Takes `n` permits at once, waiting as long as it takes.
    ///
    /// # Errors
    ///
    /// [`AcquireError::OwnerDied`], holding them;
    /// [`AcquireError::ExceedsBound`] on a bounded semaphore asked for more
    /// than its bound, or for more than `u32::MAX`.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(3).unwrap();
    /// assert_eq!(sem.acquire_many(2).unwrap().count(), 2);
    /// ```
    pub fn acquire_many(
        &self,
        n: usize,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.acquire_until(self.checked(n)?, None, true)
    }

    /// Takes a permit if one is free now (`acquire(block=False)`).
    ///
    /// # Errors
    ///
    /// [`AcquireError::WouldBlock`], or [`AcquireError::OwnerDied`].
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(0).unwrap();
    /// assert!(sem.try_acquire().is_err());
    /// ```
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.acquire_until(1, Some(Instant::now()), false)
    }

    /// Takes a permit within `timeout` (`acquire(timeout=t)`).
    ///
    /// # Errors
    ///
    /// [`AcquireError::Timeout`], or [`AcquireError::OwnerDied`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::process::{AcquireError, Semaphore};
    ///
    /// let sem = Semaphore::new(0).unwrap();
    /// let late = sem.acquire_timeout(Duration::from_millis(5));
    /// assert!(matches!(late, Err(AcquireError::Timeout)));
    /// ```
    pub fn acquire_timeout(
        &self,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.acquire_until(1, deadline::after(timeout), true)
    }

    /// [`acquire_timeout`](Self::acquire_timeout) with a point in time.
    ///
    /// # Errors
    ///
    /// As [`acquire_timeout`](Self::acquire_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let sem = turnstile::process::Semaphore::new(1).unwrap();
    /// assert!(sem.acquire_deadline(Instant::now()).is_ok());
    /// ```
    pub fn acquire_deadline(
        &self,
        deadline: Instant,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        self.acquire_until(1, Some(deadline), true)
    }

    fn checked<P>(&self, n: usize) -> Result<u32, AcquireError<P>> {
        let bound = self.state().bound.load(Ordering::Relaxed);
        let limit = if bound == 0 { u32::MAX } else { bound };
        match u32::try_from(n) {
            Ok(n) if n <= limit => Ok(n),
            _ => Err(AcquireError::ExceedsBound(ExceedsBound {
                bound: limit as usize,
                requested: n,
            })),
        }
    }

    fn acquire_until(
        &self,
        n: u32,
        deadline: Option<Instant>,
        may_sleep: bool,
    ) -> Result<SemaphorePermit<'_>, AcquireError<SemaphorePermit<'_>>> {
        let state = self.state();
        let mut reclaimed = 0_u32;
        let mut counted = false;
        let mut spun = false;
        loop {
            let seen = {
                let _entered = self.enter();
                if counted {
                    state.waiters.fetch_sub(1, Ordering::Relaxed);
                }
                if state.free() < n {
                    reclaimed = reclaimed.wrapping_add(state.reap());
                }
                if state.free() >= n {
                    let permit = self.take(n);
                    return if reclaimed == 0 {
                        Ok(permit)
                    } else {
                        // Permits of the dead may be more than this one.
                        state.wake();
                        Err(AcquireError::OwnerDied(PermitOwnerDied::new(
                            permit, reclaimed,
                        )))
                    };
                }
                if !may_sleep {
                    return Err(AcquireError::WouldBlock);
                }
                if inner::passed(deadline) {
                    return Err(AcquireError::Timeout);
                }
                if !spun {
                    None
                } else {
                    state.waiters.fetch_add(1, Ordering::Relaxed);
                    counted = true;
                    Some(state.returned.load(Ordering::Acquire))
                }
            };
            let Some(seen) = seen else {
                // Spin a little first, outside the lock and uncounted (so a
                // release makes no wake call for us): a permit given back
                // within a microsecond or so then costs neither side a
                // system call, as with the thread semaphore. The count read
                // here is only a hint; the loop takes the permit under the
                // lock.
                spun = true;
                let mut backoff = Backoff::new();
                while state.free() < n && backoff.snooze() {}
                continue;
            };
            // Woken, a slice's end or the deadline: the loop looks at the
            // count, the slots and the clock again under the lock.
            let _: Wait = state
                .returned
                .wait_while_equal(seen, Some(inner::slice_end(deadline)));
        }
    }

    /// Takes `n` free permits; under the internal lock.
    fn take(&self, n: u32) -> SemaphorePermit<'_> {
        let state = self.state();
        let slot = if n == 0 {
            None
        } else {
            inner::claim(&state.slots, HELD, n)
        };
        if slot.is_some() {
            state.add_held(n);
        } else {
            state
                .total
                .store(state.total.load(Ordering::Relaxed) - n, Ordering::Relaxed);
        }
        SemaphorePermit::new(state, slot, n)
    }

    /// Adds `n` permits (`release()`, Python's by hand: for permits
    /// given up with [`SemaphorePermit::forget`] or taken elsewhere).
    ///
    /// # Errors
    ///
    /// On a bounded semaphore, [`OverRelease`] if the permits would pass
    /// the bound once those held come back by themselves (permits held
    /// unnamed, past [`HOLDER_SLOTS`] holders, are not counted there); a
    /// plain one refuses only to pass `u32::MAX`.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(0).unwrap();
    /// sem.release(2).unwrap();
    /// assert_eq!(sem.available_permits(), 2);
    /// ```
    pub fn release(&self, n: usize) -> Result<(), OverRelease> {
        let state = self.state();
        {
            let _entered = self.enter();
            let bound = state.bound.load(Ordering::Relaxed);
            let limit = if bound == 0 { u32::MAX } else { bound };
            // `total` counts the free permits and those held by named
            // permits, which come back by themselves: a bounded semaphore
            // refuses a release that would pass its bound once they have.
            let total = state.total.load(Ordering::Relaxed);
            let new_total = u32::try_from(n)
                .ok()
                .and_then(|n| total.checked_add(n))
                .filter(|&t| t <= limit);
            let Some(new_total) = new_total else {
                return Err(OverRelease {
                    bound: limit as usize,
                    available: state.free() as usize,
                    held: state.held() as usize,
                    released: n,
                });
            };
            state.total.store(new_total, Ordering::Relaxed);
            state.returned.fetch_add(1, Ordering::Release);
        }
        state.wake();
        Ok(())
    }

    /// Permits free now. A snapshot; a dead holder's permits count as
    /// held until a waiter (or [`reclaim`](Self::reclaim)) finds them.
    ///
    /// ```
    /// assert_eq!(turnstile::process::Semaphore::new(4).unwrap().available_permits(), 4);
    /// ```
    #[must_use]
    pub fn available_permits(&self) -> usize {
        let _entered = self.enter();
        self.state().free() as usize
    }

    /// Looks for holders that died holding permits now, and frees their
    /// permits; returns how many came back.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(1).unwrap();
    /// assert_eq!(sem.reclaim(), 0); // nobody died
    /// ```
    pub fn reclaim(&self) -> usize {
        let back = {
            let _entered = self.enter();
            self.state().reap()
        };
        if back != 0 {
            self.state().wake();
        }
        back as usize
    }

    pub(super) fn bound(&self) -> usize {
        self.state().bound.load(Ordering::Relaxed) as usize
    }

    /// Permits of dead holders freed so far, in all.
    ///
    /// ```
    /// assert_eq!(turnstile::process::Semaphore::new(1).unwrap().reclaimed(), 0);
    /// ```
    #[must_use]
    pub fn reclaimed(&self) -> usize {
        self.state().reclaimed.load(Ordering::Relaxed) as usize
    }

    /// How often a process died inside the semaphore's own few
    /// instructions and the next one finished its update.
    ///
    /// ```
    /// assert_eq!(turnstile::process::Semaphore::new(1).unwrap().recoveries(), 0);
    /// ```
    #[must_use]
    pub fn recoveries(&self) -> usize {
        self.state().recoveries.load(Ordering::Relaxed) as usize
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Semaphore")
            .field("available_permits", &self.available_permits())
            .field("reclaimed", &self.reclaimed())
            .finish()
    }
}
