//! The process lock: a futex word that names its owner's thread, so that
//! the kernel can release it when the owner dies.
//!
//! [`RawProcessLock`] is to the process primitives what
//! [`RawMutex`](super::super::raw_mutex::RawMutex) is to the thread ones: a
//! lock with no data, taken and released by hand. It lives in shared memory
//! (inside a [`Shared`](super::shm::Shared) region, or inside one of the
//! process primitives, which are built on it).
//!
//! # Examples
//!
//! ```
//! use turnstile::process::{Acquired, RawProcessLock, Shared};
//!
//! let lock = Shared::new(RawProcessLock::new()).unwrap();
//! // SAFETY: in a `Shared` region, which keeps its addresses for good.
//! assert_eq!(unsafe { lock.lock() }, Acquired::Consistent);
//! assert!(unsafe { lock.try_lock() }.is_none());
//! // SAFETY: this thread took it just above.
//! unsafe { lock.unlock() };
//! ```

use std::time::Instant;

use super::super::facade::{AtomicU32, Backoff, Ordering, Wait, const_fn, note};
// Not re-exported by the facade: the shared futex's file uses the facade's
// `Wait`, and a re-export back would make the two lean on each other.
use super::super::shared_futex::{
    FUTEX_OWNER_DIED, FUTEX_TID_MASK, FUTEX_WAITERS, RobustNode, SharedFutex, robust,
};
use super::super::timeout::Timeout;

// The lock word, the kernel's robust-futex protocol (not the thread lock's
// three states: here the word must say *who* holds the lock, because the
// kernel, not a thread, will look at it when the owner dies):
//
// | bits                  | meaning                                        |
// |-----------------------|------------------------------------------------|
// | 0..30 FUTEX_TID_MASK  | the owner's thread id; 0 when nobody owns it   |
// | 30 FUTEX_OWNER_DIED   | the kernel released it for a dead owner        |
// | 31 FUTEX_WAITERS      | a thread may sleep on it: unlock must wake one |
//
// Transitions:
//   0                -> tid              lock fast path (one CAS)
//   tid              -> tid | WAITERS    a thread about to sleep (CAS)
//   DIED [| WAITERS] -> tid [| WAITERS]  a thread takes a dead owner's lock
//   tid [| WAITERS]  -> 0                unlock (swap); wake one if WAITERS
//   tid [| WAITERS]  -> DIED [| WAITERS] the kernel, at the owner's death,
//                                        then wakes one if WAITERS
//
// A thread that has slept takes the lock with WAITERS set, as the thread
// lock takes it CONTENDED: it cannot know whether others still sleep.
//
// `poisoned` is turnstile's, not the kernel's: 1 from the moment a thread
// takes a dead owner's lock until someone calls `mark_consistent`. It is
// read and written only by the holder.

/// What taking a [`RawProcessLock`] found: either way, the caller holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use = "OwnerDied means the data the lock guards may be half-written"]
pub enum Acquired {
    /// The last holder released it: the data it guards is as that holder
    /// left it.
    Consistent,
    /// A holder died holding it (a killed process, a thread that exited
    /// with the lock held), and nobody has since called
    /// [`mark_consistent`](RawProcessLock::mark_consistent): what the lock
    /// guards may be half-written.
    OwnerDied,
}

/// A lock with no data that a killed holder cannot leave locked forever.
///
/// `#[repr(C)]`, 40 bytes in normal builds: the lock word first and the
/// kernel's robust-list link at bytes 24..40, where `pthread_mutex_t` keeps
/// its own (see `src/shared_futex.rs` for why the layout must match).
/// Without glibc's robust list (another C library) it still locks, but a
/// dead owner's lock is not released; [`supports_owner_death`]
/// says which.
///
/// [`supports_owner_death`]: RawProcessLock::supports_owner_death
/// # Why taking it is `unsafe`
///
/// A held lock is linked into its thread's robust list, which the thread
/// writes through at every later lock and the kernel walks at its exit: the
/// lock's memory must stay where it is until it is released (or its thread
/// ends). A lock inside a `process::Shared` region always does
/// (a region's addresses are never handed out again, even after it is
/// dropped), and the guards of the process primitives borrow theirs. A raw
/// lock on the stack, in a `Box` or in memory of your own does not, unless
/// you make sure of it: hence the `unsafe` on `lock`, `try_lock` and
/// `lock_deadline`, with that contract.
#[repr(C)]
pub struct RawProcessLock {
    word: SharedFutex,
    poisoned: AtomicU32,
    /// Names this lock in every process: 0 until first asked for, see
    /// [`identity`](Self::identity).
    identity: AtomicU32,
    _reserved: [u32; 3],
    node: RobustNode,
}

