//! A condition variable: Python's `threading.Condition`, for `Mutex` and
//! `RLock` alike.
//!
//! A thread that needs some state to change waits on a [`Condvar`]: `wait`
//! releases the lock, sleeps until another thread notifies, and takes the
//! lock back before returning. The thread that changes the state does so
//! under the same lock, then calls [`notify_one`](Condvar::notify_one) or
//! [`notify_all`](Condvar::notify_all).
//!
//! | Python (`threading`)                 | turnstile                                    |
//! |--------------------------------------|----------------------------------------------|
//! | `cv = Condition(lock)`               | `let cv = Condvar::new();` beside the lock   |
//! | `cv.wait()`                          | `cv.wait(&mut guard)`                        |
//! | `cv.wait(timeout=t)`                 | `cv.wait_timeout(&mut guard, t)` → timed out?|
//! | `cv.wait_for(pred)`                  | `cv.wait_while(&mut guard, \|g\| !pred(g))`    |
//! | `cv.wait_for(pred, timeout=t)`       | `cv.wait_timeout_while(&mut guard, t, ...)`  |
//! | `cv.notify()` / `cv.notify(n)`       | `cv.notify_one()` / `cv.notify(n)`           |
//! | `cv.notify_all()`                    | `cv.notify_all()`                            |
//! | asyncio: `await cv.wait()`           | `guard = cv.wait_async(guard).await`         |
//! | asyncio: `await cv.wait_for(pred)`   | `cv.wait_while_async(guard, \|v\| !pred(v)).await` |
//!
//! Async tasks and threads may wait on one condvar (`condvar_async.rs`): a
//! notify counts both, and serves waiting tasks first.
//!
//! Unlike Python's `Condition`, a `Condvar` does not own its lock: you pass
//! the guard to each wait. Use one condvar with one lock only.
//!
//! # With an `RLock`
//!
//! `wait` on an [`RLockGuard`] releases the lock *fully*, however many times
//! this thread holds it, and restores the same hold count before returning,
//! as Python's `Condition(RLock())` does. (`parking_lot`'s condvar cannot
//! wait on its reentrant mutex.) While the thread waits, other threads may
//! take the lock; guards this thread still holds must not be used until
//! `wait` returns, which they cannot be, since the thread is asleep.
//!
//! # Spurious wake-ups
//!
//! They can happen: `wait` may return although nobody notified this thread
//! (for example, when a notification races with a thread that is just about
//! to sleep, both may wake). So always wait in a loop on the condition, or use
//! [`wait_while`](Condvar::wait_while), which loops for you.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use turnstile::{Condvar, Mutex};
//!
//! // "Passengers wait until the bus arrives."
//! let stop = Arc::new((Mutex::new(false), Condvar::new()));
//! let passenger = {
//!     let stop = Arc::clone(&stop);
//!     thread::spawn(move || {
//!         let (arrived, bus) = &*stop;
//!         let mut guard = arrived.lock();
//!         bus.wait_while(&mut guard, |arrived| !**arrived);
//!         "boarded"
//!     })
//! };
//! let (arrived, bus) = &*stop;
//! *arrived.lock() = true;
//! bus.notify_all();
//! assert_eq!(passenger.join().unwrap(), "boarded");
//! ```

// Why one file of ~560 lines: it is one idea, the sequence-number wait. Every
// form of `wait` and both `notify`s read and write the same sequence word,
// and `Relock` is how a wait lets go of its guard and takes it back; the
// waits are correct only read together. Half the file is the docs and
// examples of the waits. (The async wait, which does not use the sequence
// word, is in `condvar_async.rs`.)

use core::fmt;
use std::time::{Duration, Instant};

use super::deadline;
use super::facade::{AtomicU32, Backoff, Futex, Ordering, Wait, const_fn};
use super::lockdep::{self, Class};
use super::mutex::MutexGuard;
use super::rlock::RLockGuard;
use super::timeout::Timeout;
use super::wakers::WakerLine;

