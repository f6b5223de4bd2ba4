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
//! | `sem.acquire(timeout=t)`             | `sem.acquire_timeout(t)` → `Result<_, Timeout>` |
//! | `sem.acquire()` in one thread, `sem.release()` in another | `Arc<Semaphore>::acquire_owned()`: a permit that moves |
//! | `sem.acquire()` ... `sem.release()`  | `sem.acquire().forget()` ... `sem.release(1)` |
//! | `sem.release(n)`                     | `sem.release(n)`                            |
//! | `sem._value`                         | `sem.available_permits()`                   |
//! | `async with asyncio.Semaphore(5):`   | `let _permit = sem.acquire_async().await;` (the same permits as threads') |
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
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::condvar::Condvar;
use super::deadline;
use super::facade::{
    AtomicUsize, Backoff, Ordering, UserArc as Arc, const_fn, fetch_add_then_fence,
};
use super::lockdep::{self, Class, How};
use super::mutex::Mutex;
use super::timeout::Timeout;
use super::wakers::Wakers;

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
    /// Permits free to take.
    available: AtomicUsize,
    /// How many permits `release` may still add: the bound, less the
    /// permits free and the permits held by live [`SemaphorePermit`]s (which
    /// give them back on drop). Permits taken and forgotten make room here.
    room: AtomicUsize,
    /// The most permits it may ever count, free and held together:
    /// `usize::MAX` for a plain semaphore, the starting count for a
    /// [`BoundedSemaphore`]. The one place the two differ.
    bound: usize,
    /// Threads and async tasks waiting for permits, counted under `sleep`.
    waiters: AtomicUsize,
    /// The threads among them that want more than one permit (waiting
    /// tasks are all woken by every release anyway). While there are any, a
    /// release wakes every waiting thread: waking `n` might wake only big waiters
    /// that go back to sleep, and leave small ones asleep beside free
    /// permits.
    greedy_waiters: AtomicUsize,
    /// The lock waiters sleep under (it guards the async waiters' wakers),
    /// and the condition threads sleep on.
    sleep: Mutex<Wakers>,
    released: Condvar,
    /// The lock-order checker's class (nothing without feature `lockdep`).
    class: Class,
}

// # Implementation notes
//
// CPython's Semaphore is a Condition and a counter: acquire waits under the
// lock while too few permits are free, then takes them. Here the counter is
// an atomic, so a thread that finds permits free takes them with one
// compare-and-swap and never touches the lock, and a release is one
// fetch-add: with more threads than CPUs, nobody waits behind a holder of
// the lock that the scheduler has stopped. The lock and the condition
// variable are for waiting only. "Check and take" is still one step, the
// compare-and-swap; see the broken twin `CheckThenTakeSemaphore` for what
// happens when they are two.
//
// A waiter counts itself in `waiters`, then looks for permits; a release
// adds its permits, then reads `waiters`. With nothing else between them
// both could read the old value (the waiter sleeping beside free permits,
// the release waking nobody): Dekker's pattern, which a SeqCst fence on each
// side forbids. The two fences fall in one total order, and whichever comes
// second sees the other side's write. A waiter looks and sleeps under
// `sleep`, and a release that saw it notifies under `sleep`, so nothing slips
// between that look and the sleep. (Fences rather than SeqCst accesses: loom
// treats SeqCst accesses as Acquire/Release and checks fences exactly.) Both
// sides write with `facade::fetch_add_then_fence`: on x86 the locked add is
// already the fence, and leaving out the `mfence` took an uncontended
// acquire + release from 14.9 ns to 9.8 ns on the AMD EPYC bench host.
//
// `room` keeps BoundedSemaphore's promise without a lock: a release first
// takes its permits out of `room` (failing if there is not enough), then
// adds them to `available`, so `available + held` never passes the bound,
// even for a moment.
//
// A plain semaphore has no bound to keep, only a count that must not wrap
// (a permit's drop adds its permits back unchecked, so free + held must
// stay below usize::MAX). Exact counting costs Python's bare
// `acquire()` ... `release()` two more read-modify-writes per round
// (`forget` gives room back, `release` takes it again), which with four
// threads on two cores doubled the round's time (issue 12). So a plain
// semaphore counts single permits as they come and go without `room`:
// `release(1)` only adds to `available`, and forgetting a one-permit guard
// changes nothing. `room` then starts at MAX_PERMITS (isize::MAX) less the
// initial permits and is kept by the other calls only, and it is off from
// the true room by D = (uncounted releases) - (uncounted forgets). With D
// positive a counted `release(n)` may pass MAX_PERMITS by up to D, never
// usize::MAX: that takes D > 2^63, and so more than 2^63 calls, which no
// program makes (centuries at a call a nanosecond; std's Arc rests its
// overflow check on the same kind of count). With D negative a counted
// release may be refused up to |D| early, near MAX_PERMITS only.

