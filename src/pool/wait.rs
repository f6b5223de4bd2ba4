//! Waiting on many futures: Python's `concurrent.futures.wait` and
//! `as_completed`. Both borrow the futures, accept any iterable of
//! references (duplicates count once, as Python's sets do), and hand the
//! same futures back.

use std::time::{Duration, Instant};

use super::super::deadline;
use super::super::facade::Arc;
use super::super::queue::FifoQueue;
use super::super::timeout::Timeout;
use super::future::{Future, Reports};

/// When [`wait`] returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
///
/// ```
/// use turnstile::pool::WaitFor;
///
/// assert_ne!(WaitFor::FirstError, WaitFor::AllCompleted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitFor {
    /// As soon as any future is done.
    FirstCompleted,
    /// As soon as any future fails (its task panicked, or the pool broke),
    /// or all are done. A cancelled future does not count as a failure, as
    /// with Python's `FIRST_EXCEPTION`.
    FirstError,
    /// When every future is done.
    AllCompleted,
}

/// What [`wait`] found: the futures that are done and those still pending,
/// each list in the order the futures were first given, without duplicates.
///
/// ```
/// use turnstile::pool::{Future, WaitFor, wait};
///
/// let (future, _promise) = Future::<u8>::pending();
/// future.cancel();
/// let waited = wait([&future, &future], WaitFor::AllCompleted);
/// assert_eq!((waited.done.len(), waited.pending.len()), (1, 0)); // counted once
/// ```
#[derive(Debug)]
pub struct Waited<'a, T: Send + 'static> {
    /// Finished or cancelled.
    pub done: Vec<&'a Future<T>>,
    /// Not done when `wait` returned.
    pub pending: Vec<&'a Future<T>>,
}

/// The futures once each, in the order given (Python takes a set).
fn distinct<'a, T>(futures: impl IntoIterator<Item = &'a Future<T>>) -> Vec<&'a Future<T>> {
    let mut seen: Vec<&Future<T>> = Vec::new();
    for future in futures {
        if !seen.iter().any(|known| core::ptr::eq(*known, future)) {
            seen.push(future);
        }
    }
    seen
}

/// Watches every future: each reports to the returned queue as it settles
/// (at once if it already has).
fn watch_all<T: Send + 'static>(futures: &[&Future<T>]) -> Arc<Reports> {
    let reports = Arc::new(FifoQueue::unbounded());
    for (index, future) in futures.iter().enumerate() {
        future.watch(&reports, index);
    }
    reports
}

/// Waits until `until` holds, then splits the futures into done and
/// pending: Python's `wait(fs, return_when=...)`.
///
/// ```
/// use turnstile::ThreadPool;
/// use turnstile::pool::{WaitFor, wait};
///
/// let pool = ThreadPool::new(2).unwrap();
/// let futures: Vec<_> = (0..3).map(|n| pool.submit(move || n).unwrap()).collect();
/// let waited = wait(&futures, WaitFor::AllCompleted);
/// assert_eq!((waited.done.len(), waited.pending.len()), (3, 0));
/// ```
pub fn wait<'a, T: Send + 'static>(
    futures: impl IntoIterator<Item = &'a Future<T>>,
    until: WaitFor,
) -> Waited<'a, T> {
    wait_until(distinct(futures), until, None)
}

/// As [`wait`], giving up after `timeout` (Python's `wait(fs, timeout,
/// return_when)`): whatever is not done by then is in `pending`. Not an
/// error, as in Python: look at `pending`.
///
/// ```
/// use std::time::Duration;
/// use turnstile::pool::{Future, WaitFor, wait_timeout};
///
/// let (slow, _promise) = Future::<u8>::pending();
/// let waited = wait_timeout([&slow], WaitFor::AllCompleted, Duration::from_millis(5));
/// assert_eq!(waited.pending.len(), 1);
/// ```
pub fn wait_timeout<'a, T: Send + 'static>(
    futures: impl IntoIterator<Item = &'a Future<T>>,
    until: WaitFor,
    timeout: Duration,
) -> Waited<'a, T> {
    wait_until(distinct(futures), until, deadline::after(timeout))
}

fn wait_until<'a, T: Send + 'static>(
    futures: Vec<&'a Future<T>>,
    until: WaitFor,
    deadline: Option<Instant>,
) -> Waited<'a, T> {
    let reports = watch_all(&futures);
    let mut done = vec![false; futures.len()];
    let mut count = 0;
    while count < futures.len() {
        let Ok((index, raised)) = next_report(&reports, deadline) else {
            break; // out of time
        };
        done[index] = true;
        count += 1;
        match until {
            WaitFor::FirstCompleted => break,
            WaitFor::FirstError if raised => break,
            WaitFor::FirstError | WaitFor::AllCompleted => {}
        }
    }
    let (mut finished, mut pending) = (Vec::new(), Vec::new());
    for (future, is_done) in futures.into_iter().zip(done) {
        future.unwatch(&reports);
        // A future may settle after the last report was read: trust its
        // state, so `done` holds everything that is done right now.
        if is_done || future.is_done() {
            finished.push(future);
        } else {
            pending.push(future);
        }
    }
    Waited {
        done: finished,
        pending,
    }
}

