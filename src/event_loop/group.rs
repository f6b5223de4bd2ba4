//! Structured concurrency: `TaskGroup` (Python 3.11's `asyncio.TaskGroup`).
//!
//! A group owns the tasks spawned into it: they run concurrently, `join`
//! waits until every one has ended, and nothing outlives the group. The
//! first member to panic makes the group shut down: its siblings are
//! cancelled, no new member is taken, and `join` reports every panic
//! (Python's `ExceptionGroup`). Dropping the group (the task holding it
//! was cancelled, or left with `?`) cancels the members still running.
//!
//! The group learns that a member ended through the task's
//! [`Watcher`](super::task::Watcher), which it implements; it cancels one
//! through the member's `TaskRef`.

use core::cell::{Cell, RefCell};
use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, Waker};
use std::rc::Rc;

use super::super::pool::TaskError;
use super::run::{TaskId, current};
use super::task::{JoinHandle, NoRunningLoop, TaskRef, Watcher, spawn_watched};

/// A set of tasks that end together (Python's `async with
/// asyncio.TaskGroup() as tg:`): spawn into it, then
/// [`join`](Self::join) it. If a member panics, the group cancels the
/// others, and `join` reports the panics. Dropping the group cancels every
/// member still running, so no task outlives it.
///
/// One difference from asyncio: a member's panic does not cancel the code
/// that holds the group; that code learns of it when it awaits `join`
/// (asyncio cancels the body of the `async with` block at its next await).
///
/// ```
/// use std::time::Duration;
/// use turnstile::event_loop::{TaskGroup, run, sleep};
///
/// let (a, b) = run(async {
///     let group = TaskGroup::new().unwrap();
///     let a = group.spawn(async { sleep(Duration::from_millis(20)).await; 'a' }).unwrap();
///     let b = group.spawn(async { sleep(Duration::from_millis(10)).await; 'b' }).unwrap();
///     group.join().await.unwrap(); // both have ended here
///     (a.await.unwrap(), b.await.unwrap())
/// });
/// assert_eq!((a, b), ('a', 'b'));
/// ```
pub struct TaskGroup {
    shared: Rc<Shared>,
}

/// What the group and its members' watcher share.
struct Shared {
    /// The members that have not ended.
    running: RefCell<Vec<TaskRef>>,
    /// The panics of members, in the order they happened.
    failures: RefCell<Vec<TaskError>>,
    phase: Cell<Phase>,
    /// The task awaiting `join`.
    joiner: RefCell<Option<Waker>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Taking members.
    Open,
    /// A member panicked: the others were asked to stop.
    ShuttingDown,
    /// `join` has resolved.
    Joined,
}

impl Watcher for Shared {
    fn ended(&self, id: TaskId, outcome: Result<(), &TaskError>) {
        self.running.borrow_mut().retain(|member| member.id() != id);
        if let Err(failure @ TaskError::Panicked(_)) = outcome {
            self.failures.borrow_mut().push(failure.clone());
            if self.phase.get() == Phase::Open {
                self.phase.set(Phase::ShuttingDown);
                // Asked, not dropped here: this runs inside the failing
                // task's own end, and the others stop at their next turn.
                let others: Vec<TaskRef> = self.running.borrow().clone();
                for task in others {
                    task.ask_cancel();
                }
            }
        }
        if self.running.borrow().is_empty() {
            let joiner = self.joiner.borrow_mut().take();
            if let Some(joiner) = joiner {
                joiner.wake();
            }
        }
    }
}

impl TaskGroup {
    /// A group for tasks of the running loop. An error, [`NoRunningLoop`],
    /// outside [`run`](super::run) (asyncio raises `RuntimeError` there
    /// too).
    ///
    /// ```
    /// use turnstile::event_loop::{TaskGroup, run};
    ///
    /// assert!(TaskGroup::new().is_err()); // no loop here
    /// run(async { assert!(TaskGroup::new().is_ok()) });
    /// ```
    pub fn new() -> Result<Self, NoRunningLoop> {
        current().ok_or(NoRunningLoop)?;
        Ok(Self {
            shared: Rc::new(Shared {
                running: RefCell::new(Vec::new()),
                failures: RefCell::new(Vec::new()),
                phase: Cell::new(Phase::Open),
                joiner: RefCell::new(None),
            }),
        })
    }

