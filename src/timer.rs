//! A delayed call that can be cancelled: Python's `threading.Timer`.
//!
//! [`Timer::start`] runs a function on its own thread once `interval` has
//! passed, unless [`cancel`](Timer::cancel) comes first. It is built from
//! turnstile's own pieces: a thread, and a [`Future`] with its
//! [`Promise`](super::pool::Promise) for the call. The future's states are
//! the timer's: Pending while it waits, Running once the call has started
//! (too late to cancel), Finished, or Cancelled.
//!
//! | Python (`threading`)              | turnstile                                  |
//! |-----------------------------------|--------------------------------------------|
//! | `t = Timer(30.0, f); t.start()`   | `let t = Timer::start(Duration::from_secs(30), f)?;` |
//! | `t.cancel()`                      | `t.cancel()`, which also says whether it was in time |
//! | `t.join()`                        | `t.join()`: how it ended                   |
//! | `t.is_alive()`                    | `!t.is_done()`                             |
//!
//! Dropping a `Timer` does not cancel it: the call still happens, on its
//! own thread, as a Python timer does. A Rust process ends when `main`
//! returns, without waiting for such threads: `join` a timer whose call
//! must happen.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use turnstile::Timer;
//! use turnstile::pool::TaskError;
//!
//! let reminder = Timer::start(Duration::from_millis(10), || println!("tea is ready"))?;
//! assert_eq!(reminder.join(), Ok(())); // waited, and the call ran
//!
//! let alarm = Timer::start(Duration::from_secs(3600), || unreachable!("cancelled in time"))?;
//! assert!(alarm.cancel());
//! assert_eq!(alarm.join(), Err(TaskError::Cancelled));
//! # Ok::<(), std::io::Error>(())
//! ```

use core::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::time::Duration;

use super::facade::{Arc, thread};
use super::pool::{Future, TaskError, panic_message};

/// A function that runs once after a delay unless cancelled first. See the
/// [module docs](self).
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicBool, Ordering};
/// use std::time::Duration;
///
/// let rang = Arc::new(AtomicBool::new(false));
/// let bell = Arc::clone(&rang);
/// let timer = turnstile::Timer::start(Duration::from_millis(5), move || {
///     bell.store(true, Ordering::SeqCst)
/// })?;
/// timer.join().unwrap();
/// assert!(rang.load(Ordering::SeqCst));
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct Timer {
    /// The call: Pending while the timer waits, then Running, Finished, or
    /// Cancelled. Shared with the timer's thread, which waits on it.
    call: Arc<Future<()>>,
    thread: thread::JoinHandle<()>,
}

impl Timer {
    /// Starts a thread that calls `function` once `interval` has passed,
    /// unless the timer is cancelled first (Python's `Timer(interval,
    /// function).start()`). A zero interval calls it as soon as the thread
    /// runs. An error only if the thread could not be started.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let timer = turnstile::Timer::start(Duration::ZERO, || ())?;
    /// assert_eq!(timer.join(), Ok(()));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn start(
        interval: Duration,
        function: impl FnOnce() + Send + 'static,
    ) -> std::io::Result<Timer> {
        let (call, promise) = Future::pending();
        let call = Arc::new(call);
        let waiting = Arc::clone(&call);
        let thread = thread::Builder::new()
            .name(String::from("turnstile-timer"))
            .spawn(move || {
                // Done within the interval means cancelled: nothing to call.
                if waiting.wait_timeout(interval).is_ok() {
                    return;
                }
                // Pending -> Running, unless a cancel got there first.
                if promise.start() {
                    let outcome = panic::catch_unwind(AssertUnwindSafe(function))
                        .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())));
                    promise.finish(outcome);
                }
            })?;
        Ok(Timer { call, thread })
    }

    /// Stops the timer if its call has not started (Python's `cancel`).
    /// Returns whether the call is stopped for good: `true` if it had not
    /// started (or was cancelled already), `false` if it has started or
    /// finished, when it is too late.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let timer = turnstile::Timer::start(Duration::from_secs(60), || ())?;
    /// assert!(timer.cancel());
    /// assert!(timer.is_done());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn cancel(&self) -> bool {
        self.call.cancel()
    }

    /// Whether the timer has ended: called, panicked, or cancelled. A
    /// snapshot.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let timer = turnstile::Timer::start(Duration::from_secs(60), || ())?;
    /// assert!(!timer.is_done());
    /// timer.cancel();
    /// assert!(timer.is_done());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn is_done(&self) -> bool {
        self.call.is_done()
    }

    /// Waits for the timer's thread to end and says how the timer ended:
    /// `Ok(())` if the function ran, `Err(TaskError::Cancelled)` if it was
    /// cancelled in time, `Err(TaskError::Panicked)` if it panicked (the
    /// timer's thread survives that, as a pool worker does).
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::pool::TaskError;
    ///
    /// let timer = turnstile::Timer::start(Duration::ZERO, || panic!("boom"))?;
    /// assert_eq!(timer.join(), Err(TaskError::Panicked("boom".into())));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn join(self) -> Result<(), TaskError> {
        // The thread contains the function's panic; it cannot panic itself.
        let _ = self.thread.join();
        self.call.result().copied()
    }
}

impl fmt::Debug for Timer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timer")
            .field("state", &self.call.state())
            .finish()
    }
}
