//! The process [`Semaphore`](super::Semaphore)'s shared counts, its
//! permit and what changes them: a permit's release (a named holder's slot
//! freed, or the count raised), [`forget`](SemaphorePermit::forget), a
//! repair after a death, the reaping of dead holders; and the errors an
//! acquire can end with.

use core::fmt;
use core::marker::PhantomData;

use super::super::facade::AtomicU32;
use super::super::facade::Ordering;
use super::super::semaphore::ExceedsBound;
use super::super::shared_futex::SharedFutex;
use super::inner::Slot;
use super::inner::{self, enter};
use super::raw_lock::RawProcessLock;
use super::shm::Plain;

/// How many permit holders a process semaphore names at once.
pub const HOLDER_SLOTS: usize = 64;

pub(super) const HELD: u32 = 1;
/// A slot whose permits are leaving the count: `extra` holds the total to
/// write; a repair after a death finishes the move.
const FOLDING: u32 = 2;

// The counts, each changed by one store per operation so that a process
// killed inside the internal lock leaves nothing half-done that a repair
// cannot finish:
//
//   free permits = total - (permits of HELD slots)
//
// A named acquire publishes one slot (HELD, value = n); its drop frees the
// slot. An unnamed acquire lowers `total`, its drop raises it; `release`
// raises it. `forget` moves a slot's permits out of the count in two
// stores, so it goes through FOLDING: the new total is written into the
// slot first, and a repair writes it again and frees the slot.
//
// `held` is a cache of the HELD slots' sum, so that an acquire does not
// add up the table: each change to it comes right after the slot store it
// follows, and a repair recounts it from the slots.
#[repr(C)]
pub(super) struct State {
    pub(super) lock: RawProcessLock,
    pub(super) recoveries: AtomicU32,
    pub(super) total: AtomicU32,
    /// 0 for a plain semaphore; a bounded one's bound.
    pub(super) bound: AtomicU32,
    pub(super) waiters: AtomicU32,
    pub(super) reclaimed: AtomicU32,
    /// The permits of HELD slots (a cache; see above).
    held: AtomicU32,
    /// Bumped whenever permits come back; waiters sleep on it.
    pub(super) returned: SharedFutex,
    pub(super) slots: [Slot; HOLDER_SLOTS],
}

// SAFETY: atomics, robust locks and slots of them: nothing per-process.
unsafe impl Plain for State {}
// SAFETY: every field is an atomic or a robust lock.
unsafe impl Sync for State {}

impl State {
    pub(super) fn new(permits: u32, bound: u32) -> Self {
        Self {
            lock: RawProcessLock::new(),
            recoveries: AtomicU32::new(0),
            total: AtomicU32::new(permits),
            bound: AtomicU32::new(bound),
            waiters: AtomicU32::new(0),
            reclaimed: AtomicU32::new(0),
            held: AtomicU32::new(0),
            returned: SharedFutex::new(0),
            slots: inner::table(),
        }
    }

    pub(super) fn held(&self) -> u32 {
        self.held.load(Ordering::Relaxed)
    }

    /// Adds `n` to (or, wrapping, takes from) the held cache.
    pub(super) fn add_held(&self, n: u32) {
        self.held
            .store(self.held().wrapping_add(n), Ordering::Relaxed);
    }

    pub(super) fn free(&self) -> u32 {
        self.total.load(Ordering::Relaxed).wrapping_sub(self.held())
    }

    /// Finishes what a process killed in here left half-done.
    pub(super) fn repair(&self) {
        for slot in &self.slots {
            if slot.state.load(Ordering::Relaxed) == FOLDING {
                self.total
                    .store(slot.extra.load(Ordering::Relaxed), Ordering::Relaxed);
                inner::clear_dead(slot);
            }
        }
        let held = self
            .slots
            .iter()
            .filter(|slot| slot.state.load(Ordering::Relaxed) == HELD)
            .map(|slot| slot.value.load(Ordering::Relaxed))
            .fold(0, u32::wrapping_add);
        self.held.store(held, Ordering::Relaxed);
    }

    /// Clears the slots of dead holders; returns how many permits came back.
    pub(super) fn reap(&self) -> u32 {
        let mut back = 0_u32;
        for slot in &self.slots {
            if slot.state.load(Ordering::Relaxed) == HELD && slot.is_dead() {
                back = back.wrapping_add(slot.value.load(Ordering::Relaxed));
                inner::clear_dead(slot);
            }
        }
        if back != 0 {
            self.add_held(back.wrapping_neg());
            self.reclaimed.fetch_add(back, Ordering::Relaxed);
            self.returned.fetch_add(1, Ordering::Release);
        }
        back
    }

    pub(super) fn wake(&self) {
        if self.waiters.load(Ordering::Relaxed) != 0 {
            // Every sleeper: each wants its own number of permits.
            self.returned.wake_all();
        }
    }
}

