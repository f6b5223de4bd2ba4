//! The FIFO's storage: the chain of fixed-size blocks of stamped slots
//! that items travel through, each end's place in it ([`End`]), the spin
//! lock that guards an end ([`EndLock`]), and the moves along the chain
//! that publish and take an item ([`Chain`]). Every raw pointer and
//! uninitialised slot of the two-lock queue is here; the engine that
//! decides when to put, take, wait and wake is in `fifo.rs`, and its
//! sleeping threads are in `fifo_sleepers.rs`.

use core::mem::MaybeUninit;
use core::ptr;

use super::super::facade::{AtomicPtr, AtomicUsize, Ordering, QUEUE_BLOCK, SpinLock, UnsafeCell};
use super::super::wakers::Wakers;

/// One end's place in the chain. Each end owns its `End` under its lock.
pub(super) struct End<T> {
    /// The block holding the next slot to use.
    block: *mut Block<T>,
    /// That slot's index in `block`; `QUEUE_BLOCK` when the block is used up.
    index: usize,
    /// Items this end has handled so far: the position of the next one.
    pub(super) position: usize,
    /// Producers only: `popped` as last read. While `position - seen_popped`
    /// is under the capacity there is room without reading the consumers'
    /// line.
    pub(super) seen_popped: usize,
    /// Async tasks waiting for the *other* end: getting tasks in the tail's
    /// end, putting tasks in the head's, as the threads' `Sleepers` are
    /// counted (in `fifo_sleepers.rs`).
    pub(super) tasks: Wakers,
}

pub(super) struct Block<T> {
    slots: [Slot<T>; QUEUE_BLOCK],
    /// The block after this one; null until a producer needs it.
    next: AtomicPtr<Block<T>>,
}

struct Slot<T> {
    /// `position + 1` of the item last written here; 0 for never. A slot in
    /// a reused block keeps an old stamp, smaller than any position it will
    /// be asked for, so stamps never need resetting.
    stamp: AtomicUsize,
    item: UnsafeCell<MaybeUninit<T>>,
}

impl<T> Block<T> {
    pub(super) fn allocate() -> *mut Self {
        Box::into_raw(Box::new(Self {
            slots: core::array::from_fn(|_| Slot {
                stamp: AtomicUsize::new(0),
                item: UnsafeCell::new(MaybeUninit::uninit()),
            }),
            next: AtomicPtr::new(ptr::null_mut()),
        }))
    }
}

impl<T> End<T> {
    pub(super) fn at(block: *mut Block<T>) -> Self {
        Self {
            block,
            index: 0,
            position: 0,
            seen_popped: 0,
            tasks: Wakers::new(),
        }
    }
}

/// The chain of blocks, as the two ends share it: each end's place in it
/// is its [`End`], kept under that end's lock; what is left is the spare
/// block. `publish` and `take` move an end along the chain, and store the
/// counters the engine hands them at the points its waits rely on (see
/// `Tail` and `Head` in `fifo.rs`).
pub(super) struct Chain<T> {
    /// A finished block kept for the next producer that needs one.
    spare: AtomicPtr<Block<T>>,
}

impl<T> Chain<T> {
    pub(super) fn new() -> Self {
        Self {
            spare: AtomicPtr::new(ptr::null_mut()),
        }
    }

    /// Writes `item` into the tail's next slot and publishes it, counting
    /// it in `pushed` before and in `published` after (the tail's counters).
    /// Under the tail lock.
    #[inline]
    pub(super) fn publish(
        &self,
        tail: &mut End<T>,
        item: T,
        pushed: &AtomicUsize,
        published: &AtomicUsize,
    ) {
        if tail.index == QUEUE_BLOCK {
            self.link_new_block(tail);
        }
        let position = tail.position;
        // SAFETY: `tail.block` is live: blocks are freed only once the
        // consumers have moved past them, which needs a later block, which
        // only this end links.
        let slot = unsafe { &(*tail.block).slots[tail.index] };
        // SAFETY: nobody reads this slot until its stamp says `position + 1`,
        // stored below; the consumers finished with its last item before the
        // block could be reused.
        slot.item.with_mut(|cell| unsafe { (*cell).write(item) });
        // Counted before it is published (see `Tail::pushed`): the Release
        // below carries this store too.
        pushed.store(position + 1, Ordering::Relaxed);
        // Release: the write of the item above happens before any consumer
        // that loads this stamp (Acquire) reads it.
        slot.stamp.store(position + 1, Ordering::Release);
        // Release: see `Tail::published`.
        published.store(position + 1, Ordering::Release);
        tail.index += 1;
        tail.position = position + 1;
    }

