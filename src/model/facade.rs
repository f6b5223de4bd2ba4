//! The model facade: the same names as `src/facade.rs`, answered by loom.
//!
//! Primitive files compiled inside `turnstile::model` reach this file as
//! `super::facade`. Each item here must mean what its namesake means in the
//! normal facade; only *how* differs:
//!
//! - atomics and cells are loom's, so loom can explore every interleaving
//!   and flag accesses that race;
//! - [`Futex`] carries its own wait queue (a loom `Mutex` and `Condvar`)
//!   instead of `parking_lot_core`'s global table, whose real OS parking
//!   would hang inside `loom::model`;
//! - loom has no clock: a wait with a deadline may time out at any step
//!   (see [`Futex::wait`]), which checks that a timeout racing a wake-up loses
//!   nothing. How long a timeout really waits is for ordinary tests.

// Why one file of ~570 lines: it is one idea, the twin of `src/facade.rs`,
// name for name. Kept whole so the two files read side by side: each item
// here must mean what its namesake there means.

use core::ops::Deref;
use std::time::Instant;

use std::panic::Location;

pub use loom::sync::Arc;
pub use loom::sync::atomic::Ordering;

use super::trace::{self, Value, What};

/// loom's threads: the pool's workers become loom threads.
pub(crate) use loom::thread;

/// How a value shows in the timeline.
trait Shown: Copy {
    fn shown(self) -> Value;
}

impl Shown for bool {
    fn shown(self) -> Value {
        Value::Bool(self)
    }
}

macro_rules! shown_int {
    ($($int:ty),*) => {$(
        impl Shown for $int {
            fn shown(self) -> Value {
                Value::Int(self as u64)
            }
        }
    )*};
}
shown_int!(u8, u32, usize);

impl<T> Shown for *mut T {
    fn shown(self) -> Value {
        Value::Ptr {
            null: self.is_null(),
        }
    }
}

