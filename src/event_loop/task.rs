//! Tasks: `spawn` (Python's `asyncio.create_task`) and the handle that
//! awaits a task's result, asks whether it is done, or cancels it.
//!
//! The loop sees every task as a future of `()`; the task's real output is
//! stored, when it comes, in a slot the task shares with its handle (both
//! on the loop's thread, so an `Rc<RefCell<..>>`).
//!
//! # Who owns a task
//!
//! A handle owns its task: dropping a handle whose task has not finished
//! cancels the task there and then (its future is dropped before `drop`
//! returns), and [`detach`](JoinHandle::detach) gives the task up to run
//! on by itself. That one rule gives asyncio's outcomes wherever asyncio
//! cancels: `wait_for` that times out drops what it waited for, so a task
//! it waited for stops before the timeout is reported; a cancelled task's
//! future is dropped, so the handles it was awaiting (in a `gather`, a
//! `wait_for`) drop too, and the cancel reaches those tasks. Where asyncio
//! does not cancel, turnstile detaches: [`wait`](super::wait) gives its
//! handles up when it is dropped, [`try_gather`](super::try_gather) lets
//! the others run on after the first error, and a
//! [`TaskGroup`](super::TaskGroup) owns its members itself.
//!
//! It is the rule of smol's `Task`; tokio's `JoinHandle` detaches on drop
//! instead, and then a `timeout` around a handle leaves the task running,
//! which is the asyncio bug this rule exists to avoid.

use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::{Rc, Weak};

use super::super::pool::{TaskError, panic_message};
use super::run::{Loop, TaskId, current};

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
/// turn, whether or not the handle is awaited, for as long as the handle
/// lives: dropping the handle before the task finishes cancels the task,
/// and [`detach`](JoinHandle::detach) lets it run on (see the module
/// docs, "Who owns a task"). A panic in the task ends that task only: its
/// handle reports it as [`TaskError::Panicked`].
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
    spawn_watched(future, None, true)
}

/// [`spawn`], telling `watcher` when the task ends; `owns`: whether the
/// handle owns the task (a group's member is owned by the group).
pub(super) fn spawn_watched<F>(
    future: F,
    watcher: Option<Rc<dyn Watcher>>,
    owns: bool,
) -> Result<JoinHandle<F::Output>, NoRunningLoop>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let running = current().ok_or(NoRunningLoop)?;
    let slot = Rc::new(RefCell::new(Slot {
        outcome: None,
        waiter: None,
    }));
    let state = Rc::new(State {
        cancel_asked: Cell::new(false),
        ending: Cell::new(None),
    });
    let (id, waker) = running.add_task(|id| {
        Box::pin(Spawned {
            future: Some(Box::pin(future)),
            slot: Rc::clone(&slot),
            state: Rc::clone(&state),
            id,
            watcher,
        })
    });
    Ok(JoinHandle {
        slot,
        task: TaskRef {
            id,
            home: Rc::downgrade(&running),
            waker,
            state,
        },
        owns,
    })
}

/// How a task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Ending {
    Returned,
    Panicked,
    Cancelled,
}

/// What is known of a task whatever its output type, shared by the task,
/// its handle and its group.
struct State {
    /// A cancel was asked for; the task sees it at its next turn.
    cancel_asked: Cell<bool>,
    /// Set once the task has ended (its outcome is in its slot).
    ending: Cell<Option<Ending>>,
}

/// A way to reach a task without its output type: to ask how it ended, or
/// to cancel it. A [`TaskGroup`](super::TaskGroup) keeps one per member.
#[derive(Clone)]
pub(super) struct TaskRef {
    id: TaskId,
    /// The loop the task belongs to (gone once that `run` returned).
    home: Weak<Loop>,
    /// The task's own waker, to run it once more when a cancel is asked.
    waker: Waker,
    state: Rc<State>,
}

impl TaskRef {
    /// The task's number in its loop.
    pub(super) fn id(&self) -> TaskId {
        self.id
    }

