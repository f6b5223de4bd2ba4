//! A barrier: Python's `threading.Barrier`, where a fixed number of threads
//! wait for each other.
//!
//! Each of `parties` threads calls [`wait`](Barrier::wait); none returns until
//! all have arrived, and then all go on together. The barrier then fills
//! again for the next round. If a party gives up (a timeout) or someone calls
//! [`abort`](Barrier::abort), the barrier is *broken*: every waiter, and every
//! later arrival, gets [`BarrierError::Broken`] until [`reset`](Barrier::reset).
//! A barrier suits rounds of work ("everyone finishes step 1 before anyone
//! starts step 2"); an [`Event`](super::event::Event) suits one-off news.
//!
//! | Python (`threading`)                 | turnstile                               |
//! |--------------------------------------|-----------------------------------------|
//! | `b = Barrier(3)`                     | `let b = Barrier::new(3)?;`             |
//! | `Barrier(0)` → `ValueError`          | `Err(ZeroParties)`                      |
//! | `i = b.wait()`                       | `let r = b.wait()?; r.index()`          |
//! | `b.wait(timeout=t)`                  | `b.wait_timeout(t)`                     |
//! | `BrokenBarrierError`                 | `Err(BarrierError::Broken)` (or `Timeout` for the one that timed out) |
//! | `b.abort()` / `b.reset()`            | `b.abort()` / `b.reset()`               |
//! | `b.parties`, `b.n_waiting`, `b.broken` | `b.parties()`, `b.n_waiting()`, `b.is_broken()` |
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use turnstile::Barrier;
//!
//! let barrier = Arc::new(Barrier::new(3).unwrap());
//! let workers: Vec<_> = (0..3)
//!     .map(|_| {
//!         let barrier = Arc::clone(&barrier);
//!         thread::spawn(move || barrier.wait().unwrap().is_leader())
//!     })
//!     .collect();
//! let leaders = workers.into_iter().map(|w| w.join().unwrap()).filter(|&l| l).count();
//! assert_eq!(leaders, 1, "exactly one thread is told it released the barrier");
//! ```

use core::fmt;
use std::time::Duration;

use super::condvar::Condvar;
use super::mutex::{Mutex, MutexGuard};

/// Threads that wait for each other. See the [module docs](self).
///
/// # Examples
///
/// ```
/// use turnstile::Barrier;
///
/// let barrier = Barrier::new(1)?; // one party: never waits
/// assert!(barrier.wait()?.is_leader());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Barrier {
    parties: usize,
    state: Mutex<State>,
    changed: Condvar,
}

/// Where the barrier is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Taking arrivals for the current round.
    Filling,
    /// The round is complete; released threads are leaving. New arrivals
    /// wait until the last one has left, so a slow leaver still sees the
    /// phase that released it. Neither `abort` nor `reset` takes that away:
    /// the round completed before they came.
    Draining {
        /// `abort` came during the drain: the barrier breaks as soon as the
        /// last released thread has left.
        then_broken: bool,
    },
    /// `reset` was called with threads waiting; they are leaving with
    /// `Broken`. New arrivals wait until they have.
    Resetting,
    /// A party timed out or `abort` was called: every wait fails until
    /// `reset`.
    Broken,
}

impl Phase {
    /// A round is closing: released (or reset) threads are still leaving.
    /// Arrivals wait for it to end; the last thread out reopens the barrier.
    fn is_closing(self) -> bool {
        matches!(self, Self::Draining { .. } | Self::Resetting)
    }

    /// Broken, or about to be once a drain that an `abort` came too late for
    /// has ended.
    fn is_broken(self) -> bool {
        matches!(self, Self::Broken | Self::Draining { then_broken: true })
    }
}

// Transitions (all under the lock):
//   Filling   -> Draining   the last party arrives
//   Filling   -> Broken     a waiter times out, or abort()
//   Draining  -> Filling    the last released thread leaves
//   Draining{then_broken} -> Broken   ... after abort() during the drain
//   Draining  -> Draining   abort() marks it then_broken; reset() unmarks it
//   Resetting -> Filling    the last reset waiter leaves
//   Filling/Resetting/Broken -> Resetting   reset() with threads inside
//   Filling/Resetting/Broken -> Filling     reset() with no thread inside
//   Filling/Resetting/Broken -> Broken      abort()
// A drain is never cut short: the threads in it were released (CPython's
// reset likewise leaves a draining round alone).

