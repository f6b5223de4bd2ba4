//! Waiting on many futures: Python's `concurrent.futures.as_completed` and
//! `wait`, built on done-callbacks and a turnstile queue.

use std::time::{Duration, Instant};

use super::super::facade::Arc;
use super::super::queue::FifoQueue;
use super::{Future, TaskError};

/// When [`wait`] returns (Python's `FIRST_COMPLETED`, `FIRST_EXCEPTION`,
/// `ALL_COMPLETED`).
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
/// each list in the order the futures were given.
#[derive(Debug)]
pub struct Waited<T> {
    /// Finished or cancelled.
    pub done: Vec<Future<T>>,
    /// Not done when `wait` returned.
    pub pending: Vec<Future<T>>,
}

/// Registers a callback on each future that reports `(index, raised)` on a
/// shared queue as it settles.
fn report_settling<T: Send + 'static>(futures: &[Future<T>]) -> Arc<FifoQueue<(usize, bool)>> {
    let settled = Arc::new(FifoQueue::unbounded());
    for (index, future) in futures.iter().enumerate() {
        let settled = Arc::clone(&settled);
        future.add_done_callback(move |outcome| {
            // The queue is never closed, so this put cannot fail.
            let raised = matches!(outcome, Err(error) if *error != TaskError::Cancelled);
            let _ = settled.put((index, raised));
        });
    }
    settled
}

/// Yields the futures as they finish (or are cancelled), in that order:
/// Python's `as_completed`. Each yielded future is done, so its `result()`
/// returns at once.
///
/// ```
/// use turnstile::ThreadPool;
/// use turnstile::pool::as_completed;
///
/// let pool = ThreadPool::new(2).unwrap();
/// let futures: Vec<_> = (0..4).map(|n| pool.submit(move || n).unwrap()).collect();
/// let mut results: Vec<_> = as_completed(futures).map(|f| f.result().unwrap()).collect();
/// results.sort();
/// assert_eq!(results, [0, 1, 2, 3]);
/// ```
pub fn as_completed<T: Send + 'static>(futures: Vec<Future<T>>) -> AsCompleted<T> {
    let settled = report_settling(&futures);
    AsCompleted {
        remaining: futures.len(),
        futures: futures.into_iter().map(Some).collect(),
        settled,
    }
}

/// The iterator [`as_completed`] returns.
#[derive(Debug)]
pub struct AsCompleted<T> {
    futures: Vec<Option<Future<T>>>,
    settled: Arc<FifoQueue<(usize, bool)>>,
    remaining: usize,
}

impl<T> Iterator for AsCompleted<T> {
    type Item = Future<T>;

    fn next(&mut self) -> Option<Future<T>> {
        if self.remaining == 0 {
            return None;
        }
        // Every future settles exactly once and reports once, so this get
        // returns for each remaining one.
        let (index, _) = self.settled.get().ok()?;
        self.remaining -= 1;
        self.futures[index].take()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining, Some(self.remaining))
    }
}

/// Waits until `until` holds or `timeout` passes (`None`: no limit), then
/// splits the futures into done and pending: Python's `wait`.
///
/// ```
/// use std::time::Duration;
/// use turnstile::ThreadPool;
/// use turnstile::pool::{WaitFor, wait};
///
/// let pool = ThreadPool::new(2).unwrap();
/// let futures: Vec<_> = (0..3).map(|n| pool.submit(move || n).unwrap()).collect();
/// let waited = wait(futures, WaitFor::AllCompleted, Some(Duration::from_secs(10)));
/// assert_eq!((waited.done.len(), waited.pending.len()), (3, 0));
/// ```
pub fn wait<T: Send + 'static>(
    futures: Vec<Future<T>>,
    until: WaitFor,
    timeout: Option<Duration>,
) -> Waited<T> {
    let settled = report_settling(&futures);
    let deadline = timeout.and_then(|timeout| Instant::now().checked_add(timeout));
    let mut done = vec![false; futures.len()];
    let mut count = 0;
    while count < futures.len() {
        let next = match deadline {
            None => settled.get().ok(),
            // Timed out (or closed, which never happens here): stop.
            Some(deadline) => settled
                .get_timeout(deadline.saturating_duration_since(Instant::now()))
                .ok(),
        };
        let Some((index, raised)) = next else {
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