    /// How the task ended, if it has.
    pub(super) fn ending(&self) -> Option<Ending> {
        self.state.ending.get()
    }

    /// Asks the task to stop at its next turn; `false` if it had ended.
    pub(super) fn ask_cancel(&self) -> bool {
        if self.state.ending.get().is_some() {
            return false;
        }
        self.state.cancel_asked.set(true);
        self.waker.wake_by_ref();
        true
    }

    /// Stops the task now: drops its future unless it has ended. A task
    /// that cannot be reached in its loop's map (it is the task running
    /// this, or its loop is dropping its tasks) is asked instead, and
    /// stops at its next turn or its drop.
    pub(super) fn cancel_now(&self) {
        if self.state.ending.get().is_some() {
            return;
        }
        let stopped = self
            .home
            .upgrade()
            .is_some_and(|home| home.cancel_now(self.id));
        if !stopped {
            self.ask_cancel();
        }
    }
}

/// Told when a task ends, with its outcome (its output left out): how a
/// [`TaskGroup`](super::TaskGroup) learns of its members. This file names
/// no group; the group implements this.
pub(super) trait Watcher {
    /// Task `id` ended: `Ok` if it returned, else why not.
    fn ended(&self, id: TaskId, outcome: Result<(), &TaskError>);
}

/// What a task shares with its handle.
struct Slot<T> {
    /// The task's outcome, until the handle takes it.
    outcome: Option<Result<T, TaskError>>,
    /// The task awaiting the handle, woken when the outcome is stored.
    waiter: Option<Waker>,
}

/// A spawned future as the loop sees it: polls the user's future, catching
/// a panic, and stores its outcome in the slot.
struct Spawned<F: Future> {
    /// `None` once it finished (or was cancelled).
    future: Option<Pin<Box<F>>>,
    slot: Rc<RefCell<Slot<F::Output>>>,
    state: Rc<State>,
    /// This task's number, for the watcher.
    id: TaskId,
    watcher: Option<Rc<dyn Watcher>>,
}

impl<F: Future> Spawned<F> {
    fn finish(&mut self, mut outcome: Result<F::Output, TaskError>) {
        // Dropped first: a cancelled future's drop runs before anyone sees
        // the task as done. A drop that panics ends the task as panicked,
        // and the panic goes no further (it would end the loop).
        if let Some(future) = self.future.take() {
            if let Err(panicked) = drop_catching(future) {
                outcome = Err(panicked);
            }
        }
        let ending = match &outcome {
            Ok(_) => Ending::Returned,
            Err(TaskError::Cancelled) => Ending::Cancelled,
            Err(_) => Ending::Panicked,
        };
        if let Some(watcher) = &self.watcher {
            watcher.ended(self.id, outcome.as_ref().map(|_| ()));
        }
        let waiter = {
            let mut slot = self.slot.borrow_mut();
            slot.outcome = Some(outcome);
            slot.waiter.take()
        };
        self.state.ending.set(Some(ending));
        if let Some(waiter) = waiter {
            waiter.wake();
        }
    }
}

/// Drops `value`, user code that may panic: the panic is caught and told
/// as the task's failure instead of unwinding into the loop.
fn drop_catching<T>(value: T) -> Result<(), TaskError> {
    catch_unwind(AssertUnwindSafe(move || drop(value)))
        .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())))
}

impl<F: Future> Future for Spawned<F> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        // `Spawned` is `Unpin`: its future is boxed.
        let this = self.get_mut();
        if this.state.cancel_asked.get() {
            this.finish(Err(TaskError::Cancelled));
            return Poll::Ready(());
        }
        let Some(future) = this.future.as_mut() else {
            return Poll::Ready(());
        };
        match catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(context))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(output)) => {
                // A cancel asked during this very turn (the task cancelled
                // itself) was accepted: `cancel` returned true. So the
                // task ends cancelled and its output is dropped, as
                // asyncio's `_must_cancel` ends it.
                let outcome = if this.state.cancel_asked.get() {
                    // The output's drop is user code too.
                    drop_catching(output).and(Err(TaskError::Cancelled))
                } else {
                    Ok(output)
                };
                this.finish(outcome);
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
    /// Dropped unfinished (cancelled now, or the loop ended first): the
    /// handle reports a cancel.
    fn drop(&mut self) {
        if self.state.ending.get().is_none() {
            self.finish(Err(TaskError::Cancelled));
        }
    }
}