impl Semaphore {
    /// The most permits a plain semaphore counts, free and held together:
    /// `isize::MAX`. [`new`](Self::new) refuses more, and
    /// [`release`](Self::release) panics rather than pass it (see there
    /// for how exactly). A [`BoundedSemaphore`] counts up to its bound.
    ///
    /// ```
    /// assert_eq!(turnstile::Semaphore::MAX_PERMITS, isize::MAX as usize);
    /// ```
    pub const MAX_PERMITS: usize = usize::MAX >> 1;

    const_fn! {
        /// A semaphore with `permits` free permits.
        ///
        /// # Panics
        ///
        /// If `permits` is more than [`MAX_PERMITS`](Self::MAX_PERMITS).
        ///
        /// # Examples
        ///
        /// ```
        /// assert_eq!(turnstile::Semaphore::new(5).available_permits(), 5);
        /// ```
        #[must_use]
        #[cfg_attr(feature = "lockdep", track_caller)]
        pub fn new(permits: usize) -> Self {
            assert!(
                permits <= Self::MAX_PERMITS,
                "Semaphore::new: more permits than Semaphore::MAX_PERMITS"
            );
            Self::with_bound(permits, usize::MAX, Class::permits("Semaphore"))
        }
    }

    const_fn! {
        fn with_bound(permits: usize, bound: usize, class: Class) -> Self {
            Self {
                available: AtomicUsize::new(permits),
                room: AtomicUsize::new(if bound == usize::MAX {
                    Self::MAX_PERMITS - permits
                } else {
                    bound - permits
                }),
                bound,
                waiters: AtomicUsize::new(0),
                greedy_waiters: AtomicUsize::new(0),
                sleep: Mutex::untracked(Wakers::new()),
                released: Condvar::new(),
                class,
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
    #[cfg_attr(feature = "lockdep", track_caller)]
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
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.try_acquire_many(1)
    }

    /// Takes a permit, giving up after `timeout`: `Err(Timeout)` if it gave
    /// up. A zero timeout behaves like [`try_acquire`](Self::try_acquire);
    /// `Duration::MAX` waits without limit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::Semaphore::new(0);
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphorePermit<'_>, Timeout> {
        self.acquire_many_timeout(1, timeout)
    }

    /// Takes a permit, giving up at `deadline`: `Err(Timeout)` if it gave up.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let sem = turnstile::Semaphore::new(1);
    /// assert!(sem.acquire_deadline(Instant::now()).is_ok()); // free: no wait
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_deadline(&self, deadline: Instant) -> Result<SemaphorePermit<'_>, Timeout> {
        self.take(1, Some(deadline))?;
        Ok(self.permit(1))
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
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many(&self, n: usize) -> SemaphorePermit<'_> {
        let taken = self.take(n, None);
        debug_assert!(
            taken.is_ok(),
            "a wait without deadline only ends with the permits"
        );
        self.permit(n)
    }

