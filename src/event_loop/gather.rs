//! Waiting for several at once: `gather` and `try_gather` (Python's
//! `asyncio.gather`, with `return_exceptions=True` and with its default)
//! and `wait` (`asyncio.wait`, with `return_when` and `timeout`).
//!
//! All are plain futures over other futures: each time they are polled
//! they poll every member not yet done, with their own task's waker, so
//! whichever member becomes ready wakes them.
//!
//! What happens to the members when one of these is dropped unfinished
//! (its task cancelled) follows asyncio: a gather's members are dropped
//! with it, so tasks gathered by handle are cancelled ("cancelling gather()
//! cancels all submitted awaitables"); `wait` gives its handles up, and
//! their tasks run on ("wait() does not cancel the futures").

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::Duration;

use super::sleep::{Sleep, sleep};
use super::task::{Ending, JoinHandle, spawn};

/// Runs `futures` concurrently in the current task and resolves to all
/// their outputs, in the order given, once every one is ready (Python's
/// `await asyncio.gather(*aws, return_exceptions=True)`: a failure is one
/// output among the others, as a handle's `Err(TaskError)` is). The
/// futures need not be tasks: they take turns inside this one. For futures
/// of different types, [`spawn`](super::spawn) them and gather the
/// handles. For asyncio's default, where the first error is raised at once,
/// see [`try_gather`].
///
/// Dropped before it is ready (its task cancelled), it drops its members:
/// tasks gathered by handle are cancelled, as cancelling asyncio's gather
/// cancels its children.
///
/// ```
/// use std::time::Duration;
/// use turnstile::event_loop::{gather, run, sleep};
///
/// async fn late(value: u32, ms: u64) -> u32 {
///     sleep(Duration::from_millis(ms)).await;
///     value
/// }
/// let values = run(gather([late(1, 30), late(2, 10), late(3, 20)]));
/// assert_eq!(values, [1, 2, 3]); // in the order given, not finished
/// ```
pub fn gather<F: Future>(futures: impl IntoIterator<Item = F>) -> Gather<F> {
    Gather {
        members: futures
            .into_iter()
            .map(|future| Member::Running(Box::pin(future)))
            .collect(),
    }
}

/// The future of [`gather`].
///
/// ```
/// // One closure makes the futures: one type (two `async` blocks would be two).
/// let both = turnstile::event_loop::gather([1, 2].map(|n| async move { n * 10 }));
/// assert_eq!(turnstile::event_loop::run(both), [10, 20]);
/// ```
#[must_use = "a gather does nothing until it is awaited"]
pub struct Gather<F: Future> {
    members: Vec<Member<F>>,
}

// The members are boxed and their outputs moved by value: nothing in a
// `Gather` is pinned in place.
impl<F: Future> Unpin for Gather<F> {}

enum Member<F: Future> {
    Running(Pin<Box<F>>),
    Done(Option<F::Output>),
}

/// What one poll of a gather's members found.
enum Polled<O> {
    /// Some member is still running.
    Pending,
    /// Every member is done.
    AllDone,
    /// A member finished with an output the caller stops at.
    Stopped(O),
}

impl<F: Future> Gather<F> {
    /// Polls each member still running, in the order given, and keeps the
    /// outputs of those that finish; stops at the first output `stop`
    /// picks and hands it back (its member left done, without output).
    fn poll_members(
        &mut self,
        context: &mut Context<'_>,
        mut stop: impl FnMut(&F::Output) -> bool,
    ) -> Polled<F::Output> {
        let mut all_done = true;
        for member in &mut self.members {
            if let Member::Running(future) = member {
                match future.as_mut().poll(context) {
                    Poll::Ready(output) if stop(&output) => {
                        *member = Member::Done(None);
                        return Polled::Stopped(output);
                    }
                    Poll::Ready(output) => *member = Member::Done(Some(output)),
                    Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            Polled::AllDone
        } else {
            Polled::Pending
        }
    }

    /// Every member's output, in the order given, once all are done.
    ///
    /// # Panics
    ///
    /// If they were taken already: the gather was polled after it resolved.
    fn take_outputs(&mut self) -> Vec<F::Output> {
        self.members
            .iter_mut()
            .map(|member| match member {
                Member::Done(output) => output.take(),
                Member::Running(_) => None,
            })
            .collect::<Option<Vec<_>>>()
            .expect("Gather polled after it resolved")
    }
}

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        match self.poll_members(context, |_| false) {
            Polled::Pending => Poll::Pending,
            Polled::AllDone => Poll::Ready(self.take_outputs()),
            Polled::Stopped(_) => unreachable!("a plain gather stops at nothing"),
        }
    }
}

