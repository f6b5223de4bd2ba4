//! How a timed wait says it ran out of time.
//!
//! Every wait in turnstile that can give up is named `*_timeout(Duration)`,
//! and most have a `*_deadline(Instant)` twin; every one reports
//! the same way: **`Ok` when it got what it waited for, `Err` when it did
//! not**. `Ok` is Python's `True` from `lock.acquire(timeout=t)`,
//! `event.wait(t)` or `cond.wait(t)`; the `Err` is [`Timeout`], or an error
//! enum with a `Timeout` variant where the wait can also fail for another
//! reason (a closed queue, a broken barrier). A `Result` cannot be dropped
//! unread without a warning, and `?` passes a timeout up.
//!
//! | wait                         | on time                | out of time              |
//! |------------------------------|------------------------|--------------------------|
//! | `Mutex::lock_timeout`        | `Ok(guard)`            | `Err(Timeout)`           |
//! | `Semaphore::acquire_timeout` | `Ok(permit)`           | `Err(Timeout)`           |
//! | `Condvar::wait_timeout`      | `Ok(())` (notified)    | `Err(Timeout)`           |
//! | `Event::wait_timeout`        | `Ok(())` (flag set)    | `Err(Timeout)`           |
//! | `Queue::get_timeout`, `put_timeout` | `Ok(item)`, `Ok(())` | `Err(GetTimeoutError::Timeout)`, `Err(PutTimeoutError::Timeout(item))` |
//! | `Queue::join_timeout`        | `Ok(())` (all done)    | `Err(Timeout)`           |
//! | `Barrier::wait_timeout`      | `Ok(wait result)`      | `Err(BarrierError::Timeout)` |
//! | `Future::result_timeout`     | `Ok(outcome)`          | `Err(Timeout)`           |
//! | `event_loop::wait_for` (any future, awaited) | `Ok(output)` | `Err(Timeout)` (the future dropped; a task stopped) |
//!
//! A zero timeout (or a deadline already past) tries once without waiting,
//! except `wait_for`, which then polls nothing: asyncio does not start a
//! coroutine whose timeout is spent.
//! A timeout too large to add to the current time (`Duration::MAX`) waits
//! without limit.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//! use turnstile::{Event, Timeout};
//!
//! let event = Event::new();
//! assert_eq!(event.wait_timeout(Duration::from_millis(5)), Err(Timeout));
//! event.set();
//! assert_eq!(event.wait_timeout(Duration::from_millis(5)), Ok(()));
//! ```

use core::fmt;

/// A timed wait ran out of time before it got what it waited for (Python's
/// `False` from a timed wait, or its `TimeoutError`). See the
/// [module docs](self) for the convention.
///
/// ```
/// use std::time::Duration;
///
/// let mutex = turnstile::Mutex::new(());
/// let _held = mutex.lock();
/// let error = mutex.lock_timeout(Duration::ZERO).unwrap_err();
/// assert_eq!(error.to_string(), "timed out");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timeout;

impl fmt::Display for Timeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("timed out")
    }
}

impl std::error::Error for Timeout {}