impl RawProcessLock {
    const_fn! {
        /// A new, unlocked, consistent lock.
        ///
        /// ```
        /// let lock = turnstile::process::RawProcessLock::new();
        /// assert!(!lock.is_locked());
        /// ```
        #[must_use]
        pub fn new() -> Self {
            Self {
                word: SharedFutex::new(0),
                poisoned: AtomicU32::new(0),
                identity: AtomicU32::new(0),
                _reserved: [0; 3],
                node: RobustNode::new(),
            }
        }
    }

    /// A number naming this lock in every process that maps it, where its
    /// address does not: each process maps a region at an address of its
    /// own, and a child handed a lock twice (alone, and inside a
    /// `Condition`) maps it twice. Drawn on first use by whichever process
    /// asks first; never 0.
    // Used by the normal build's process primitives only.
    #[cfg_attr(feature = "model", allow(dead_code))]
    pub(crate) fn identity(&self) -> u32 {
        let known = self.identity.load(Ordering::Relaxed);
        if known != 0 {
            return known;
        }
        // Unlikely to repeat: the pid and this mapping's address, mixed.
        let seed = (std::process::id() as u64) << 32 ^ (self as *const Self as u64);
        let fresh = (seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) as u32 | 1;
        match self
            .identity
            .compare_exchange(0, fresh, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => fresh,
            Err(drawn) => drawn,
        }
    }

    /// Whether a dead owner's lock is released on this system (Linux with
    /// glibc's robust list, which turnstile shares).
    ///
    /// ```
    /// # #[cfg(all(target_os = "linux", target_env = "gnu"))]
    /// assert!(turnstile::process::RawProcessLock::supports_owner_death());
    /// ```
    #[must_use]
    pub fn supports_owner_death() -> bool {
        robust::supported()
    }

    /// Takes the lock, waiting as long as it takes.
    ///
    /// # Safety
    ///
    /// Until this thread unlocks it (or ends), the lock must stay at this
    /// address and its memory must not be freed, unmapped or reused (see
    /// [`RawProcessLock`]); a lock in a `process::Shared`
    /// region meets this.
    ///
    /// # Panics
    ///
    /// If the calling thread holds it already: that wait could never end
    /// (std's `Mutex` documents the same panic).
    ///
    /// ```
    /// use turnstile::process::{Acquired, RawProcessLock};
    ///
    /// let lock = RawProcessLock::new();
    /// // SAFETY: `lock` stays put until it is unlocked below.
    /// assert_eq!(unsafe { lock.lock() }, Acquired::Consistent);
    /// // SAFETY: taken just above by this thread.
    /// unsafe { lock.unlock() };
    /// ```
    #[cfg_attr(feature = "model", track_caller)]
    #[inline]
    pub unsafe fn lock(&self) -> Acquired {
        match self.acquire(None) {
            Ok(acquired) => acquired,
            Err(Timeout) => unreachable!("a wait without a deadline does not time out"),
        }
    }

