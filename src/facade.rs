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

pub(crate) use core::sync::atomic::{
    AtomicBool, AtomicPtr, AtomicU8, AtomicU32, AtomicUsize, Ordering, fence,
};
/// Wider atomics, for values a user keeps in shared memory
/// (`process::Plain`); no primitive uses them.
#[cfg(feature = "process")]
pub(crate) use core::sync::atomic::{AtomicI32, AtomicI64, AtomicU64};
pub(crate) use std::sync::Arc;
/// The `Arc` a user shares a primitive in, for methods that take
/// `self: &Arc<Self>` (owned permits): std's in both builds, since a method
/// receiver can only be std's `Arc`. Under the model it is not tracked by
/// loom; the primitive inside still is.
pub(crate) use std::sync::Arc as UserArc;
/// A value made once, for the process module's one spawner thread.
#[cfg(feature = "process")]
pub(crate) use std::sync::OnceLock;
/// Threads, for the pool's workers: `thread::Builder`, `JoinHandle`.
pub(crate) use std::thread;
/// Per-thread state, for the lock-order checker (feature `lockdep`) and
/// the event loop's "current loop", neither of which the model copy
/// includes.
pub(crate) use std::thread_local;

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

/// Slots in each block of the FIFO queue's chain (`queue/fifo_slots.rs`): 32
/// items share one allocation, and a block is reused once drained.
pub(crate) const QUEUE_BLOCK: usize = 32;

/// How long a waiter busy-waits before it yields: about a microsecond, a
/// fraction of what a park and a wake-up cost together, and longer than a
/// lock is usually held or a producer takes to bring the next item.
const SPIN_NANOS: u32 = 1_000;

/// How many times a waiter yields the CPU, after its busy-wait, before it parks.
const YIELDS: u32 = 4;

/// The longest run of `pause` instructions between two looks at the watched
/// state, so a waiter notices a change soon after it happens.
const MAX_BATCH: u32 = 64;

/// How many `pause` instructions fill [`SPIN_NANOS`] on this machine; 0 when
/// this process may run on one CPU only, since a busy-wait there only delays
/// the thread it waits for. Measured once, on first use.
///
/// The cost of one `pause` differs several-fold between CPUs (about 10 ns on
/// some Intel hosts, 25 ns on the AMD EPYC this project is developed on, and
/// older Intel parts take a few cycles), so a spin counted in instructions
/// would last a different time on each; counted in nanoseconds, it does not.
fn spin_budget() -> u32 {
    /// `u32::MAX`: not measured yet.
    static BUDGET: AtomicU32 = AtomicU32::new(u32::MAX);
    // Relaxed: any thread's measurement is as good as another's.
    let budget = BUDGET.load(Ordering::Relaxed);
    if budget != u32::MAX {
        return budget;
    }
    let budget = measure_spin_budget();
    BUDGET.store(budget, Ordering::Relaxed);
    budget
}

#[cold]
fn measure_spin_budget() -> u32 {
    if std::thread::available_parallelism().map_or(1, usize::from) < 2 {
        return 0;
    }
    const SAMPLE: u32 = 200;
    // The fastest of three samples: a sample the scheduler interrupted is
    // slower than the instruction, never faster.
    let fastest = (0..3)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..SAMPLE {
                core::hint::spin_loop();
            }
            start.elapsed().as_nanos().max(1)
        })
        .min()
        .unwrap_or(1);
    let budget = u128::from(SPIN_NANOS) * u128::from(SAMPLE) / fastest;
    u32::try_from(budget).unwrap_or(u32::MAX - 1).max(1)
}

/// A waiter's schedule between looks at the state it waits on: busy-wait
/// for about [`SPIN_NANOS`] in growing batches of `pause`, then yield the CPU
/// [`YIELDS`] times, then give up so the caller parks.
///
/// Used by the lock's and the condition variable's slow paths and by the
/// queue's waiters. Create one per wait; it is a few bytes on the stack.
pub(crate) struct Backoff {
    paused: u32,
    batch: u32,
    yields: u32,
}

impl Backoff {
    #[inline]
    pub(crate) fn new() -> Self {
        Self {
            paused: 0,
            batch: 1,
            yields: 0,
        }
    }

    /// Waits a little and returns `true`, or returns `false` at once when
    /// the schedule is spent and the caller should park.
    #[inline]
    pub(crate) fn snooze(&mut self) -> bool {
        let budget = spin_budget();
        if self.paused < budget {
            let batch = self.batch.min(budget - self.paused);
            for _ in 0..batch {
                core::hint::spin_loop();
            }
            self.paused += batch;
            self.batch = (self.batch * 2).min(MAX_BATCH);
            true
        } else if self.yields < YIELDS {
            self.yields += 1;
            std::thread::yield_now();
            true
        } else {
            false
        }
    }
}

