//! Last in, first out: Python's `queue.LifoQueue`, a stack. A [`Storage`]
//! (the hook is in `order.rs`) behind CPython's one lock (`locked.rs`), as
//! `priority.rs` is.

use super::locked::OneLock;
use super::order::{Order, Storage};

/// LIFO storage: the newest item comes out first.
///
/// ```
/// use turnstile::LifoQueue;
///
/// let stack = LifoQueue::unbounded();
/// stack.put(1).unwrap();
/// stack.put(2).unwrap();
/// assert_eq!(stack.get(), Ok(2));
/// ```
#[derive(Debug)]
pub struct Lifo<T>(Vec<T>);

impl<T> Default for Lifo<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

/// One lock over the items (see [`Locked`](super::Locked)).
impl<T> Order<T> for Lifo<T> {
    type Engine = OneLock<T, Self>;
}

impl<T> Storage<T> for Lifo<T> {
    #[inline]
    fn push(&mut self, item: T) {
        self.0.push(item);
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.0.pop()
    }

    #[inline]
    fn len(&self) -> usize {
        self.0.len()
    }
}