    /// Starts `future` as a member (Python's `tg.create_task(coro)`) and
    /// returns its handle. The group owns the task: dropping this handle
    /// (or [detaching](JoinHandle::detach) it, as asyncio code leaves
    /// `create_task`'s task unnamed) does not cancel it, and it is awaited by
    /// [`join`](Self::join) whether or not the handle is.
    ///
    /// An error saying why (the future dropped unpolled, as
    /// [`spawn`](super::spawn) drops it outside a loop) once the group is
    /// shutting down after a member's panic or has been joined (asyncio:
    /// "TaskGroup is shutting down" / "TaskGroup ... is finished"), or when
    /// its loop is no longer running.
    ///
    /// ```
    /// use turnstile::event_loop::{GroupSpawnError, TaskGroup, run};
    ///
    /// run(async {
    ///     let group = TaskGroup::new().unwrap();
    ///     group.spawn(async { 1 }).unwrap().detach(); // still the group's to wait for
    ///     group.join().await.unwrap();
    ///     assert_eq!(group.spawn(async { 2 }).unwrap_err(), GroupSpawnError::Joined);
    /// });
    /// ```
    pub fn spawn<F>(&self, future: F) -> Result<JoinHandle<F::Output>, GroupSpawnError>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        match self.shared.phase.get() {
            Phase::Open => {}
            Phase::ShuttingDown => return Err(GroupSpawnError::ShuttingDown),
            Phase::Joined => return Err(GroupSpawnError::Joined),
        }
        let watcher: Rc<dyn Watcher> = Rc::clone(&self.shared) as Rc<dyn Watcher>;
        let handle = spawn_watched(future, Some(watcher), false)
            .map_err(|NoRunningLoop| GroupSpawnError::NoRunningLoop)?;
        let task = handle.task_ref().clone();
        self.shared.running.borrow_mut().push(task);
        Ok(handle)
    }

    /// Waits until every member has ended (the end of Python's `async
    /// with` block): `Ok(())`, or the panics of the members that panicked
    /// (Python's `ExceptionGroup`). A member that was cancelled is not a
    /// failure. After it resolves the group takes no new members.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::TaskError;
    /// use turnstile::event_loop::{TaskGroup, run, sleep};
    ///
    /// run(async {
    ///     let group = TaskGroup::new().unwrap();
    ///     let sibling = group.spawn(sleep(Duration::from_secs(60))).unwrap();
    ///     group.spawn(async { panic!("no route to host") }).unwrap().detach();
    ///     let failed = group.join().await.unwrap_err();
    ///     assert_eq!(failed.failures(), [TaskError::Panicked("no route to host".into())]);
    ///     assert_eq!(sibling.await, Err(TaskError::Cancelled)); // stopped by the group
    /// });
    /// ```
    pub fn join(&self) -> GroupJoin<'_> {
        GroupJoin { group: self }
    }

    /// How many members have not ended yet.
    ///
    /// ```
    /// use turnstile::event_loop::{TaskGroup, run, yield_now};
    ///
    /// run(async {
    ///     let group = TaskGroup::new().unwrap();
    ///     group.spawn(yield_now()).unwrap().detach();
    ///     assert_eq!(group.running(), 1);
    ///     group.join().await.unwrap();
    ///     assert_eq!(group.running(), 0);
    /// });
    /// ```
    pub fn running(&self) -> usize {
        self.shared.running.borrow().len()
    }
}

