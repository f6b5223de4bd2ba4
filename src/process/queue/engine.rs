//! The queue's machinery, on bytes: taking the lock (and recovering from a
//! dead holder), waiting on a condition, and the put, get, close,
//! `task_done` and `join` steps. The typed queues (`api.rs`,
//! `joinable.rs`) encode before and decode after, outside the lock, so a
//! user's `Serialize` or `Deserialize` that panics never runs while the
//! lock is held.
//!
//! # Waiting
//!
//! A condition ("not empty", "not full", "all done") is a [`Signal`]: a
//! futex word bumped under the lock when the condition may have changed. A
//! waiter reads the word and counts itself a sleeper with the lock held,
//! lets the lock go, sleeps while the word still reads the same, takes the
//! lock again and looks again. A change made after it read the word
//! bumps the word, so the sleep either does not start or is woken.
//!
//! # Announce first, publish last
//!
//! Every step announces a change (bump and wake) *before* it publishes it
//! (the store that makes it visible), both with the lock held. A woken
//! thread cannot look before the lock is let go; if the holder is killed
//! in between, the kernel lets the lock go instead and the woken thread
//! finds it with [`Acquired::OwnerDied`], repairs ([`State::repair`]) and
//! goes on. Announcing after publishing would let a holder die with the
//! item in the ring and its consumer asleep for good.

use core::marker::PhantomData;
use std::io;
use std::time::Instant;

use super::super::super::facade::Ordering;
use super::super::super::queue::TaskDoneError;
use super::super::super::timeout::Timeout;
use super::super::raw_lock::Acquired;
use super::super::shm::Shared;
use super::ring::{LEN_BYTES, Ring, Signal, State};

/// How long an operation may wait for its condition.
#[derive(Clone, Copy)]
pub(super) enum Patience {
    /// Not at all: `try_put`, `try_get`.
    NoWait,
    /// Until the deadline; `None`: as long as it takes.
    Until(Option<Instant>),
}

/// Why a put did not happen.
pub(super) enum PutFailed {
    /// No room by the deadline (or right now).
    NoRoom,
    Closed,
    /// More bytes than the ring has.
    TooLarge,
}

/// Why a get found nothing.
pub(super) enum GetFailed {
    /// Nothing by the deadline (or right now).
    Nothing,
    Closed,
}

/// For tests of a holder's death: where an operation stops, keeping the
/// lock, as if its process were killed there. The calling thread must
/// then end (or its process be killed) without using the queue again: the
/// kernel then releases the lock as it does a dead process's.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DieAt {
    /// Take the lock and stop.
    Holding,
    /// A put whose bytes are in the ring but not yet published.
    PutBeforePublish,
    /// A put published (`write_pos`) but not yet counted.
    PutAfterPublish,
    /// A get that copied its item out but has not published the taking.
    GetBeforePublish,
    /// A get that published the taking but has not counted it.
    GetAfterPublish,
}

/// The lock, held; let go when dropped. Not `Send`: the kernel's record of
/// the holder is the thread's.
struct Held<'a> {
    state: &'a State,
    _not_send: PhantomData<*const ()>,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        // SAFETY: a `Held` exists only while this thread holds the lock
        // (`Engine::lock` made it), and it is not Send.
        unsafe { self.state.lock.unlock() };
    }
}

/// A queue's shared state, for any item type. A clone is another handle
/// to the same queue.
#[derive(Clone)]
pub(super) struct Engine {
    shared: Shared<State>,
}

