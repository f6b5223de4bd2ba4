//! The pool's unit of work: a closure and the future it settles, in one
//! allocation (CPython's `thread.py` keeps the same pair in a `_WorkItem`).
//!
//! A learner can skip this file: it is how the pool stores tasks of every
//! closure and value type in one queue, not how a future behaves (that is
//! `future.rs`).

use core::any::Any;
use core::marker::PhantomData;
use std::panic::{self, AssertUnwindSafe};

use super::super::facade::{Arc, UnsafeCell, arc_dyn};
use super::future::{Core, Future, TaskError, panic_message};

/// One task in one allocation: the future's state and the closure that
/// settles it. `repr(C)` puts `core` first, at the start of the allocation,
/// which is how a `TaskRef<T>` finds it without knowing `F` (see
/// [`TaskRef::core`]).
///
/// The future, the promise and the pool's queue all hold the same task as an
/// `Arc<dyn Job>`, so a submitted task costs one allocation, and it is
/// usually freed by the thread that made it (the caller reading the result),
/// which is what allocators are fastest at.
#[repr(C)]
struct Task<F, T> {
    core: Core<T>,
    /// The closure until a worker takes it to run it (or the task is
    /// dropped unrun). Only the holder of the task's one [`Queued`] reaches
    /// it (see [`Task::take_closure`]), so it needs no lock.
    closure: UnsafeCell<Option<F>>,
}

// SAFETY: a shared `Task` hands out `F` only by moving it out, through the
// task's one `Queued` (`take_closure`), which is owned by one thread at a
// time; that needs nothing more than `F: Send`. `core` is `Sync` when
// `T: Send`.
unsafe impl<F: Send, T: Send> Sync for Task<F, T> {}

/// A task seen without its closure's type: what the pool's queue holds.
pub(super) trait Job: Send + Sync + 'static {
    /// The future's state, a `Core<T>`, as `Any`: what `TaskRef::core`
    /// checks its cast against in debug builds.
    fn core(&self) -> &dyn Any;
    /// The whole `Task<F, T>` (`take_back` downcasts it).
    fn as_any(&self) -> &dyn Any;
    /// Runs the closure, unless the task was cancelled, and settles the
    /// future with its value or its panic. Called only by [`Queued::run`].
    fn run(&self);
    /// Settles the future with `error` instead of running the closure.
    /// Called only by [`Queued::abandon`].
    fn abandon(&self, error: TaskError);
    /// Cancels the task if it has not started.
    fn cancel(&self);
    /// Its promise was dropped unfinished (see `Core::promise_dropped`).
    fn promise_dropped(&self);
}

impl<F, T> Task<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    /// Pending → Running, and the closure to run. `None` if the task was
    /// cancelled; its closure is then dropped here, unrun.
    ///
    /// # Safety
    ///
    /// As [`take_closure`](Self::take_closure): only through the task's
    /// `Queued`.
    unsafe fn claim(&self) -> Option<F> {
        // SAFETY: passed on to the caller.
        let closure = unsafe { self.take_closure() };
        closure.filter(|_| self.core.start())
    }

    /// Takes the closure out, if it is still there: the one place it is
    /// reached.
    ///
    /// # Safety
    ///
    /// Only the holder of the task's one `Queued` may call this (a worker
    /// running or abandoning it, or `take_back` for a task the queue
    /// refused): a `Queued` is made once per task, is not `Clone`, and is
    /// consumed by the call, so no two calls overlap, and moving it to a
    /// worker (through the pool's queue) orders the closure's write before
    /// this read. Futures and promises never touch the closure.
    unsafe fn take_closure(&self) -> Option<F> {
        // SAFETY: as above, this thread is the only one reaching `closure`.
        self.closure.with_mut(|slot| unsafe { (*slot).take() })
    }
}

impl<F, T> Job for Task<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    fn core(&self) -> &dyn Any {
        &self.core
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn run(&self) {
        // SAFETY: `Job::run` is called only by `Queued::run`.
        let Some(closure) = (unsafe { self.claim() }) else {
            return; // cancelled: it never runs
        };
        let outcome = panic::catch_unwind(AssertUnwindSafe(closure))
            .map_err(|payload| TaskError::Panicked(panic_message(payload.as_ref())));
        self.core.finish(outcome);
    }

    fn abandon(&self, error: TaskError) {
        // SAFETY: `Job::abandon` is called only by `Queued::abandon`.
        if unsafe { self.claim() }.is_some() {
            self.core.finish(Err(error));
        }
    }

    fn cancel(&self) {
        self.core.cancel();
    }

    fn promise_dropped(&self) {
        self.core.promise_dropped();
    }
}

/// A typed handle on a task: what a `Future<T>` and a `Promise<T>` hold.
pub(super) struct TaskRef<T> {
    job: Arc<dyn Job>,
    /// Stands for the `T` to come: the handle is `Send` only if `T` is, and
    /// `Sync` only if `T` is.
    _value: PhantomData<T>,
}