impl<F: Future> fmt::Debug for Gather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let done = self
            .members
            .iter()
            .filter(|member| matches!(member, Member::Done(_)))
            .count();
        f.debug_struct("Gather")
            .field("members", &self.members.len())
            .field("done", &done)
            .finish()
    }
}

/// Runs `futures` of `Result`s concurrently and resolves to all their
/// `Ok` values, in the order given, or to the first `Err` as soon as one
/// comes (Python's `await asyncio.gather(*aws)`, whose default,
/// `return_exceptions=False`, raises the first exception in the awaiter).
///
/// As in asyncio, the first error does not cancel the others: the members
/// still running are handed to the running loop as detached tasks and run
/// on to their end, their outputs dropped (asyncio's gather wraps every
/// coroutine in a task, which is why they can). Outside a turnstile loop
/// there is nowhere to hand them, and they are dropped. Dropped before it
/// is ready, it drops its members, as [`gather`] does.
///
/// ```
/// use std::time::Duration;
/// use turnstile::event_loop::{run, sleep, try_gather};
///
/// async fn fetch(page: u32, ms: u64) -> Result<u32, String> {
///     sleep(Duration::from_millis(ms)).await;
///     if page == 2 { Err(format!("page {page}: not found")) } else { Ok(page) }
/// }
/// let first_error = run(try_gather([fetch(1, 30), fetch(2, 10), fetch(3, 20)]));
/// assert_eq!(first_error, Err("page 2: not found".to_owned()));
/// let all = run(try_gather([fetch(1, 3), fetch(3, 1)]));
/// assert_eq!(all, Ok(vec![1, 3]));
/// ```
pub fn try_gather<F, T, E>(futures: impl IntoIterator<Item = F>) -> TryGather<F>
where
    F: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    TryGather {
        inner: gather(futures),
        resolved: false,
    }
}

/// The future of [`try_gather`].
///
/// ```
/// let both = turnstile::event_loop::try_gather([1, 2].map(|n| async move { Ok::<_, ()>(n) }));
/// assert_eq!(turnstile::event_loop::run(both), Ok(vec![1, 2]));
/// ```
#[must_use = "a gather does nothing until it is awaited"]
pub struct TryGather<F: Future> {
    inner: Gather<F>,
    resolved: bool,
}

impl<F, T, E> Future for TryGather<F>
where
    F: Future<Output = Result<T, E>> + 'static,
    T: 'static,
    E: 'static,
{
    type Output = Result<Vec<T>, E>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Result<Vec<T>, E>> {
        assert!(!self.resolved, "TryGather polled after it resolved");
        let outcome = match self.inner.poll_members(context, Result::is_err) {
            Polled::Pending => return Poll::Pending,
            // Every output is `Ok` here: the first `Err` stopped the poll.
            Polled::AllDone => self.inner.take_outputs().into_iter().collect(),
            Polled::Stopped(failed) => {
                for member in &mut self.inner.members {
                    if let Member::Running(future) = core::mem::replace(member, Member::Done(None))
                    {
                        // Runs on as a task of its own; with no loop, dropped.
                        if let Ok(handle) = spawn(future) {
                            handle.detach();
                        }
                    }
                }
                failed.map(|_| unreachable!("stopped only at an error"))
            }
        };
        self.resolved = true;
        Poll::Ready(outcome)
    }
}

impl<F: Future> fmt::Debug for TryGather<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("TryGather").field(&self.inner).finish()
    }
}

/// When [`wait`] resolves (Python's `return_when`).
///
/// ```
/// use turnstile::event_loop::ReturnWhen;
/// assert_ne!(ReturnWhen::FirstCompleted, ReturnWhen::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnWhen {
    /// As soon as one task has finished (`FIRST_COMPLETED`).
    FirstCompleted,
    /// As soon as one task has panicked, or once every task has finished
    /// if none does (`FIRST_EXCEPTION`). A panic is the exception here: a
    /// task that returns an `Err` has finished, as an asyncio coroutine
    /// that returns an exception object has; and, as in asyncio, a
    /// cancelled task is not one that failed.
    FirstException,
    /// Once every task has finished (`ALL_COMPLETED`, Python's default).
    AllCompleted,
}

