//! Lock-order checking (feature `lockdep`): report a possible deadlock the
//! first time the locking *order* that allows it is seen, on a run that did
//! not deadlock.
//!
//! The notes' deadlock hangs only when two threads are unlucky at the same
//! moment: func1 holds mutexA and waits for mutexB while func2 holds mutexB
//! and waits for mutexA. But the *orders* are there on every run: func1
//! takes B while holding A, func2 takes A while holding B. Linux's lockdep
//! records each such order once, as an edge "A before B" between lock
//! *classes*, and reports the first edge that closes a cycle. This module
//! does the same for turnstile's primitives:
//!
//! - **Classes.** A lock's class is the place that created it (the
//!   `#[track_caller]` site of `Mutex::new` and the others), so the thousand
//!   locks made in one loop are one class. [`Mutex::with_class`] and its
//!   siblings name a class instead; locks with one name are one class.
//! - **Held locks.** Each thread keeps the locks it holds, in order, with
//!   where it took each one.
//! - **The graph.** Taking lock B while holding A adds the edge A → B, once.
//!   An edge that would close a cycle is not added: it is reported, once per
//!   pair, with both orders and the `file:line` of every acquisition,
//!   including the thread that established the earlier order.
//!
//! | primitive | takes part as |
//! |---|---|
//! | `Mutex`, `Lock`, `RLock` | a lock; `RLock`'s re-entry by its owner is not an edge |
//! | `Semaphore`, `BoundedSemaphore` | a lock while a [`SemaphorePermit`](crate::SemaphorePermit) is held on the thread that took it |
//! | `Condvar` waits | the wait re-takes its lock while the thread still holds the others: an edge from each of them to it |
//! | `Queue` `put`/`get`/`join`, `Future::result`/`wait`, `Barrier::wait`, `Event::wait` | a blocking wait: holding a lock across it is reported |
//! | `event_loop::run` waiting for a wake-up or a timer | the same, named `event_loop::run` at the call of `run`: a task held a lock across an `.await`, and the loop's thread blocks with it |
//! | `Future::result` on a worker of the future's own pool | reported: with every worker doing it, nobody runs the task |
//!
//! A `try_lock` that succeeds adds no edge (it cannot wait), but the lock
//! counts as held. A timed acquire that closes a cycle is reported with the
//! *timed* action ([`set_timed_action`], by default [`Action::Print`]),
//! since it cannot hang forever.
//!
//! What it does not see: two locks of one class (it cannot order them; take
//! them in a fixed order, such as by address), permits that move to another
//! thread (owned permits are not tracked), and waits for signals (`notify`,
//! `release`, `put`) that only come while another lock is held: the signal
//! side is not recorded, because guessing which thread will signal gives
//! false reports (Linux tried it, as "crossrelease", and took it out).
//!
//! Turned off (the default), none of this is compiled: the hooks are empty
//! inline functions and the class fields have no size.
//!
//! # Examples
//!
//! ```
//! use turnstile::{Mutex, lockdep};
//!
//! lockdep::set_action(lockdep::Action::Hook(|report| eprintln!("{report}")));
//! let (a, b) = (Mutex::new("A"), Mutex::new("B"));
//! {
//!     let _a = a.lock();
//!     let _b = b.lock(); // A before B
//! }
//! {
//!     let _b = b.lock();
//!     let _a = a.lock(); // B before A: reported here, though nothing hung
//! }
//! ```

mod graph;

use core::fmt;
use std::cell::RefCell;
use std::collections::{BTreeSet, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::panic::Location;

use graph::{Added, ClassId, Graph, Step};

use super::facade::{AtomicU32, AtomicUsize, Ordering, thread, thread_local};
use super::mutex::Mutex;

/// What to do with a report.
///
/// ```
/// use turnstile::lockdep::{self, Action};
///
/// // In a test suite: make every inversion fail the test that caused it.
/// lockdep::set_action(Action::Panic);
/// // Or collect reports: a hook is a plain function.
/// lockdep::set_action(Action::Hook(|report| eprintln!("lockdep: {}", report.kind() as u8)));
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Panic in the thread that closed the cycle, before it takes the lock.
    Panic,
    /// Print the report to stderr and carry on (the default).
    Print,
    /// Call this function with the report and carry on. It runs before the
    /// lock is taken, with no lockdep state borrowed, so it may lock
    /// turnstile's locks itself (they are checked too).
    Hook(fn(&Report)),
}

/// Sets what happens to reports from blocking acquires and waits.
///
/// ```
/// turnstile::lockdep::set_action(turnstile::lockdep::Action::Print);
/// ```
pub fn set_action(action: Action) {
    ACTIONS.lock().0 = action;
}