/// Why an acquire gave no clean permit.
#[derive(Debug)]
pub enum AcquireError<P> {
    /// `try_acquire`: no permit free now.
    WouldBlock,
    /// A timed acquire's time ran out.
    Timeout,
    /// More permits asked of a [`BoundedSemaphore`](super::BoundedSemaphore)
    /// than it has.
    ExceedsBound(ExceedsBound),
    /// The permit was taken, and permits of a holder that died holding
    /// them came back first: what they guarded may be half-done.
    OwnerDied(PermitOwnerDied<P>),
}

/// A permit, taken after permits of a dead holder came back.
///
/// ```
/// use turnstile::process::{AcquireError, Semaphore};
///
/// let sem = Semaphore::new(1).unwrap();
/// let permit = match sem.acquire() {
///     Ok(permit) => permit,
///     Err(AcquireError::OwnerDied(died)) => died.into_inner(),
///     Err(other) => panic!("{other}"),
/// };
/// assert_eq!(permit.count(), 1);
/// ```
#[derive(Debug)]
pub struct PermitOwnerDied<P> {
    permit: P,
    reclaimed: u32,
}

impl<P> PermitOwnerDied<P> {
    pub(super) fn new(permit: P, reclaimed: u32) -> Self {
        Self { permit, reclaimed }
    }

    /// The permit: the caller holds it.
    pub fn into_inner(self) -> P {
        self.permit
    }

    /// How many permits of dead holders came back.
    pub fn reclaimed(&self) -> usize {
        self.reclaimed as usize
    }
}

impl<P> fmt::Display for AcquireError<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WouldBlock => f.write_str("no permit is free"),
            Self::Timeout => f.write_str("timed out waiting for a permit"),
            Self::ExceedsBound(exceeds) => exceeds.fmt(f),
            Self::OwnerDied(died) => write!(
                f,
                "a permit was taken after {} permit(s) of a holder that died came back",
                died.reclaimed
            ),
        }
    }
}

impl<P: fmt::Debug> std::error::Error for AcquireError<P> {}

/// Permits held; they come back when it is dropped. Not `Send`: the
/// holder slot that names it is the taking thread's.
#[must_use = "the permits come back as soon as the permit is dropped"]
pub struct SemaphorePermit<'a> {
    state: &'a State,
    slot: Option<usize>,
    count: u32,
    _not_send: PhantomData<*const ()>,
}

impl<'a> SemaphorePermit<'a> {
    pub(super) fn new(state: &'a State, slot: Option<usize>, count: u32) -> Self {
        Self {
            state,
            slot,
            count,
            _not_send: PhantomData,
        }
    }
}

impl SemaphorePermit<'_> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(2).unwrap();
    /// assert_eq!(sem.acquire().unwrap().count(), 1);
    /// ```
    #[must_use]
    pub fn count(&self) -> usize {
        self.count as usize
    }

    /// Whether a holder slot names this permit's thread, so that its
    /// permits come back if the thread dies (false when all
    /// [`HOLDER_SLOTS`] were in use).
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(1).unwrap();
    /// assert!(sem.acquire().unwrap().is_named());
    /// ```
    #[must_use]
    pub fn is_named(&self) -> bool {
        self.slot.is_some()
    }

    /// Keeps the permits held without a guard: they come back only with
    /// [`Semaphore::release`](super::Semaphore::release) (Python's `acquire()` without `with`).
    /// Returns how many.
    ///
    /// ```
    /// let sem = turnstile::process::Semaphore::new(1).unwrap();
    /// assert_eq!(sem.acquire().unwrap().forget(), 1);
    /// assert_eq!(sem.available_permits(), 0);
    /// sem.release(1).unwrap();
    /// ```
    pub fn forget(self) -> usize {
        let this = core::mem::ManuallyDrop::new(self);
        if let Some(index) = this.slot {
            let state = this.state;
            let _entered = enter(&state.lock, &state.recoveries);
            if _entered.repair {
                state.repair();
            }
            let slot = &state.slots[index];
            let total = state.total.load(Ordering::Relaxed);
            slot.extra.store(total - this.count, Ordering::Relaxed);
            slot.state.store(FOLDING, Ordering::Release);
            state.add_held(this.count.wrapping_neg());
            state
                .total
                .store(slot.extra.load(Ordering::Relaxed), Ordering::Relaxed);
            // SAFETY: this thread claimed the slot in `take`; the permit is
            // not Send.
            unsafe { inner::release(slot) };
        }
        this.count as usize
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        let state = self.state;
        {
            let entered = enter(&state.lock, &state.recoveries);
            if entered.repair {
                state.repair();
            }
            match self.slot {
                // SAFETY: this thread claimed the slot in `take`; the
                // permit is not Send.
                Some(index) => {
                    unsafe { inner::release(&state.slots[index]) };
                    state.add_held(self.count.wrapping_neg());
                }
                None => state.total.store(
                    state.total.load(Ordering::Relaxed).wrapping_add(self.count),
                    Ordering::Relaxed,
                ),
            }
            state.returned.fetch_add(1, Ordering::Release);
        }
        state.wake();
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::SemaphorePermit")
            .field("count", &self.count)
            .field("named", &self.slot.is_some())
            .finish()
    }
}
