//! The pool's unit of work: a closure and the future it settles, in one
//! allocation (CPython's `thread.py` keeps the same pair in a `_WorkItem`).
//!
//! A learner can skip this file: it is how the pool stores tasks of every
//! closure and value type in one queue, not how a future behaves (that is
//! `future/`). This file imports the future, never the reverse: the future
//! reaches its task only through `future::Settler`, which the task
//! implements.

use core::any::Any;
use std::panic::{self, AssertUnwindSafe};

use super::super::facade::{Arc, UnsafeCell, arc_dyn};
use super::future::{Core, CoreRef, Future, Settler, TaskError, panic_message};

/// One task in one allocation: the future's state and the closure that
/// settles it. `repr(C)` puts `core` first, at the start of the allocation,
/// which is how the future's `CoreRef<T>` finds it without knowing `F` (see
/// `CoreRef::core` in `future/settler.rs`).
///
/// The future holds the task as an `Arc<dyn Settler>`, the pool's queue as
/// an `Arc<dyn Job>`: two views of the same allocation, with one count (see
/// [`submitted`]), so a submitted task costs one allocation, and it is
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
}

// SAFETY: `repr(C)`, with the `Core<T>` first; the one `CoreRef` made on a
// task (in `submitted`) is a `CoreRef<T>` of the same `T`.
unsafe impl<F, T> Settler for Task<F, T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    fn core(&self) -> &dyn Any {
        &self.core
    }

    fn promise_dropped(&self) {
        self.core.promise_dropped();
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
    // The future's view of the same task. Rust 1.86 would turn an
    // `Arc<dyn Job>` into an `Arc<dyn Settler>` by itself (trait upcasting,
    // were `Settler` a supertrait), but the crate builds on 1.85, and loom's
    // `Arc` cannot coerce at all (see `arc_dyn!`). So the pointer leaves one
    // `Arc` and enters the other: the clone's count goes with it, and the
    // new handle gives it back when it drops. No allocation, no virtual
    // call: here the task's type is still known.
    let task = Arc::into_raw(Arc::clone(&job)).cast::<Task<F, T>>();
    // SAFETY: `task` came from `Arc::into_raw` on an `Arc` of this task, a
    // `Task<F, T>`; the `dyn Settler` pointer made from it by unsizing has
    // that same type's size and alignment, which is what `Arc::from_raw`
    // asks of a pointer taken from an `Arc` of another (unsized) type.
    let settler = unsafe { Arc::from_raw(task as *const dyn Settler) };
    // SAFETY: a `Task<F, T>` starts with a `Core<T>` (`repr(C)`).
    let future = Future::from_core(unsafe { CoreRef::new(settler) });
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
    /// one allocation of at most 112 bytes with the `Arc`'s two counts:
    /// small enough for glibc's fast bins (requests up to 120 bytes) and to
    /// be moved into place without a `memcpy` call. (104 until issue 30
    /// gave `Mutex` and `Condvar` a pointer each to their waiting async
    /// tasks; the core's two add 8 bytes after padding.) It was 136 bytes while
    /// the listener list, the waker and the calling-back thread sat inline
    /// in every task. Shrinking it, with the downcast `TaskRef::core` (now
    /// `CoreRef::core`) no longer makes, took `submit` + `into_result` from
    /// a median 1.03x to 0.64x threadpool's time on the AMD host
    /// (BENCHMARKS.md, issue 12).
    #[test]
    fn a_small_task_is_one_small_allocation() {
        if IS_MODEL || cfg!(feature = "lockdep") {
            // loom's atomics and cells are larger, and the lock-order
            // checker's classes and pool tag (152 bytes in all): neither is
            // the size a normal build ships.
            return;
        }
        fn task_size<F, T>(_: &F) -> usize {
            core::mem::size_of::<Task<F, T>>()
        }
        let n = 7_u64;
        let closure = move || n;
        let request = 2 * core::mem::size_of::<usize>() + task_size::<_, u64>(&closure);
        assert!(request <= 112, "a small task takes {request} bytes");
    }
}
