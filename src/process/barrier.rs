//! `Barrier` for processes: Python's `multiprocessing.Barrier`, which a
//! dead party breaks.

use core::fmt;
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::barrier::{BarrierError, ZeroParties};
use super::super::deadline;
use super::super::facade::{AtomicU32, Ordering, thread};
use super::super::shared_futex::SharedFutex;
use super::inner::{self, Slot, enter};
use super::raw_lock::RawProcessLock;
use super::shm::{Plain, Shared};

/// The most parties a process barrier takes.
pub const MAX_PARTIES: usize = 64;

const COUNT: u32 = 0xff;
const BROKEN_BIT: u32 = 0x100;
const ROUND_ONE: u32 = 0x200;

/// Slot states: waiting in the round in `value`; that round was broken.
const IN: u32 = 1;
const BROKEN: u32 = 2;

fn round_of(word: u32) -> u32 {
    word >> 9
}

#[repr(C)]
struct State {
    lock: RawProcessLock,
    recoveries: AtomicU32,
    parties: AtomicU32,
    word: SharedFutex,
    /// Twice the parties: the last round's slow leavers and this round's
    /// arrivals may hold slots together.
    slots: [Slot; 2 * MAX_PARTIES],
}

// SAFETY: atomics and robust locks: nothing per-process, no Drop.
unsafe impl Plain for State {}
// SAFETY: every field is an atomic or a robust lock.
unsafe impl Sync for State {}

impl State {
    fn in_round(&self, round: u32) -> impl Iterator<Item = &Slot> {
        self.slots.iter().filter(move |slot| {
            slot.state.load(Ordering::Relaxed) != inner::FREE
                && slot.value.load(Ordering::Relaxed) == round
        })
    }

    /// Ends the current round as broken: marks its waiters, then moves
    /// the word (`broken` says whether the barrier stays broken). Returns
    /// whether anyone must be woken.
    fn break_round(&self, broken: bool) {
        let word = self.word.load(Ordering::Relaxed);
        for slot in self.in_round(round_of(word)) {
            slot.state.store(BROKEN, Ordering::Relaxed);
        }
        let next = (word & !(COUNT | BROKEN_BIT)).wrapping_add(ROUND_ONE);
        self.word.store(
            next | if broken { BROKEN_BIT } else { 0 },
            Ordering::Release,
        );
    }

    /// Finishes what a process killed in here left half-done.
    fn repair(&self) {
        let word = self.word.load(Ordering::Relaxed);
        let round = round_of(word);
        if self
            .in_round(round)
            .any(|slot| slot.state.load(Ordering::Relaxed) == BROKEN)
        {
            // A break marked slots but did not move the word; an
            // interrupted reset ends broken too (reset again to reopen).
            self.break_round(true);
        } else {
            let inside = self.in_round(round).count() as u32;
            self.word.store((word & !COUNT) | inside, Ordering::Release);
        }
    }

    /// Clears dead parties' slots; true if one was waiting in this round.
    fn reap(&self) -> bool {
        let round = round_of(self.word.load(Ordering::Relaxed));
        let mut broke = false;
        for slot in &self.slots {
            if slot.is_dead() {
                broke |= slot.state.load(Ordering::Relaxed) == IN
                    && slot.value.load(Ordering::Relaxed) == round;
                inner::clear_dead(slot);
            }
        }
        broke
    }
}

/// How a successful process [`Barrier::wait`] went for this party.
///
/// ```
/// let r = turnstile::process::Barrier::new(1).unwrap().wait().unwrap();
/// assert_eq!((r.index(), r.is_leader()), (0, true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarrierWaitResult {
    index: u32,
    parties: u32,
}

impl BarrierWaitResult {
    /// The order of arrival in this round, 0 to `parties - 1` (Python's
    /// return value of `wait()`).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Barrier::new(1).unwrap().wait().unwrap().index(), 0);
    /// ```
    #[must_use]
    pub fn index(&self) -> usize {
        self.index as usize
    }

    /// Whether this party arrived last and released the others.
    ///
    /// ```
    /// assert!(turnstile::process::Barrier::new(1).unwrap().wait().unwrap().is_leader());
    /// ```
    #[must_use]
    pub fn is_leader(&self) -> bool {
        self.index + 1 == self.parties
    }
}