impl<T: Send + 'static> TaskRef<T> {
    /// A task with no closure, and a second handle on it: `Future::pending`'s
    /// future and promise (the promise's holder does the work).
    pub(super) fn without_closure() -> (Self, Self) {
        let job = arc_dyn!(Task::<fn() -> T, T> {
            core: Core::new(),
            closure: UnsafeCell::new(None),
        } => dyn Job);
        let twin = Self {
            job: Arc::clone(&job),
            _value: PhantomData,
        };
        (
            Self {
                job,
                _value: PhantomData,
            },
            twin,
        )
    }

    /// The future's state.
    #[inline]
    pub(super) fn core(&self) -> &Core<T> {
        // Every `TaskRef<T>` is made beside a `Task<F, T>` of its own `T`
        // (here and in `submitted`), and a `Task` starts with its `Core<T>`
        // (`repr(C)`). So the job's address is the core's, whatever `F` is:
        // no virtual call and no type check on the way, which `submit` and
        // `into_result` each took once per task before (a downcast through
        // `Any`). Debug builds still check the type.
        debug_assert!(
            self.job.core().is::<Core<T>>(),
            "a task handle's job holds the state of the handle's own value type"
        );
        let job: *const dyn Job = &*self.job;
        // SAFETY: as above, `job` points to a `Task<F, T>` whose first field
        // (offset 0, `repr(C)`) is a `Core<T>`; it lives as long as
        // `self.job`, and the borrow is tied to `&self`.
        unsafe { &*job.cast::<Core<T>>() }
    }
}

impl<T> TaskRef<T> {
    pub(super) fn promise_dropped(&self) {
        self.job.promise_dropped();
    }
}

/// A task in the pool's queue. Dropping one that never ran (a shutdown that
/// cancels pending work discards the queue) cancels its future, so no future
/// waits for a task that is gone.
///
/// There is one per task (`submitted` makes it; it is not `Clone`), and it
/// is the only way to the task's closure: whoever holds it may take the
/// closure without a lock (see [`Task::take_closure`]).
pub(super) struct Queued(Option<Arc<dyn Job>>);

impl Queued {
    #[inline]
    pub(super) fn run(mut self) {
        if let Some(job) = self.0.take() {
            job.run();
        }
    }

    /// Settles the future with `error` without running the task.
    pub(super) fn abandon(mut self, error: TaskError) {
        if let Some(job) = self.0.take() {
            job.abandon(error);
        }
    }
}

impl Drop for Queued {
    fn drop(&mut self) {
        if let Some(job) = self.0.take() {
            job.cancel();
        }
    }
}

/// A pending task for `closure`: its future, and the job for the queue.
pub(super) fn submitted<F, T>(closure: F) -> (Future<T>, Queued)
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let job = arc_dyn!(Task {
        core: Core::new(),
        closure: UnsafeCell::new(Some(closure)),
    } => dyn Job);
    let future = Future::from_task(TaskRef {
        job: Arc::clone(&job),
        _value: PhantomData,
    });
    (future, Queued(Some(job)))
}

/// The closure of a job the queue refused, handed back to the caller of
/// `submit`. Nobody else ever saw the job, so the closure is still there.
pub(super) fn take_back<F, T>(mut refused: Queued) -> F
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    refused
        .0
        .take()
        .and_then(|job| {
            let task = job.as_any().downcast_ref::<Task<F, T>>()?;
            // SAFETY: through the task's `Queued`, which this call consumes.
            unsafe { task.take_closure() }
        })
        .expect("a job refused by the queue still holds the closure it was built with")
}

#[cfg(all(test, target_pointer_width = "64"))]
mod tests {
    use super::super::super::facade::IS_MODEL;
    use super::Task;

    /// A small task (a closure that captures a `u64` and returns one) is
    /// one allocation of at most 104 bytes with the `Arc`'s two counts:
    /// small enough for glibc's fast bins (requests up to 120 bytes) and to
    /// be moved into place without a `memcpy` call. It was 136 bytes while
    /// the listener list, the waker and the calling-back thread sat inline
    /// in every task. Shrinking it, with the downcast `TaskRef::core` no
    /// longer makes, took `submit` + `into_result` from a median 1.03x to
    /// 0.64x threadpool's time on the AMD host (BENCHMARKS.md, issue 12).
    #[test]
    fn a_small_task_is_one_small_allocation() {
        if IS_MODEL {
            return; // loom's atomics and cells are larger: not the shipped size
        }
        fn task_size<F, T>(_: &F) -> usize {
            core::mem::size_of::<Task<F, T>>()
        }
        let n = 7_u64;
        let closure = move || n;
        let request = 2 * core::mem::size_of::<usize>() + task_size::<_, u64>(&closure);
        assert!(request <= 104, "a small task takes {request} bytes");
    }
}