/// A condition variable. See the [module docs](self).
///
/// # Examples
///
/// ```
/// use turnstile::{Condvar, Mutex, RLock};
///
/// // One condvar per lock, with either kind of lock.
/// let (queue, not_empty) = (Mutex::new(Vec::<u8>::new()), Condvar::new());
/// let (reentrant, changed) = (RLock::new(()), Condvar::default());
/// # let _ = (queue, not_empty, reentrant, changed);
/// ```
pub struct Condvar {
    /// Bumped by every notify that goes on to threads (one that waking tasks
    /// has served does not); a waiter sleeps only while it is unchanged.
    seq: Futex<AtomicU32>,
    /// Threads between "registered, lock still held" and "woke, lock retaken",
    /// and tasks between "registered" and "saw their notification" (or were
    /// dropped). 32 bits: no process has 2^32 threads.
    pub(crate) waiters: AtomicU32,
    /// Waiting async tasks (`condvar_async.rs`), null until one waits. A
    /// task's notification is its waker taken out of this line: notify
    /// takes tasks first, one per wake it owes, so each is counted exactly.
    pub(crate) tasks: WakerLine,
}

// # Implementation notes
//
// A waiter, holding the lock: counts itself in `waiters`, reads `seq`,
// releases the lock, and sleeps while `seq` still has the value it read. A
// notifier: if `waiters` is 0, returns at once (one load: no lock, no
// syscall); otherwise bumps `seq` and wakes sleepers.
//
// No lost notification, provided the state is changed under the lock: if the
// notifier's critical section comes after the waiter's, the lock orders the
// waiter's count and `seq` read before the notifier's load and bump, so the
// notifier sees the waiter and the waiter's sleep is cancelled by the changed
// `seq` (checked under the futex queue lock). If it comes before, the waiter
// sees the new state and does not wait. All orderings can therefore be
// Relaxed: the lock carries them.
//
// Before sleeping, a waiter spins a few rounds (the facade's schedule: a few
// short pauses, then yields) watching `seq`. A notification that lands during
// the spin is taken without sleeping, and the notifier's wake then finds no
// sleeper, so neither side enters the kernel. This matters for queues: a
// producer waiting for room on a bounded queue is usually let in within
// microseconds, and sleeping for each item cost 1.45x crossbeam's time on the
// 1P1C bench; spinning first brought it under crossbeam's.
//
// A stale nonzero `waiters` costs one wake call that finds nobody (in user
// space). `seq` wraps at 2^32; a waiter would have to sleep through exactly
// 2^32 notifications to miss one.

/// A lock guard that a [`Condvar`] can release and retake: [`MutexGuard`]
/// and [`RLockGuard`]. Sealed: only turnstile's guards implement it.
///
/// # Examples
///
/// ```
/// use turnstile::{Condvar, Relock};
///
/// // Code that waits on any turnstile guard.
/// fn wait_until_true<G: Relock>(cv: &Condvar, guard: &mut G, mut done: impl FnMut(&mut G) -> bool) {
///     cv.wait_while(guard, |guard| !done(guard));
/// }
/// # let (lock, cv) = (turnstile::Mutex::new(true), Condvar::new());
/// # wait_until_true(&cv, &mut lock.lock(), |flag| **flag);
/// ```
pub trait Relock: sealed::Relock {}

impl<T: ?Sized> Relock for MutexGuard<'_, T> {}
impl<T: ?Sized> Relock for RLockGuard<'_, T> {}

mod sealed {
    /// The operations behind [`super::Relock`], out of users' reach.
    pub trait Relock {
        /// Releases the lock fully; returns what `relock` needs to restore it.
        ///
        /// # Safety
        ///
        /// The guard must not be used until `relock` is called with the result.
        unsafe fn release(&mut self) -> usize;
        /// Takes the lock back as it was before `release`.
        fn relock(&mut self, saved: usize);
        /// The lock's class and identity, for the lock-order checker.
        // The trait is sealed: nobody outside the crate can name or call it.
        #[allow(private_interfaces)]
        fn lock_class(&self) -> (&super::super::lockdep::Class, *const ());
    }
}

