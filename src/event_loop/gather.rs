//! Waiting for several at once: `gather` (Python's `asyncio.gather`) and
//! `wait` (`asyncio.wait`, with `return_when`).
//!
//! Both are plain futures over other futures: each time they are polled
//! they poll every member not yet done, with their own task's waker, so
//! whichever member becomes ready wakes them.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::task::JoinHandle;

/// Runs `futures` concurrently in the current task and resolves to their
/// outputs, in the order given (Python's `await asyncio.gather(*aws)`).
/// The futures need not be tasks: they take turns inside this one. For
/// futures of different types, [`spawn`](super::spawn) them and gather
/// the handles.
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

impl<F: Future> Future for Gather<F> {
    type Output = Vec<F::Output>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Vec<F::Output>> {
        let mut all_done = true;
        for member in &mut self.members {
            if let Member::Running(future) = member {
                match future.as_mut().poll(context) {
                    Poll::Ready(output) => *member = Member::Done(Some(output)),
                    Poll::Pending => all_done = false,
                }
            }
        }
        if !all_done {
            return Poll::Pending;
        }
        let outputs = self
            .members
            .iter_mut()
            .map(|member| match member {
                Member::Done(output) => output.take(),
                Member::Running(_) => None,
            })
            .collect::<Option<Vec<_>>>()
            .expect("Gather polled after it resolved");
        Poll::Ready(outputs)
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
    /// Once every task has finished (`ALL_COMPLETED`, Python's default).
    AllCompleted,
}

/// Waits for tasks without taking their outputs, and resolves to
/// `(done, pending)`: the handles split by whether their task has
/// finished, each list in the order given (Python's `done, pending = await
/// asyncio.wait(tasks, return_when=...)`). Await a done handle for its
/// output; a pending one is still running.
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
    }
}

/// The future of [`wait`].
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
}

/// The output of [`wait`]: the handles whose tasks have finished, and the
/// others.
pub type DoneAndPending<T> = (Vec<JoinHandle<T>>, Vec<JoinHandle<T>>);

impl<T> Future for Wait<T> {
    type Output = DoneAndPending<T>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<DoneAndPending<T>> {
        let return_when = self.return_when;
        let handles = self
            .handles
            .as_ref()
            .expect("Wait polled after it resolved");
        // Every handle is asked (and so registers the waker), not only up
        // to the first finished one.
        let finished = handles
            .iter()
            .map(|handle| handle.poll_finished(context))
            .filter(|&finished| finished)
            .count();
        let ready = match return_when {
            ReturnWhen::FirstCompleted => finished > 0 || handles.is_empty(),
            ReturnWhen::AllCompleted => finished == handles.len(),
        };
        if !ready {
            return Poll::Pending;
        }
        let handles = self.handles.take().unwrap_or_default();
        Poll::Ready(handles.into_iter().partition(JoinHandle::is_finished))
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