/// loom's atomic, with each operation recorded for the timeline (after
/// loom has run it, so the log keeps loom's order) at the caller's line.
macro_rules! recorded_atomic {
    ($(#[$attr:meta])* $name:ident $(<$param:ident>)?, $value:ty) => {
        $(#[$attr])*
        pub struct $name$(<$param>)?(loom::sync::atomic::$name$(<$param>)?, trace::Id);

        impl$(<$param>)? $name$(<$param>)? {
            /// A new atomic holding `value`.
            pub fn new(value: $value) -> Self {
                let id = trace::Id::new();
                trace::written(id, value.shown());
                Self(loom::sync::atomic::$name::new(value), id)
            }

            /// The value, taking the atomic.
            pub fn into_inner(self) -> $value {
                self.0.into_inner()
            }

            /// Loads the value. The timeline marks a load that returns an
            /// older value than the latest stored (which loom allows when
            /// no ordering forbids it).
            #[track_caller]
            pub fn load(&self, order: Ordering) -> $value {
                let value = self.0.load(order);
                trace::loaded(self.1, value.shown(), Location::caller());
                value
            }

            /// Stores `value`.
            #[track_caller]
            pub fn store(&self, value: $value, order: Ordering) {
                self.0.store(value, order);
                trace::written(self.1, value.shown());
                trace::record(What::Store(value.shown()), Location::caller());
            }

            /// Stores `value`, returning the previous one.
            #[track_caller]
            pub fn swap(&self, value: $value, order: Ordering) -> $value {
                let old = self.0.swap(value, order);
                trace::written(self.1, value.shown());
                trace::record(
                    What::Swap { new: value.shown(), old: old.shown() },
                    Location::caller(),
                );
                old
            }

            /// Stores `new` if the value is `current`; returns the value seen.
            #[track_caller]
            pub fn compare_exchange(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let result = self.0.compare_exchange(current, new, success, failure);
                self.exchanged(current, new, result)
            }

            /// As [`compare_exchange`](Self::compare_exchange); loom never
            /// fails it spuriously.
            #[track_caller]
            pub fn compare_exchange_weak(
                &self,
                current: $value,
                new: $value,
                success: Ordering,
                failure: Ordering,
            ) -> Result<$value, $value> {
                let result = self.0.compare_exchange_weak(current, new, success, failure);
                self.exchanged(current, new, result)
            }

            /// Records a compare-and-exchange that returned `result`.
            #[track_caller]
            fn exchanged(
                &self,
                current: $value,
                new: $value,
                result: Result<$value, $value>,
            ) -> Result<$value, $value> {
                let (Ok(saw) | Err(saw)) = result;
                if result.is_ok() {
                    trace::written(self.1, new.shown());
                }
                trace::record(
                    What::CompareExchange {
                        expected: current.shown(),
                        new: new.shown(),
                        saw: saw.shown(),
                    },
                    Location::caller(),
                );
                result
            }
        }

        impl$(<$param>)? core::fmt::Debug for $name$(<$param>)? {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.debug_tuple(stringify!($name)).finish_non_exhaustive()
            }
        }
    };
}

/// Adds `fetch_add` and `fetch_sub` to an integer atomic.
macro_rules! recorded_arithmetic {
    ($name:ident, $value:ty) => {
        impl $name {
            /// Adds `by`, returning the previous value.
            #[track_caller]
            pub fn fetch_add(&self, by: $value, order: Ordering) -> $value {
                let old = self.0.fetch_add(by, order);
                trace::written(self.1, old.wrapping_add(by).shown());
                trace::record(
                    What::FetchAdd {
                        by: by.shown(),
                        old: old.shown(),
                    },
                    Location::caller(),
                );
                old
            }

            /// Subtracts `by`, returning the previous value.
            #[track_caller]
            pub fn fetch_sub(&self, by: $value, order: Ordering) -> $value {
                let old = self.0.fetch_sub(by, order);
                trace::written(self.1, old.wrapping_sub(by).shown());
                trace::record(
                    What::FetchSub {
                        by: by.shown(),
                        old: old.shown(),
                    },
                    Location::caller(),
                );
                old
            }
        }
    };
}

recorded_atomic!(
    /// loom's `AtomicBool`, recorded for the timeline.
    AtomicBool, bool
);
recorded_atomic!(
    /// loom's `AtomicU8`, recorded for the timeline.
    AtomicU8, u8
);
recorded_atomic!(
    /// loom's `AtomicU32`, recorded for the timeline.
    AtomicU32, u32
);
recorded_atomic!(
    /// loom's `AtomicUsize`, recorded for the timeline.
    AtomicUsize, usize
);
recorded_atomic!(
    /// loom's `AtomicPtr`, recorded for the timeline (a pointer shows as
    /// `null` or `ptr`).
    AtomicPtr<T>, *mut T
);
recorded_arithmetic!(AtomicU8, u8);
recorded_arithmetic!(AtomicU32, u32);
recorded_arithmetic!(AtomicUsize, usize);

impl Default for AtomicUsize {
    fn default() -> Self {
        Self::new(0)
    }
}

/// loom's fence, recorded.
#[track_caller]
pub fn fence(order: Ordering) {
    loom::sync::atomic::fence(order);
    trace::record(What::Fence, Location::caller());
}
/// The `Arc` a user shares a primitive in, for methods that take
/// `self: &Arc<Self>` (owned permits): std's in both builds, since a method
/// receiver can only be std's `Arc`. Under the model it is not tracked by
/// loom; the primitive inside still is.
pub(crate) use std::sync::Arc as UserArc;

/// Two: models keep their thread counts small (loom runs at most a handful
/// of threads).
pub(crate) fn default_pool_workers() -> usize {
    2
}

/// Defines a function; the normal facade's twin makes it `const`. loom
/// objects register with the running model and cannot be built in a `const`.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        $(#[$attr])* $vis fn $($rest)*
    };
}
pub(crate) use const_fn;

/// `Arc::new(value)` as an `Arc<dyn Trait>`. loom's `Arc` cannot coerce to a
/// trait object itself, so the value goes into a std `Arc`, is coerced there,
/// and is handed to loom (`Arc::from_std`), which tracks it from then on.
macro_rules! arc_dyn {
    ($value:expr => $target:ty) => {
        ::loom::sync::Arc::<$target>::from_std(
            ::std::sync::Arc::new($value) as ::std::sync::Arc<$target>
        )
    };
}
pub(crate) use arc_dyn;

/// Two slots per block of the FIFO queue's chain, so a model of four items
/// crosses blocks, reuses the spare and frees blocks.
pub(crate) const QUEUE_BLOCK: usize = 2;