impl<T: ?Sized> sealed::Relock for MutexGuard<'_, T> {
    unsafe fn release(&mut self) -> usize {
        // SAFETY: the guard holds the lock; the caller retakes it before the
        // guard is used or dropped.
        unsafe { self.mutex.unlock() };
        0
    }

    fn relock(&mut self, _saved: usize) {
        self.mutex.raw.lock();
    }

    #[allow(private_interfaces)]
    fn lock_class(&self) -> (&Class, *const ()) {
        (&self.mutex.class, self.mutex.id())
    }
}

impl<T: ?Sized> sealed::Relock for RLockGuard<'_, T> {
    unsafe fn release(&mut self) -> usize {
        // SAFETY: this thread owns the lock (the guard is !Send and alive).
        unsafe { self.lock.release_all() }
    }

    fn relock(&mut self, saved: usize) {
        self.lock.reacquire(saved);
    }

    #[allow(private_interfaces)]
    fn lock_class(&self) -> (&Class, *const ()) {
        (self.lock.class(), self.lock.id())
    }
}

impl Condvar {
    const_fn! {
        /// A new condition variable.
        ///
        /// ```
        /// static READY: turnstile::Condvar = turnstile::Condvar::new();
        /// assert!(!READY.notify_one());
        /// ```
        #[must_use]
        pub fn new() -> Self {
            Self {
                seq: Futex::new(AtomicU32::new(0)),
                waiters: AtomicU32::new(0),
                tasks: WakerLine::new(),
            }
        }
    }

    /// Releases the lock, sleeps until notified, and retakes the lock.
    ///
    /// May return without a notification (see the module docs): check your
    /// condition in a loop, or use [`wait_while`](Self::wait_while).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let pair = Arc::new((Mutex::new(0), Condvar::new()));
    /// let producer = {
    ///     let pair = Arc::clone(&pair);
    ///     thread::spawn(move || {
    ///         *pair.0.lock() = 42;
    ///         pair.1.notify_one();
    ///     })
    /// };
    /// let mut value = pair.0.lock();
    /// while *value == 0 {
    ///     pair.1.wait(&mut value); // releases the lock while asleep
    /// }
    /// assert_eq!(*value, 42);
    /// # drop(value);
    /// # producer.join().unwrap();
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait<G: Relock>(&self, guard: &mut G) {
        // Without a deadline the wait cannot time out.
        let _ = self.wait_until(guard, None);
    }

    /// Like [`wait`](Self::wait), giving up after `timeout`: `Ok(())` if it
    /// was woken (Python's `True`), `Err(Timeout)` if the time ran out. Either
    /// way the lock is held again on return. As with `wait`, a wake-up is a
    /// hint: check the condition again.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::{Condvar, Mutex, Timeout};
    ///
    /// let (lock, cv) = (Mutex::new(()), Condvar::new());
    /// let mut guard = lock.lock();
    /// let woken = cv.wait_timeout(&mut guard, Duration::from_millis(10));
    /// assert_eq!(woken, Err(Timeout)); // nobody notified
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_timeout<G: Relock>(&self, guard: &mut G, timeout: Duration) -> Result<(), Timeout> {
        self.wait_until(guard, deadline::after(timeout))
    }