/// Python's `multiprocessing.Barrier`: parties of any processes wait for
/// each other: a fixed number of parties (threads of any processes), and
/// a party that dies while waiting breaks the barrier instead of
/// leaving the others waiting forever.
///
/// The round, the arrival count and the broken flag share one futex word,
/// so every change of them is one store under the internal lock:
///
/// | bits  | meaning                                            |
/// |-------|----------------------------------------------------|
/// | 0..8  | parties arrived in this round                      |
/// | 8     | broken                                             |
/// | 9..32 | the round number (wraps)                           |
///
/// Each waiting party also claims a robust slot (see `inner.rs`) naming
/// its round. A round ends by a release (the last arrival moves the word
/// to the next round) or by a break (abort, reset, a timeout, a dead
/// party), which first marks the round's slots BROKEN and then moves the
/// word. So a party whose round is over reads its own slot: BROKEN means
/// broken, anything else released. Waiters sleep on the word in slices and
/// look for dead parties of their round between them.
///
/// Limits: at most [`MAX_PARTIES`] parties. Python's `action` argument is
/// not offered: a closure cannot cross into another process.
///
/// ```
/// use std::thread;
///
/// let barrier = turnstile::process::Barrier::new(2).unwrap();
/// let other = barrier.clone();
/// let t = thread::spawn(move || other.wait().unwrap().index());
/// let mine = barrier.wait().unwrap().index();
/// assert_eq!(mine + t.join().unwrap(), 1);
/// ```
// Serialised as its region: a child handed it maps the same state.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Barrier {
    shared: Shared<State>,
}