/// Sets what happens to an inversion found on a *timed* acquire, which gives
/// up instead of hanging: [`Action::Print`] unless set.
///
/// ```
/// turnstile::lockdep::set_timed_action(turnstile::lockdep::Action::Print);
/// ```
pub fn set_timed_action(action: Action) {
    ACTIONS.lock().1 = action;
}

/// What a report is about.
///
/// ```
/// use turnstile::lockdep::{Report, ReportKind};
///
/// fn is_a_deadlock(report: &Report) -> bool {
///     matches!(report.kind(), ReportKind::Inversion | ReportKind::Recursive)
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Two (or more) classes taken in orders that form a cycle.
    Inversion,
    /// A thread takes a lock it already holds: it waits for itself forever.
    Recursive,
    /// A lock held across a blocking wait (a queue, a future, a barrier, an
    /// event): if the thread that would end the wait needs that lock, both
    /// wait forever. The most common way a thread pool deadlocks.
    HeldAcrossWait,
    /// A pool's worker waits for a future of its own pool.
    WaitOnOwnPool,
}

/// One problem found, with every place involved. `Display` writes it out.
///
/// ```
/// use turnstile::lockdep::{Report, ReportKind};
///
/// fn show(report: &Report) {
///     if report.kind() == ReportKind::Inversion {
///         eprintln!("{report}");
///     }
/// }
/// turnstile::lockdep::set_action(turnstile::lockdep::Action::Hook(show));
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    kind: ReportKind,
    thread: String,
    text: String,
}

impl Report {
    /// What the report is about.
    ///
    /// ```
    /// # fn check(report: &turnstile::lockdep::Report) {
    /// let _ = report.kind();
    /// # }
    /// ```
    pub fn kind(&self) -> ReportKind {
        self.kind
    }

    /// The name of the thread whose call found it (`<unnamed>` if none).
    ///
    /// ```
    /// # fn check(report: &turnstile::lockdep::Report) {
    /// eprintln!("found on {}", report.thread());
    /// # }
    /// ```
    pub fn thread(&self) -> &str {
        &self.thread
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A lock's class, kept in every tracked primitive: where it was created
/// (or its given name), and its number in the graph once it has one.
pub(crate) struct Class {
    origin: Origin,
    /// Whether one thread may hold it more than once (a semaphore's
    /// permits) without waiting for itself.
    many: bool,
    /// 0 until the class is first used; then its [`ClassId`].
    id: AtomicU32,
}

#[derive(Clone, Copy)]
enum Origin {
    /// turnstile's own internal locks: not checked.
    Untracked,
    Site(&'static str, &'static Location<'static>),
    Named(&'static str, &'static str),
}

impl Class {
    /// The class of a `kind` created at the caller's site.
    #[track_caller]
    pub(crate) const fn new(kind: &'static str) -> Self {
        Self::with(Origin::Site(kind, Location::caller()), false)
    }

    /// The class of a semaphore `kind` created at the caller's site: a
    /// thread may hold several of its permits.
    #[track_caller]
    pub(crate) const fn permits(kind: &'static str) -> Self {
        Self::with(Origin::Site(kind, Location::caller()), true)
    }

    /// The class named `name`.
    pub(crate) const fn named(kind: &'static str, name: &'static str) -> Self {
        Self::with(Origin::Named(kind, name), false)
    }

    /// No class: turnstile's internal locks.
    pub(crate) const fn untracked() -> Self {
        Self::with(Origin::Untracked, false)
    }

    const fn with(origin: Origin, many: bool) -> Self {
        Self {
            origin,
            many,
            id: AtomicU32::new(0),
        }
    }

    /// The class's number, registering it on first use; `None` if untracked.
    #[inline]
    fn id(&self) -> Option<ClassId> {
        // Relaxed: the registry hands every thread the same number for one
        // class, so any value seen is right.
        match self.id.load(Ordering::Relaxed) {
            0 => self.register(),
            id => Some(id),
        }
    }

    #[cold]
    #[inline(never)]
    fn register(&self) -> Option<ClassId> {
        let id = register(self.origin)?;
        self.id.store(id, Ordering::Relaxed);
        Some(id)
    }
}

/// Where a hook was called from: the user's call, through `#[track_caller]`.
pub(crate) type Site = &'static Location<'static>;

/// The caller's site.
#[track_caller]
#[inline]
pub(crate) fn caller() -> Site {
    Location::caller()
}

/// How a lock call may wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// Without limit.
    Blocking,
    /// With a timeout: it gives up instead of hanging.
    Timed,
}

impl How {
    fn timed_if(timed: bool) -> Self {
        if timed { Self::Timed } else { Self::Blocking }
    }
}

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
            found.push(recursive(id, mine, at));
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
                found.push(Report {
                    kind: ReportKind::HeldAcrossWait,
                    thread: thread_name(),
                    text: format!(
                        "lockdep: a lock is held across a blocking wait\n  \
                         thread '{}' calls {what} at {at}\n  \
                         while holding {} (taken at {})\n  \
                         If the thread that would end this wait needs that lock, both wait forever.\n",
                        thread_name(),
                        label(h.class),
                        h.at,
                    ),
                });
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
        found.push(Report {
            kind: ReportKind::WaitOnOwnPool,
            thread: thread_name(),
            text: format!(
                "lockdep: a task waits for a future of its own pool\n  \
                 thread '{}' (a worker) waits at {at}\n  \
                 If every worker does this, no worker is left to run the tasks they wait for.\n",
                thread_name(),
            ),
        });
    }
    act(found, How::timed_if(timed));
    before_wait("a future's result", at, timed);
}

