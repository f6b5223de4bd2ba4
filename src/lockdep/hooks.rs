//! The hooks the primitives call (`before_lock`, `locked`, `unlocked`,
//! `before_relock`, `before_wait`, `before_future_wait`), and the per-thread
//! state they keep: the locks a thread holds and the edges it has already
//! checked. The graph they add edges to is `graph.rs`; what a report says
//! and does is `report.rs`.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::super::facade::{AtomicUsize, Ordering, thread_local};
use super::class::{Class, Origin, Site, SiteKey, site_key};
use super::graph::{Added, ClassId, Graph, Step};
use super::lock::RawLocked;
use super::report::{
    How, Report, act, held_across_wait, inversion, recursive, thread_name, wait_on_own_pool,
};

// # Implementation notes
//
// Per thread: the held locks (a short `Vec`, searched from the end on
// release) and the edges this thread has already checked, so a thread that
// takes the same two locks in the same order again touches no shared state.
// Shared: the class registry (`class.rs`), the pairs already warned about
// and the graph, each behind a `RawLocked` (`lock.rs`): a raw lock that
// lockdep does not watch, one floor below the primitives. The graph's check-and-add is one critical section;
// the model test `model_lockdep` checks that two threads adding opposite
// edges cannot both miss the cycle, and catches a twin that checks and adds
// in two sections.
//
// Nothing here is borrowed while a report's action runs, so a hook may lock
// turnstile's locks, and a `Panic` action unwinds with the lock untaken.

/// The hash of the per-thread edge cache: its keys are pairs of small
/// numbers handed out by this crate, so a multiply-and-rotate (FxHash's)
/// serves, where std's SipHash, built to resist chosen keys, costs more than
/// the rest of a nested acquire.
#[derive(Default)]
struct PairHasher(u64);

impl Hasher for PairHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// One lock this thread holds.
struct Held {
    lock: usize,
    class: ClassId,
    at: Site,
}

