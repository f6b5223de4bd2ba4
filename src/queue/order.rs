//! The order traits: [`Order`], which picks a queue's machinery, and
//! [`Storage`], the hook a one-lock queue keeps its items in (CPython's
//! `_put`, `_get` and `_qsize`), with the two storages the standard library
//! already has. The orders themselves are in `fifo.rs`, `lifo.rs`,
//! `priority.rs` and `locked.rs`; the engine contract an order names is in
//! `engine.rs`.

use std::collections::VecDeque;

use super::engine::Engine;

/// The order a queue hands items out in, and with it the machinery behind
/// the queue: [`Fifo`], [`Lifo`], [`Priority`], or [`Locked`] around a
/// [`Storage`] of your own.
///
/// Implemented by turnstile only (the engine it names is private); to
/// choose your own order, implement [`Storage`] and use `Locked<S>`.
///
/// ```
/// use turnstile::queue::{Lifo, Order, Queue};
///
/// fn stack_of<O: Order<u8>>() -> Queue<u8, O> {
///     Queue::new()
/// }
/// let stack = stack_of::<Lifo<u8>>();
/// stack.put(1).unwrap();
/// stack.put(2).unwrap();
/// assert_eq!(stack.get(), Ok(2));
/// ```
///
/// [`Fifo`]: super::Fifo
/// [`Lifo`]: super::Lifo
/// [`Priority`]: super::Priority
/// [`Locked`]: super::Locked
pub trait Order<T> {
    /// The machinery behind a queue of this order.
    #[doc(hidden)]
    type Engine: Engine<T>;
}

/// How a [`Locked`] queue orders its items: CPython's `_put`, `_get` and
/// `_qsize` hooks. The queue calls these only with its lock held, so an
/// implementation needs no synchronisation of its own. [`Lifo`] and
/// [`Priority`] are storages; so are `VecDeque` (first in, first out) and
/// `Vec` (last in, first out).
///
/// A hook that panics does not break the queue: the panic reaches the
/// caller of `put` or `get`, the lock is released, and the queue's count of
/// unfinished tasks and its wake-ups follow whatever the storage's length
/// then says (an item a panicking `pop` lost counts as done, so `join` does
/// not wait for it). Keeping the items themselves is the storage's part:
/// [`Priority`] moves nothing until its comparisons are over.
///
/// # Examples
///
/// ```
/// use turnstile::queue::{Locked, Queue, Storage};
///
/// /// Hands out the largest item first.
/// #[derive(Default)]
/// struct Largest(Vec<u32>);
///
/// impl Storage<u32> for Largest {
///     fn push(&mut self, item: u32) {
///         self.0.push(item);
///         self.0.sort();
///     }
///     fn pop(&mut self) -> Option<u32> {
///         self.0.pop()
///     }
///     fn len(&self) -> usize {
///         self.0.len()
///     }
/// }
///
/// let queue: Queue<u32, Locked<Largest>> = Queue::unbounded();
/// for n in [3, 9, 1] {
///     queue.put(n).unwrap();
/// }
/// assert_eq!(queue.get(), Ok(9));
/// ```
///
/// [`Locked`]: super::Locked
/// [`Lifo`]: super::Lifo
/// [`Priority`]: super::Priority
pub trait Storage<T>: Default {
    /// Adds an item.
    fn push(&mut self, item: T);
    /// Removes the next item, if any.
    fn pop(&mut self) -> Option<T>;
    /// How many items are stored.
    fn len(&self) -> usize;
    /// Whether nothing is stored.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// First in, first out: CPython's own storage, a deque.
///
/// ```
/// use std::collections::VecDeque;
/// use turnstile::queue::{Locked, Queue};
///
/// let cpython: Queue<u8, Locked<VecDeque<u8>>> = Queue::new();
/// cpython.put(1).unwrap();
/// cpython.put(2).unwrap();
/// assert_eq!(cpython.get(), Ok(1));
/// ```
impl<T> Storage<T> for VecDeque<T> {
    #[inline]
    fn push(&mut self, item: T) {
        self.push_back(item);
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        self.pop_front()
    }
    #[inline]
    fn len(&self) -> usize {
        VecDeque::len(self)
    }
}

/// Last in, first out: a stack.
///
/// ```
/// use turnstile::queue::{Locked, Queue};
///
/// let stack: Queue<u8, Locked<Vec<u8>>> = Queue::new();
/// stack.put(1).unwrap();
/// stack.put(2).unwrap();
/// assert_eq!(stack.get(), Ok(2));
/// ```
impl<T> Storage<T> for Vec<T> {
    #[inline]
    fn push(&mut self, item: T) {
        Vec::push(self, item);
    }
    #[inline]
    fn pop(&mut self) -> Option<T> {
        Vec::pop(self)
    }
    #[inline]
    fn len(&self) -> usize {
        Vec::len(self)
    }
}