// # Implementation notes
//
// Per thread: the held locks (a short `Vec`, searched from the end on
// release) and the edges this thread has already checked, so a thread that
// takes the same two locks in the same order again touches no shared state.
// Shared: the class registry and the graph, each behind one of turnstile's
// own (untracked) locks. The graph's check-and-add is one critical section;
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

/// Every class's label, indexed by `id - 1`, and the origins registered.
static REGISTRY: Mutex<Vec<(Key, String)>> = Mutex::untracked(Vec::new());

/// Held-across-wait pairs already reported.
static WARNED: Mutex<BTreeSet<(ClassId, SiteKey)>> = Mutex::untracked(BTreeSet::new());

/// A call site as a key: file, line, column.
type SiteKey = (&'static str, u32, u32);

/// The actions for blocking and for timed calls.
static ACTIONS: Mutex<(Action, Action)> = Mutex::untracked((Action::Print, Action::Print));

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Site(&'static str, u32, u32),
    Named(&'static str),
}

fn site_key(at: Site) -> SiteKey {
    (at.file(), at.line(), at.column())
}

fn register(origin: Origin) -> Option<ClassId> {
    let (key, label) = match origin {
        Origin::Untracked => return None,
        Origin::Site(kind, at) => {
            let (file, line, column) = site_key(at);
            (
                Key::Site(file, line, column),
                format!("{kind} created at {at}"),
            )
        }
        Origin::Named(kind, name) => (Key::Named(name), format!("{kind} \"{name}\"")),
    };
    let mut registry = REGISTRY.lock();
    if let Some(index) = registry.iter().position(|(k, _)| *k == key) {
        return ClassId::try_from(index + 1).ok();
    }
    registry.push((key, label));
    ClassId::try_from(registry.len()).ok()
}

fn label(class: ClassId) -> String {
    let registry = REGISTRY.lock();
    registry
        .get(class as usize - 1)
        .map_or_else(|| format!("class {class}"), |(_, label)| label.clone())
}

fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

fn recursive(class: ClassId, mine: &Held, at: Site) -> Report {
    Report {
        kind: ReportKind::Recursive,
        thread: thread_name(),
        text: format!(
            "lockdep: a thread takes a lock it already holds (it will wait for itself forever)\n  \
             thread '{}' takes {} at {at}\n  \
             but already holds it (taken at {})\n  \
             Use an RLock if re-entry is intended.\n",
            thread_name(),
            label(class),
            mine.at,
        ),
    }
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

fn inversion(now: &Step, earlier: &[Step]) -> Report {
    use fmt::Write as _;
    let mut text = String::from("lockdep: lock order inversion (possible deadlock)\n");
    let _ = writeln!(
        text,
        "  thread '{}' takes {}\n    at {}\n    while holding {}, taken at {}",
        now.thread,
        label(now.taken),
        now.taken_at,
        label(now.held),
        now.held_at,
    );
    for step in earlier {
        let _ = writeln!(
            text,
            "  but thread '{}' earlier took {}\n    at {}\n    while holding {}, taken at {}",
            step.thread,
            label(step.taken),
            step.taken_at,
            label(step.held),
            step.held_at,
        );
    }
    text.push_str(
        "  If these run at the same time, each can hold one lock and wait forever for the next.\n",
    );
    Report {
        kind: ReportKind::Inversion,
        thread: now.thread.clone(),
        text,
    }
}

fn act(found: Vec<Report>, how: How) {
    if found.is_empty() {
        return;
    }
    let (blocking, timed) = *ACTIONS.lock();
    let action = if how == How::Timed { timed } else { blocking };
    for report in found {
        match action {
            Action::Panic => panic!("{report}"),
            Action::Print => eprint!("{report}"),
            Action::Hook(hook) => hook(&report),
        }
    }
}
