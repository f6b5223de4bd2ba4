//! Time: `sleep` (Python's `asyncio.sleep`), `yield_now` (`asyncio.sleep(0)`)
//! and `wait_for` (`asyncio.wait_for`).
//!
//! A sleeping future puts its waker in the running loop's timer list under
//! its deadline; the loop wakes it when the deadline comes (see `run.rs`).
//! No thread sleeps for it: that is how two one-second sleeps on one thread
//! take one second.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::super::deadline;
use super::super::facade::Arc;
use super::super::mutex::Mutex;
use super::super::timeout::Timeout;
use super::super::timer::Timer;
use super::run::{Loop, current};

/// Waits `duration` without holding the thread (Python's `await
/// asyncio.sleep(seconds)`): other tasks run meanwhile.
///
/// Inside [`run`](super::run) the loop's timer list wakes it. Awaited on
/// another executor (tokio's, say), it starts a [`Timer`] thread for the
/// wake-up instead, so it still works, at a thread's cost.
///
/// ```
/// use std::time::{Duration, Instant};
/// use turnstile::event_loop::{gather, run, sleep};
///
/// let start = Instant::now();
/// run(gather([sleep(Duration::from_millis(100)), sleep(Duration::from_millis(100))]));
/// let took = start.elapsed();
/// // Both at once: at least 100 ms, and well under the 200 of one after the other.
/// assert!(took >= Duration::from_millis(100) && took < Duration::from_millis(200), "{took:?}");
/// ```
pub fn sleep(duration: Duration) -> Sleep {
    Sleep {
        // No deadline (an overflowing duration): never wakes, as Python's
        // sleep of a huge number never returns in practice.
        deadline: deadline::after(duration),
        registered: Registration::None,
    }
}

/// Waits until `deadline` without holding the thread: [`sleep`]'s
/// `*_deadline` form, as turnstile's other timed waits have one. A
/// deadline that has passed is ready at once.
///
/// ```
/// use std::time::{Duration, Instant};
/// use turnstile::event_loop::{gather, run, sleep_until};
///
/// let at = Instant::now() + Duration::from_millis(20);
/// run(gather([sleep_until(at), sleep_until(at)])); // two sleepers, one instant
/// assert!(Instant::now() >= at);
/// ```
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: Some(deadline),
        registered: Registration::None,
    }
}

/// The future of [`sleep`] and [`sleep_until`]. Dropping it cancels the
/// sleep and removes its timer.
///
/// ```
/// use std::time::Duration;
/// use turnstile::event_loop::{run, sleep};
///
/// run(async {
///     let nap = sleep(Duration::from_millis(1));
///     nap.await; // resolves to ()
/// });
/// ```
#[must_use = "a sleep does nothing until it is awaited"]
pub struct Sleep {
    /// `None`: the duration overflowed `Instant`; never due.
    deadline: Option<Instant>,
    registered: Registration,
}

/// Where a pending sleep's wake-up will come from.
enum Registration {
    /// Not polled yet (or done).
    None,
    /// An entry in the timer list of the loop with this number. (A sleep
    /// dropped on another thread leaves its entry behind; it fires once,
    /// waking nobody who cares, and is gone.)
    Loop(usize, (Instant, u64)),
    /// Outside a turnstile loop: a timer thread that wakes the waker kept
    /// here.
    Thread(Timer, Arc<Mutex<Waker>>),
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        let Some(deadline) = this.deadline else {
            return Poll::Pending;
        };
        if Instant::now() >= deadline {
            this.unregister();
            return Poll::Ready(());
        }
        let waker = context.waker();
        match &this.registered {
            Registration::Loop(number, key) => match Loop::current_numbered(*number) {
                Some(running) => running.update_timer(*key, waker),
                // Polled in another loop than the one it slept in: start
                // again in this one.
                None => this.register(deadline, waker),
            },
            Registration::Thread(_, slot) => {
                let mut registered = slot.lock();
                if !registered.will_wake(waker) {
                    registered.clone_from(waker);
                }
            }
            Registration::None => this.register(deadline, waker),
        }
        Poll::Pending
    }
}

impl Sleep {
    fn register(&mut self, deadline: Instant, waker: &Waker) {
        if let Some(running) = current() {
            let key = running.add_timer(deadline, waker);
            self.registered = Registration::Loop(running.number, key);
            return;
        }
        let slot = Arc::new(Mutex::untracked(waker.clone()));
        let ringing = Arc::clone(&slot);
        let wait = deadline.saturating_duration_since(Instant::now());
        match Timer::start(wait, move || ringing.lock().wake_by_ref()) {
            Ok(timer) => self.registered = Registration::Thread(timer, slot),
            // No thread to be had: ask to be polled again, and look at the
            // clock then. Busy, but never lost.
            Err(_) => waker.wake_by_ref(),
        }
    }

