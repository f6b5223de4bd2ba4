//! The facade: the only door from a primitive to atomics, cells, threads and
//! parking, in normal builds.
//!
//! Every primitive file reaches these names as `super::facade::…`. In a normal
//! build `super` is the crate root and this file answers; in the model build
//! (feature `model`) the same primitive files are compiled again inside
//! `turnstile::model`, where `super::facade` is `src/model/facade.rs` and
//! answers with loom's versions. The two files offer the same names with the
//! same meaning, so the primitive source never knows which one it runs on.
//!
//! See ARCHITECTURE.md for the whole picture.

use core::cell::Cell;
use core::ops::Deref;
use std::time::Instant;

pub(crate) use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, AtomicUsize, Ordering};
pub(crate) use std::sync::Arc;
/// The `Arc` a user shares a primitive in, for methods that take
/// `self: &Arc<Self>` (owned permits): std's in both builds, since a method
/// receiver can only be std's `Arc`. Under the model it is not tracked by
/// loom; the primitive inside still is.
pub(crate) use std::sync::Arc as UserArc;
/// Threads, for the pool's workers: `thread::Builder`, `JoinHandle`.
pub(crate) use std::thread;

/// A thread pool's default worker count: Python's `min(32, cpu_count + 4)`,
/// with 1 CPU when the count is unknown (see `pool::Builder::workers`).
pub(crate) fn default_pool_workers() -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    (cpus + 4).min(32)
}

/// Defines a function that is `const` in normal builds.
///
/// loom objects register themselves with the running model, so nothing built
/// from them can be `const`; the model facade's twin of this macro drops the
/// keyword. Normal users keep `static LOCK: Mutex<u32> = Mutex::new(0);`.
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis fn $($rest:tt)*) => {
        $(#[$attr])* $vis const fn $($rest)*
    };
}
pub(crate) use const_fn;

/// `Arc::new(value)` as an `Arc` of a trait object: `arc_dyn!(value => dyn Trait)`.
///
/// A std `Arc` coerces to `Arc<dyn Trait>` by itself; loom's cannot (the
/// coercion needs an unstable trait), so the model facade's twin of this
/// macro builds the value through a std `Arc` and hands it to loom.
macro_rules! arc_dyn {
    ($value:expr => $target:ty) => {
        ::std::sync::Arc::new($value) as ::std::sync::Arc<$target>
    };
}
pub(crate) use arc_dyn;

/// How many rounds a contended lock spins before it parks.
///
/// Rounds 0..3 busy-wait 2, 4, 8 `pause` instructions; later rounds yield
/// the CPU (the schedule of parking_lot's `SpinWait`, which keeps a spinner
/// off the holder's cache line once a short wait has not been enough). The model facade uses one round: loom explores every round as a
/// separate schedule, and one round already covers the spin-then-park path.
pub(crate) const SPIN_ROUNDS: u32 = 10;

/// Waits a little before a spinning thread looks at the lock again.
#[inline]
pub(crate) fn spin(round: u32) {
    if round < 3 {
        for _ in 0..(2u32 << round) {
            core::hint::spin_loop();
        }
    } else {
        std::thread::yield_now();
    }
}

/// A cell whose contents are reached through closures, as loom's cell is.
///
/// Under the model, loom checks each `with`/`with_mut` against every other
/// access for a happens-before edge and reports a data race when there is none.
/// Here it is a plain [`core::cell::UnsafeCell`] with the same shape.
#[repr(transparent)]
pub(crate) struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

impl<T> UnsafeCell<T> {
    pub(crate) const fn new(value: T) -> Self {
        Self(core::cell::UnsafeCell::new(value))
    }

    pub(crate) fn into_inner(self) -> T {
        self.0.into_inner()
    }
}

impl<T: ?Sized> UnsafeCell<T> {
    /// Calls `f` with a pointer for reading.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
        f(self.0.get())
    }

    /// Calls `f` with a pointer for writing.
    #[inline]
    pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
        f(self.0.get())
    }

    /// Exclusive access through `&mut self`: no other thread can hold a reference.
    #[inline]
    pub(crate) fn get_mut(&mut self) -> &mut T {
        self.0.get_mut()
    }
}