    /// Takes `n` permits if `n` are free right now.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(2);
    /// assert!(sem.try_acquire_many(3).is_none());
    /// assert_eq!(sem.available_permits(), 2); // a refusal takes nothing
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_many(&self, n: usize) -> Option<SemaphorePermit<'_>> {
        self.try_take(n).then(|| self.permit(n))
    }

    /// Takes `n` permits, giving up after `timeout`: `Err(Timeout)` if it
    /// gave up, having taken none.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::Semaphore::new(1);
    /// assert!(sem.acquire_many_timeout(2, Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, Timeout> {
        // The permit is built only once the permits are taken: one built for
        // a wait that timed out would be dropped on the spot and give back
        // permits never taken.
        self.take(n, deadline::after(timeout))?;
        Ok(self.permit(n))
    }

    /// [`acquire`](Self::acquire) for a semaphore in an [`Arc`]: the permit
    /// holds a clone of the `Arc`, so it can move to another thread or into
    /// a pool task and be given back there (Python: `acquire()` in one
    /// thread, `release()` in another).
    ///
    /// [`Arc`]: std::sync::Arc
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// let connections = Arc::new(turnstile::Semaphore::new(2));
    /// let permit = connections.acquire_owned();
    /// assert_eq!(connections.available_permits(), 1);
    /// thread::spawn(move || drop(permit)).join().unwrap(); // given back there
    /// assert_eq!(connections.available_permits(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_owned(self: &Arc<Self>) -> OwnedSemaphorePermit {
        self.acquire().into_owned(self)
    }

    /// [`acquire_many`](Self::acquire_many), with an owned permit (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(3));
    /// let two = sem.acquire_many_owned(2);
    /// assert_eq!((two.count(), sem.available_permits()), (2, 1));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_owned(self: &Arc<Self>, n: usize) -> OwnedSemaphorePermit {
        self.acquire_many(n).into_owned(self)
    }

    /// [`try_acquire`](Self::try_acquire), with an owned permit (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(1));
    /// let first = sem.try_acquire_owned();
    /// assert!(first.is_some() && sem.try_acquire_owned().is_none());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit> {
        Some(self.try_acquire()?.into_owned(self))
    }

    /// [`acquire_timeout`](Self::acquire_timeout), with an owned permit (see
    /// [`acquire_owned`](Self::acquire_owned)).
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(0));
    /// assert!(sem.acquire_timeout_owned(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout_owned(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<OwnedSemaphorePermit, Timeout> {
        Ok(self.acquire_timeout(timeout)?.into_owned(self))
    }

    /// Adds `n` permits and wakes waiters that can use them. Python's
    /// `release(n)`: the permits need not have come from `acquire` (see
    /// [`SemaphorePermit::forget`]).
    ///
    /// # Panics
    ///
    /// If `n > 1` and the count, free and held, would pass
    /// [`MAX_PERMITS`](Self::MAX_PERMITS): that many permits is a bug in
    /// the caller. `release(1)` is not checked as it happens (it is Python's
    /// bare `release()`, and the check would double its cost under
    /// contention); single releases can only pass the limit by as many as
    /// have been made, and the count cannot wrap. [`BoundedSemaphore`]
    /// checks every release exactly, and returns an error instead.
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
        if n == 1 && self.is_plain() {
            // Python's bare `release()`: uncounted (see the notes), and as
            // cheap as a permit's drop.
            self.give_back(1);
            return;
        }
        if self.add(n).is_err() {
            panic!("Semaphore::release: the permit count would pass Semaphore::MAX_PERMITS");
        }
    }

    /// The counted release: adds `n` permits unless the count, free and
    /// held together, would pass the bound; then adds none. (A plain
    /// semaphore's `release(1)` does not come here: see the notes.)
    fn add(&self, n: usize) -> Result<(), OverRelease> {
        if n == 0 {
            return Ok(());
        }
        // Room first: only permits taken and forgotten may come back.
        let mut room = self.room.load(Ordering::Relaxed);
        loop {
            if n > room {
                let available = self.available.load(Ordering::Relaxed);
                return Err(OverRelease {
                    bound: self.bound,
                    available,
                    held: self.bound.saturating_sub(room).saturating_sub(available),
                    released: n,
                });
            }
            match self.room.compare_exchange_weak(
                room,
                room - n,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break,
                Err(now) => room = now,
            }
        }
        // SeqCst (at least Release): a thread that takes these permits
        // (Acquire) sees what this one did before releasing them. The fence
        // is the release's half of Dekker's pattern (see the notes).
        fetch_add_then_fence(&self.available, n);
        self.wake(n);
        Ok(())
    }

    /// This semaphore's identity for the lock-order checker.
    #[inline]
    fn id(&self) -> *const () {
        (self as *const Self).cast()
    }

    /// How many permits are free. A snapshot.
    ///
    /// ```
    /// let sem = turnstile::Semaphore::new(2);
    /// let _one = sem.acquire();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    pub fn available_permits(&self) -> usize {
        self.available.load(Ordering::Relaxed)
    }

    /// The guard for `n` permits that this thread has just taken.
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn permit(&self, n: usize) -> SemaphorePermit<'_> {
        lockdep::locked(&self.class, self.id(), lockdep::caller());
        SemaphorePermit {
            semaphore: self,
            count: n,
        }
    }

    /// Waits until `n` permits are free and takes them: `Err(Timeout)` if
    /// `deadline` (`None`: no limit) passed first, having taken nothing.
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn take(&self, n: usize, deadline: Option<Instant>) -> Result<(), Timeout> {
        let how = if deadline.is_some() {
            How::Timed
        } else {
            How::Blocking
        };
        lockdep::before_lock(&self.class, self.id(), lockdep::caller(), how);
        if self.try_take(n) {
            return Ok(());
        }
        self.take_after_waiting(n, deadline)
    }

    /// Takes `n` permits if that many are free: one compare-and-swap, which
    /// is "check" and "take" in one step.
    #[inline]
    fn try_take(&self, n: usize) -> bool {
        let mut available = self.available.load(Ordering::Relaxed);
        let mut backoff = Backoff::new();
        loop {
            if available < n {
                return false;
            }
            // Acquire: pairs with the Release of whoever gave them back.
            match self.available.compare_exchange_weak(
                available,
                available - n,
                Ordering::Acquire,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(_) => {
                    // Another CPU changed the count between our load and our
                    // swap: let it finish its round with the count's cache
                    // line before asking for it again (the facade's backoff
                    // is bounded by time, and does nothing on one CPU or
                    // under loom).
                    backoff.snooze();
                    available = self.available.load(Ordering::Relaxed);
                }
            }
        }
    }

    /// The slow half of `take`: too few permits are free, so wait.
    #[cold]
    #[inline(never)]
    fn take_after_waiting(&self, n: usize, deadline: Option<Instant>) -> Result<(), Timeout> {
        let mut guard = self.sleep.lock();
        if n > 1 {
            self.greedy_waiters.fetch_add(1, Ordering::Relaxed);
        }
        // Count in, then fence: see the implementation notes (Dekker's
        // pattern).
        fetch_add_then_fence(&self.waiters, 1);
        // Each look takes the permits if they are there, so a look that
        // finds them ends the wait with them taken; after a timeout the
        // condvar looks once more, and only `Ok` means taken.
        let taken = self
            .released
            .wait_while_until(&mut guard, deadline, |_| !self.try_take(n));
        self.waiters.fetch_sub(1, Ordering::Relaxed);
        if n > 1 {
            self.greedy_waiters.fetch_sub(1, Ordering::Relaxed);
        }
        taken
    }

    /// A permit's drop: its `n` permits go from held back to free.
    #[inline]
    fn give_back(&self, n: usize) {
        if n == 0 {
            return;
        }
        // As in `add`.
        fetch_add_then_fence(&self.available, n);
        self.wake(n);
    }

    /// A permit's `forget`: its `n` permits stop being held, which makes
    /// room for `release` to add as many. A plain semaphore's single permit
    /// is not counted (see the implementation notes).
    #[inline]
    fn forget_held(&self, n: usize) {
        if n == 1 && self.is_plain() {
            return;
        }
        self.room.fetch_add(n, Ordering::Relaxed);
    }

    /// A plain semaphore, not a [`BoundedSemaphore`].
    #[inline]
    fn is_plain(&self) -> bool {
        self.bound == usize::MAX
    }

    /// After `added` permits were made free (and a fence): wakes the
    /// waiters they may satisfy, if there are any.
    #[inline]
    fn wake(&self, added: usize) {
        if self.waiters.load(Ordering::Relaxed) != 0 {
            self.wake_waiters(added);
        }
    }

    #[cold]
    #[inline(never)]
    fn wake_waiters(&self, added: usize) {
        // Under `sleep`: a waiter that has looked and found too few permits
        // is then asleep on `released`, not between its look and its sleep.
        let mut sleepers = self.sleep.lock();
        if self.greedy_waiters.load(Ordering::Relaxed) > 0 {
            self.released.notify_all();
        } else {
            self.released.notify(added);
        }
        // Every waiting task looks again (each still counted in `waiters`,
        // so later releases come this way too). All of them, not `added`:
        // a task woken and then dropped before its next poll would take
        // its wake-up with it, and a sleeping neighbour would miss the
        // permits.
        let woken = sleepers.take_all();
        drop(sleepers);
        woken.wake();
    }

    /// Waits, in an async task, for a permit: the same permits as
    /// [`acquire`](Self::acquire), shared with waiting threads, without
    /// blocking a thread (Python's `async with asyncio.Semaphore():`). The
    /// permit is given back when it drops. Dropping the wait before it is
    /// ready (cancelling it) takes nothing and leaves no waker behind.
    ///
    /// Permits taken this way are not tracked by the lock-order checker
    /// (feature `lockdep`): an async task may move between threads while it
    /// holds one.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use turnstile::Semaphore;
    ///
    /// let sem = Semaphore::new(1);
    /// let held = sem.acquire();
    /// let mut waiting = std::pin::pin!(sem.acquire_async());
    /// let mut context = Context::from_waker(Waker::noop());
    /// assert!(waiting.as_mut().poll(&mut context).is_pending());
    /// drop(held); // wakes the task; its next poll takes the permit
    /// let Poll::Ready(permit) = waiting.as_mut().poll(&mut context) else {
    ///     panic!("the permit is free")
    /// };
    /// assert_eq!((permit.count(), sem.available_permits()), (1, 0));
    /// ```
    pub fn acquire_async(&self) -> SemaphoreAcquire<'_> {
        self.acquire_many_async(1)
    }

    /// Waits, in an async task, until `n` permits are free and takes them
    /// together, as [`acquire_many`](Self::acquire_many) does for a thread.
    ///
    /// ```
    /// # use std::task::{Context, Waker};
    /// # use std::task::Poll;
    /// let sem = turnstile::Semaphore::new(3);
    /// let mut two = std::pin::pin!(sem.acquire_many_async(2));
    /// let Poll::Ready(permits) = two.as_mut().poll(&mut Context::from_waker(Waker::noop())) else {
    ///     panic!("three are free")
    /// };
    /// assert_eq!((permits.count(), sem.available_permits()), (2, 1));
    /// ```
    pub fn acquire_many_async(&self, n: usize) -> SemaphoreAcquire<'_> {
        SemaphoreAcquire {
            semaphore: self,
            n,
            key: None,
        }
    }

    /// A waiting task counts itself in (Dekker's pattern, as
    /// `take_after_waiting`), under `sleep`. Not among the greedy waiters,
    /// whatever it asks for: every release that sees waiters wakes every
    /// task already.
    fn count_in(&self) {
        fetch_add_then_fence(&self.waiters, 1);
    }

    /// A waiting task that got its permits or gave up counts itself out,
    /// under `sleep`.
    fn count_out(&self) {
        self.waiters.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The future of [`Semaphore::acquire_async`] and
/// [`acquire_many_async`](Semaphore::acquire_many_async): ready with the
/// permits once it has taken them.
#[must_use = "a wait does nothing unless awaited"]
pub struct SemaphoreAcquire<'a> {
    semaphore: &'a Semaphore,
    n: usize,
    /// While the task is counted among the waiters: its key in the waker
    /// list.
    key: Option<u64>,
}

