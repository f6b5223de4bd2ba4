//! The async wait at a barrier: [`Barrier::wait_async`] and its future,
//! [`BarrierWait`] (Python's `await barrier.wait()`, `asyncio.Barrier`,
//! 3.11). It takes part in the same rounds as the blocking
//! [`wait`](Barrier::wait) (`barrier.rs`), under the same lock, with a
//! waker where a thread would sleep: threads and tasks can meet at one
//! barrier.
//!
//! What asyncio adds is cancellation. A task whose wait is dropped while
//! the round is still filling leaves it: the count of waiting parties goes
//! down and the barrier stays whole, so another party can take its place
//! (asyncio's `wait` leaves in a `finally`). A thread cannot leave that
//! way; its only way out, a timeout, breaks the barrier. A task dropped
//! after its round was released (or broken, or reset) leaves as a thread
//! would, and the last one out reopens the barrier.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::barrier::{Barrier, BarrierError, BarrierWaitResult, Phase, Released};
use super::wakers::{Wakers, Woken};

impl Barrier {
    /// Waits, in an async task, until all parties have arrived, without
    /// holding a thread (Python's `await barrier.wait()`). Threads in
    /// [`wait`](Self::wait) and tasks here fill the same rounds; the last
    /// to arrive runs the action, if any, during its poll.
    ///
    /// Dropping the future (cancelling the task) before it resolves leaves
    /// the barrier as asyncio does: while the round fills, this party's
    /// place is given up and the barrier is not broken (the indices of the
    /// round may then repeat, as asyncio's do); once the round is released
    /// it completes for the others all the same.
    ///
    /// The default timeout of [`with_timeout`](Self::with_timeout) is for
    /// threads; a task limits its wait from outside, as asyncio's does
    /// (`event_loop::wait_for`), which cancels it and so breaks nothing.
    /// Not seen by the lock-order checker (a task moves between threads).
    ///
    /// ```
    /// # fn block_on<F: std::future::Future>(future: F) -> F::Output {
    /// #     let mut future = std::pin::pin!(future);
    /// #     let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    /// #     loop {
    /// #         if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut context) {
    /// #             return out;
    /// #         }
    /// #         std::thread::yield_now();
    /// #     }
    /// # }
    /// let barrier = turnstile::Barrier::new(2)?;
    /// let (by_thread, by_task) = std::thread::scope(|scope| {
    ///     let thread = scope.spawn(|| barrier.wait().map(|r| r.index()));
    ///     let task = block_on(barrier.wait_async()).map(|r| r.index());
    ///     (thread.join().unwrap(), task)
    /// });
    /// assert_eq!(by_thread? + by_task?, 1); // arrival order 0 and 1
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_async(&self) -> BarrierWait<'_> {
        BarrierWait {
            barrier: self,
            stage: Stage::Arriving,
            key: None,
        }
    }
}

/// The future of [`Barrier::wait_async`]: resolves as
/// [`wait`](Barrier::wait) returns, to this party's
/// [`BarrierWaitResult`], or to [`BarrierError::Broken`] if the barrier was
/// broken or reset (asyncio's `BrokenBarrierError`).
///
/// Dropping it before it resolves cancels the wait: see
/// [`wait_async`](Barrier::wait_async).
///
/// # Panics
///
/// Polling it again after it resolved panics, as an `async fn` does. The
/// poll that completes a round runs the barrier's action; if the action
/// panics, the barrier breaks and the panic goes on from that poll.
///
/// ```
/// use std::pin::pin;
/// use std::task::{Context, Waker};
/// use turnstile::Barrier;
///
/// let barrier = Barrier::new(2)?;
/// let mut context = Context::from_waker(Waker::noop());
/// let mut first = Box::pin(barrier.wait_async());
/// assert!(first.as_mut().poll(&mut context).is_pending());
/// assert_eq!(barrier.n_waiting(), 1);
/// drop(first); // cancelled while the round fills: it leaves
/// assert_eq!((barrier.n_waiting(), barrier.is_broken()), (0, false));
/// # Ok::<(), turnstile::ZeroParties>(())
/// ```
#[must_use = "a barrier wait does nothing until it is awaited"]
pub struct BarrierWait<'a> {
    barrier: &'a Barrier,
    stage: Stage,
    /// While the task waits: its key in the barrier's list of tasks.
    key: Option<u64>,
}

