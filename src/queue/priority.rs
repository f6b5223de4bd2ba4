//! Smallest first: Python's `queue.PriorityQueue`, made stable. A
//! [`Storage`] (the hook is in `order.rs`) behind CPython's one lock
//! (`locked.rs`), as `lifo.rs` is.

use core::cmp::Ordering;
use core::mem;

use super::locked::OneLock;
use super::order::{Order, Storage};

/// Priority storage: the smallest item comes out first (as in Python, where a
/// smaller number means a higher priority).
///
/// **Stable**: items that compare equal come out in the order they went in.
/// Python's `PriorityQueue` (a plain `heapq`) does not promise that; here each
/// item carries its insertion number as a tie-breaker.
///
/// For an explicit priority, wrap items in [`Prioritized`], which compares
/// the priority only. (A `(priority, item)` tuple, the Python idiom, also
/// compares the items when priorities tie, so equal priorities then come
/// out in item order, not insertion order.)
///
/// ```
/// use turnstile::PriorityQueue;
/// use turnstile::queue::Prioritized;
///
/// let jobs = PriorityQueue::unbounded();
/// jobs.put(Prioritized::new(2, "write report")).unwrap();
/// jobs.put(Prioritized::new(1, "fix outage")).unwrap();
/// jobs.put(Prioritized::new(2, "answer mail")).unwrap();
/// let order: Vec<_> = jobs.into_iter().map(|job| job.item).collect();
/// // Smallest priority first; equal priorities in the order they were put.
/// assert_eq!(order, ["fix outage", "write report", "answer mail"]);
/// ```
///
/// **Safe against a panicking `Ord`.** The heap makes every comparison
/// before it moves anything, so an `Ord` that panics inside `put` or `get`
/// leaves it exactly as it was: no item lost, none half-inserted.
#[derive(Debug)]
pub struct Priority<T: Ord> {
    /// A binary min-heap: each entry orders at or before its children
    /// (`2i + 1` and `2i + 2`), so the root is the next to leave.
    heap: Vec<Entry<T>>,
    /// Insertion number of the next item; breaks ties between equal items.
    next: u64,
}

/// An item and its insertion number, ordered by item, then number.
#[derive(Debug)]
struct Entry<T> {
    item: T,
    number: u64,
}

impl<T: Ord> PartialEq for Entry<T> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl<T: Ord> Eq for Entry<T> {}

impl<T: Ord> PartialOrd for Entry<T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T: Ord> Ord for Entry<T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.item
            .cmp(&other.item)
            .then(self.number.cmp(&other.number))
    }
}

impl<T: Ord> Default for Priority<T> {
    fn default() -> Self {
        Self {
            heap: Vec::new(),
            next: 0,
        }
    }
}

/// One lock over the items (see [`Locked`](super::Locked)).
impl<T: Ord> Order<T> for Priority<T> {
    type Engine = OneLock<T, Self>;
}

impl<T: Ord> Storage<T> for Priority<T> {
    #[inline]
    fn push(&mut self, item: T) {
        let number = self.next;
        // 2^64 insertions would take centuries; wrapping keeps it panic-free.
        self.next = self.next.wrapping_add(1);
        let entry = Entry { item, number };
        // Comparisons: how many levels the entry climbs from the new leaf.
        let mut at = self.heap.len();
        let mut climbs = 0;
        while at > 0 && entry < self.heap[parent(at)] {
            at = parent(at);
            climbs += 1;
        }
        // Moves, which cannot panic: store it and swap it up that far.
        self.heap.push(entry);
        let mut at = self.heap.len() - 1;
        for _ in 0..climbs {
            self.heap.swap(at, parent(at));
            at = parent(at);
        }
    }

    #[inline]
    fn pop(&mut self) -> Option<T> {
        let last = self.heap.len().checked_sub(1)?;
        if last == 0 {
            return self.heap.pop().map(|entry| entry.item);
        }
        // Comparisons. The root leaves; the hole it leaves sinks along
        // `path`, always to the child that orders first, to a leaf of the
        // heap without its last entry. That last entry then refills the
        // path at the deepest level whose entry orders at or before it.
        let mut path = [0; usize::BITS as usize];
        let mut depth = 0;
        loop {
            let left = 2 * path[depth] + 1;
            if left >= last {
                break;
            }
            let right = left + 1;
            depth += 1;
            path[depth] = if right < last && self.heap[right] < self.heap[left] {
                right
            } else {
                left
            };
        }
        let mut refill = depth;
        while refill > 0 && self.heap[last] < self.heap[path[refill]] {
            refill -= 1;
        }
        // Moves, which cannot panic: the last entry takes the refill slot,
        // and each entry above it on the path moves up one level.
        let moved = self.heap.pop()?;
        let mut carried = mem::replace(&mut self.heap[path[refill]], moved);
        for &slot in path[..refill].iter().rev() {
            carried = mem::replace(&mut self.heap[slot], carried);
        }
        Some(carried.item)
    }

    #[inline]
    fn len(&self) -> usize {
        self.heap.len()
    }
}

/// The index of a heap slot's parent (`at > 0`).
#[inline]
fn parent(at: usize) -> usize {
    (at - 1) / 2
}

/// An item with an explicit priority, ordered by the priority alone: the item
/// need not be `Ord`, and items of equal priority leave a [`Priority`] queue
/// in the order they entered it.
///
/// ```
/// use turnstile::queue::Prioritized;
///
/// let urgent = Prioritized::new(0, "page the on-call");
/// let later = Prioritized::new(5, "tidy the wiki");
/// assert!(urgent < later);
/// assert_eq!(Prioritized::new(1, "a"), Prioritized::new(1, "b")); // the item is ignored
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Prioritized<P, T> {
    /// Smaller comes out first.
    pub priority: P,
    /// The payload; not compared.
    pub item: T,
}

impl<P, T> Prioritized<P, T> {
    /// Pairs `item` with `priority`.
    pub fn new(priority: P, item: T) -> Self {
        Self { priority, item }
    }
}

impl<P: Ord, T> PartialEq for Prioritized<P, T> {
    fn eq(&self, other: &Self) -> bool {
        self.priority == other.priority
    }
}

impl<P: Ord, T> Eq for Prioritized<P, T> {}

impl<P: Ord, T> PartialOrd for Prioritized<P, T> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<P: Ord, T> Ord for Prioritized<P, T> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.priority.cmp(&other.priority)
    }
}
