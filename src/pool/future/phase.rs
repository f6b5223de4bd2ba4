//! Where a future is in its life: the public [`FutureState`], and
//! [`Phase`], the word `Core` keeps it in (with two private bits beside it).

/// Where a future is in its life (CPython's `_base.py` states, by name).
///
/// ```text
/// Pending ──start──▶ Running ──finish──▶ Finished
///    │
///    └──cancel──▶ Cancelled
/// ```
///
/// No other transition exists: a running task cannot be cancelled, and a
/// cancelled one never starts.
///
/// ```
/// use turnstile::pool::{Future, FutureState};
///
/// let (future, _promise) = Future::<u8>::pending();
/// assert_eq!(future.state(), FutureState::Pending);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FutureState {
    /// Submitted, not started; can still be cancelled.
    Pending,
    /// A worker is running the task.
    Running,
    /// The task returned or panicked; the outcome is stored.
    Finished,
    /// Cancelled before it started; it never runs.
    Cancelled,
}

/// A snapshot of `Core::phase`: a [`FutureState`] in the low two bits,
/// [`Phase::CALLING_BACK`] while a thread runs the callbacks (the outcome is
/// lent to it, so `into_result` must wait), and [`Phase::SETTLING`] while a
/// cancel that has won the race with `start` settles the future.
#[derive(Clone, Copy)]
pub(super) struct Phase(pub(super) u8);

impl Phase {
    pub(super) const CALLING_BACK: u8 = 0b100;
    /// Pending no more, settled not yet: stored by `leave_pending` and
    /// replaced by `settle` in the same critical section, so only lock-free
    /// readers ever see it, and they read it as Pending (its low bits are
    /// zero), which it still is to them: not started, not done.
    pub(super) const SETTLING: u8 = 0b1000;

    pub(super) fn of(state: FutureState) -> Self {
        Phase(match state {
            FutureState::Pending => 0,
            FutureState::Running => 1,
            FutureState::Finished => 2,
            FutureState::Cancelled => 3,
        })
    }

    pub(super) fn state(self) -> FutureState {
        match self.0 & 0b11 {
            0 => FutureState::Pending,
            1 => FutureState::Running,
            2 => FutureState::Finished,
            _ => FutureState::Cancelled,
        }
    }

    pub(super) fn is_settled(self) -> bool {
        matches!(self.state(), FutureState::Finished | FutureState::Cancelled)
    }

    /// The same state, with the CALLING_BACK bit set or cleared.
    pub(super) fn calling_back(self, running: bool) -> Self {
        if running {
            Phase(self.0 | Self::CALLING_BACK)
        } else {
            Phase(self.0 & !Self::CALLING_BACK)
        }
    }

    /// Settled, and no thread is running its callbacks.
    pub(super) fn is_settled_and_quiet(self) -> bool {
        self.is_settled() && self.0 & Self::CALLING_BACK == 0
    }
}