impl Barrier {
    /// A barrier for `parties` parties.
    ///
    /// # Errors
    ///
    /// `InvalidInput` (wrapping [`ZeroParties`]) for 0 parties or more
    /// than [`MAX_PARTIES`]; what the system says when it cannot make the
    /// shared region.
    ///
    /// ```
    /// assert!(turnstile::process::Barrier::new(0).is_err());
    /// assert_eq!(turnstile::process::Barrier::new(3).unwrap().parties(), 3);
    /// ```
    pub fn new(parties: usize) -> io::Result<Self> {
        if parties == 0 {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, ZeroParties));
        }
        if parties > MAX_PARTIES {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a process barrier takes at most {MAX_PARTIES} parties"),
            ));
        }
        Ok(Self {
            shared: Shared::new(State {
                lock: RawProcessLock::new(),
                recoveries: AtomicU32::new(0),
                parties: AtomicU32::new(parties as u32),
                word: SharedFutex::new(0),
                slots: inner::table(),
            })?,
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

    /// Waits until all parties have arrived (`wait()`).
    ///
    /// # Errors
    ///
    /// [`BarrierError::Broken`] if the barrier is broken, or breaks while
    /// this party waits: aborted, reset, another party's timeout, or a
    /// party that died while waiting.
    ///
    /// ```
    /// let barrier = turnstile::process::Barrier::new(1).unwrap();
    /// assert!(barrier.wait().unwrap().is_leader());
    /// ```
    pub fn wait(&self) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(None)
    }

    /// [`wait`](Self::wait), giving up after `timeout`; giving up breaks
    /// the barrier for everyone, as in Python.
    ///
    /// # Errors
    ///
    /// [`BarrierError::Timeout`] for this party, or as [`wait`](Self::wait).
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::BarrierError;
    ///
    /// let barrier = turnstile::process::Barrier::new(2).unwrap();
    /// assert_eq!(barrier.wait_timeout(Duration::from_millis(5)), Err(BarrierError::Timeout));
    /// assert!(barrier.broken());
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(deadline::after(timeout))
    }

    /// [`wait_timeout`](Self::wait_timeout) with a point in time.
    ///
    /// # Errors
    ///
    /// As [`wait_timeout`](Self::wait_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let barrier = turnstile::process::Barrier::new(1).unwrap();
    /// assert!(barrier.wait_deadline(Instant::now()).is_ok());
    /// ```
    pub fn wait_deadline(&self, deadline: Instant) -> Result<BarrierWaitResult, BarrierError> {
        self.wait_until(Some(deadline))
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<BarrierWaitResult, BarrierError> {
        let state = self.state();
        let parties = state.parties.load(Ordering::Relaxed);
        let (index, round, slot) = loop {
            let _entered = self.enter();
            let word = state.word.load(Ordering::Relaxed);
            if word & BROKEN_BIT != 0 {
                return Err(BarrierError::Broken);
            }
            let index = word & COUNT;
            if index + 1 == parties {
                // The last arrival: the next round, in one store.
                let next = (word & !COUNT).wrapping_add(ROUND_ONE);
                state.word.store(next, Ordering::Release);
                drop(_entered);
                state.word.wake_all();
                return Ok(BarrierWaitResult { index, parties });
            }
            let round = round_of(word);
            if let Some(slot) = inner::claim(&state.slots, IN, round) {
                state.word.store(word + 1, Ordering::Release);
                break (index, round, &state.slots[slot]);
            }
            // Every slot taken: parties of rounds that were reset are still
            // on their way out (or dead). Clear the dead, give the living a
            // moment, and try again.
            let _ = state.reap();
            drop(_entered);
            thread::sleep(Duration::from_millis(1));
        };
        let result = BarrierWaitResult { index, parties };
        loop {
            let word = state.word.load(Ordering::Acquire);
            if round_of(word) != round || slot.state.load(Ordering::Acquire) == BROKEN {
                return self.leave(slot, Ok(result));
            }
            if inner::passed(deadline) {
                let _entered = self.enter();
                let word = state.word.load(Ordering::Relaxed);
                let over = round_of(word) != round;
                if !over && slot.state.load(Ordering::Relaxed) != BROKEN {
                    state.break_round(true);
                    // SAFETY: this thread claimed the slot above.
                    unsafe { inner::release(slot) };
                    drop(_entered);
                    state.word.wake_all();
                    return Err(BarrierError::Timeout);
                }
                drop(_entered);
                return self.leave(slot, Ok(result));
            }
            let _ = state
                .word
                .wait_while_equal(word, Some(inner::slice_end(deadline)));
            if state.word.load(Ordering::Acquire) == word {
                // A quiet slice: has a party of this round died?
                let _entered = self.enter();
                if state.reap() && round_of(state.word.load(Ordering::Relaxed)) == round {
                    state.break_round(true);
                    drop(_entered);
                    state.word.wake_all();
                }
            }
        }
    }

    /// Gives the slot back and reads how the round ended for it.
    fn leave(
        &self,
        slot: &Slot,
        released: Result<BarrierWaitResult, BarrierError>,
    ) -> Result<BarrierWaitResult, BarrierError> {
        let _entered = self.enter();
        let broken = slot.state.load(Ordering::Relaxed) == BROKEN;
        // SAFETY: `wait_until` claimed this slot on this thread.
        unsafe { inner::release(slot) };
        if broken {
            Err(BarrierError::Broken)
        } else {
            released
        }
    }

    /// Breaks the barrier (`abort()`): every waiting party, and every later
    /// one, gets [`BarrierError::Broken`] until [`reset`](Self::reset).
    ///
    /// ```
    /// let barrier = turnstile::process::Barrier::new(2).unwrap();
    /// barrier.abort();
    /// assert!(barrier.broken());
    /// ```
    pub fn abort(&self) {
        {
            let _entered = self.enter();
            self.state().break_round(true);
        }
        self.state().word.wake_all();
    }

    /// Returns the barrier to empty and unbroken (`reset()`); parties
    /// waiting now get [`BarrierError::Broken`].
    ///
    /// ```
    /// let barrier = turnstile::process::Barrier::new(1).unwrap();
    /// barrier.abort();
    /// barrier.reset();
    /// assert!(barrier.wait().is_ok());
    /// ```
    pub fn reset(&self) {
        {
            let _entered = self.enter();
            self.state().break_round(false);
        }
        self.state().word.wake_all();
    }

    /// The number of parties (`parties`).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Barrier::new(4).unwrap().parties(), 4);
    /// ```
    #[must_use]
    pub fn parties(&self) -> usize {
        self.state().parties.load(Ordering::Relaxed) as usize
    }

    /// Parties waiting in this round (`n_waiting`; a snapshot).
    ///
    /// ```
    /// assert_eq!(turnstile::process::Barrier::new(2).unwrap().n_waiting(), 0);
    /// ```
    #[must_use]
    pub fn n_waiting(&self) -> usize {
        (self.state().word.load(Ordering::Acquire) & COUNT) as usize
    }

    /// Whether the barrier is broken (`broken`).
    ///
    /// ```
    /// assert!(!turnstile::process::Barrier::new(2).unwrap().broken());
    /// ```
    #[must_use]
    pub fn broken(&self) -> bool {
        self.state().word.load(Ordering::Acquire) & BROKEN_BIT != 0
    }
}

impl fmt::Debug for Barrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Barrier")
            .field("parties", &self.parties())
            .field("n_waiting", &self.n_waiting())
            .field("broken", &self.broken())
            .finish()
    }
}