/// The normal facade's spin-then-park schedule, cut to nothing: `snooze`
/// says "park now" at once. A waiter still takes its one look at the state
/// before it parks, which is the spin path (the state changed in time) that
/// loom needs to explore; more looks would only repeat identical schedules.
///
/// Nor does a snooze yield: loom runs a yielded thread again only once every
/// other thread is blocked or has yielded too, so a waiter that yielded in
/// its spin could never time out before a thread that does not block came
/// along and woke it. The models of a timeout racing a wake-up caught that.
pub(crate) struct Backoff;

impl Backoff {
    pub(crate) fn new() -> Self {
        Self
    }

    pub(crate) fn snooze(&mut self) -> bool {
        false
    }
}

/// The normal facade's spin lock, with the same acquire (a CAS, Acquire)
/// and release (a store, Release), but a contender parks on the flag until
/// an unlock wakes it, instead of spinning: loom would explore every turn of
/// a spin loop as a new schedule and never finish. The unlock's wake-up is
/// the only step the normal build does not have.
pub(crate) struct SpinLock {
    locked: Futex<AtomicBool>,
}

impl SpinLock {
    pub(crate) fn new() -> Self {
        Self {
            locked: Futex::new(AtomicBool::new(false)),
        }
    }

    #[track_caller]
    pub(crate) fn lock(&self) {
        while self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.locked
                .wait(|locked| locked.load(Ordering::Relaxed), None);
        }
    }

    /// # Safety
    ///
    /// The caller holds the lock.
    #[track_caller]
    pub(crate) unsafe fn unlock(&self) {
        self.locked.store(false, Ordering::Release);
        self.locked.wake_all();
    }
}

/// loom's cell, behind the normal facade's API: every access is checked
/// for a race and recorded for the timeline.
#[derive(Debug)]
pub struct UnsafeCell<T: ?Sized>(loom::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    /// A cell holding `value`.
    pub fn new(value: T) -> Self {
        Self(loom::cell::UnsafeCell::new(value))
    }

    /// The value, taking the cell.
    pub fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Reads through the cell. Recorded before `f` runs: loom checks the
    /// access for a race without switching threads, so the step is the
    /// calling thread's next, and a race it reports is this step.
    #[inline]
    #[track_caller]
    pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        trace::record(What::CellRead, Location::caller());
        self.0.with(f)
    }

    /// Writes through the cell; recorded as [`with`](Self::with) is.
    #[inline]
    #[track_caller]
    pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        trace::record(What::CellWrite, Location::caller());
        self.0.with_mut(f)
    }

    /// The value, through `&mut self` (no other access can exist).
    #[inline]
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no other reference to the contents
        // exists, and the returned borrow keeps it that way.
        self.0.with_mut(|ptr| unsafe { &mut *ptr })
    }
}

/// What [`Futex::wait`] did; see the normal facade.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    Woken,
    Invalid,
    TimedOut,
}

/// Sleepers registered on one futex, guarded by its queue lock.
#[derive(Default)]
struct Queue {
    /// Each thread inside `wait`, oldest first: its ticket, and whether a
    /// wake-up has been handed to it. A wake-up goes to a thread that is
    /// already asleep, never to one that arrives later, as with a futex.
    sleepers: Vec<(u64, bool)>,
    next_ticket: u64,
}

impl Queue {
    fn register(&mut self) -> u64 {
        let ticket = self.next_ticket;
        self.next_ticket += 1;
        self.sleepers.push((ticket, false));
        ticket
    }

    /// Removes `ticket`'s record; returns whether it had been woken.
    fn leave(&mut self, ticket: u64) -> bool {
        let at = self
            .sleepers
            .iter()
            .position(|&(t, _)| t == ticket)
            .expect("a sleeper leaves once");
        self.sleepers.remove(at).1
    }

    fn is_woken(&self, ticket: u64) -> bool {
        self.sleepers.iter().any(|&(t, woken)| t == ticket && woken)
    }
}

/// An atomic that threads can sleep on; see the normal facade.
///
/// The queue lock plays the part of `parking_lot_core`'s bucket lock:
/// `wait` checks `should_sleep` and registers under it, `wake_one` picks the
/// oldest sleeper not yet woken under it. loom's condvar never wakes
/// spuriously, and a sleeper leaves only once its own record is marked.
pub(crate) struct Futex<A> {
    atomic: A,
    queue: loom::sync::Mutex<Queue>,
    wakeup: loom::sync::Condvar,
}

impl<A> Deref for Futex<A> {
    type Target = A;

    #[inline]
    fn deref(&self) -> &A {
        &self.atomic
    }
}