    /// Takes the lock if it can by `deadline`; `Err(Timeout)` otherwise.
    ///
    /// # Safety
    ///
    /// As [`lock`](Self::lock), if it is taken.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use turnstile::process::{Acquired, RawProcessLock};
    ///
    /// let lock = RawProcessLock::new();
    /// let soon = Instant::now() + Duration::from_millis(5);
    /// // SAFETY: `lock` stays put until it is unlocked below.
    /// assert_eq!(unsafe { lock.lock_deadline(soon) }, Ok(Acquired::Consistent));
    /// // SAFETY: taken just above by this thread.
    /// unsafe { lock.unlock() };
    /// ```
    #[cfg_attr(feature = "model", track_caller)]
    pub unsafe fn lock_deadline(&self, deadline: Instant) -> Result<Acquired, Timeout> {
        self.acquire(Some(deadline))
    }

    /// Takes the lock if nobody holds it; `None` otherwise.
    ///
    /// # Safety
    ///
    /// As [`lock`](Self::lock), if it is taken.
    ///
    /// ```
    /// let lock = turnstile::process::RawProcessLock::new();
    /// // SAFETY: `lock` stays put until it is unlocked below.
    /// assert!(unsafe { lock.try_lock() }.is_some());
    /// assert!(unsafe { lock.try_lock() }.is_none());
    /// # unsafe { lock.unlock() };
    /// ```
    #[cfg_attr(feature = "model", track_caller)]
    pub unsafe fn try_lock(&self) -> Option<Acquired> {
        let me = robust::me();
        let tid = me.tid;
        me.set_pending(&self.word, &self.node);
        let mut value = self.word.load(Ordering::Relaxed);
        let taken = loop {
            if value & FUTEX_TID_MASK != 0 {
                break None;
            }
            let new = tid | (value & FUTEX_WAITERS);
            match self
                .word
                .compare_exchange(value, new, Ordering::Acquire, Ordering::Relaxed)
            {
                Ok(_) => break Some(value & FUTEX_OWNER_DIED != 0),
                Err(now) => value = now,
            }
        };
        if taken.is_some() {
            me.push(&self.word, &self.node);
        }
        me.clear_pending();
        taken.map(|died| self.after_taking(died))
    }

    #[inline]
    fn acquire(&self, deadline: Option<Instant>) -> Result<Acquired, Timeout> {
        let me = robust::me();
        let tid = me.tid;
        // Named pending first: if this thread dies between the CAS that
        // takes the word and the push that links it, the kernel still
        // finds the word.
        me.set_pending(&self.word, &self.node);
        // Acquire: pairs with the Release swap in `unlock`, so everything
        // the previous holder wrote is visible here.
        let taken = match self
            .word
            .compare_exchange(0, tid, Ordering::Acquire, Ordering::Relaxed)
        {
            Ok(_) => {
                note("locked");
                Ok(false)
            }
            Err(now) => self.take_word(tid, now, deadline),
        };
        if taken.is_ok() {
            me.push(&self.word, &self.node);
        }
        me.clear_pending();
        taken.map(|died| self.after_taking(died))
    }

    /// The word's part of taking a lock that was not free at the first
    /// look (`value`); `Ok(true)` if a dead owner's mark was on it.
    #[cold]
    fn take_word(
        &self,
        tid: u32,
        mut value: u32,
        deadline: Option<Instant>,
    ) -> Result<bool, Timeout> {
        let mut backoff = Backoff::new();
        // Once this thread has slept, it takes the word with WAITERS set.
        let mut slept = 0;
        loop {
            if value & FUTEX_TID_MASK == 0 {
                let new = tid | (value & FUTEX_WAITERS) | slept;
                match self
                    .word
                    .compare_exchange(value, new, Ordering::Acquire, Ordering::Relaxed)
                {
                    Ok(_) => {
                        note("locked");
                        return Ok(value & FUTEX_OWNER_DIED != 0);
                    }
                    Err(now) => {
                        value = now;
                        continue;
                    }
                }
            }
            if value & FUTEX_TID_MASK == tid {
                // Nothing is being linked: the kernel must not look here.
                robust::me().clear_pending();
                panic!(
                    "this thread already holds this process lock: waiting for it would never end"
                );
            }
            if backoff.snooze() {
                value = self.word.load(Ordering::Relaxed);
                continue;
            }
            if value & FUTEX_WAITERS == 0 {
                let marked = value | FUTEX_WAITERS;
                if let Err(now) =
                    self.word
                        .compare_exchange(value, marked, Ordering::Relaxed, Ordering::Relaxed)
                {
                    value = now;
                    continue;
                }
                value = marked;
            }
            slept = FUTEX_WAITERS;
            if self.word.wait_while_equal(value, deadline) == Wait::TimedOut {
                return Err(Timeout);
            }
            value = self.word.load(Ordering::Relaxed);
        }
    }

