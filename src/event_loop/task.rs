//! Tasks: `spawn` (Python's `asyncio.create_task`) and the handle that
//! awaits a task's result, asks whether it is done, or cancels it.
//!
//! The loop sees every task as a future of `()`; the task's real output is
//! stored, when it comes, in a slot the task shares with its handle (both
//! on the loop's thread, so an `Rc<RefCell<..>>`).

use core::cell::RefCell;
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use super::super::pool::{TaskError, panic_message};
use super::run::current;

/// [`spawn`] was called with no loop running on this thread (Python's
/// `RuntimeError: no running event loop`): call it from inside [`run`](super::run).
///
/// ```
/// use turnstile::event_loop::{NoRunningLoop, spawn};
///
/// let refused = spawn(async {}).unwrap_err();
/// assert_eq!(refused, NoRunningLoop);
/// assert_eq!(refused.to_string(), "no running event loop: spawn from inside event_loop::run");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoRunningLoop;

impl fmt::Display for NoRunningLoop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no running event loop: spawn from inside event_loop::run")
    }
}

impl std::error::Error for NoRunningLoop {}

/// Starts `future` as a task of the running loop and returns its handle
/// (Python's `asyncio.create_task`). The task runs from the loop's next
/// turn, whether or not the handle is awaited; dropping the handle lets it
/// run on, detached. A panic in the task ends that task only: its handle
/// reports it as [`TaskError::Panicked`].
///
/// An error, [`NoRunningLoop`], outside [`run`](super::run) (Python raises
/// `RuntimeError: no running event loop`).
///
/// ```
/// use turnstile::event_loop::{run, spawn};
///
/// run(async {
///     let a = spawn(async { "a" }).unwrap();
///     let b = spawn(async { "b" }).unwrap();
///     assert_eq!((a.await, b.await), (Ok("a"), Ok("b")));
/// });
/// assert!(spawn(async {}).is_err()); // no loop runs here
/// ```
pub fn spawn<F>(future: F) -> Result<JoinHandle<F::Output>, NoRunningLoop>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let running = current().ok_or(NoRunningLoop)?;
    let slot = Rc::new(RefCell::new(Slot {
        outcome: None,
        finished: false,
        cancel: false,
        waiter: None,
    }));
    let task = Box::pin(Spawned {
        future: Some(Box::pin(future)),
        slot: Rc::clone(&slot),
    });
    let waker = running.add_task(task);
    Ok(JoinHandle { slot, task: waker })
}

/// What a task shares with its handle.
struct Slot<T> {
    /// The task's outcome, until the handle takes it.
    outcome: Option<Result<T, TaskError>>,
    /// Set once the outcome has been stored (it stays set once taken).
    finished: bool,
    /// A cancel was asked for; the task sees it at its next turn.
    cancel: bool,
    /// The task awaiting the handle, woken when the outcome is stored.
    waiter: Option<Waker>,
}

/// A spawned future as the loop sees it: polls the user's future, catching
/// a panic, and stores its outcome in the slot.
struct Spawned<F: Future> {
    /// `None` once it finished (or was cancelled).
    future: Option<Pin<Box<F>>>,
    slot: Rc<RefCell<Slot<F::Output>>>,
}

impl<F: Future> Spawned<F> {
    fn finish(&mut self, outcome: Result<F::Output, TaskError>) {
        // Dropped first: a cancelled future's drop runs before anyone sees
        // the task as done.
        self.future = None;
        let waiter = {
            let mut slot = self.slot.borrow_mut();
            slot.outcome = Some(outcome);
            slot.finished = true;
            slot.waiter.take()
        };
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

impl<F: Future> Future for Spawned<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        // `Spawned` is `Unpin`: its future is boxed.
        let this = self.get_mut();
        if this.slot.borrow().cancel {
            this.finish(Err(TaskError::Cancelled));
            return Poll::Ready(());
        }
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(context))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                this.finish(Ok(output));
                Poll::Ready(())
            }
            Err(payload) => {
                this.finish(Err(TaskError::Panicked(panic_message(payload.as_ref()))));
                Poll::Ready(())
            }
        }
    }
}

impl<F: Future> Drop for Spawned<F> {
    /// Dropped unfinished (the loop ended first): the handle reports a
    /// cancel.
    fn drop(&mut self) {
        if !self.slot.borrow().finished {
            self.finish(Err(TaskError::Cancelled));
        }
    }
}

/// A spawned task (Python's `asyncio.Task`): await it for the task's
/// output, `Ok(output)`, or `Err` if it panicked or was cancelled.
///
/// # Panics
///
/// Awaiting it again after it resolved panics, as an `async fn` does.
///
/// ```
/// use turnstile::TaskError;
/// use turnstile::event_loop::{run, sleep, spawn};
/// use std::time::Duration;
///
/// run(async {
///     let slow = spawn(sleep(Duration::from_secs(60))).unwrap();
///     assert!(!slow.is_finished());
///     assert!(slow.cancel());
///     assert_eq!(slow.await, Err(TaskError::Cancelled));
/// });
/// ```
#[must_use = "dropping the handle detaches the task; await it for its output"]
pub struct JoinHandle<T> {
    slot: Rc<RefCell<Slot<T>>>,
    /// The task's own waker, to run it once more when cancelled.
    task: Waker,
}

impl<T> JoinHandle<T> {
    /// Whether the task has finished: returned, panicked or been cancelled
    /// (Python's `task.done()`).
    ///
    /// ```
    /// use turnstile::event_loop::{run, spawn, yield_now};
    ///
    /// run(async {
    ///     let task = spawn(async {}).unwrap();
    ///     assert!(!task.is_finished()); // it runs at the loop's next turn
    ///     yield_now().await;
    ///     assert!(task.is_finished());
    /// });
    /// ```
    pub fn is_finished(&self) -> bool {
        self.slot.borrow().finished
    }

    /// Asks the task to stop (Python's `task.cancel()`): at its next turn
    /// the loop drops its future instead of polling it, and the handle
    /// resolves to `Err(TaskError::Cancelled)`. Returns `false`, changing
    /// nothing, if the task has finished already.
    ///
    /// ```
    /// use turnstile::event_loop::{run, spawn, yield_now};
    ///
    /// run(async {
    ///     let done = spawn(async {}).unwrap();
    ///     yield_now().await; // the task runs, and finishes
    ///     assert!(!done.cancel()); // too late
    /// });
    /// ```
    pub fn cancel(&self) -> bool {
        {
            let mut slot = self.slot.borrow_mut();
            if slot.finished {
                return false;
            }
            slot.cancel = true;
        }
        self.task.wake_by_ref();
        true
    }

    /// Whether the task has finished; if not, `context`'s task is woken
    /// when it does. For `wait`, which must not take the outcome.
    pub(super) fn poll_finished(&self, context: &Context<'_>) -> bool {
        let mut slot = self.slot.borrow_mut();
        if !slot.finished {
            register(&mut slot.waiter, context.waker());
        }
        slot.finished
    }
}

/// Keeps `waker` in `waiter`, unless the one there wakes the same task.
fn register(waiter: &mut Option<Waker>, waker: &Waker) {
    match waiter {
        Some(registered) if registered.will_wake(waker) => {}
        _ => *waiter = Some(waker.clone()),
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let mut slot = self.slot.borrow_mut();
        if let Some(outcome) = slot.outcome.take() {
            return Poll::Ready(outcome);
        }
        assert!(!slot.finished, "JoinHandle polled after it resolved");
        register(&mut slot.waiter, context.waker());
        Poll::Pending
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish_non_exhaustive()
    }
}
