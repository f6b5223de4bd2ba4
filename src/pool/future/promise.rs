//! [`Promise`], the runner's side of a task: mark it started, then hand
//! over its outcome; dropped unfinished, it settles the future anyway. The
//! caller's side is `handle.rs`.

use core::fmt;

use super::error::TaskError;
use super::settler::CoreRef;

/// The runner's side of a task: mark it started, then hand over its
/// outcome. Dropping a promise that never finished settles the future:
/// Cancelled if it had not started, Panicked if it had.
///
/// # Examples
///
/// ```
/// use turnstile::pool::{Future, TaskError};
///
/// let (future, promise) = Future::<u8>::pending();
/// drop(promise); // never started
/// assert_eq!(future.result(), Err(TaskError::Cancelled));
/// ```
pub struct Promise<T> {
    shared: Option<CoreRef<T>>,
}

impl<T> Promise<T> {
    /// The promise on `shared` (made beside its future).
    pub(super) fn new(shared: CoreRef<T>) -> Self {
        Promise {
            shared: Some(shared),
        }
    }
}

impl<T: Send + 'static> Promise<T> {
    /// Marks the task running, unless it was cancelled: returns whether the
    /// runner should run it (Python's `set_running_or_notify_cancel`).
    ///
    /// ```
    /// let (_future, promise) = turnstile::pool::Future::<u8>::pending();
    /// assert!(promise.start());
    /// ```
    pub fn start(&self) -> bool {
        self.shared
            .as_ref()
            .is_some_and(|shared| shared.core().start())
    }

    /// Settles the future with the task's outcome: wakes its waiters, then
    /// runs its callbacks on this thread (each exactly once). Does nothing
    /// if the future was cancelled.
    ///
    /// ```
    /// let (future, promise) = turnstile::pool::Future::pending();
    /// promise.start();
    /// promise.finish(Ok("done"));
    /// assert!(future.is_done());
    /// ```
    pub fn finish(mut self, outcome: Result<T, TaskError>) {
        if let Some(shared) = self.shared.take() {
            shared.core().finish(outcome);
        }
    }
}

impl<T> Drop for Promise<T> {
    fn drop(&mut self) {
        if let Some(shared) = self.shared.take() {
            shared.promise_dropped();
        }
    }
}

impl<T> fmt::Debug for Promise<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Promise").finish_non_exhaustive()
    }
}
