//! What a queue gives back when it is dropped: every item still inside is
//! dropped, and every block of the FIFO's linked chain (and its spare) is
//! freed. The items are counted by their `Drop`; the blocks by a global
//! allocator that counts, per thread, the bytes this test allocated and has
//! not freed. One binary of its own, so no other test allocates beside it.
//!
//! Each test runs under the watchdog (`common::within`): a `get` that never
//! finds an item put before it would otherwise hang. The count is per
//! thread and read inside the body, on the watchdog's body thread, so the
//! watchdog's own allocations (its thread, its channel) are not in it.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::AtomicUsize;
use std::sync::atomic::Ordering::Relaxed;

use turnstile::{FifoQueue, LifoQueue, PriorityQueue};

/// The system allocator, counting what the calling thread holds.
struct Counting;

thread_local! {
    static HELD: Cell<isize> = const { Cell::new(0) };
}

// SAFETY: forwards to `System` unchanged; the counting touches only a
// thread-local `Cell` with no destructor, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = HELD.try_with(|held| held.set(held.get() + layout.size() as isize));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        let _ = HELD.try_with(|held| held.set(held.get() - layout.size() as isize));
        // SAFETY: the caller's contract is `System`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes the calling thread has allocated and not freed.
fn held() -> isize {
    HELD.with(Cell::get)
}

static ALIVE: AtomicUsize = AtomicUsize::new(0);

/// An item that counts how many of its kind are alive. All items rank
/// alike, which a priority queue allows (it keeps their order of arrival).
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Item;

impl Item {
    fn new() -> Self {
        ALIVE.fetch_add(1, Relaxed);
        Item
    }
}

impl Drop for Item {
    fn drop(&mut self) {
        ALIVE.fetch_sub(1, Relaxed);
    }
}

/// Fills a queue past several blocks, takes part of it (so blocks are
/// retired and one kept as the spare), puts more (so the spare is reused),
/// and drops the queue with items still inside: nothing may stay behind.
fn nothing_left_behind<O: turnstile::queue::Order<Item>>(
    make: impl Fn() -> turnstile::Queue<Item, O>,
) {
    let before = held();
    {
        let queue = make();
        for _ in 0..200 {
            queue.put(Item::new()).unwrap();
        }
        for _ in 0..150 {
            drop(queue.get().unwrap());
        }
        for _ in 0..100 {
            queue.put(Item::new()).unwrap();
        }
        assert_eq!(ALIVE.load(Relaxed), 150);
    }
    assert_eq!(ALIVE.load(Relaxed), 0, "items dropped with the queue");
    assert_eq!(held() - before, 0, "bytes the dropped queue did not free");
}

#[test]
fn a_dropped_queue_drops_its_items_and_frees_its_memory() {
    common::within(
        common::PATIENCE,
        "the gets of items put just before, on four kinds of queue",
        a_dropped_queue_drops_its_items_and_frees_its_memory_body,
    );
}

fn a_dropped_queue_drops_its_items_and_frees_its_memory_body() {
    nothing_left_behind(FifoQueue::unbounded);
    nothing_left_behind(|| FifoQueue::bounded(1000).unwrap());
    nothing_left_behind(LifoQueue::unbounded);
    nothing_left_behind(PriorityQueue::unbounded);
}

/// A long run through a FIFO keeps at most a spare block besides the ones
/// holding items: a retired block is reused or freed, never leaked.
#[test]
fn a_fifo_reuses_or_frees_the_blocks_it_drained() {
    common::within(
        common::PATIENCE,
        "the gets of items put just before, through many FIFO blocks",
        a_fifo_reuses_or_frees_the_blocks_it_drained_body,
    );
}

fn a_fifo_reuses_or_frees_the_blocks_it_drained_body() {
    let queue = FifoQueue::unbounded();
    queue.put(0u64).unwrap();
    queue.get().unwrap();
    let settled = held();
    for round in 0..if cfg!(miri) { 10 } else { 100u64 } {
        for n in 0..100 {
            queue.put(round * 100 + n).unwrap();
        }
        for n in 0..100 {
            assert_eq!(queue.get().unwrap(), round * 100 + n);
        }
    }
    let growth = held() - settled;
    assert!(
        growth <= 4096,
        "{growth} bytes more after 10,000 items through"
    );
}