thread_local! {
    static HELD: RefCell<Vec<Held>> = const { RefCell::new(Vec::new()) };
    static CHECKED: RefCell<HashSet<(ClassId, ClassId), BuildHasherDefault<PairHasher>>> =
        RefCell::new(HashSet::default());
    static WORKER_OF: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

static GRAPH: Graph = Graph::new();

/// Held-across-wait pairs already reported.
static WARNED: RawLocked<BTreeSet<(ClassId, SiteKey)>> = RawLocked::new(BTreeSet::new());

/// Before a lock call: checks the edges from every lock this thread holds.
/// Reports (and acts) before the lock is taken.
#[inline]
pub(crate) fn before_lock(class: &Class, lock: *const (), at: Site, how: How) {
    let Some(id) = class.id() else { return };
    // The common case: the thread holds nothing, so there is nothing to
    // check.
    if HELD.try_with(|held| held.borrow().is_empty()) != Ok(false) {
        return;
    }
    check_held(class, id, lock, at, how);
}

#[cold]
#[inline(never)]
fn check_held(class: &Class, id: ClassId, lock: *const (), at: Site, how: How) {
    let lock = lock as usize;
    let mut found = Vec::new();
    let _ = HELD.try_with(|held| {
        let held = held.borrow();
        if let Some(mine) = held.iter().find(|h| h.lock == lock && !class.many) {
            found.push(recursive(id, mine.at, at));
            return;
        }
        found = edges(held.iter(), id, at);
    });
    act(found, how);
}

/// A condition-variable wait, about to re-take `lock` (of `class`) while the
/// thread still holds whatever else it held: an edge from each of those.
pub(crate) fn before_relock(class: &Class, lock: *const (), at: Site, timed: bool) {
    let Some(id) = class.id() else { return };
    let lock = lock as usize;
    let found = HELD
        .try_with(|held| edges(held.borrow().iter().filter(|h| h.lock != lock), id, at))
        .unwrap_or_default();
    act(found, How::timed_if(timed));
}

/// After a lock call took the lock: the thread now holds it.
#[inline]
pub(crate) fn locked(class: &Class, lock: *const (), at: Site) {
    let Some(id) = class.id() else { return };
    let _ = HELD.try_with(|held| {
        held.borrow_mut().push(Held {
            lock: lock as usize,
            class: id,
            at,
        });
    });
}

/// The thread let go of `lock` (the latest hold of it, if it holds it more
/// than once, as a semaphore's permits can be).
#[inline]
pub(crate) fn unlocked(class: &Class, lock: *const ()) {
    if matches!(class.origin, Origin::Untracked) {
        return;
    }
    let lock = lock as usize;
    let _ = HELD.try_with(|held| {
        let mut held = held.borrow_mut();
        // Locks are usually let go in the reverse order they were taken.
        if held.last().is_some_and(|h| h.lock == lock) {
            held.pop();
        } else if let Some(at) = held.iter().rposition(|h| h.lock == lock) {
            held.remove(at);
        }
    });
}

/// Before a blocking wait for another thread (`what`, e.g. "Queue::get"):
/// reports each lock held across it, once per (lock class, wait site).
pub(crate) fn before_wait(what: &'static str, at: Site, timed: bool) {
    let mut found = Vec::new();
    let _ = HELD.try_with(|held| {
        for h in held.borrow().iter() {
            if WARNED.lock().insert((h.class, site_key(at))) {
                found.push(held_across_wait(what, at, h.class, h.at));
            }
        }
    });
    act(found, How::timed_if(timed));
}

/// A pool's identity for [`PoolTag`]: the address of something the pool
/// owns for its whole life (its job queue).
pub(crate) struct PoolTag(AtomicUsize);

impl PoolTag {
    pub(crate) const fn new() -> Self {
        Self(AtomicUsize::new(0))
    }

    /// Marks the future as submitted to pool `pool`.
    pub(crate) fn set(&self, pool: *const ()) {
        self.0.store(pool as usize, Ordering::Relaxed);
    }
}

/// Marks the calling thread as a worker of pool `pool`, for its lifetime.
pub(crate) fn enter_pool(pool: *const ()) {
    let _ = WORKER_OF.try_with(|worker_of| worker_of.set(pool as usize));
}

/// Before a future's blocking wait: reports a worker waiting for a task of
/// its own pool, once per wait site.
pub(crate) fn before_future_wait(tag: &PoolTag, at: Site, timed: bool) {
    let pool = tag.0.load(Ordering::Relaxed);
    let mine = WORKER_OF.try_with(std::cell::Cell::get).unwrap_or(0);
    let mut found = Vec::new();
    if pool != 0 && pool == mine && WARNED.lock().insert((0, site_key(at))) {
        found.push(wait_on_own_pool(at));
    }
    act(found, How::timed_if(timed));
    before_wait("a future's result", at, timed);
}

/// The edges from each of the `held` locks to class `taken`: the reports of
/// those that close a cycle.
fn edges<'a>(held: impl Iterator<Item = &'a Held>, taken: ClassId, at: Site) -> Vec<Report> {
    held.filter_map(|h| edge(h, taken, at)).collect()
}

/// The edge from held lock `h` to class `taken`: checked against the graph
/// unless this thread already did. `Some` if it closes a cycle.
fn edge(h: &Held, taken: ClassId, at: Site) -> Option<Report> {
    if h.class == taken {
        return None;
    }
    let pair = (h.class, taken);
    if CHECKED.try_with(|checked| checked.borrow().contains(&pair)) != Ok(false) {
        return None;
    }
    let step = Step {
        held: h.class,
        held_at: h.at,
        taken,
        taken_at: at,
        thread: thread_name(),
    };
    let added = GRAPH.add(step.clone());
    let _ = CHECKED.try_with(|checked| checked.borrow_mut().insert(pair));
    match added {
        Added::New | Added::Known => None,
        Added::Cycle(path) => Some(inversion(&step, &path)),
    }
}
