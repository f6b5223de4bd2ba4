//! Turning a timeout into a deadline, once, without overflow.

use std::time::{Duration, Instant};

/// The instant `timeout` from now, or `None` when that is too far away for
/// [`Instant`] to hold (`Duration::MAX`, say): a wait that long is a wait
/// without limit. `Instant::now() + timeout` would panic instead.
pub(crate) fn after(timeout: Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
