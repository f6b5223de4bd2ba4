//! The counting semaphore itself: [`Semaphore`]'s count of free permits,
//! its release, and how a thread that finds too few waits and is woken
//! (the implementation notes below say why it is built this way). The
//! methods that hand out permits live beside the permit types they return:
//! blocking ones in `permit.rs`, owned ones in `owned.rs`, async ones in
//! `wait_async.rs`; `bounded.rs` is the bounded variant, `error.rs` its
//! errors. This file names none of them, only `error.rs`'s `OverRelease`
//! and `task_line.rs`'s line of waiting tasks.

use core::fmt;
use std::time::Instant;

use super::super::condvar::Condvar;
use super::super::facade::{AtomicUsize, Backoff, Ordering, const_fn, fetch_add_then_fence};
use super::super::lockdep::{self, Class, How};
use super::super::mutex::Mutex;
use super::super::timeout::Timeout;
use super::error::OverRelease;
use super::task_line::{Served, TaskLine};

/// A counting semaphore. See the [module docs](super).
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
    ///
    /// [`SemaphorePermit`]: super::SemaphorePermit
    room: AtomicUsize,
    /// The most permits it may ever count, free and held together:
    /// `usize::MAX` for a plain semaphore, the starting count for a
    /// [`BoundedSemaphore`]. The one place the two differ.
    ///
    /// [`BoundedSemaphore`]: super::BoundedSemaphore
    pub(super) bound: usize,
    /// Threads and async tasks waiting for permits, counted under `sleep`.
    waiters: AtomicUsize,
    /// The threads among them that want more than one permit (waiting
    /// tasks are served from their line, not woken to look). While there are any, a
    /// release wakes every waiting thread: waking `n` might wake only big waiters
    /// that go back to sleep, and leave small ones asleep beside free
    /// permits.
    greedy_waiters: AtomicUsize,
    /// The lock waiters sleep under (it guards the line of waiting async
    /// tasks), and the condition threads sleep on.
    pub(super) sleep: Mutex<TaskLine>,
    released: Condvar,
    /// The lock-order checker's class (nothing without feature `lockdep`).
    pub(super) class: Class,
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
// Async tasks wait in a line (`task_line.rs`, under `sleep`), asyncio's
// `_waiters` deque: a release that sees waiters takes permits from the
// count for the tasks at the head of the line (`serve_tasks`, the same
// compare-and-swap a thread uses) and wakes those, then notifies threads.
// A task is counted in `waiters` from its joining the line to its leaving
// it, served or not, so every release while the line is not empty comes
// to serve it (the Dekker pattern above). The line is served at every
// change that can let its head go on: a release, a task joining (unless a
// served task that has not yet run is ahead: asyncio leaves the free
// permits to it, and it serves the line when it leaves), a task leaving.
// A served task dropped before it runs gives its permits back with
// `give_back`, which serves the line again. Threads keep their
// barging wait: the uncontended acquire stays one compare-and-swap, and a
// release one fetch-add and one load.
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
    /// [`BoundedSemaphore`]: super::BoundedSemaphore
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
        pub(super) fn with_bound(permits: usize, bound: usize, class: Class) -> Self {
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
                sleep: Mutex::untracked(TaskLine::new()),
                released: Condvar::new(),
                class,
            }
        }
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
    /// [`SemaphorePermit::forget`]: super::SemaphorePermit::forget
    /// [`BoundedSemaphore`]: super::BoundedSemaphore
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
    pub(super) fn add(&self, n: usize) -> Result<(), OverRelease> {
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
    pub(super) fn id(&self) -> *const () {
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

    /// Waits until `n` permits are free and takes them: `Err(Timeout)` if
    /// `deadline` (`None`: no limit) passed first, having taken nothing.
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub(super) fn take(&self, n: usize, deadline: Option<Instant>) -> Result<(), Timeout> {
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
    pub(super) fn try_take(&self, n: usize) -> bool {
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
    pub(super) fn give_back(&self, n: usize) {
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
    pub(super) fn forget_held(&self, n: usize) {
        if n == 1 && self.is_plain() {
            return;
        }
        self.room.fetch_add(n, Ordering::Relaxed);
    }

    /// A plain semaphore, not a [`BoundedSemaphore`].
    ///
    /// [`BoundedSemaphore`]: super::BoundedSemaphore
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
        let mut line = self.sleep.lock();
        // Waiting tasks first, in arrival order: the permits they take are
        // theirs before they run (see the notes on the task line).
        let served = self.serve_tasks(&mut line);
        // Threads then look for what is left.
        if self.greedy_waiters.load(Ordering::Relaxed) > 0 {
            self.released.notify_all();
        } else {
            self.released.notify(added);
        }
        drop(line);
        served.wake();
    }

    /// Under `sleep`: takes permits from the count for the tasks at the
    /// head of the line, oldest first, while there are enough for the
    /// next. Returns their wakers, to wake once `sleep` is let go.
    pub(super) fn serve_tasks(&self, line: &mut TaskLine) -> Served {
        line.hand_off(|wants| self.try_take(wants))
    }

    /// Whether no thread or task waits: an arriving task may then take
    /// free permits at once, without the lock.
    #[inline]
    pub(super) fn nobody_waits(&self) -> bool {
        self.waiters.load(Ordering::Relaxed) == 0
    }

    /// A waiting task counts itself in (Dekker's pattern, as
    /// `take_after_waiting`), under `sleep`. Not among the greedy waiters,
    /// whatever it asks for: a release serves the line in order.
    pub(super) fn count_in(&self) {
        fetch_add_then_fence(&self.waiters, 1);
    }

    /// A waiting task that left the line (served, or dropped) counts itself
    /// out, under `sleep`.
    pub(super) fn count_out(&self) {
        self.waiters.fetch_sub(1, Ordering::Relaxed);
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

#[cfg(test)]
mod tests {
    use super::super::super::facade::{Arc, Ordering, run_test, thread};
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