impl<'a> Future for SemaphoreAcquire<'a> {
    type Output = SemaphorePermit<'a>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<SemaphorePermit<'a>> {
        let this = &mut *self;
        let semaphore = this.semaphore;
        let n = this.n;
        // Not tracked by the lock-order checker (see `acquire_async`).
        let permit = || SemaphorePermit {
            semaphore,
            count: n,
        };
        if this.key.is_none() && semaphore.try_take(n) {
            return Poll::Ready(permit());
        }
        let mut sleepers = semaphore.sleep.lock();
        let key = match this.key {
            Some(key) => key,
            None => {
                // Counted in before the look below: a release after that
                // look sees the count and comes to wake us.
                semaphore.count_in();
                let key = sleepers.new_key();
                this.key = Some(key);
                key
            }
        };
        if semaphore.try_take(n) {
            sleepers.remove(key);
            semaphore.count_out();
            this.key = None;
            return Poll::Ready(permit());
        }
        sleepers.register(key, context.waker());
        Poll::Pending
    }
}

impl Drop for SemaphoreAcquire<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            // Cancelled while waiting: nothing was taken; take the waker out
            // (a release may have taken it already) and count out.
            let mut sleepers = self.semaphore.sleep.lock();
            sleepers.remove(key);
            self.semaphore.count_out();
        }
    }
}

