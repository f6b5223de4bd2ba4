//! An event: Python's `threading.Event`, a flag that threads can wait for.
//!
//! One thread [`set`](Event::set)s the flag; every thread that
//! [`wait`](Event::wait)s for it, before or after, goes on. The notes' picture:
//! passengers wait until the bus arrives. [`clear`](Event::clear) lowers the
//! flag again, so later waiters wait for the next `set`.
//!
//! | Python (`threading`)          | turnstile                            |
//! |-------------------------------|--------------------------------------|
//! | `ev = Event()`                | `let ev = Event::new();`             |
//! | `ev.set()` / `ev.clear()`     | `ev.set()` / `ev.clear()`            |
//! | `ev.is_set()`                 | `ev.is_set()`                        |
//! | `ev.wait()`                   | `ev.wait()`                          |
//! | `ev.wait(timeout=0.5)`        | `ev.wait_timeout(d)` → flag on return|
//! | `await asyncio_ev.wait()`     | `ev.wait_async().await`              |
//!
//! The same event serves threads and async tasks: [`wait_async`](Event::wait_async)
//! waits for the same `set` as [`wait`](Event::wait), without blocking a
//! thread (asyncio has an `Event` of its own for that; here it is one).
//!
//! Compared with a [`Condvar`]: an event remembers
//! that it was set, so a `set` before the `wait` is not lost, and there is no
//! lock for you to hold.
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use std::time::Duration;
//! use turnstile::Event;
//!
//! // "Users retry a database connection, waiting 0.5 s at a time."
//! let database_up = Arc::new(Event::new());
//! let user = {
//!     let database_up = Arc::clone(&database_up);
//!     thread::spawn(move || {
//!         let mut attempts = 1;
//!         while database_up.wait_timeout(Duration::from_millis(500)).is_err() {
//!             attempts += 1;
//!         }
//!         attempts
//!     })
//! };
//! database_up.set();
//! assert!(user.join().unwrap() >= 1);
//! assert!(database_up.is_set());
//! ```

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::{Duration, Instant};

use super::condvar::Condvar;
use super::deadline;
use super::facade::{AtomicBool, Ordering, const_fn};
use super::lockdep;
use super::mutex::Mutex;
use super::timeout::Timeout;
use super::wakers::Wakers;

/// A flag threads can wait for. See the [module docs](self).
///
/// # Examples
///
/// ```
/// use turnstile::Event;
///
/// static BUS_ARRIVED: Event = Event::new();
/// BUS_ARRIVED.set();
/// BUS_ARRIVED.wait(); // returns at once: the flag is up
/// ```
pub struct Event {
    /// The flag. Written only with `lock` held; read without it by the fast
    /// paths.
    flag: AtomicBool,
    /// How many times `set` has raised the flag, and the async waiters.
    raised: Mutex<Raised>,
    changed: Condvar,
}

/// What `Event`'s lock guards.
struct Raised {
    /// How many times `set` has raised the flag. A waiter notes it before
    /// sleeping and leaves once it changes, even if `clear` has lowered the
    /// flag again by the time the waiter runs.
    count: u64,
    /// The tasks in [`wait_async`](Event::wait_async) that found the flag
    /// down; `set` takes them all and wakes them after unlocking. A wait
    /// dropped before that removes its own.
    wakers: Wakers,
}

// # Implementation notes
//
// CPython's Event is a Condition and a bool. Here the bool is atomic so that
// `is_set` and a `wait` on a set event are one Acquire load, touching neither
// the lock nor the kernel. Everything else is CPython's shape: `set` raises
// the flag and notifies under the lock; a waiter checks the flag under the
// lock before each wait, so a `set` between its fast-path look and its sleep
// is not lost (the lock orders the two).
//
// A waiter waits for a *set*, not for the flag: CPython's `wait` returns
// True to every thread that a `set` woke, even if `clear` ran before it got
// the lock back (bpo-13502). Re-checking only the flag would put such a
// waiter back to sleep and lose the set; so `set` also counts itself in
// `raised`, and a waiter leaves when the flag is up or the count moved.

impl Event {
    const_fn! {
        /// A new event, not set.
        ///
        /// ```
        /// assert!(!turnstile::Event::new().is_set());
        /// ```
        #[must_use]
        pub fn new() -> Self {
            Self {
                flag: AtomicBool::new(false),
                raised: Mutex::untracked(Raised {
                    count: 0,
                    wakers: Wakers::new(),
                }),
                changed: Condvar::new(),
            }
        }
    }

    /// Whether the flag is set. A snapshot.
    ///
    /// ```
    /// let event = turnstile::Event::new();
    /// assert!(!event.is_set());
    /// event.set();
    /// assert!(event.is_set());
    /// ```
    #[inline]
    pub fn is_set(&self) -> bool {
        // Acquire: pairs with the Release in `set`, so a caller that sees the
        // flag also sees what the setter wrote before setting it.
        self.flag.load(Ordering::Acquire)
    }

    /// Sets the flag and wakes every waiting thread. Each of them returns
    /// from its wait, even if the flag is cleared again before it runs.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::thread;
    ///
    /// let event = Arc::new(turnstile::Event::new());
    /// let passenger = {
    ///     let event = Arc::clone(&event);
    ///     thread::spawn(move || event.wait())
    /// };
    /// event.set();
    /// passenger.join().unwrap();
    /// ```
    pub fn set(&self) {
        if self.is_set() {
            return; // Already set: whoever waited was woken by that set.
        }
        let mut raised = self.raised.lock();
        // Release: pairs with the Acquire in `is_set`.
        self.flag.store(true, Ordering::Release);
        raised.count = raised.count.wrapping_add(1);
        self.changed.notify_all();
        let woken = raised.wakers.take_all();
        drop(raised);
        woken.wake();
    }