struct State {
    phase: Phase,
    /// Threads inside `wait`: arrived and not yet left.
    inside: usize,
}

/// The error of building a barrier for zero parties, which could never
/// release anyone (Python: `ValueError`).
///
/// ```
/// assert_eq!(turnstile::Barrier::new(0).unwrap_err(), turnstile::ZeroParties);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZeroParties;

impl fmt::Display for ZeroParties {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a barrier needs at least one party")
    }
}

impl std::error::Error for ZeroParties {}

/// Why a [`Barrier::wait`] did not end with the barrier released.
///
/// ```
/// use turnstile::{Barrier, BarrierError};
///
/// let barrier = Barrier::new(2).unwrap();
/// barrier.abort();
/// assert_eq!(barrier.wait(), Err(BarrierError::Broken));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BarrierError {
    /// The barrier is broken, or was broken or reset while this thread
    /// waited (Python's `BrokenBarrierError`).
    Broken,
    /// This thread's timeout passed first. Its giving up broke the barrier
    /// for the others, as in Python.
    Timeout,
}

impl fmt::Display for BarrierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Broken => "the barrier is broken",
            Self::Timeout => "timed out waiting at the barrier, which is now broken",
        })
    }
}

impl std::error::Error for BarrierError {}

/// How a successful [`Barrier::wait`] went for this thread.
///
/// ```
/// let result = turnstile::Barrier::new(1).unwrap().wait().unwrap();
/// assert_eq!((result.index(), result.is_leader()), (0, true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    index: usize,
    parties: usize,
}

impl BarrierWaitResult {
    /// The order of arrival in this round, from 0 to `parties - 1` (what
    /// Python's `wait()` returns).
    ///
    /// ```
    /// assert_eq!(turnstile::Barrier::new(1).unwrap().wait().unwrap().index(), 0);
    /// ```
    pub fn index(&self) -> usize {
        self.index
    }

    /// Whether this thread arrived last and released the others: exactly one
    /// thread per round is the leader.
    ///
    /// ```
    /// assert!(turnstile::Barrier::new(1).unwrap().wait().unwrap().is_leader());
    /// ```
    pub fn is_leader(&self) -> bool {
        self.index + 1 == self.parties
    }
}

impl Barrier {
    /// A barrier for `parties` threads; an error if `parties` is 0.
    ///
    /// ```
    /// assert!(turnstile::Barrier::new(3).is_ok());
    /// assert!(turnstile::Barrier::new(0).is_err());
    /// ```
    pub fn new(parties: usize) -> Result<Self, ZeroParties> {
        if parties == 0 {
            return Err(ZeroParties);
        }
        Ok(Self {
            parties,
            state: Mutex::new(State {
                phase: Phase::Filling,
                inside: 0,
            }),
            changed: Condvar::new(),
        })
    }

