//! [`ThreadPool::map`] and [`ThreadPool::map_timeout`] (Python's
//! `pool.map`), and the iterators they return: every item submitted at
//! once, results read back in the order of the items. The rest of the pool
//! is in `thread_pool.rs`.

use std::time::{Duration, Instant};

use super::super::deadline;
use super::super::facade::Arc;
use super::super::timeout::Timeout;
use super::future::{Future, TaskError};
use super::thread_pool::ThreadPool;

impl ThreadPool {
    /// Runs `f` on every item, on the workers, and yields the results in
    /// the order of the items (Python's `pool.map`). All items are submitted
    /// at once; each result waits for its own task. Items the pool refused
    /// (it was shut down) yield [`TaskError::Cancelled`]. Dropping the
    /// iterator leaves the submitted tasks to run, as a Python `map` whose
    /// results are never read does.
    ///
    /// ```
    /// let pool = turnstile::ThreadPool::new(2).unwrap();
    /// let lengths: Vec<_> = pool
    ///     .map(|word: &str| word.len(), ["chef", "eater", "pot"])
    ///     .map(Result::unwrap)
    ///     .collect();
    /// assert_eq!(lengths, [4, 5, 3]);
    /// ```
    pub fn map<A, T, F>(&self, f: F, items: impl IntoIterator<Item = A>) -> Map<T>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(A) -> T + Send + Sync + 'static,
    {
        let f = Arc::new(f);
        let futures = items
            .into_iter()
            .map(|item| {
                let f = Arc::clone(&f);
                self.submit(move || f(item)).ok()
            })
            .collect::<Vec<_>>();
        Map {
            futures: futures.into_iter(),
        }
    }

    /// As [`map`](Self::map), with a deadline `timeout` from now for the
    /// whole iteration (Python's `map(fn, items, timeout=t)`). A result not
    /// ready by then yields `Err(Timeout)`; that task and every later one is
    /// cancelled (those already running finish, unread), and the iterator
    /// ends.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let pool = turnstile::ThreadPool::new(2).unwrap();
    /// let doubled: Vec<_> = pool
    ///     .map_timeout(|n: u32| n * 2, [1, 2, 3], Duration::from_secs(10))
    ///     .map(|outcome| outcome.unwrap().unwrap())
    ///     .collect();
    /// assert_eq!(doubled, [2, 4, 6]);
    /// ```
    pub fn map_timeout<A, T, F>(
        &self,
        f: F,
        items: impl IntoIterator<Item = A>,
        timeout: Duration,
    ) -> MapTimeout<T>
    where
        A: Send + 'static,
        T: Send + 'static,
        F: Fn(A) -> T + Send + Sync + 'static,
    {
        let deadline = deadline::after(timeout);
        MapTimeout {
            results: self.map(f, items),
            deadline,
        }
    }
}

/// The iterator [`ThreadPool::map`] returns: results in the order of the
/// items, each waiting for its task.
#[derive(Debug)]
pub struct Map<T: Send + 'static> {
    futures: std::vec::IntoIter<Option<Future<T>>>,
}

impl<T: Send + 'static> Iterator for Map<T> {
    type Item = Result<T, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        let future = self.futures.next()?;
        Some(future.map_or(Err(TaskError::Cancelled), Future::into_result))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.futures.size_hint()
    }
}

/// The iterator [`ThreadPool::map_timeout`] returns.
#[derive(Debug)]
pub struct MapTimeout<T: Send + 'static> {
    results: Map<T>,
    /// `None`: too far away to matter.
    deadline: Option<Instant>,
}

impl<T: Send + 'static> Iterator for MapTimeout<T> {
    type Item = Result<Result<T, TaskError>, Timeout>;

    fn next(&mut self) -> Option<Self::Item> {
        let Some(future) = self.results.futures.next()? else {
            return Some(Ok(Err(TaskError::Cancelled)));
        };
        if let Err(timeout) = future.wait_until(self.deadline) {
            // Python cancels the late task and every later one, and stops.
            future.cancel();
            for rest in self.results.futures.by_ref().flatten() {
                rest.cancel();
            }
            return Some(Err(timeout));
        }
        Some(Ok(future.into_result()))
    }
}
