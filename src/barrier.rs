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
//! Async tasks wait in the same rounds as threads, with
//! [`wait_async`](Barrier::wait_async) (in `barrier_async.rs`).
//!
//! | Python (`threading`)                 | turnstile                               |
//! |--------------------------------------|-----------------------------------------|
//! | `b = Barrier(3)`                     | `let b = Barrier::new(3)?;`             |
//! | `Barrier(3, action=f)`               | `Barrier::new(3)?.with_action(f)`       |
//! | `Barrier(3, timeout=t)`              | `Barrier::new(3)?.with_timeout(t)`      |
//! | `Barrier(0)` → `ValueError`          | `Err(ZeroParties)`                      |
//! | `i = b.wait()`                       | `let r = b.wait()?; r.index()`          |
//! | `b.wait(timeout=t)`                  | `b.wait_timeout(t)`                     |
//! | `BrokenBarrierError`                 | `Err(BarrierError::Broken)` (or `Timeout` for the one that timed out) |
//! | `b.abort()` / `b.reset()`            | `b.abort()` / `b.reset()`               |
//! | `b.parties`, `b.n_waiting`, `b.broken` | `b.parties()`, `b.n_waiting()`, `b.is_broken()` |
//! | `await b.wait()` (`asyncio.Barrier`) | `b.wait_async().await` (see [`wait_async`](Barrier::wait_async)) |
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

// Why one file of ~600 lines: it is one idea, the barrier's round. The
// phase state machine (`Phase`, `State`), `wait` and its timed forms,
// `abort` and `reset` read and write the same few fields under one lock,
// and each is checked against the others; split, a reader would hold two
// files open to follow one round. The result and error types beside them
// are seventy lines that only the barrier uses. The async wait, which
// walks the same round with a waker, is in `barrier_async.rs`; the steps
// it shares with a thread (`release`, `leave`, `outcome`) are here.

use core::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::{Duration, Instant};

use super::condvar::Condvar;
use super::deadline;
use super::lockdep;
use super::mutex::{Mutex, MutexGuard};
use super::wakers::{Wakers, Woken};

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
    pub(super) parties: usize,
    pub(super) state: Mutex<State>,
    changed: Condvar,
    /// Run by the last party to arrive, before the round is released.
    action: Option<Box<dyn Fn() + Send + Sync>>,
    /// What `wait` uses (Python's `timeout=` argument); `None`: no limit.
    default_timeout: Option<Duration>,
}

/// Where the barrier is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// Taking arrivals for the current round.
    Filling,
    /// The last party has arrived and is running the action; the round is
    /// complete but not yet released. Waiters keep waiting (a timeout does
    /// not break a complete round); arrivals wait for the next round.
    Acting {
        /// `abort` came during the action: the round is released, then the
        /// barrier breaks once its threads have left.
        then_broken: bool,
    },
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
    pub(super) fn is_closing(self) -> bool {
        matches!(
            self,
            Self::Acting { .. } | Self::Draining { .. } | Self::Resetting
        )
    }

    /// Broken, or about to be once a round that an `abort` came too late for
    /// has ended.
    pub(super) fn is_broken(self) -> bool {
        matches!(
            self,
            Self::Broken
                | Self::Acting { then_broken: true }
                | Self::Draining { then_broken: true }
        )
    }
}

// Transitions (all under the lock):
//   Filling   -> Draining   the last party arrives (no action)
//   Filling   -> Acting     the last party arrives and runs the action
//   Acting    -> Draining   the action returned (then_broken carried over)
//   Acting    -> Broken     the action panicked
//   Acting    -> Acting     abort() marks it then_broken; reset() unmarks it
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

