//! Iterating over a queue: [`Iter`] (`for item in &queue`, waiting for
//! each item until the queue is closed and drained), [`TryIter`] (what is
//! there now, never waiting) and [`IntoIter`] (the items of an owned
//! queue). Each is a loop around one method of [`Queue`] (in `api.rs`).

use core::fmt;

use super::api::Queue;
use super::engine::Engine;
use super::order::Order;

impl<T, O: Order<T>> Queue<T, O> {
    /// An iterator that takes items with [`get`](Self::get), waiting for
    /// each, until the queue is closed and drained (the same as
    /// `for item in &queue`).
    ///
    /// ```
    /// let queue = turnstile::FifoQueue::new();
    /// queue.put(1).unwrap();
    /// queue.close();
    /// assert_eq!(queue.iter().collect::<Vec<_>>(), [1]);
    /// ```
    pub fn iter(&self) -> Iter<'_, T, O> {
        Iter { queue: self }
    }

    /// An iterator that takes the items there are right now with
    /// [`try_get`](Self::try_get), and ends when the queue is empty; it never
    /// waits (crossbeam's `try_iter`).
    ///
    /// ```
    /// let queue = turnstile::LifoQueue::new();
    /// queue.put(1).unwrap();
    /// queue.put(2).unwrap();
    /// assert_eq!(queue.try_iter().collect::<Vec<_>>(), [2, 1]);
    /// assert_eq!(queue.try_iter().next(), None); // empty: no wait
    /// ```
    pub fn try_iter(&self) -> TryIter<'_, T, O> {
        TryIter { queue: self }
    }
}

/// Iterates by [`Queue::get`]: yields items until the queue is closed and
/// drained, waiting for each.
///
/// ```
/// let queue = turnstile::FifoQueue::unbounded();
/// queue.put(1).unwrap();
/// queue.put(2).unwrap();
/// queue.close();
/// assert_eq!((&queue).into_iter().collect::<Vec<_>>(), [1, 2]);
/// ```
pub struct Iter<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
}

impl<T, O: Order<T>> Iterator for Iter<'_, T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.get().ok()
    }
}

/// Takes the items a queue holds right now, without waiting: see
/// [`Queue::try_iter`].
///
/// ```
/// let queue = turnstile::FifoQueue::new();
/// queue.put('a').unwrap();
/// let mut now = queue.try_iter();
/// assert_eq!((now.next(), now.next()), (Some('a'), None));
/// ```
pub struct TryIter<'a, T, O: Order<T>> {
    queue: &'a Queue<T, O>,
}

impl<T, O: Order<T>> Iterator for TryIter<'_, T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.try_get().ok()
    }
}

impl<T, O: Order<T>> fmt::Debug for Iter<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Iter").finish_non_exhaustive()
    }
}

impl<T, O: Order<T>> fmt::Debug for TryIter<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TryIter").finish_non_exhaustive()
    }
}

impl<'a, T, O: Order<T>> IntoIterator for &'a Queue<T, O> {
    type Item = T;
    type IntoIter = Iter<'a, T, O>;

    fn into_iter(self) -> Iter<'a, T, O> {
        self.iter()
    }
}

/// Takes the remaining items out of an owned queue, in the queue's order.
/// Owning the queue means nobody else can put, so it never waits.
///
/// ```
/// let queue = turnstile::PriorityQueue::unbounded();
/// for n in [3, 1, 2] {
///     queue.put(n).unwrap();
/// }
/// assert_eq!(queue.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
/// ```
pub struct IntoIter<T, O: Order<T>> {
    queue: Queue<T, O>,
}

impl<T, O: Order<T>> Iterator for IntoIter<T, O> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        self.queue.engine.pop_owned()
    }
}

impl<T, O: Order<T>> IntoIterator for Queue<T, O> {
    type Item = T;
    type IntoIter = IntoIter<T, O>;

    fn into_iter(self) -> IntoIter<T, O> {
        IntoIter { queue: self }
    }
}
