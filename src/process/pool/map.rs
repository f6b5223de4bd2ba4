//! [`Pool::map`] and [`Pool::imap`]: one function over many arguments,
//! results in the arguments' order, and [`Imap`], the iterator `imap`
//! returns.

use std::collections::VecDeque;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::super::pool::{Future, TaskError};
use super::error::ApplyError;
use super::pool::Pool;

impl Pool {
    /// `f` over every item, in the worker processes; the results in the
    /// items' order (Python's `map`). Every item is queued first, then the
    /// results are collected; the first failure in item order is the
    /// error (the other tasks still run). Python's `chunksize` has no
    /// equivalent: each item is one task.
    ///
    /// ```no_run
    /// fn double(n: u32) -> u32 {
    ///     n * 2
    /// }
    ///
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(2).unwrap();
    /// assert_eq!(pool.map(double, 1..=4), Ok(vec![2, 4, 6, 8]));
    /// ```
    pub fn map<A, R>(
        &self,
        f: fn(A) -> R,
        items: impl IntoIterator<Item = A>,
    ) -> Result<Vec<R>, ApplyError>
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        let results = self.imap(f, items)?;
        let mut values = Vec::with_capacity(results.len());
        for result in results {
            values.push(result?);
        }
        Ok(values)
    }

    /// As [`map`](Self::map), but returns at once an iterator that yields
    /// each result in the items' order as it arrives (Python's `imap`):
    /// the first result can be used while the rest are computed. Each
    /// item is queued now (Python feeds them from a thread); a failure is
    /// yielded in its place and the iteration goes on.
    ///
    /// ```no_run
    /// fn length(word: String) -> usize {
    ///     word.len()
    /// }
    ///
    /// turnstile::process::init();
    /// let pool = turnstile::process::Pool::new(2).unwrap();
    /// let words = ["cook", "eater"].map(String::from);
    /// for (word, length) in words.clone().iter().zip(pool.imap(length, words).unwrap()) {
    ///     println!("{word}: {}", length.unwrap());
    /// }
    /// ```
    pub fn imap<A, R>(
        &self,
        f: fn(A) -> R,
        items: impl IntoIterator<Item = A>,
    ) -> Result<Imap<R>, ApplyError>
    where
        A: Serialize + DeserializeOwned + 'static,
        R: Serialize + DeserializeOwned + Send + 'static,
    {
        let futures = items
            .into_iter()
            .map(|item| self.apply_async(f, item))
            .collect::<Result<VecDeque<_>, _>>()?;
        Ok(Imap { futures })
    }
}

/// The results of [`Pool::imap`], in the items' order: each `next` waits
/// for the next one. Dropping it does not stop the tasks.
///
/// ```
/// # fn _doc(pool: &turnstile::process::Pool) {
/// fn one(_: ()) -> u8 { 1 }
/// let ones = pool.imap(one, [(), ()]).unwrap();
/// assert_eq!(ones.len(), 2);
/// # }
/// ```
pub struct Imap<R> {
    futures: VecDeque<Future<R>>,
}

impl<R: Send + 'static> Iterator for Imap<R> {
    type Item = Result<R, TaskError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.futures.pop_front().map(Future::into_result)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.futures.len(), Some(self.futures.len()))
    }
}

impl<R: Send + 'static> ExactSizeIterator for Imap<R> {}

impl<R> core::fmt::Debug for Imap<R> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Imap")
            .field("left", &self.futures.len())
            .finish()
    }
}