/// A lock for critical sections of a few instructions whose holder never
/// sleeps: a thread that finds it taken spins and yields until it is free,
/// and never parks, so unlocking is a plain store with nobody to wake. The
/// FIFO queue's end locks use it (`queue/fifo_slots.rs` says why).
///
/// The model facade's twin parks instead of spinning, because loom explores
/// every turn of a spin loop as a new schedule; the lock's acquire (a CAS,
/// Acquire) and release (a store, Release) are the same in both.
pub(crate) struct SpinLock {
    locked: AtomicBool,
}

impl SpinLock {
    pub(crate) const fn new() -> Self {
        Self {
            locked: AtomicBool::new(false),
        }
    }

    #[inline]
    pub(crate) fn lock(&self) {
        // Acquire: pairs with the Release in `unlock`.
        while self
            .locked
            .compare_exchange_weak(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.wait_until_free();
        }
    }

    /// Watches the lock (loads only, so the holder keeps its cache line)
    /// until it looks free.
    #[cold]
    fn wait_until_free(&self) {
        let mut backoff = Backoff::new();
        while self.locked.load(Ordering::Relaxed) {
            if !backoff.snooze() {
                // The holder is not running (or is slow): let it run.
                std::thread::yield_now();
            }
        }
    }

    /// # Safety
    ///
    /// The caller holds the lock.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // Release: publishes what the holder wrote to the next holder.
        self.locked.store(false, Ordering::Release);
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

/// Whether this is the model copy: for the unit tests that hold only in
/// the normal build (a type's size, say). Here: the normal build.
#[cfg(test)]
pub(crate) const IS_MODEL: bool = false;

/// Runs a unit test written beside a primitive. Shared files are compiled
/// twice, so their unit tests are too: here the test runs on a thread of
/// its own under a watchdog; the model facade runs it inside `loom::model`,
/// which reports a hang as a deadlock.
///
/// The watchdog is the integration tests' rule (`tests/common`, `within`):
/// a test that a broken primitive makes hang fails in seconds, naming
/// itself, and ends the test binary, since a hung thread cannot be stopped.
/// A panic in the test (an assertion, a `should_panic`) reaches the caller
/// as it would have.
#[cfg(test)]
pub(crate) fn run_test(test: impl Fn() + Sync + Send + 'static) {
    use std::sync::mpsc::{self, RecvTimeoutError};
    // Under Miri the clock is virtual and runs on with every interpreted
    // step: there the limit is two minutes of it.
    let limit = std::time::Duration::from_secs(if cfg!(miri) { 120 } else { 5 });
    let name = std::thread::current()
        .name()
        .unwrap_or("<unnamed>")
        .to_owned();
    let (finished, done) = mpsc::channel();
    let runner = std::thread::spawn(move || {
        test();
        let _ = finished.send(());
    });
    match done.recv_timeout(limit) {
        // Disconnected: the test panicked; join hands its panic on.
        Ok(()) | Err(RecvTimeoutError::Disconnected) => {
            if let Err(panic) = runner.join() {
                std::panic::resume_unwind(panic);
            }
        }
        Err(RecvTimeoutError::Timeout) => {
            use std::io::Write as _;
            // To the real stderr: the harness's capture (`eprintln!`) is
            // lost with the process.
            let _ = writeln!(
                std::io::stderr(),
                "\nunit test '{name}': still not finished after {limit:?} (a lost wake-up or \
                 a deadlock); a hung thread cannot be stopped, so the test binary ends here"
            );
            std::process::exit(101);
        }
    }
}

/// `atomic.fetch_add(n)`, then a SeqCst fence: the writing half of Dekker's
/// pattern ("write mine, then read theirs"), as one step.
///
/// On x86 the add is a `lock`-prefixed instruction, which already orders
/// every earlier store before every later load, so the separate `mfence`
/// (tens of cycles) is left out. That is a hardware guarantee, not one of
/// Rust's memory model (a SeqCst access on one location is not a fence for
/// others); crossbeam-epoch relies on the same fact when it pins. Elsewhere,
/// under Miri (which checks Rust's memory model, not x86's, and finds the
/// lost wake-up without it) and in the loom copy of this facade, it is a
/// real fence. The add is SeqCst so that the compiler also keeps later loads
/// after it.
#[inline(always)]
pub(crate) fn fetch_add_then_fence(atomic: &AtomicUsize, n: usize) -> usize {
    let previous = atomic.fetch_add(n, Ordering::SeqCst);
    #[cfg(any(miri, not(any(target_arch = "x86", target_arch = "x86_64"))))]
    fence(Ordering::SeqCst);
    previous
}

/// Labels the step just taken for the model's timeline ("locked",
/// "unlocked"). The model facade records it; here it is nothing at all.
#[inline(always)]
pub(crate) fn note(_label: &'static str) {}