    fn unregister(&mut self) {
        match core::mem::replace(&mut self.registered, Registration::None) {
            Registration::Loop(number, key) => {
                if let Some(running) = Loop::current_numbered(number) {
                    running.remove_timer(key);
                }
            }
            Registration::Thread(timer, _) => {
                timer.cancel();
            }
            Registration::None => {}
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.unregister();
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep")
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Lets every other ready task run once before this one goes on (Python's
/// `await asyncio.sleep(0)`): the task wakes itself and steps aside.
///
/// ```
/// use std::cell::Cell;
/// use std::rc::Rc;
/// use turnstile::event_loop::{run, spawn, yield_now};
///
/// let order = Rc::new(Cell::new(0));
/// run(async {
///     let seen = Rc::clone(&order);
///     let task = spawn(async move { seen.set(seen.get() * 10 + 2) }).unwrap();
///     order.set(1);
///     yield_now().await; // the spawned task runs here
///     order.set(order.get() * 10 + 3);
///     task.await.unwrap();
/// });
/// assert_eq!(order.get(), 123);
/// ```
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

/// The future of [`yield_now`].
///
/// ```
/// turnstile::event_loop::run(turnstile::event_loop::yield_now());
/// ```
#[derive(Debug)]
#[must_use = "yielding does nothing until it is awaited"]
pub struct YieldNow {
    yielded: bool,
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        // Ready again at once: behind every task that was ready before it.
        context.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Awaits `future` for at most `timeout` (Python's `asyncio.wait_for`):
/// `Ok(output)`, or `Err(Timeout)` once the time is up, as the rest of
/// turnstile's timed waits report. On a timeout `future` is dropped
/// (cancelled) before `Err` is returned; if it is a task's
/// [`JoinHandle`](super::JoinHandle), the task has stopped by then, as
/// asyncio cancels the task and waits for it (a handle owns its task: see
/// [`spawn`](super::spawn)).
///
/// A timeout already spent when the wait is first polled (`Duration::ZERO`)
/// times out without polling `future` at all, so a coroutine never starts,
/// as in asyncio. (Given a task that has already finished, asyncio returns
/// its result there; here the wait cannot see inside `future` without
/// starting it, and reports the timeout: await a finished handle directly.)
/// Once started, `future` is polled before the clock is read, so an output
/// ready at the deadline wins.
///
/// ```
/// use std::time::Duration;
/// use turnstile::Timeout;
/// use turnstile::event_loop::{run, sleep, wait_for};
///
/// run(async {
///     let quick = wait_for(Duration::from_secs(5), async { 1 }).await;
///     let slow = wait_for(Duration::from_millis(10), sleep(Duration::from_secs(60))).await;
///     let spent = wait_for(Duration::ZERO, async { 2 }).await; // never started
///     assert_eq!((quick, slow, spent), (Ok(1), Err(Timeout), Err(Timeout)));
/// });
/// ```
pub fn wait_for<F: Future>(timeout: Duration, future: F) -> WaitFor<F> {
    WaitFor {
        future: Some(Box::pin(future)),
        timer: sleep(timeout),
        started: false,
    }
}

/// The future of [`wait_for`].
///
/// ```
/// use std::time::Duration;
/// let waiting = turnstile::event_loop::wait_for(Duration::from_secs(1), async { 'x' });
/// assert_eq!(turnstile::event_loop::run(waiting), Ok('x'));
/// ```
#[must_use = "a wait does nothing until it is awaited"]
pub struct WaitFor<F> {
    /// `None` once it timed out (the future dropped then, not later).
    future: Option<Pin<Box<F>>>,
    timer: Sleep,
    /// Whether `future` has been polled.
    started: bool,
}

impl<F: Future> Future for WaitFor<F> {
    type Output = Result<F::Output, Timeout>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if !this.started {
            // The clock first, once: a spent timeout starts nothing.
            if Pin::new(&mut this.timer).poll(context).is_ready() {
                this.future = None;
                return Poll::Ready(Err(Timeout));
            }
            this.started = true;
        }
        let future = this
            .future
            .as_mut()
            .expect("WaitFor polled after it resolved");
        if let Poll::Ready(output) = future.as_mut().poll(context) {
            return Poll::Ready(Ok(output));
        }
        match Pin::new(&mut this.timer).poll(context) {
            Poll::Ready(()) => {
                // Dropped here, so whatever it owned (a task) has stopped
                // before the timeout is reported.
                this.future = None;
                Poll::Ready(Err(Timeout))
            }
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for WaitFor<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitFor")
            .field("timer", &self.timer)
            .finish_non_exhaustive()
    }
}