/// Waits for tasks without taking their outputs, and resolves to
/// `(done, pending)`: the handles split by whether their task has
/// finished, each list in the order given (Python's `done, pending = await
/// asyncio.wait(tasks, return_when=...)`). Await a done handle for its
/// output; a pending one is still running. See [`wait_timeout`] to stop
/// waiting after a while.
///
/// Dropped before it resolves (its task cancelled), it gives its handles
/// up and their tasks run on: asyncio's `wait` does not cancel what it
/// waits for.
///
/// ```
/// use std::time::Duration;
/// use turnstile::event_loop::{ReturnWhen, run, sleep, spawn, wait};
///
/// run(async {
///     let quick = spawn(async { sleep(Duration::from_millis(5)).await; "quick" }).unwrap();
///     let slow = spawn(async { sleep(Duration::from_secs(60)).await; "slow" }).unwrap();
///     let (done, pending) = wait(vec![quick, slow], ReturnWhen::FirstCompleted).await;
///     assert_eq!((done.len(), pending.len()), (1, 1));
///     for handle in done {
///         assert_eq!(handle.await, Ok("quick"));
///     }
///     pending[0].cancel();
/// });
/// ```
pub fn wait<T>(handles: Vec<JoinHandle<T>>, return_when: ReturnWhen) -> Wait<T> {
    Wait {
        handles: Some(handles),
        return_when,
        timer: None,
    }
}

/// [`wait`], for at most `timeout`: once the time is up it resolves to
/// `(done, pending)` as they are then (Python's `asyncio.wait(tasks,
/// timeout=...)`, which does not raise on a timeout either). The pending
/// tasks run on; cancel them, or drop their handles, to stop them.
///
/// ```
/// use std::time::Duration;
/// use turnstile::event_loop::{ReturnWhen, run, sleep, spawn, wait_timeout};
///
/// run(async {
///     let slow = spawn(sleep(Duration::from_secs(60))).unwrap();
///     let (done, pending) =
///         wait_timeout(vec![slow], Duration::from_millis(10), ReturnWhen::AllCompleted).await;
///     assert_eq!((done.len(), pending.len()), (0, 1));
///     drop(pending); // cancels the sleeper
/// });
/// ```
pub fn wait_timeout<T>(
    handles: Vec<JoinHandle<T>>,
    timeout: Duration,
    return_when: ReturnWhen,
) -> Wait<T> {
    Wait {
        handles: Some(handles),
        return_when,
        timer: Some(sleep(timeout)),
    }
}

/// The future of [`wait`] and [`wait_timeout`].
///
/// ```
/// use turnstile::event_loop::{ReturnWhen, run, wait};
///
/// let (done, pending) = run(wait(Vec::<turnstile::event_loop::JoinHandle<()>>::new(), ReturnWhen::AllCompleted));
/// assert!(done.is_empty() && pending.is_empty());
/// ```
#[must_use = "a wait does nothing until it is awaited"]
pub struct Wait<T> {
    /// `None` once resolved.
    handles: Option<Vec<JoinHandle<T>>>,
    return_when: ReturnWhen,
    /// `wait_timeout`'s clock.
    timer: Option<Sleep>,
}

/// The output of [`wait`]: the handles whose tasks have finished, and the
/// others.
pub type DoneAndPending<T> = (Vec<JoinHandle<T>>, Vec<JoinHandle<T>>);

impl<T> Future for Wait<T> {
    type Output = DoneAndPending<T>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<DoneAndPending<T>> {
        let this = &mut *self;
        let handles = this
            .handles
            .as_ref()
            .expect("Wait polled after it resolved");
        // Every handle is asked (and so registers the waker), not only up
        // to the first finished one.
        let (mut finished, mut panicked) = (0, false);
        for handle in handles {
            if let Some(ending) = handle.poll_ending(context) {
                finished += 1;
                panicked |= ending == Ending::Panicked;
            }
        }
        let all = finished == handles.len();
        let ready = match this.return_when {
            ReturnWhen::FirstCompleted => finished > 0 || all,
            ReturnWhen::FirstException => all || panicked,
            ReturnWhen::AllCompleted => all,
        };
        let timed_out = !ready
            && this
                .timer
                .as_mut()
                .is_some_and(|timer| Pin::new(timer).poll(context).is_ready());
        if !ready && !timed_out {
            return Poll::Pending;
        }
        let handles = this.handles.take().unwrap_or_default();
        Poll::Ready(handles.into_iter().partition(JoinHandle::is_finished))
    }
}

impl<T> Drop for Wait<T> {
    /// Unresolved: the tasks run on, as asyncio's `wait` leaves them.
    fn drop(&mut self) {
        for handle in self.handles.take().into_iter().flatten() {
            handle.detach();
        }
    }
}

impl<T> fmt::Debug for Wait<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Wait")
            .field("handles", &self.handles.as_ref().map(Vec::len))
            .field("return_when", &self.return_when)
            .finish()
    }
}