/// What [`Futex::wait`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wait {
    /// The thread slept and another thread woke it.
    Woken,
    /// `should_sleep` said no once the wait queue was locked; it never slept.
    Invalid,
    /// The deadline passed first. No wake-up was consumed.
    TimedOut,
}

/// An atomic that threads can sleep on, like a Linux futex.
///
/// It dereferences to the atomic, so a primitive does its compare-and-swaps on
/// it directly. [`wait`](Self::wait) sleeps only if `should_sleep` still holds
/// once the wait queue is locked, and [`wake_one`](Self::wake_one) takes the
/// same queue lock, so a change made before `wake_one` can never slip between
/// a sleeper's last look and its sleep: the lost wake-up is impossible by
/// construction.
///
/// Here the queue is `parking_lot_core`'s global table keyed by this atomic's
/// address, so the futex costs no more memory than the atomic.
#[repr(transparent)]
pub(crate) struct Futex<A> {
    atomic: A,
}

impl<A> Deref for Futex<A> {
    type Target = A;

    #[inline]
    fn deref(&self) -> &A {
        &self.atomic
    }
}

impl<A> Futex<A> {
    pub(crate) const fn new(atomic: A) -> Self {
        Self { atomic }
    }

    /// The parking key: this futex's address, stable while anyone waits on it,
    /// because every waiter holds a borrow of it.
    fn key(&self) -> usize {
        self as *const Self as usize
    }

    /// Sleeps until woken, if `should_sleep` holds with the wait queue locked.
    ///
    /// `deadline: None` waits without limit.
    pub(crate) fn wait(
        &self,
        should_sleep: impl FnOnce(&A) -> bool,
        deadline: Option<Instant>,
    ) -> Wait {
        // SAFETY:
        // - the key is this futex's address, which no other kind of parking
        //   in this crate uses, so the unpark token is always ours (default);
        // - `should_sleep` runs with the bucket locked and must not park or
        //   panic: it is a load and a compare in every caller;
        // - the `before_sleep` and `timed_out` callbacks do nothing.
        let result = unsafe {
            parking_lot_core::park(
                self.key(),
                || should_sleep(&self.atomic),
                || {},
                |_, _| {},
                parking_lot_core::DEFAULT_PARK_TOKEN,
                deadline,
            )
        };
        match result {
            parking_lot_core::ParkResult::Unparked(_) => Wait::Woken,
            parking_lot_core::ParkResult::Invalid => Wait::Invalid,
            parking_lot_core::ParkResult::TimedOut => Wait::TimedOut,
        }
    }

    /// Wakes one sleeper, if there is one. Returns whether it woke a thread.
    pub(crate) fn wake_one(&self) -> bool {
        // SAFETY: the callback only returns a token; it does not park or panic.
        let result = unsafe {
            parking_lot_core::unpark_one(self.key(), |_| parking_lot_core::DEFAULT_UNPARK_TOKEN)
        };
        result.unparked_threads != 0
    }

    /// Wakes every sleeper. Returns how many it woke.
    pub(crate) fn wake_all(&self) -> usize {
        // SAFETY: the key is ours (see `wait`); the token is the default.
        unsafe { parking_lot_core::unpark_all(self.key(), parking_lot_core::DEFAULT_UNPARK_TOKEN) }
    }
}

/// A number naming the calling thread, never 0 and never reused.
///
/// A counter, not the address of a thread-local: a thread that exits while
/// holding a reentrant lock (its guard leaked) must not hand ownership to a
/// new thread that happens to get the same address.
#[inline]
pub(crate) fn current_thread_id() -> usize {
    static NEXT_ID: AtomicUsize = AtomicUsize::new(1);
    thread_local! {
        static ID: Cell<usize> = const { Cell::new(0) };
    }
    ID.with(|id| match id.get() {
        0 => {
            // Relaxed: only uniqueness matters, which the RMW gives.
            let fresh = NEXT_ID.fetch_add(1, Ordering::Relaxed);
            id.set(fresh);
            fresh
        }
        known => known,
    })
}

/// Runs a unit test written beside a primitive. Shared files are compiled
/// twice, so their unit tests are too: here the test simply runs; the model
/// facade runs it inside `loom::model`.
#[cfg(test)]
pub(crate) fn run_test(test: impl Fn() + Sync + Send + 'static) {
    test()
}