impl Engine {
    pub(super) fn new(maxsize: usize, ring_bytes: usize) -> io::Result<Self> {
        if ring_bytes < LEN_BYTES as usize + 1 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "a process queue's ring needs at least 5 bytes (a length and one byte)",
            ));
        }
        let shared = Shared::with_tail(State::new(maxsize as u64, ring_bytes as u64), ring_bytes)?;
        Ok(Self { shared })
    }

    /// A handle to an existing queue's region (from a child's argument):
    /// checks that the ring the state describes is all mapped.
    pub(super) fn from_shared(shared: Shared<State>) -> Result<Self, String> {
        let (_, tail) = shared.tail();
        if shared.ring_len > tail as u64 || shared.ring_len <= LEN_BYTES {
            return Err("the shared region is too small for the queue it describes".into());
        }
        Ok(Self { shared })
    }

    pub(super) fn shared(&self) -> &Shared<State> {
        &self.shared
    }

    fn state(&self) -> &State {
        &self.shared
    }

    fn ring(&self) -> Ring {
        let (base, _) = self.shared.tail();
        // SAFETY: the tail is at least `ring_len` bytes (`new` made it so,
        // `from_shared` checked it) and lives as long as `self.shared`;
        // every use of the ring below holds the lock.
        unsafe { Ring::new(base, self.state().ring_len) }
    }

    /// Takes the lock by `deadline` (`None`: however long it takes).
    fn lock(&self, deadline: Option<Instant>) -> Result<Held<'_>, Timeout> {
        match deadline {
            None => Ok(self.lock_now()),
            Some(deadline) => Ok(self.held(self.state().lock.lock_deadline(deadline)?)),
        }
    }

    /// Takes the lock, however long it takes.
    fn lock_now(&self) -> Held<'_> {
        self.held(self.state().lock.lock())
    }

    /// The lock just taken; after a dead holder, repaired first.
    fn held(&self, acquired: Acquired) -> Held<'_> {
        let state = self.state();
        let held = Held {
            state,
            _not_send: PhantomData,
        };
        if acquired == Acquired::OwnerDied {
            state.repair(&self.ring());
            state.dead_holders.fetch_add(1, Ordering::Relaxed);
            // The dead holder may have announced half of what it did, or
            // been a waiter itself: every sleeper looks again.
            state.not_empty.wake_everyone();
            state.not_full.wake_everyone();
            state.all_done.wake_everyone();
            state.lock.mark_consistent();
        }
        held
    }

    /// Lets the lock go, sleeps on `signal` until it changes (or
    /// `deadline`), and takes the lock again.
    fn sleep<'a>(
        &'a self,
        held: Held<'a>,
        signal: &Signal,
        deadline: Option<Instant>,
    ) -> Result<Held<'a>, Timeout> {
        let seen = signal.seq.load(Ordering::Relaxed);
        signal.sleepers.fetch_add(1, Ordering::Relaxed);
        drop(held);
        // Whatever it says (woken, changed, timed out), look again below.
        // A sleeper killed after this returns and before it takes the lock
        // again takes a wake-up meant for one with it: what it would have
        // looked at stays in the queue for the next put, close or recovery
        // to wake another sleeper to (a window of microseconds; a timed
        // wait still ends at its deadline).
        let _ = signal.seq.wait_while_equal(seen, deadline);
        signal.sleepers.fetch_sub(1, Ordering::Relaxed);
        self.lock(deadline)
    }

    /// Whether waiting any longer is allowed.
    fn gives_up(patience: Patience) -> bool {
        match patience {
            Patience::NoWait => true,
            Patience::Until(None) => false,
            Patience::Until(Some(deadline)) => Instant::now() >= deadline,
        }
    }

    fn deadline(patience: Patience) -> Option<Instant> {
        match patience {
            Patience::NoWait => None,
            Patience::Until(deadline) => deadline,
        }
    }

    /// Adds one framed item (its length already in front).
    pub(super) fn put(
        &self,
        framed: &[u8],
        patience: Patience,
        die: Option<DieAt>,
    ) -> Result<(), PutFailed> {
        let state = self.state();
        let need = framed.len() as u64;
        if need > state.ring_len {
            return Err(PutFailed::TooLarge);
        }
        let deadline = Self::deadline(patience);
        let mut held = self.lock(deadline).map_err(|Timeout| PutFailed::NoRoom)?;
        if die == Some(DieAt::Holding) {
            core::mem::forget(held);
            return Ok(());
        }
        loop {
            if state.is_closed() {
                return Err(PutFailed::Closed);
            }
            if state.has_room(need) {
                break;
            }
            if Self::gives_up(patience) {
                return Err(PutFailed::NoRoom);
            }
            held = self
                .sleep(held, &state.not_full, deadline)
                .map_err(|Timeout| PutFailed::NoRoom)?;
        }
        state.not_empty.announce(false);
        let write = state.write_pos.load(Ordering::Relaxed);
        self.ring().write(write, framed);
        if die == Some(DieAt::PutBeforePublish) {
            core::mem::forget(held);
            return Ok(());
        }
        state.write_pos.store(write + need, Ordering::Relaxed);
        if die == Some(DieAt::PutAfterPublish) {
            core::mem::forget(held);
            return Ok(());
        }
        let puts = state.puts.load(Ordering::Relaxed);
        state.puts.store(puts + 1, Ordering::Relaxed);
        drop(held);
        Ok(())
    }

    /// Takes the next item's bytes (without its length) into `out`.
    pub(super) fn get(
        &self,
        out: &mut Vec<u8>,
        patience: Patience,
        die: Option<DieAt>,
    ) -> Result<(), GetFailed> {
        let state = self.state();
        let deadline = Self::deadline(patience);
        let mut held = self.lock(deadline).map_err(|Timeout| GetFailed::Nothing)?;
        let ring = self.ring();
        let (read, len) = loop {
            if state.len() > 0 {
                let read = state.read_pos.load(Ordering::Relaxed);
                let len = ring.read_len(read);
                if LEN_BYTES + len <= state.used_bytes() {
                    break (read, len);
                }
                // A length pointing past the items: memory overwritten
                // from outside. `repair` empties what it cannot read.
                state.repair(&ring);
                continue;
            }
            if state.is_closed() {
                return Err(GetFailed::Closed);
            }
            if Self::gives_up(patience) {
                return Err(GetFailed::Nothing);
            }
            held = self
                .sleep(held, &state.not_empty, deadline)
                .map_err(|Timeout| GetFailed::Nothing)?;
        };
        // Room frees up for every size of item waiting: wake all putters,
        // or a small one that fits could sleep on behind a big one that
        // does not.
        state.not_full.announce(true);
        out.clear();
        out.resize(len as usize, 0);
        ring.read(read + LEN_BYTES, out);
        if die == Some(DieAt::GetBeforePublish) {
            core::mem::forget(held);
            return Ok(());
        }
        state
            .read_pos
            .store(read + LEN_BYTES + len, Ordering::Relaxed);
        if die == Some(DieAt::GetAfterPublish) {
            core::mem::forget(held);
            return Ok(());
        }
        let gets = state.gets.load(Ordering::Relaxed);
        state.gets.store(gets + 1, Ordering::Relaxed);
        drop(held);
        Ok(())
    }

    /// No more puts; every waiter looks again.
    pub(super) fn close(&self) {
        let state = self.state();
        let held = self.lock_now();
        state.not_empty.announce(true);
        state.not_full.announce(true);
        state.closed.store(1, Ordering::Relaxed);
        drop(held);
    }

    pub(super) fn task_done(&self) -> Result<(), TaskDoneError> {
        let state = self.state();
        let held = self.lock_now();
        let done = state.done.load(Ordering::Relaxed);
        let unfinished = state.puts.load(Ordering::Relaxed) - done;
        if unfinished == 0 {
            return Err(TaskDoneError);
        }
        if unfinished == 1 {
            state.all_done.announce(true);
        }
        state.done.store(done + 1, Ordering::Relaxed);
        drop(held);
        Ok(())
    }

    pub(super) fn join(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let state = self.state();
        let mut held = self.lock(deadline)?;
        while state.puts.load(Ordering::Relaxed) != state.done.load(Ordering::Relaxed) {
            if Self::gives_up(Patience::Until(deadline)) {
                return Err(Timeout);
            }
            held = self.sleep(held, &state.all_done, deadline)?;
        }
        drop(held);
        Ok(())
    }

    /// A snapshot read under the lock.
    fn read<R>(&self, what: impl FnOnce(&State) -> R) -> R {
        let held = self.lock_now();
        let value = what(self.state());
        drop(held);
        value
    }

    pub(super) fn len(&self) -> usize {
        self.read(State::len) as usize
    }

    pub(super) fn is_full(&self) -> bool {
        self.read(|state| state.maxsize != 0 && state.len() >= state.maxsize)
    }

    pub(super) fn unfinished(&self) -> usize {
        self.read(|state| state.puts.load(Ordering::Relaxed) - state.done.load(Ordering::Relaxed))
            as usize
    }

    pub(super) fn used_bytes(&self) -> usize {
        self.read(State::used_bytes) as usize
    }

    /// Lock-free reads of numbers that only the creator or a monotonic
    /// counter sets.
    pub(super) fn maxsize(&self) -> usize {
        self.state().maxsize as usize
    }

    pub(super) fn ring_bytes(&self) -> usize {
        self.state().ring_len as usize
    }

    pub(super) fn is_closed(&self) -> bool {
        self.state().is_closed()
    }

    pub(super) fn dead_holders(&self) -> u64 {
        self.state().dead_holders.load(Ordering::Relaxed)
    }

    pub(super) fn discarded(&self) -> u64 {
        self.state().discarded.load(Ordering::Relaxed)
    }
}