/// A spawned task (Python's `asyncio.Task`): await it for the task's
/// output, `Ok(output)`, or `Err` if it panicked or was cancelled.
///
/// The handle owns the task: dropping it before the task finishes cancels
/// the task (see the module docs, "Who owns a task"), so a task stops when
/// whatever awaited it gives up; [`detach`](Self::detach) lets it run on.
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
#[must_use = "dropping the handle cancels the task: await it, or call .detach() to let it run"]
pub struct JoinHandle<T> {
    slot: Rc<RefCell<Slot<T>>>,
    task: TaskRef,
    /// Whether dropping the handle cancels the task: not once detached,
    /// nor for a group's member.
    owns: bool,
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
        self.task.ending().is_some()
    }

    /// Whether the task ended by being cancelled (Python's
    /// `task.cancelled()`).
    ///
    /// ```
    /// use turnstile::event_loop::{run, spawn, yield_now};
    ///
    /// run(async {
    ///     let task = spawn(yield_now()).unwrap();
    ///     task.cancel();
    ///     assert!(!task.is_cancelled()); // asked; it stops at its next turn
    ///     yield_now().await;
    ///     assert!(task.is_cancelled());
    /// });
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.task.ending() == Some(Ending::Cancelled)
    }

    /// Asks the task to stop (Python's `task.cancel()`): at its next turn
    /// the loop drops its future instead of polling it, and the handle
    /// resolves to `Err(TaskError::Cancelled)`. Whatever the task was
    /// awaiting is dropped with it, so the cancel reaches the tasks it
    /// awaited. Returns `false`, changing nothing, if the task has
    /// finished already.
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
        self.task.ask_cancel()
    }

    /// Gives the task up: it runs on to its end with no handle, as an
    /// asyncio task nobody awaits does, instead of being cancelled when
    /// the handle drops. Its output is dropped; a panic in it is caught
    /// and goes unseen. A [`TaskGroup`](super::TaskGroup)'s member is the
    /// group's either way: detaching its handle only says the output is
    /// not wanted, and the group still waits for it and sees its panic.
    ///
    /// ```
    /// use std::cell::Cell;
    /// use std::rc::Rc;
    /// use turnstile::event_loop::{run, spawn, yield_now};
    ///
    /// let ran = Rc::new(Cell::new(false));
    /// run({
    ///     let ran = Rc::clone(&ran);
    ///     async move {
    ///         spawn(async move { ran.set(true) }).unwrap().detach();
    ///         yield_now().await; // the detached task runs here
    ///     }
    /// });
    /// assert!(ran.get());
    /// ```
    pub fn detach(mut self) {
        self.owns = false;
    }

    /// The task, without its output type.
    pub(super) fn task_ref(&self) -> &TaskRef {
        &self.task
    }

    /// How the task ended, if it has; if not, `context`'s task is woken
    /// when it does. For `wait`, which must not take the outcome.
    pub(super) fn poll_ending(&self, context: &Context<'_>) -> Option<Ending> {
        let ending = self.task.ending();
        if ending.is_none() {
            register(&mut self.slot.borrow_mut().waiter, context.waker());
        }
        ending
    }
}

impl<T> Drop for JoinHandle<T> {
    fn drop(&mut self) {
        if self.owns {
            self.task.cancel_now();
        }
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
        assert!(
            self.task.ending().is_none(),
            "JoinHandle polled after it resolved"
        );
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