    /// Like [`wait_timeout`](Self::wait_timeout), giving up at `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let (lock, cv) = (Mutex::new(()), Condvar::new());
    /// let mut guard = lock.lock();
    /// let soon = Instant::now() + Duration::from_millis(10);
    /// assert!(cv.wait_deadline(&mut guard, soon).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_deadline<G: Relock>(
        &self,
        guard: &mut G,
        deadline: Instant,
    ) -> Result<(), Timeout> {
        self.wait_until(guard, Some(deadline))
    }

    /// Waits while `condition` holds, checking it under the lock before each
    /// wait and after each wake-up. Returns with the lock held and the
    /// condition false.
    ///
    /// The closure receives the guard, so it works the same for a
    /// [`MutexGuard`] and an [`RLockGuard`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let shelf = Arc::new((Mutex::new(Vec::<u32>::new()), Condvar::new()));
    /// let chef = {
    ///     let shelf = Arc::clone(&shelf);
    ///     thread::spawn(move || {
    ///         shelf.0.lock().push(7);
    ///         shelf.1.notify_one();
    ///     })
    /// };
    /// let mut dishes = shelf.0.lock();
    /// shelf.1.wait_while(&mut dishes, |dishes| dishes.is_empty());
    /// assert_eq!(dishes.pop(), Some(7));
    /// # drop(dishes);
    /// # chef.join().unwrap();
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_while<G: Relock>(&self, guard: &mut G, mut condition: impl FnMut(&mut G) -> bool) {
        while condition(guard) {
            self.wait(guard);
        }
    }

    /// Like [`wait_while`](Self::wait_while), giving up after `timeout`:
    /// `Ok(())` if the condition became false, `Err(Timeout)` if the time ran
    /// out first (the condition is checked one last time before giving up).
    /// Python's `cond.wait_for(predicate, timeout)`, whose `True` is `Ok`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let (ready, cv) = (Mutex::new(false), Condvar::new());
    /// let mut guard = ready.lock();
    /// let became_ready = cv.wait_timeout_while(&mut guard, Duration::from_millis(10), |r| !**r);
    /// assert!(became_ready.is_err()); // time ran out; the lock is held again
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_timeout_while<G: Relock>(
        &self,
        guard: &mut G,
        timeout: Duration,
        condition: impl FnMut(&mut G) -> bool,
    ) -> Result<(), Timeout> {
        self.wait_while_until(guard, deadline::after(timeout), condition)
    }

    /// Like [`wait_timeout_while`](Self::wait_timeout_while), giving up at
    /// `deadline`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let (ready, cv) = (Mutex::new(true), Condvar::new());
    /// let mut guard = ready.lock();
    /// let soon = Instant::now() + Duration::from_millis(10);
    /// assert!(cv.wait_deadline_while(&mut guard, soon, |r| !**r).is_ok()); // already true
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_deadline_while<G: Relock>(
        &self,
        guard: &mut G,
        deadline: Instant,
        condition: impl FnMut(&mut G) -> bool,
    ) -> Result<(), Timeout> {
        self.wait_while_until(guard, Some(deadline), condition)
    }

    /// The timed `wait_while`s, with the deadline as an option: `None`
    /// waits without limit (and then returns only `Ok`).
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub(crate) fn wait_while_until<G: Relock>(
        &self,
        guard: &mut G,
        deadline: Option<Instant>,
        mut condition: impl FnMut(&mut G) -> bool,
    ) -> Result<(), Timeout> {
        while condition(guard) {
            if self.wait_until(guard, deadline).is_err() {
                return if condition(guard) {
                    Err(Timeout)
                } else {
                    Ok(())
                };
            }
        }
        Ok(())
    }

    /// Wakes one waiting thread or task, if any (a task first: see
    /// [`wait_async`](Self::wait_async)). Returns whether it woke one.
    ///
    /// With nobody waiting this is one atomic load: no lock, no system call.
    ///
    /// # Examples
    ///
    /// ```
    /// use turnstile::Condvar;
    ///
    /// let cv = Condvar::new();
    /// assert!(!cv.notify_one()); // nobody was waiting
    /// ```
    #[inline]
    pub fn notify_one(&self) -> bool {
        // Relaxed: see the implementation notes.
        if self.waiters.load(Ordering::Relaxed) == 0 {
            return false;
        }
        self.wake(1) == 1
    }

    /// Wakes up to `n` waiters, threads and tasks together (waiting tasks
    /// first, in the order they came). Returns how many it woke.
    ///
    /// Python's `cond.notify(n)`.
    ///
    /// # Examples
    ///
    /// ```
    /// use turnstile::Condvar;
    ///
    /// let cv = Condvar::new();
    /// assert_eq!(cv.notify(3), 0); // nobody was waiting
    /// ```
    #[inline]
    pub fn notify(&self, n: usize) -> usize {
        if n == 0 || self.waiters.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.wake(n)
    }

    /// Wakes every waiting thread and task. Returns how many it woke.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    /// use turnstile::{Condvar, Mutex};
    ///
    /// let gate = Arc::new((Mutex::new(false), Condvar::new()));
    /// let waiters: Vec<_> = (0..3)
    ///     .map(|_| {
    ///         let gate = Arc::clone(&gate);
    ///         thread::spawn(move || {
    ///             let mut open = gate.0.lock();
    ///             gate.1.wait_while(&mut open, |open| !**open);
    ///         })
    ///     })
    ///     .collect();
    /// *gate.0.lock() = true;
    /// gate.1.notify_all();
    /// for waiter in waiters {
    ///     waiter.join().unwrap();
    /// }
    /// ```
    #[inline]
    pub fn notify_all(&self) -> usize {
        if self.waiters.load(Ordering::Relaxed) == 0 {
            return 0;
        }
        self.wake(usize::MAX)
    }

    /// The slow half of every notify, kept out of line so the inline half
    /// is one load and a branch.
    #[cold]
    #[inline(never)]
    fn wake(&self, n: usize) -> usize {
        // Tasks first: a task does not watch `seq`, so waking one costs no
        // thread a spurious wake-up, and the count is exact.
        let mut woken = self.wake_tasks(n);
        if woken == n {
            return woken;
        }
        self.seq.fetch_add(1, Ordering::Relaxed);
        if n == usize::MAX {
            return woken + self.seq.wake_all();
        }
        while woken < n && self.seq.wake_one() {
            woken += 1;
        }
        woken
    }

    /// Takes up to `n` waiting tasks out of the line and wakes them (after
    /// letting go of the line's lock). Returns how many.
    fn wake_tasks(&self, n: usize) -> usize {
        let Some(mut line) = self.tasks.lock_if_made() else {
            return 0;
        };
        let woken = line.take_first(n);
        drop(line);
        let count = woken.len();
        woken.wake();
        count
    }

    /// Waits once; `Err(Timeout)` if the deadline passed.
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn wait_until<G: Relock>(
        &self,
        guard: &mut G,
        deadline: Option<Instant>,
    ) -> Result<(), Timeout> {
        let (class, lock) = sealed::Relock::lock_class(guard);
        lockdep::before_relock(class, lock, lockdep::caller(), deadline.is_some());
        // Relaxed: we hold the lock (see the implementation notes).
        self.waiters.fetch_add(1, Ordering::Relaxed);
        let seen = self.seq.load(Ordering::Relaxed);
        // SAFETY: `guard` is not used again before `relock` below.
        let saved = unsafe { sealed::Relock::release(guard) };
        // Spin a little before sleeping: a notification that comes within a
        // few hundred nanoseconds then costs neither side a system call (the
        // notifier's wake finds nobody asleep).
        let mut notified = false;
        let mut backoff = Backoff::new();
        loop {
            if self.seq.load(Ordering::Relaxed) != seen {
                notified = true;
                break;
            }
            if !backoff.snooze() {
                break;
            }
        }
        let outcome = if notified {
            Wait::Woken
        } else {
            self.seq
                .wait(|seq| seq.load(Ordering::Relaxed) == seen, deadline)
        };
        sealed::Relock::relock(guard, saved);
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        if outcome == Wait::TimedOut {
            Err(Timeout)
        } else {
            Ok(())
        }
    }
}

impl Default for Condvar {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Condvar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Condvar").finish_non_exhaustive()
    }
}