impl fmt::Debug for SemaphoreAcquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphoreAcquire")
            .field("permits", &self.n)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

impl Default for Semaphore {
    /// A semaphore with one permit, as Python's `Semaphore()`.
    #[cfg_attr(feature = "lockdep", track_caller)]
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
        self.semaphore.forget_held(count);
        lockdep::unlocked(&self.semaphore.class, self.semaphore.id());
        core::mem::forget(self);
        count
    }

    /// The same permits, held through `owner` (the `Arc` this permit's
    /// semaphore lives in) instead of a borrow. They stay counted as held.
    fn into_owned<S: AsSemaphore>(self, owner: &Arc<S>) -> OwnedSemaphorePermit<S> {
        debug_assert!(core::ptr::eq(self.semaphore, owner.semaphore()));
        let count = self.count;
        // Owned permits may move to other threads: the checker lets go here.
        lockdep::unlocked(&self.semaphore.class, self.semaphore.id());
        core::mem::forget(self);
        OwnedSemaphorePermit {
            owner: Arc::clone(owner),
            count,
        }
    }
}

impl Drop for SemaphorePermit<'_> {
    #[inline]
    fn drop(&mut self) {
        self.semaphore.give_back(self.count);
        lockdep::unlocked(&self.semaphore.class, self.semaphore.id());
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("count", &self.count)
            .finish()
    }
}