    /// Lowers the flag: later waiters wait for the next `set`. Threads that
    /// an earlier `set` already woke still return.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let event = turnstile::Event::new();
    /// event.set();
    /// event.clear();
    /// assert!(event.wait_timeout(Duration::from_millis(1)).is_err());
    /// ```
    pub fn clear(&self) {
        let _raised = self.raised.lock();
        self.flag.store(false, Ordering::Relaxed);
    }

    /// Waits until the flag is set. Returns at once if it already is,
    /// without taking a lock.
    ///
    /// ```
    /// let event = turnstile::Event::new();
    /// event.set();
    /// event.wait(); // one atomic load
    /// ```
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait(&self) {
        lockdep::before_wait("Event::wait", lockdep::caller(), false);
        if !self.is_set() {
            self.wait_until_set();
        }
    }

    /// The slow half of `wait`: sleep under the lock until a `set`.
    #[cold]
    #[inline(never)]
    fn wait_until_set(&self) {
        let mut raised = self.raised.lock();
        let before = raised.count;
        self.changed
            .wait_while(&mut raised, |raised| self.unset_since(before, raised));
    }

    /// A waiter's predicate, read under the lock: the flag is down and no
    /// `set` has come since the waiter noted `before`.
    fn unset_since(&self, before: u64, raised: &Raised) -> bool {
        // Relaxed: the lock orders this read after `set`'s store.
        !self.flag.load(Ordering::Relaxed) && raised.count == before
    }

    /// Waits, in an async task, until the flag is set: the same wait as
    /// [`wait`](Self::wait), for the same `set`, without blocking a thread.
    /// Ready at once if the flag is up; otherwise the task is woken by the
    /// next `set` (and is ready even if `clear` lowered the flag again
    /// before it ran, as a waiting thread would be). Dropping the wait
    /// before then (cancelling it) removes its waker and changes nothing
    /// else.
    ///
    /// ```
    /// use std::task::{Context, Poll, Waker};
    /// use turnstile::Event;
    ///
    /// let bus_arrived = Event::new();
    /// let mut waiting = std::pin::pin!(bus_arrived.wait_async());
    /// let mut context = Context::from_waker(Waker::noop());
    /// assert!(waiting.as_mut().poll(&mut context).is_pending());
    /// bus_arrived.set(); // wakes the task; its next poll is ready
    /// assert!(waiting.as_mut().poll(&mut context).is_ready());
    /// ```
    pub fn wait_async(&self) -> EventWait<'_> {
        EventWait {
            event: self,
            before: None,
            key: None,
        }
    }

    /// Waits until the flag is set or `timeout` passes: `Ok(())` if it was
    /// set (even if cleared again since), `Err(Timeout)` if the time ran out;
    /// Python's `wait(timeout)`, whose `True` is `Ok`. A zero timeout just
    /// reads the flag; `Duration::MAX` waits without limit.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::Timeout;
    ///
    /// let event = turnstile::Event::new();
    /// assert_eq!(event.wait_timeout(Duration::from_millis(5)), Err(Timeout)); // not set
    /// event.set();
    /// assert_eq!(event.wait_timeout(Duration::from_millis(5)), Ok(()));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.wait_until(deadline::after(timeout))
    }

    /// Waits until the flag is set or `deadline` passes, as
    /// [`wait_timeout`](Self::wait_timeout).
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let event = turnstile::Event::new();
    /// event.set();
    /// assert_eq!(event.wait_deadline(Instant::now()), Ok(()));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn wait_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        self.wait_until(Some(deadline))
    }

    #[cfg_attr(feature = "lockdep", track_caller)]
    fn wait_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        lockdep::before_wait("Event::wait", lockdep::caller(), deadline.is_some());
        if self.is_set() {
            return Ok(());
        }
        let mut raised = self.raised.lock();
        let before = raised.count;
        self.changed
            .wait_while_until(&mut raised, deadline, |raised| {
                self.unset_since(before, raised)
            })
    }
}

/// The future of [`Event::wait_async`]: ready once the event is set.
#[must_use = "a wait does nothing unless awaited"]
pub struct EventWait<'a> {
    event: &'a Event,
    /// `set`'s count when this wait first found the flag down: any `set`
    /// after that ends the wait.
    before: Option<u64>,
    /// This wait's key in the event's waker list, while it is there.
    key: Option<u64>,
}

impl Future for EventWait<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let this = &mut *self;
        if this.before.is_none() && this.event.is_set() {
            return Poll::Ready(()); // one atomic load, as `wait`'s fast path
        }
        let mut raised = this.event.raised.lock();
        // Looked at under the lock that `set` holds while it takes the
        // wakers: either that `set` is seen here, or it finds our waker.
        let before = *this.before.get_or_insert(raised.count);
        if !this.event.unset_since(before, &raised) {
            if let Some(key) = this.key.take() {
                raised.wakers.remove(key);
            }
            return Poll::Ready(());
        }
        let key = *this.key.get_or_insert_with(|| raised.wakers.new_key());
        raised.wakers.register(key, context.waker());
        Poll::Pending
    }
}

impl Drop for EventWait<'_> {
    fn drop(&mut self) {
        if let Some(key) = self.key {
            // Cancelled while waiting: take our waker out (a `set` may have
            // taken it already, and then there is nothing to remove).
            self.event.raised.lock().wakers.remove(key);
        }
    }
}

impl fmt::Debug for EventWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventWait")
            .field("event", self.event)
            .field("waiting", &self.key.is_some())
            .finish()
    }
}

impl Default for Event {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Event")
            .field("set", &self.is_set())
            .finish()
    }
}