    /// Waits until all parties have arrived.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// let barrier = Arc::new(turnstile::Barrier::new(2).unwrap());
    /// let other = {
    ///     let barrier = Arc::clone(&barrier);
    ///     thread::spawn(move || barrier.wait().unwrap().index())
    /// };
    /// let mine = barrier.wait().unwrap().index();
    /// let theirs = other.join().unwrap();
    /// assert_eq!(mine + theirs, 1); // arrival order 0 and 1
    /// ```
    pub fn wait(&self) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_inner(None)
    }

    /// Waits until all parties have arrived, giving up after `timeout`;
    /// giving up breaks the barrier for everyone (as in Python). A zero
    /// timeout succeeds only for the last party to arrive.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::{Barrier, BarrierError};
    ///
    /// let barrier = Barrier::new(2).unwrap();
    /// assert_eq!(barrier.wait_timeout(Duration::from_millis(5)), Err(BarrierError::Timeout));
    /// assert!(barrier.is_broken()); // giving up broke it for everyone
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_inner(Some(timeout))
    }

    /// Breaks the barrier: every waiting thread, and every later one, gets
    /// [`BarrierError::Broken`] until [`reset`](Self::reset). A round that
    /// has already been released completes: its threads still get `Ok`.
    ///
    /// ```
    /// let barrier = turnstile::Barrier::new(2).unwrap();
    /// barrier.abort();
    /// assert!(barrier.is_broken());
    /// ```
    pub fn abort(&self) {
        let mut state = self.state.lock();
        state.phase = match state.phase {
            Phase::Draining { .. } => Phase::Draining { then_broken: true },
            _ => Phase::Broken,
        };
        self.changed.notify_all();
    }

    /// Returns the barrier to its empty, unbroken state. Threads waiting now
    /// get [`BarrierError::Broken`]; threads arriving after they have left
    /// start a fresh round. A round that has already been released completes
    /// (its threads get `Ok`), and the barrier is open again once they have
    /// left.
    ///
    /// ```
    /// let barrier = turnstile::Barrier::new(1).unwrap();
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(barrier.wait().is_ok());
    /// ```
    pub fn reset(&self) {
        let mut state = self.state.lock();
        state.phase = match state.phase {
            // Released threads are leaving; the last reopens the barrier.
            Phase::Draining { .. } => Phase::Draining { then_broken: false },
            _ if state.inside > 0 => Phase::Resetting,
            _ => Phase::Filling,
        };
        self.changed.notify_all();
    }

    /// The number of threads needed to release the barrier.
    ///
    /// ```
    /// assert_eq!(turnstile::Barrier::new(4).unwrap().parties(), 4);
    /// ```
    pub fn parties(&self) -> usize {
        self.parties
    }

    /// How many threads are waiting in the current round. A snapshot.
    ///
    /// ```
    /// assert_eq!(turnstile::Barrier::new(2).unwrap().n_waiting(), 0);
    /// ```
    pub fn n_waiting(&self) -> usize {
        let state = self.state.lock();
        if state.phase == Phase::Filling {
            state.inside
        } else {
            0
        }
    }

    /// Whether the barrier is broken. A snapshot.
    ///
    /// ```
    /// assert!(!turnstile::Barrier::new(2).unwrap().is_broken());
    /// ```
    pub fn is_broken(&self) -> bool {
        self.state.lock().phase.is_broken()
    }

    fn wait_inner(&self, timeout: Option<Duration>) -> Result<BarrierWaitResult, BarrierError> {
        let mut state = self.state.lock();
        // Wait for the previous round to drain, or a reset to finish.
        self.changed
            .wait_while(&mut state, |state| state.phase.is_closing());
        if state.phase.is_broken() {
            return Err(BarrierError::Broken);
        }
        let index = state.inside;
        state.inside += 1;
        let outcome = if index + 1 == self.parties {
            state.phase = Phase::Draining { then_broken: false };
            self.changed.notify_all();
            Ok(())
        } else {
            self.wait_for_release(&mut state, timeout)
        };
        // Leave: the last one out of a drained or reset round reopens it
        // (or breaks it, if an abort came during the drain).
        state.inside -= 1;
        if state.inside == 0 && state.phase.is_closing() {
            state.phase = if state.phase.is_broken() {
                Phase::Broken
            } else {
                Phase::Filling
            };
            self.changed.notify_all();
        }
        outcome.map(|()| BarrierWaitResult {
            index,
            parties: self.parties,
        })
    }

    /// Sleeps while the round is filling; says how it ended for this thread.
    /// A timeout breaks the barrier for everyone.
    fn wait_for_release(
        &self,
        state: &mut MutexGuard<'_, State>,
        timeout: Option<Duration>,
    ) -> Result<(), BarrierError> {
        let filling = |state: &mut MutexGuard<'_, State>| state.phase == Phase::Filling;
        match timeout {
            None => self.changed.wait_while(state, filling),
            Some(timeout) => {
                if self
                    .changed
                    .wait_timeout_while(state, timeout, filling)
                    .is_err()
                {
                    state.phase = Phase::Broken;
                    self.changed.notify_all();
                    return Err(BarrierError::Timeout);
                }
            }
        }
        // Draining: our round was released. Broken or Resetting: it was not.
        if matches!(state.phase, Phase::Draining { .. }) {
            Ok(())
        } else {
            Err(BarrierError::Broken)
        }
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.state.lock();
        f.debug_struct("Barrier")
            .field("parties", &self.parties)
            .field("phase", &state.phase)
            .field("inside", &state.inside)
            .finish()
    }
}