/// Permits taken from a semaphore in an `Arc` (see
/// [`Semaphore::acquire_owned`]): like [`SemaphorePermit`], but it holds the
/// `Arc` rather than a borrow, so it can move anywhere, a pool task
/// included. Dropping it gives the permits back.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use turnstile::{Semaphore, ThreadPool};
///
/// let slots = Arc::new(Semaphore::new(1));
/// let pool = ThreadPool::new(2).unwrap();
/// let permit = slots.acquire_owned();
/// let task = pool.submit(move || permit.count()).unwrap(); // the permit moves in
/// assert_eq!(task.into_result(), Ok(1));
/// assert_eq!(slots.available_permits(), 1); // given back when the task ended
/// ```
#[must_use = "if unused the permit is given back at once"]
pub struct OwnedSemaphorePermit<S: AsSemaphore = Semaphore> {
    owner: Arc<S>,
    count: usize,
}

impl<S: AsSemaphore> OwnedSemaphorePermit<S> {
    /// How many permits this holds.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(3));
    /// assert_eq!(sem.acquire_owned().count(), 1);
    /// ```
    pub fn count(&self) -> usize {
        self.count
    }

    /// The semaphore the permits came from.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let sem = Arc::new(turnstile::Semaphore::new(1));
    /// let permit = sem.acquire_owned();
    /// assert!(Arc::ptr_eq(permit.semaphore(), &sem));
    /// ```
    pub fn semaphore(&self) -> &Arc<S> {
        &self.owner
    }

    /// As [`SemaphorePermit::forget`]: keeps the permits taken and returns
    /// how many.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::Semaphore::new(1));
    /// assert_eq!(sem.acquire_owned().forget(), 1);
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    pub fn forget(self) -> usize {
        let count = self.count;
        self.owner.semaphore().forget_held(count);
        // Drop the `Arc` without running this permit's `Drop`.
        let this = core::mem::ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so the `Arc` is
        // read out exactly once and dropped here.
        drop(unsafe { core::ptr::read(&this.owner) });
        count
    }
}

impl<S: AsSemaphore> Drop for OwnedSemaphorePermit<S> {
    fn drop(&mut self) {
        self.owner.semaphore().give_back(self.count);
    }
}

impl<S: AsSemaphore> fmt::Debug for OwnedSemaphorePermit<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("count", &self.count)
            .finish()
    }
}

/// The semaphores an [`OwnedSemaphorePermit`] can come from: [`Semaphore`]
/// and [`BoundedSemaphore`]. Sealed: implemented here only.
pub trait AsSemaphore: sealed::AsSemaphore {}

impl AsSemaphore for Semaphore {}
impl AsSemaphore for BoundedSemaphore {}

mod sealed {
    pub trait AsSemaphore {
        /// The counting semaphore underneath.
        fn semaphore(&self) -> &super::Semaphore;
    }

    impl AsSemaphore for super::Semaphore {
        fn semaphore(&self) -> &super::Semaphore {
            self
        }
    }

    impl AsSemaphore for super::BoundedSemaphore {
        fn semaphore(&self) -> &super::Semaphore {
            &self.semaphore
        }
    }
}

/// A semaphore that refuses to hold more permits than it started with:
/// Python's `BoundedSemaphore`. Releasing one permit too many is almost
/// always a bug (a double release), so it is reported instead of silently
/// raising the limit.
///
/// It is a [`Semaphore`] with a bound, as CPython's is a subclass that only
/// overrides `release`: the same methods, the same algorithm. Two things
/// differ. [`release`](Self::release) returns `Err(OverRelease)` instead of
/// adding past the bound; and a request for more permits than the bound, which
/// no wait could ever grant, is refused at once with [`ExceedsBound`] by
/// every `*_many` method.
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