    /// Moves the tail to a fresh block: the spare, or a new one.
    #[cold]
    fn link_new_block(&self, tail: &mut End<T>) {
        // Acquire: pairs with the consumer's Release when it left the block
        // there, so its reads of the old items come before our writes.
        let mut block = self.spare.swap(ptr::null_mut(), Ordering::Acquire);
        if block.is_null() {
            block = Block::allocate();
        }
        // Release: a consumer that finds `next` (Acquire) sees the block's
        // initialisation, or its hand-over from the spare.
        // SAFETY: `tail.block` is live (see `publish`).
        unsafe { (*tail.block).next.store(block, Ordering::Release) };
        tail.block = block;
        tail.index = 0;
    }

    /// Takes the item at the head, if it has been published, counting it in
    /// `popped` (the head's counter). Under the head lock (or with the
    /// queue owned).
    #[inline]
    pub(super) fn take(&self, head: &mut End<T>, popped: &AtomicUsize) -> Option<T> {
        if head.index == QUEUE_BLOCK {
            // SAFETY: `head.block` is live: only this end frees it.
            let next = unsafe { (*head.block).next.load(Ordering::Acquire) };
            if next.is_null() {
                return None;
            }
            self.retire(head.block);
            head.block = next;
            head.index = 0;
        }
        // SAFETY: as above.
        let slot = unsafe { &(*head.block).slots[head.index] };
        // Acquire: pairs with the Release in `publish`.
        if slot.stamp.load(Ordering::Acquire) != head.position + 1 {
            return None;
        }
        // SAFETY: the stamp says the item was written and not yet taken;
        // this end's lock makes us its only reader, and the slot is not
        // written again until its block is reused.
        let item = slot.item.with(|cell| unsafe { (*cell).assume_init_read() });
        head.index += 1;
        head.position += 1;
        // Release: a producer that reads it to see room (or `len`) sees the
        // take behind it.
        popped.store(head.position, Ordering::Release);
        Some(item)
    }

    /// Keeps a block every item of which has been taken as the spare,
    /// freeing the spare it replaces.
    #[cold]
    fn retire(&self, block: *mut Block<T>) {
        // SAFETY: the producers have moved on (they linked `next`), the
        // consumers have too (we are moving the head): nobody else holds it.
        unsafe { (*block).next.store(ptr::null_mut(), Ordering::Relaxed) };
        // AcqRel: hands the block (and our reads of it) to the producer that
        // takes it, and takes the old spare from whoever left it.
        let old = self.spare.swap(block, Ordering::AcqRel);
        if !old.is_null() {
            // SAFETY: the spare belongs to nobody; its items were all taken.
            drop(unsafe { Box::from_raw(old) });
        }
    }

    /// Frees every block: the chain from the head's block on, and the
    /// spare.
    ///
    /// # Safety
    ///
    /// Nobody else uses the queue any more (its owner is dropping it),
    /// every item in it has been taken, and `head` is the consumers' end.
    pub(super) unsafe fn free(&mut self, head: &End<T>) {
        let mut block = head.block;
        while !block.is_null() {
            // SAFETY: the caller's promise: nobody else uses the chain, and
            // every item has been taken, so it holds only uninitialised slots.
            let boxed = unsafe { Box::from_raw(block) };
            block = boxed.next.load(Ordering::Relaxed);
        }
        let spare = self.spare.load(Ordering::Relaxed);
        if !spare.is_null() {
            // SAFETY: as above; the spare is not in the chain.
            drop(unsafe { Box::from_raw(spare) });
        }
    }
}

/// The lock of one end, and the end it guards. Held for a few instructions
/// at a time and never while sleeping, so it is the facade's `SpinLock`: a
/// thread that finds it taken spins and yields, never parks, and unlocking
/// is a plain store, not a read-modify-write. That is one atomic
/// instruction less per item than a parking lock's unlock, which was a fifth
/// of each item's cost on one CPU. (crossbeam's queues wait for a contended
/// index the same way.)
pub(super) struct EndLock<T> {
    lock: SpinLock,
    end: UnsafeCell<End<T>>,
}

/// Proof that an [`EndLock`] is held; derefs to the end, unlocks on drop.
pub(super) struct EndGuard<'a, T> {
    lock: &'a EndLock<T>,
}

impl<T> EndLock<T> {
    pub(super) fn new(end: End<T>) -> Self {
        Self {
            lock: SpinLock::new(),
            end: UnsafeCell::new(end),
        }
    }

    #[inline]
    pub(super) fn lock(&self) -> EndGuard<'_, T> {
        self.lock.lock();
        EndGuard { lock: self }
    }
}

impl<T> core::ops::Deref for EndGuard<'_, T> {
    type Target = End<T>;
    #[inline]
    fn deref(&self) -> &End<T> {
        // SAFETY: the guard holds the lock: no other thread reaches the end.
        self.lock.end.with(|end| unsafe { &*end })
    }
}

impl<T> core::ops::DerefMut for EndGuard<'_, T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut End<T> {
        // SAFETY: as in `deref`, and `&mut self` makes this borrow unique.
        self.lock.end.with_mut(|end| unsafe { &mut *end })
    }
}

impl<T> Drop for EndGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard exists only while the lock is held.
        unsafe { self.lock.lock.unlock() };
    }
}
