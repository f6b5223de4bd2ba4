//! A timer whose cancel is a flag: Python's own `threading.Timer` algorithm.

use std::time::Duration;

use super::super::event::Event;
use super::super::facade::{Arc, thread};

/// Broken twin of [`Timer`](crate::model::Timer), written the way CPython
/// writes `threading.Timer`: `cancel` sets an event, and the timer's thread,
/// once the interval has passed, calls the function if the event is not
/// set. Looking at the flag and making the call are two steps, so a cancel
/// can land between them: it reports success and the call happens anyway.
/// (Python's `cancel` returns nothing, and its docs say it only works "if
/// the timer is still in its waiting stage"; this twin claims more, to show
/// why it cannot.) The real timer makes "not cancelled" and "started" one
/// step: the future's Pending → Running.
pub struct FlagTimer {
    finished: Arc<Event>,
    thread: thread::JoinHandle<()>,
}

impl FlagTimer {
    /// Starts the timer's thread.
    pub fn start(interval: Duration, function: impl FnOnce() + Send + 'static) -> Self {
        let finished = Arc::new(Event::new());
        let flag = Arc::clone(&finished);
        let thread = thread::spawn(move || {
            // BUG: between this look at the flag and the call, `cancel` can
            // set it and report that the call will not happen.
            if flag.wait_timeout(interval).is_err() && !flag.is_set() {
                function();
            }
            flag.set();
        });
        Self { finished, thread }
    }

    /// Sets the flag, and claims that the call will not happen.
    pub fn cancel(&self) -> bool {
        self.finished.set();
        true
    }

    /// Waits for the timer's thread.
    pub fn join(self) {
        let _ = self.thread.join();
    }
}