/// Why [`BoundedSemaphore::try_acquire_many`] took nothing.
///
/// ```
/// use turnstile::{BoundedSemaphore, TryAcquireError};
///
/// let sem = BoundedSemaphore::new(2);
/// let _one = sem.acquire();
/// assert_eq!(sem.try_acquire_many(2).unwrap_err(), TryAcquireError::NoPermits);
/// assert!(matches!(sem.try_acquire_many(3), Err(TryAcquireError::ExceedsBound(_))));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TryAcquireError {
    /// Too few permits are free right now.
    NoPermits,
    /// More were asked for than the semaphore can ever hold.
    ExceedsBound(ExceedsBound),
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoPermits => f.write_str("too few permits are free"),
            Self::ExceedsBound(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for TryAcquireError {}

/// Why [`BoundedSemaphore::acquire_many_timeout`] took nothing.
///
/// ```
/// use std::time::Duration;
/// use turnstile::{AcquireTimeoutError, BoundedSemaphore};
///
/// let sem = BoundedSemaphore::new(2);
/// let _one = sem.acquire();
/// let late = sem.acquire_many_timeout(2, Duration::from_millis(5));
/// assert_eq!(late.unwrap_err(), AcquireTimeoutError::Timeout);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AcquireTimeoutError {
    /// The time ran out before enough permits were free.
    Timeout,
    /// More were asked for than the semaphore can ever hold.
    ExceedsBound(ExceedsBound),
}