    fn after_taking(&self, owner_died: bool) -> Acquired {
        // Relaxed: `poisoned` is only touched by the holder, and the lock's
        // own Acquire/Release orders one holder after the next.
        if owner_died {
            self.poisoned.store(1, Ordering::Relaxed);
        }
        if self.poisoned.load(Ordering::Relaxed) != 0 {
            Acquired::OwnerDied
        } else {
            Acquired::Consistent
        }
    }

    /// Releases the lock and wakes one waiter if any may sleep.
    ///
    /// # Safety
    ///
    /// The calling thread must hold the lock (it took it and has not
    /// released it).
    ///
    /// ```
    /// let lock = turnstile::process::RawProcessLock::new();
    /// let _ = unsafe { lock.lock() }; // SAFETY: unlocked below, in place
    /// // SAFETY: taken just above by this thread.
    /// unsafe { lock.unlock() };
    /// assert!(!lock.is_locked());
    /// ```
    #[cfg_attr(feature = "model", track_caller)]
    #[inline]
    pub unsafe fn unlock(&self) {
        let me = robust::me();
        me.set_pending(&self.word, &self.node);
        me.remove(&self.word, &self.node);
        // Release: publishes the holder's writes to the next holder.
        let value = self.word.swap(0, Ordering::Release);
        note("unlocked");
        if value & FUTEX_WAITERS != 0 {
            self.word.wake_one();
        }
        me.clear_pending();
    }

    /// Declares the data consistent again after an [`Acquired::OwnerDied`]:
    /// later takers get [`Acquired::Consistent`]. Call it while holding
    /// the lock, once the data is repaired (POSIX's
    /// `pthread_mutex_consistent`).
    ///
    /// ```
    /// use turnstile::process::{Acquired, RawProcessLock};
    ///
    /// let lock = RawProcessLock::new();
    /// let _ = unsafe { lock.lock() }; // SAFETY: unlocked below, in place
    /// lock.mark_consistent();
    /// # unsafe { lock.unlock() };
    /// assert_eq!(unsafe { lock.lock() }, Acquired::Consistent);
    /// # unsafe { lock.unlock() };
    /// ```
    pub fn mark_consistent(&self) {
        self.poisoned.store(0, Ordering::Relaxed);
    }

    /// Whether the calling thread holds the lock now. The word names its
    /// owner's thread id, and a dead owner's id is wiped by the kernel, so
    /// a reused id cannot pass for the dead owner.
    ///
    /// ```
    /// let lock = turnstile::process::RawProcessLock::new();
    /// let _ = unsafe { lock.lock() }; // SAFETY: unlocked below, in place
    /// assert!(lock.is_held_by_current_thread());
    /// # unsafe { lock.unlock() };
    /// assert!(!lock.is_held_by_current_thread());
    /// ```
    #[must_use]
    pub fn is_held_by_current_thread(&self) -> bool {
        // Relaxed: only this thread writes its own id into the word.
        self.word.load(Ordering::Relaxed) & FUTEX_TID_MASK == robust::me().tid
    }

    /// Whether some thread of some process holds the lock now (a dead
    /// owner's released lock counts as free).
    ///
    /// ```
    /// let lock = turnstile::process::RawProcessLock::new();
    /// assert!(!lock.is_locked());
    /// ```
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.word.load(Ordering::Relaxed) & FUTEX_TID_MASK != 0
    }
}

impl Default for RawProcessLock {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for RawProcessLock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("RawProcessLock")
            .field("locked", &self.is_locked())
            .field("owner_died", &(self.poisoned.load(Ordering::Relaxed) != 0))
            .finish_non_exhaustive()
    }
}