impl Drop for TaskGroup {
    /// Cancels the members still running, now: nothing outlives the group.
    fn drop(&mut self) {
        // Taken out first: each member's end tells the watcher, which
        // looks at this list.
        let running = core::mem::take(&mut *self.shared.running.borrow_mut());
        for task in running {
            task.cancel_now();
        }
    }
}

impl fmt::Debug for TaskGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("running", &self.running())
            .field("failures", &self.shared.failures.borrow().len())
            .field("phase", &self.shared.phase.get())
            .finish()
    }
}

/// The future of [`TaskGroup::join`].
///
/// ```
/// use turnstile::event_loop::{TaskGroup, run};
///
/// run(async {
///     let group = TaskGroup::new().unwrap();
///     let joining = group.join(); // no member: ready at once
///     assert!(joining.await.is_ok());
/// });
/// ```
#[must_use = "a join does nothing until it is awaited"]
pub struct GroupJoin<'a> {
    group: &'a TaskGroup,
}

impl Future for GroupJoin<'_> {
    type Output = Result<(), TaskGroupError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let shared = &self.group.shared;
        if !shared.running.borrow().is_empty() {
            // The latest poll's waker: the join may have moved to another
            // task since the last one.
            *shared.joiner.borrow_mut() = Some(context.waker().clone());
            return Poll::Pending;
        }
        shared.phase.set(Phase::Joined);
        let failures = core::mem::take(&mut *shared.failures.borrow_mut());
        Poll::Ready(if failures.is_empty() {
            Ok(())
        } else {
            Err(TaskGroupError { failures })
        })
    }
}

impl fmt::Debug for GroupJoin<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("GroupJoin").field(self.group).finish()
    }
}

/// Why [`TaskGroup::spawn`] refused a task.
///
/// ```
/// use turnstile::event_loop::GroupSpawnError;
/// assert_eq!(
///     GroupSpawnError::ShuttingDown.to_string(),
///     "the task group is shutting down: a member panicked"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupSpawnError {
    /// A member panicked, and the group is cancelling the others.
    ShuttingDown,
    /// [`join`](TaskGroup::join) has resolved: the group is finished.
    Joined,
    /// The loop the group was made in is no longer running here.
    NoRunningLoop,
}

impl fmt::Display for GroupSpawnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ShuttingDown => "the task group is shutting down: a member panicked",
            Self::Joined => "the task group is finished: join has returned",
            Self::NoRunningLoop => "no running event loop: spawn from inside event_loop::run",
        })
    }
}

impl std::error::Error for GroupSpawnError {}

/// The members of a [`TaskGroup`] that panicked (Python's
/// `ExceptionGroup`), in the order they did.
///
/// ```
/// use turnstile::event_loop::{TaskGroup, run};
///
/// let failed = run(async {
///     let group = TaskGroup::new().unwrap();
///     group.spawn(async { panic!("disk full") }).unwrap().detach();
///     group.join().await.unwrap_err()
/// });
/// assert_eq!(failed.to_string(), "1 task of the group failed: the task panicked: disk full");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskGroupError {
    failures: Vec<TaskError>,
}

impl TaskGroupError {
    /// Each failure, in the order the members panicked.
    ///
    /// ```
    /// use turnstile::TaskError;
    /// use turnstile::event_loop::{TaskGroup, run};
    ///
    /// let failed = run(async {
    ///     let group = TaskGroup::new().unwrap();
    ///     group.spawn(async { panic!("one") }).unwrap().detach();
    ///     group.join().await.unwrap_err()
    /// });
    /// assert_eq!(failed.failures(), [TaskError::Panicked("one".into())]);
    /// ```
    pub fn failures(&self) -> &[TaskError] {
        &self.failures
    }
}

impl fmt::Display for TaskGroupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.failures.len();
        write!(
            f,
            "{n} task{} of the group failed",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, failure) in self.failures.iter().enumerate() {
            f.write_str(if i == 0 { ": " } else { "; " })?;
            fmt::Display::fmt(failure, f)?;
        }
        Ok(())
    }
}

impl std::error::Error for TaskGroupError {}
