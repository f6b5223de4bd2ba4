//! `Event` for processes: Python's `multiprocessing.Event`, a flag that
//! processes wait on until another sets it.

use core::fmt;
use std::io;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::super::deadline;
use super::super::facade::{AtomicU32, Ordering, Wait};
use super::super::shared_futex::SharedFutex;
use super::super::timeout::Timeout;
use super::shm::{Plain, Shared};

// No internal lock: the whole state is one futex word, changed by one
// atomic operation each, so a process killed anywhere leaves it whole.
//
//   word = round << 1 | set
//
// `set` flips the low bit on and starts a new round; `clear` flips it off
// and keeps the round. So a waiter that saw the word clear knows that a
// `set` happened as soon as the word differs at all, even if a `clear`
// came right after (Python's waiter returns True in that case too: it was
// notified). `waiters` counts the sleepers, so `set` makes no wake call
// when nobody sleeps: a waiter counts itself (SeqCst) before it looks at
// the word for the last time, a setter changes the word (SeqCst) before it
// reads the count, so one of them sees the other. A waiter killed asleep
// leaves its count behind: later sets make a wake call that finds nobody,
// which costs a syscall and nothing else.
#[repr(C)]
struct State {
    word: SharedFutex,
    waiters: AtomicU32,
}

// SAFETY: two atomics: nothing per-process, no Drop.
unsafe impl Plain for State {}
// SAFETY: both fields are atomics.
unsafe impl Sync for State {}

const SET: u32 = 1;

/// Python's `multiprocessing.Event`: a flag in shared memory that threads
/// of any process can wait on.
///
/// ```
/// let ready = turnstile::process::Event::new().unwrap();
/// assert!(!ready.is_set());
/// ready.set();
/// ready.wait(); // set: returns at once
/// ```
// Serialised as its region: a child handed it maps the same state.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Event {
    shared: Shared<State>,
}

impl Event {
    /// A new event, not set.
    ///
    /// # Errors
    ///
    /// What the system says when it cannot make the shared region.
    ///
    /// ```
    /// assert!(!turnstile::process::Event::new().unwrap().is_set());
    /// ```
    pub fn new() -> io::Result<Self> {
        Ok(Self {
            shared: Shared::new(State {
                word: SharedFutex::new(0),
                waiters: AtomicU32::new(0),
            })?,
        })
    }

    fn state(&self) -> &State {
        &self.shared
    }

    /// Whether the flag is set (`is_set()`).
    ///
    /// ```
    /// let e = turnstile::process::Event::new().unwrap();
    /// e.set();
    /// assert!(e.is_set());
    /// ```
    #[must_use]
    pub fn is_set(&self) -> bool {
        self.state().word.load(Ordering::Acquire) & SET != 0
    }

    /// Sets the flag and wakes every waiter, in every process (`set()`).
    ///
    /// ```
    /// let e = turnstile::process::Event::new().unwrap();
    /// e.set();
    /// e.set(); // setting a set flag changes nothing
    /// assert!(e.is_set());
    /// ```
    pub fn set(&self) {
        let state = self.state();
        let changed = state
            .word
            .fetch_update(Ordering::SeqCst, Ordering::Acquire, |word| {
                (word & SET == 0).then(|| (word | SET).wrapping_add(2))
            })
            .is_ok();
        if changed && state.waiters.load(Ordering::SeqCst) != 0 {
            state.word.wake_all();
        }
    }

    /// Clears the flag (`clear()`): later waits sleep until the next set.
    ///
    /// ```
    /// let e = turnstile::process::Event::new().unwrap();
    /// e.set();
    /// e.clear();
    /// assert!(!e.is_set());
    /// ```
    pub fn clear(&self) {
        self.state().word.fetch_and(!SET, Ordering::Release);
    }

    /// Waits until the flag is set (`wait()`).
    ///
    /// ```
    /// use std::thread;
    ///
    /// let e = turnstile::process::Event::new().unwrap();
    /// let setter = e.clone();
    /// let t = thread::spawn(move || setter.set());
    /// e.wait();
    /// t.join().unwrap();
    /// ```
    pub fn wait(&self) {
        let _ = self.wait_until(None);
    }

    /// Waits at most `timeout` for the flag (`wait(timeout=t)`, whose
    /// `False` is `Err(Timeout)` here).
    ///
    /// # Errors
    ///
    /// [`Timeout`] if the flag was not set in time.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::Timeout;
    ///
    /// let e = turnstile::process::Event::new().unwrap();
    /// assert_eq!(e.wait_timeout(Duration::from_millis(5)), Err(Timeout));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Result<(), Timeout> {
        self.wait_until(deadline::after(timeout))
    }

    /// [`wait_timeout`](Self::wait_timeout) with a point in time.
    ///
    /// # Errors
    ///
    /// [`Timeout`] if the flag was not set by `deadline`.
    ///
    /// ```
    /// use std::time::Instant;
    ///
    /// let e = turnstile::process::Event::new().unwrap();
    /// e.set();
    /// assert_eq!(e.wait_deadline(Instant::now()), Ok(()));
    /// ```
    pub fn wait_deadline(&self, deadline: Instant) -> Result<(), Timeout> {
        self.wait_until(Some(deadline))
    }

    fn wait_until(&self, deadline: Option<Instant>) -> Result<(), Timeout> {
        let state = self.state();
        let seen = state.word.load(Ordering::Acquire);
        if seen & SET != 0 {
            return Ok(());
        }
        state.waiters.fetch_add(1, Ordering::SeqCst);
        let outcome = loop {
            let now = state.word.load(Ordering::SeqCst);
            if now != seen {
                break Ok(());
            }
            if state.word.wait_while_equal(seen, deadline) == Wait::TimedOut {
                // A set at the last moment still counts.
                break if state.word.load(Ordering::Acquire) == seen {
                    Err(Timeout)
                } else {
                    Ok(())
                };
            }
        };
        state.waiters.fetch_sub(1, Ordering::Relaxed);
        outcome
    }
}

impl fmt::Debug for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("process::Event")
            .field("set", &self.is_set())
            .finish()
    }
}