impl fmt::Display for AcquireTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => Timeout.fmt(f),
            Self::ExceedsBound(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for AcquireTimeoutError {}

impl BoundedSemaphore {
    const_fn! {
        /// A semaphore with `permits` free permits, and never more.
        ///
        /// ```
        /// let sem = turnstile::BoundedSemaphore::new(3);
        /// assert_eq!((sem.bound(), sem.available_permits()), (3, 3));
        /// ```
        #[must_use]
        #[cfg_attr(feature = "lockdep", track_caller)]
        pub fn new(permits: usize) -> Self {
            Self { semaphore: Semaphore::with_bound(permits, permits, Class::permits("BoundedSemaphore")) }
        }
    }

    /// Takes a permit, waiting while none is free.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _permit = sem.acquire();
    /// assert_eq!(sem.available_permits(), 0);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire(&self) -> SemaphorePermit<'_> {
        self.semaphore.acquire()
    }

    /// Waits, in an async task, for a permit; see
    /// [`Semaphore::acquire_async`].
    ///
    /// ```
    /// # use std::task::{Context, Waker};
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let mut one = std::pin::pin!(sem.acquire_async());
    /// assert!(one.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
    /// ```
    pub fn acquire_async(&self) -> SemaphoreAcquire<'_> {
        self.semaphore.acquire_async()
    }

    /// Waits, in an async task, for `n` permits; see
    /// [`Semaphore::acquire_many_async`]. `Err(ExceedsBound)` at once if `n`
    /// is more than the bound, as [`acquire_many`](Self::acquire_many): that
    /// wait would never end.
    ///
    /// ```
    /// # use std::task::{Context, Waker};
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(sem.acquire_many_async(3).is_err());
    /// let mut two = std::pin::pin!(sem.acquire_many_async(2).unwrap());
    /// assert!(two.as_mut().poll(&mut Context::from_waker(Waker::noop())).is_ready());
    /// ```
    pub fn acquire_many_async(&self, n: usize) -> Result<SemaphoreAcquire<'_>, ExceedsBound> {
        self.check_request(n)?;
        Ok(self.semaphore.acquire_many_async(n))
    }

    /// Takes a permit if one is free right now.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _first = sem.try_acquire().unwrap();
    /// assert!(sem.try_acquire().is_none());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire(&self) -> Option<SemaphorePermit<'_>> {
        self.semaphore.try_acquire()
    }

    /// Takes a permit, giving up after `timeout`: `Err(Timeout)` if it gave
    /// up.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// let _held = sem.acquire();
    /// assert!(sem.acquire_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<SemaphorePermit<'_>, Timeout> {
        self.semaphore.acquire_timeout(timeout)
    }

    /// Takes a permit, giving up at `deadline`.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(1);
    /// assert!(sem.acquire_deadline(Instant::now()).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_deadline(&self, deadline: Instant) -> Result<SemaphorePermit<'_>, Timeout> {
        self.semaphore.acquire_deadline(deadline)
    }

    /// Takes `n` permits at once, waiting until `n` are free; an error at
    /// once if `n` is more than the semaphore can ever hold.
    ///
    /// ```
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(sem.acquire_many(3).is_err()); // could never be granted
    /// assert_eq!(sem.acquire_many(2).unwrap().count(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, ExceedsBound> {
        self.check_request(n)?;
        Ok(self.semaphore.acquire_many(n))
    }

    /// Takes `n` permits if `n` are free right now.
    ///
    /// ```
    /// use turnstile::TryAcquireError;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// assert!(matches!(sem.try_acquire_many(3), Err(TryAcquireError::ExceedsBound(_))));
    /// assert!(sem.try_acquire_many(2).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_many(&self, n: usize) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.check_request(n)
            .map_err(TryAcquireError::ExceedsBound)?;
        self.semaphore
            .try_acquire_many(n)
            .ok_or(TryAcquireError::NoPermits)
    }

    /// Takes `n` permits, giving up after `timeout`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::AcquireTimeoutError;
    ///
    /// let sem = turnstile::BoundedSemaphore::new(2);
    /// let too_many = sem.acquire_many_timeout(3, Duration::from_secs(60)); // returns at once
    /// assert!(matches!(too_many, Err(AcquireTimeoutError::ExceedsBound(_))));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_timeout(
        &self,
        n: usize,
        timeout: Duration,
    ) -> Result<SemaphorePermit<'_>, AcquireTimeoutError> {
        self.check_request(n)
            .map_err(AcquireTimeoutError::ExceedsBound)?;
        self.semaphore
            .acquire_many_timeout(n, timeout)
            .map_err(|Timeout| AcquireTimeoutError::Timeout)
    }

    /// [`acquire`](Self::acquire) for a semaphore in an `Arc`: a permit that
    /// can move (see [`Semaphore::acquire_owned`]).
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(1));
    /// let permit = sem.acquire_owned();
    /// std::thread::spawn(move || drop(permit)).join().unwrap();
    /// assert_eq!(sem.available_permits(), 1);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_owned(self: &Arc<Self>) -> OwnedSemaphorePermit<Self> {
        self.acquire().into_owned(self)
    }

    /// [`acquire_many`](Self::acquire_many), with an owned permit; an error
    /// at once if `n` is more than the semaphore can ever hold.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(2));
    /// assert!(sem.acquire_many_owned(3).is_err());
    /// assert_eq!(sem.acquire_many_owned(2).unwrap().count(), 2);
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_many_owned(
        self: &Arc<Self>,
        n: usize,
    ) -> Result<OwnedSemaphorePermit<Self>, ExceedsBound> {
        Ok(self.acquire_many(n)?.into_owned(self))
    }

    /// [`try_acquire`](Self::try_acquire), with an owned permit.
    ///
    /// ```
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(1));
    /// let _first = sem.try_acquire_owned().unwrap();
    /// assert!(sem.try_acquire_owned().is_none());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_acquire_owned(self: &Arc<Self>) -> Option<OwnedSemaphorePermit<Self>> {
        Some(self.try_acquire()?.into_owned(self))
    }

    /// [`acquire_timeout`](Self::acquire_timeout), with an owned permit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let sem = std::sync::Arc::new(turnstile::BoundedSemaphore::new(1));
    /// assert!(sem.acquire_timeout_owned(Duration::ZERO).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout_owned(
        self: &Arc<Self>,
        timeout: Duration,
    ) -> Result<OwnedSemaphorePermit<Self>, Timeout> {
        Ok(self.acquire_timeout(timeout)?.into_owned(self))
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
        self.semaphore.add(n)
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
        self.semaphore.bound
    }

    fn check_request(&self, n: usize) -> Result<(), ExceedsBound> {
        if n > self.bound() {
            return Err(ExceedsBound {
                bound: self.bound(),
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
            .field("bound", &self.bound())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::super::facade::{Arc, Ordering, run_test, thread};
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
                assert_eq!(semaphore.greedy_waiters.load(Ordering::Relaxed), 0);
                assert_eq!(semaphore.waiters.load(Ordering::Relaxed), 0);
            });
        }
    }
}