pub(super) struct State {
    pub(super) phase: Phase,
    /// Threads (and async tasks) inside `wait`: arrived and not yet left.
    pub(super) inside: usize,
    /// The async tasks waiting (`barrier_async.rs`): every phase change
    /// wakes them all, as it notifies every thread.
    pub(super) tasks: Wakers,
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
            state: Mutex::untracked(State {
                phase: Phase::Filling,
                inside: 0,
                tasks: Wakers::new(),
            }),
            changed: Condvar::new(),
            action: None,
            default_timeout: None,
        })
    }

    /// Runs `action` once per round, on the last thread to arrive, before
    /// any thread is released (Python's `Barrier(n, action=f)`). The others
    /// go on only once it has returned, so it can prepare the next step for
    /// everyone.
    ///
    /// If the action panics, the barrier breaks: the other waiters get
    /// [`BarrierError::Broken`], and the panic goes on unwinding in the
    /// thread that ran it (Python: the action's exception is raised in that
    /// thread). The action may call the barrier's other methods.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use std::thread;
    /// use turnstile::Barrier;
    ///
    /// let rounds = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&rounds);
    /// let barrier = Arc::new(
    ///     Barrier::new(2)?.with_action(move || {
    ///         counter.fetch_add(1, Ordering::SeqCst);
    ///     }),
    /// );
    /// let other = {
    ///     let barrier = Arc::clone(&barrier);
    ///     thread::spawn(move || barrier.wait().map(|_| ()))
    /// };
    /// barrier.wait()?;
    /// other.join().unwrap()?;
    /// assert_eq!(rounds.load(Ordering::SeqCst), 1); // once for the round
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_action(mut self, action: impl Fn() + Send + Sync + 'static) -> Self {
        self.action = Some(Box::new(action));
        self
    }

    /// Makes `timeout` the limit of every [`wait`](Self::wait) (Python's
    /// `Barrier(n, timeout=t)`): a `wait` that runs out breaks the barrier
    /// and returns [`BarrierError::Timeout`].
    /// [`wait_timeout`](Self::wait_timeout) still uses its own.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::{Barrier, BarrierError};
    ///
    /// let barrier = Barrier::new(2)?.with_timeout(Duration::from_millis(5));
    /// assert_eq!(barrier.wait(), Err(BarrierError::Timeout)); // nobody came
    /// # Ok::<(), turnstile::ZeroParties>(())
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.default_timeout = Some(timeout);
        self
    }

    /// Waits until all parties have arrived (or, with a default timeout set
    /// by [`with_timeout`](Self::with_timeout), until it passes).
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
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait(&self) -> Result<BarrierWaitResult, BarrierError> {
        match self.default_timeout {
            Some(timeout) => self.wait_timeout(timeout),
            None => self.wait_until(None),
        }
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
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(deadline::after(timeout))
    }

    /// As [`wait_timeout`](Self::wait_timeout), giving up at `deadline`.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let barrier = turnstile::Barrier::new(1).unwrap();
    /// assert!(barrier.wait_deadline(Instant::now()).is_ok()); // the only party
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(Some(deadline))
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
            Phase::Acting { .. } => Phase::Acting { then_broken: true },
            Phase::Draining { .. } => Phase::Draining { then_broken: true },
            _ => Phase::Broken,
        };
        let woken = self.announce(&mut state);
        drop(state);
        woken.wake();
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
            // A complete round: it is released and drains; the last thread
            // out reopens the barrier.
            Phase::Acting { .. } => Phase::Acting { then_broken: false },
            Phase::Draining { .. } => Phase::Draining { then_broken: false },
            _ if state.inside > 0 => Phase::Resetting,
            _ => Phase::Filling,
        };
        let woken = self.announce(&mut state);
        drop(state);
        woken.wake();
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

    #[cfg_attr(feature = "lockdep", track_caller)]
    fn wait_until(&self, deadline: Option<Instant>) -> Result<BarrierWaitResult, BarrierError> {
        lockdep::before_wait("Barrier::wait", lockdep::caller(), deadline.is_some());
        let mut state = self.state.lock();
        // Wait for the previous round to drain, or a reset to finish.
        self.changed
            .wait_while(&mut state, |state| state.phase.is_closing());
        if state.phase.is_broken() {
            return Err(BarrierError::Broken);
        }
        let index = state.inside;
        state.inside += 1;
        let mut woken = Woken::none();
        let outcome = if index + 1 == self.parties {
            let released;
            (state, released) = self.release(state, &mut woken);
            released
        } else {
            self.wait_for_release(&mut state, deadline, &mut woken)
        };
        self.leave(&mut state, &mut woken);
        drop(state);
        woken.wake();
        self.outcome(index, outcome)
    }

    /// What `wait` returns for a round that ended with `outcome`, the
    /// barrier unlocked.
    pub(super) fn outcome(
        &self,
        index: usize,
        outcome: Result<(), Released>,
    ) -> Result<BarrierWaitResult, BarrierError> {
        match outcome {
            Ok(()) => Ok(BarrierWaitResult {
                index,
                parties: self.parties,
            }),
            Err(Released::No(error)) => Err(error),
            // The action's panic goes on in the thread that ran it, now that
            // the barrier is consistent and unlocked.
            Err(Released::ActionPanicked(payload)) => panic::resume_unwind(payload),
        }
    }

    /// A party leaves (its round released, broken or reset; or, for an
    /// async task, cancelled): the last one out of a drained or reset round
    /// reopens it (or breaks it, if an abort came during the drain).
    pub(super) fn leave(&self, state: &mut State, woken: &mut Woken) {
        state.inside -= 1;
        if state.inside == 0 && state.phase.is_closing() {
            state.phase = if state.phase.is_broken() {
                Phase::Broken
            } else {
                Phase::Filling
            };
            woken.add(self.announce(state));
        }
    }

    /// The phase changed: wakes every waiting thread, and takes every
    /// waiting task's waker, to be woken once the lock is let go.
    fn announce(&self, state: &mut State) -> Woken {
        self.changed.notify_all();
        state.tasks.take_all()
    }

    /// The last party has arrived: runs the action (without the lock, so it
    /// may use the barrier), then releases the round. The waiting tasks'
    /// wakers go into `woken`.
    pub(super) fn release<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        woken: &mut Woken,
    ) -> (MutexGuard<'a, State>, Result<(), Released>) {
        if let Some(action) = &self.action {
            state.phase = Phase::Acting { then_broken: false };
            drop(state);
            let ran = panic::catch_unwind(AssertUnwindSafe(action));
            state = self.state.lock();
            if let Err(payload) = ran {
                state.phase = Phase::Broken;
                woken.add(self.announce(&mut state));
                return (state, Err(Released::ActionPanicked(payload)));
            }
        }
        let then_broken = matches!(state.phase, Phase::Acting { then_broken: true });
        state.phase = Phase::Draining { then_broken };
        woken.add(self.announce(&mut state));
        (state, Ok(()))
    }

    /// Sleeps while the round is filling; says how it ended for this thread.
    /// A timeout breaks the barrier for everyone.
    fn wait_for_release(
        &self,
        state: &mut MutexGuard<'_, State>,
        deadline: Option<Instant>,
        woken: &mut Woken,
    ) -> Result<(), Released> {
        let filling = |state: &mut MutexGuard<'_, State>| state.phase == Phase::Filling;
        if self
            .changed
            .wait_while_until(state, deadline, filling)
            .is_err()
        {
            state.phase = Phase::Broken;
            woken.add(self.announce(state));
            return Err(Released::No(BarrierError::Timeout));
        }
        // The round is complete; an action may still be running. Its end is
        // not subject to the timeout: the round did not fail.
        self.changed
            .wait_while(state, |state| matches!(state.phase, Phase::Acting { .. }));
        // Draining: our round was released. Broken or Resetting: it was not.
        if matches!(state.phase, Phase::Draining { .. }) {
            Ok(())
        } else {
            Err(Released::No(BarrierError::Broken))
        }
    }
}

/// How a round ended for one thread, when it was not released.
pub(super) enum Released {
    /// Broken, reset or timed out: the error `wait` returns.
    No(BarrierError),
    /// This thread ran the action, which panicked: the panic to resume.
    ActionPanicked(Box<dyn std::any::Any + Send>),
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