/// The next report, waiting until `deadline` at most (`None`: no limit).
fn next_report(reports: &Reports, deadline: Option<Instant>) -> Result<(usize, bool), Timeout> {
    match deadline {
        // The queue is never closed, so a wait without limit always gets one.
        None => reports.get().map_err(|_| Timeout),
        Some(deadline) => reports.get_deadline(deadline).map_err(|_| Timeout),
    }
}

/// Yields the futures as they finish (or are cancelled), in that order:
/// Python's `as_completed`. Futures already done come first. Each yielded
/// future is done, so its `result()` returns at once.
///
/// ```
/// use turnstile::ThreadPool;
/// use turnstile::pool::as_completed;
///
/// let pool = ThreadPool::new(2).unwrap();
/// let futures: Vec<_> = (0..4).map(|n| pool.submit(move || n).unwrap()).collect();
/// let mut results: Vec<i32> = as_completed(&futures).map(|f| *f.result().unwrap()).collect();
/// results.sort();
/// assert_eq!(results, [0, 1, 2, 3]);
/// ```
pub fn as_completed<'a, T: Send + 'static>(
    futures: impl IntoIterator<Item = &'a Future<T>>,
) -> AsCompleted<'a, T> {
    let futures = distinct(futures);
    AsCompleted {
        reports: watch_all(&futures),
        remaining: futures.len(),
        futures,
    }
}

/// As [`as_completed`], with a deadline `timeout` from now for the whole
/// iteration (Python's `as_completed(fs, timeout)`): once it passes, the
/// iterator yields `Err(Timeout)` once and ends.
///
/// ```
/// use std::time::Duration;
/// use turnstile::Timeout;
/// use turnstile::pool::{Future, as_completed_timeout};
///
/// let (done, promise) = Future::pending();
/// promise.start();
/// promise.finish(Ok(1));
/// let (slow, _promise) = Future::pending();
/// let mut finished = as_completed_timeout([&slow, &done], Duration::from_millis(5));
/// assert!(core::ptr::eq(finished.next().unwrap().unwrap(), &done));
/// assert_eq!(finished.next().map(|f| f.map(|_| ())), Some(Err(Timeout)));
/// assert!(finished.next().is_none());
/// ```
pub fn as_completed_timeout<'a, T: Send + 'static>(
    futures: impl IntoIterator<Item = &'a Future<T>>,
    timeout: Duration,
) -> AsCompletedTimeout<'a, T> {
    AsCompletedTimeout {
        inner: as_completed(futures),
        deadline: deadline::after(timeout),
        timed_out: false,
    }
}

/// The iterator [`as_completed`] returns. Dropping it stops the watching.
#[derive(Debug)]
pub struct AsCompleted<'a, T: Send + 'static> {
    futures: Vec<&'a Future<T>>,
    reports: Arc<Reports>,
    remaining: usize,
}

impl<'a, T: Send + 'static> AsCompleted<'a, T> {
    fn next_until(&mut self, deadline: Option<Instant>) -> Option<Result<&'a Future<T>, Timeout>> {
        if self.remaining == 0 {
            return None;
        }
        // Every future settles exactly once and reports once, so a wait
        // without limit returns for each remaining one.
        match next_report(&self.reports, deadline) {
            Ok((index, _)) => {
                self.remaining -= 1;
                Some(Ok(self.futures[index]))
            }
            Err(timeout) => Some(Err(timeout)),
        }
    }
}

impl<'a, T: Send + 'static> Iterator for AsCompleted<'a, T> {
    type Item = &'a Future<T>;

    fn next(&mut self) -> Option<&'a Future<T>> {
        self.next_until(None)?.ok()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

impl<T: Send + 'static> Drop for AsCompleted<'_, T> {
    fn drop(&mut self) {
        for future in &self.futures {
            future.unwatch(&self.reports);
        }
    }
}

/// The iterator [`as_completed_timeout`] returns.
#[derive(Debug)]
pub struct AsCompletedTimeout<'a, T: Send + 'static> {
    inner: AsCompleted<'a, T>,
    deadline: Option<Instant>,
    timed_out: bool,
}

impl<'a, T: Send + 'static> Iterator for AsCompletedTimeout<'a, T> {
    type Item = Result<&'a Future<T>, Timeout>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.timed_out {
            return None;
        }
        let next = self.inner.next_until(self.deadline)?;
        self.timed_out = next.is_err();
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::super::facade::run_test;
    use super::super::future::Future;
    use super::{WaitFor, as_completed_timeout, wait_timeout};

    /// A `wait` or `as_completed` that ends takes its watchers off the
    /// futures it watched: a future that never settles must not collect one
    /// per timed-out wait. (Nothing outside can count them; a leftover one
    /// only costs memory until the future settles, which is why this is a
    /// unit test.)
    #[test]
    fn an_ended_wait_leaves_no_watcher_behind() {
        run_test(|| {
            let (future, _promise) = Future::<u8>::pending();
            let waited = wait_timeout([&future], WaitFor::AllCompleted, Duration::ZERO);
            assert_eq!(waited.pending.len(), 1);
            assert!(!future.core().has_listeners());
            let yielded = as_completed_timeout([&future], Duration::ZERO).count();
            assert_eq!(yielded, 1, "the timeout alone");
            assert!(!future.core().has_listeners());
        });
    }
}
