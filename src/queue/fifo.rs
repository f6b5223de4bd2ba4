//! First in, first out: Python's `queue.Queue`.

use std::collections::VecDeque;

use super::Storage;

/// FIFO storage: items come out in the order they went in.
///
/// ```
/// use turnstile::FifoQueue;
///
/// let queue = FifoQueue::unbounded();
/// queue.put(1).unwrap();
/// queue.put(2).unwrap();
/// assert_eq!(queue.get(), Ok(1));
/// ```
#[derive(Debug)]
pub struct Fifo<T>(VecDeque<T>);

impl<T> Default for Fifo<T> {
    fn default() -> Self {
        Self(VecDeque::new())
    }
}

impl<T> Storage<T> for Fifo<T> {
    #[inline]
    fn push(&mut self, item: T) {
        self.0.push_back(item);
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.0.pop_front()
    }

    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
}