/// Where a task is in its round.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Not counted in yet: waiting for a closing round to end.
    Arriving,
    /// Counted in, with its arrival index: waiting for the round to be
    /// released, broken or reset.
    Inside { index: usize },
    /// Resolved.
    Done,
}

impl Future for BarrierWait<'_> {
    type Output = Result<BarrierWaitResult, BarrierError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let barrier = this.barrier;
        let mut state = barrier.state.lock();
        let (index, outcome) = match this.stage {
            Stage::Arriving if state.phase.is_closing() => {
                // As a thread's first wait: for the previous round to drain.
                let key = *this.key.get_or_insert_with(|| state.tasks.new_key());
                state.tasks.register(key, context.waker());
                return Poll::Pending;
            }
            Stage::Arriving if state.phase.is_broken() => {
                this.forget(&mut state.tasks);
                this.stage = Stage::Done;
                return Poll::Ready(Err(BarrierError::Broken));
            }
            Stage::Arriving if state.inside + 1 == barrier.parties => {
                // The last party: release the round, as a thread would.
                this.forget(&mut state.tasks);
                let index = state.inside;
                state.inside += 1;
                let mut woken = Woken::none();
                let released;
                (state, released) = barrier.release(state, &mut woken);
                barrier.leave(&mut state, &mut woken);
                drop(state);
                woken.wake();
                (index, released)
            }
            Stage::Arriving => {
                this.stage = Stage::Inside {
                    index: state.inside,
                };
                state.inside += 1;
                let key = *this.key.get_or_insert_with(|| state.tasks.new_key());
                state.tasks.register(key, context.waker());
                return Poll::Pending;
            }
            Stage::Inside { index } => {
                let outcome = match state.phase {
                    // Still filling, or complete with its action running.
                    Phase::Filling | Phase::Acting { .. } => {
                        let key = *this.key.get_or_insert_with(|| state.tasks.new_key());
                        state.tasks.register(key, context.waker());
                        return Poll::Pending;
                    }
                    Phase::Draining { .. } => Ok(()),
                    Phase::Broken | Phase::Resetting => Err(Released::No(BarrierError::Broken)),
                };
                this.forget(&mut state.tasks);
                let mut woken = Woken::none();
                barrier.leave(&mut state, &mut woken);
                drop(state);
                woken.wake();
                (index, outcome)
            }
            Stage::Done => panic!("BarrierWait polled after it resolved"),
        };
        this.stage = Stage::Done;
        Poll::Ready(barrier.outcome(index, outcome))
    }
}

impl BarrierWait<'_> {
    /// The wait is over: takes the task's waker out, if still there.
    fn forget(&mut self, tasks: &mut Wakers) {
        if let Some(key) = self.key.take() {
            tasks.remove(key);
        }
    }
}

impl Drop for BarrierWait<'_> {
    /// Cancelled: an arriving task only takes its waker out; a task inside
    /// also leaves the round (see the module docs).
    fn drop(&mut self) {
        if self.stage == Stage::Done || (self.stage == Stage::Arriving && self.key.is_none()) {
            return;
        }
        let barrier = self.barrier;
        let mut state = barrier.state.lock();
        self.forget(&mut state.tasks);
        let mut woken = Woken::none();
        if let Stage::Inside { .. } = self.stage {
            barrier.leave(&mut state, &mut woken);
        }
        drop(state);
        woken.wake();
    }
}

impl fmt::Debug for BarrierWait<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BarrierWait")
            .field("stage", &self.stage)
            .finish_non_exhaustive()
    }
}