impl<A> Futex<A> {
    pub(crate) fn new(atomic: A) -> Self {
        Self {
            atomic,
            queue: loom::sync::Mutex::new(Queue::default()),
            wakeup: loom::sync::Condvar::new(),
        }
    }

    /// With a deadline, the wait may time out at any step, as if the thread
    /// had been slow: loom has no clock, so every moment is a moment the
    /// deadline could pass. The sleeper registers, releases the queue lock
    /// and takes it again (a point where loom may run other threads for as
    /// long as it likes), then leaves woken if a wake-up was handed to it by
    /// then, and times out otherwise, taking none (`parking_lot_core`'s
    /// rule). loom explores both outcomes, so the race between a timeout and
    /// a wake is checked; the timed models assert that both happened.
    /// Without a deadline it sleeps until woken.
    ///
    /// (No yield between the two: loom would then run the sleeper again only
    /// once every other thread had blocked, and a deadline could never pass
    /// before a thread that does not block woke it.)
    #[track_caller]
    pub(crate) fn wait(
        &self,
        should_sleep: impl FnOnce(&A) -> bool,
        deadline: Option<Instant>,
    ) -> Wait {
        let at = Location::caller();
        let mut queue = self.queue.lock().unwrap();
        if !should_sleep(&self.atomic) {
            trace::record(What::NoSleep, at);
            return Wait::Invalid;
        }
        let ticket = queue.register();
        trace::record(What::Sleep, at);
        if deadline.is_some() {
            drop(queue);
            queue = self.queue.lock().unwrap();
        } else {
            while !queue.is_woken(ticket) {
                queue = self.wakeup.wait(queue).unwrap();
            }
        }
        if queue.leave(ticket) {
            trace::record(What::Woken, at);
            Wait::Woken
        } else {
            trace::record(What::TimedOut, at);
            Wait::TimedOut
        }
    }

    #[track_caller]
    pub(crate) fn wake_one(&self) -> bool {
        let mut queue = self.queue.lock().unwrap();
        let Some(sleeper) = queue.sleepers.iter_mut().find(|(_, woken)| !woken) else {
            trace::record(What::WakeOne { woke: false }, Location::caller());
            return false;
        };
        sleeper.1 = true;
        // Every sleeper re-checks its own record; only the chosen one leaves.
        self.wakeup.notify_all();
        trace::record(What::WakeOne { woke: true }, Location::caller());
        true
    }

    #[track_caller]
    pub(crate) fn wake_all(&self) -> usize {
        let mut queue = self.queue.lock().unwrap();
        let mut woken = 0;
        for sleeper in queue.sleepers.iter_mut().filter(|(_, woken)| !woken) {
            sleeper.1 = true;
            woken += 1;
        }
        self.wakeup.notify_all();
        trace::record(What::WakeAll { woke: woken }, Location::caller());
        woken
    }
}

/// A number naming the calling loom thread, never 0.
///
/// The counter is a plain std atomic on purpose: ids are bookkeeping, not
/// part of any algorithm under test, so loom need not explore them.
pub(crate) fn current_thread_id() -> usize {
    static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
    loom::thread_local! {
        static ID: usize = NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    ID.with(|id| *id)
}

/// Whether this is the model copy: for the unit tests that hold only in
/// the normal build (a type's size, say). Here: the model copy, whose
/// loom types are larger.
#[cfg(test)]
pub(crate) const IS_MODEL: bool = true;

/// Runs a unit test written beside a primitive inside `loom::model`; see the
/// normal facade.
#[cfg(test)]
pub(crate) fn run_test(test: impl Fn() + Sync + Send + 'static) {
    loom::model(test)
}

/// `atomic.fetch_add(n)`, then a SeqCst fence. The real facade leaves the
/// fence out on x86, where the add is already a full barrier; loom does not
/// model that hardware fact (it treats SeqCst accesses as AcqRel), so here
/// the fence is explicit, which is what the x86 add amounts to.
#[inline]
#[track_caller]
pub(crate) fn fetch_add_then_fence(atomic: &AtomicUsize, n: usize) -> usize {
    let previous = atomic.fetch_add(n, Ordering::SeqCst);
    fence(Ordering::SeqCst);
    previous
}

/// Labels the calling thread's last step in the timeline ("locked",
/// "unlocked"): a row that says what a step meant, not only what it did.
#[track_caller]
pub(crate) fn note(label: &'static str) {
    trace::record(What::Note(label), Location::caller());
}
