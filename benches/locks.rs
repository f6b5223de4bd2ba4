//! Locks side by side: turnstile against std and parking_lot.
//!
//! `cargo bench --bench locks`. Groups:
//! - `uncontended`: one thread, lock + increment + unlock.
//! - `nested_2_locks`: one thread, lock A, lock B, increment both, unlock
//!   both (with feature `lockdep`: one edge checked per iteration).
//! - `contended_2_threads`: two threads increment one counter; one
//!   iteration is one lock + increment + unlock *on each thread*.
//! - `rlock`: a first lock + unlock, and a re-entry (lock + unlock while the
//!   thread already holds the lock), against `parking_lot::ReentrantMutex`.
//!
//! Results and the ratios the project tracks are in BENCHMARKS.md.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

/// A counter behind a lock, for every lock compared here.
trait CounterLock: Sync + Send {
    const NAME: &'static str;
    fn new() -> Self;
    /// A lock of another lock-order class than `new`'s (feature `lockdep`
    /// names a class by where the lock was made).
    fn new_outer() -> Self
    where
        Self: Sized,
    {
        Self::new()
    }
    fn increment(&self);
    /// Increments while `inner` runs under the lock.
    fn nest(&self, inner: impl FnOnce());
}

impl CounterLock for turnstile::Mutex<u64> {
    const NAME: &'static str = "turnstile::Mutex";
    fn new() -> Self {
        turnstile::Mutex::new(0)
    }
    fn new_outer() -> Self {
        turnstile::Mutex::with_class(0, "bench outer")
    }
    #[inline]
    fn increment(&self) {
        *self.lock() += 1;
    }
    #[inline]
    fn nest(&self, inner: impl FnOnce()) {
        let mut count = self.lock();
        inner();
        *count += 1;
    }
}

impl CounterLock for std::sync::Mutex<u64> {
    const NAME: &'static str = "std::sync::Mutex";
    fn new() -> Self {
        std::sync::Mutex::new(0)
    }
    #[inline]
    fn increment(&self) {
        *self.lock().unwrap() += 1;
    }
    #[inline]
    fn nest(&self, inner: impl FnOnce()) {
        let mut count = self.lock().unwrap();
        inner();
        *count += 1;
    }
}

impl CounterLock for parking_lot::Mutex<u64> {
    const NAME: &'static str = "parking_lot::Mutex";
    fn new() -> Self {
        parking_lot::Mutex::new(0)
    }
    #[inline]
    fn increment(&self) {
        *self.lock() += 1;
    }
    #[inline]
    fn nest(&self, inner: impl FnOnce()) {
        let mut count = self.lock();
        inner();
        *count += 1;
    }
}

fn uncontended<L: CounterLock>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    let lock = L::new();
    c.bench_function(L::NAME, |b| b.iter(|| black_box(&lock).increment()));
}

/// One thread takes two locks, one inside the other, and increments both:
/// with feature `lockdep`, the inner lock's acquire checks one edge.
fn nested<L: CounterLock>(c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    let (outer, inner) = (L::new_outer(), L::new());
    c.bench_function(L::NAME, |b| {
        b.iter(|| black_box(&outer).nest(|| black_box(&inner).increment()))
    });
}

/// Two threads start together and each increments `iters` times; the time
/// is the slower thread's.
fn contended<L: CounterLock>(
    c: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
) {
    c.bench_function(L::NAME, |b| {
        b.iter_custom(|iters| {
            let lock = L::new();
            common::slowest_of(2, iters, || black_box(&lock).increment())
        })
    });
}

fn locks(c: &mut Criterion) {
    let mut group = c.benchmark_group("uncontended");
    uncontended::<turnstile::Mutex<u64>>(&mut group);
    uncontended::<std::sync::Mutex<u64>>(&mut group);
    uncontended::<parking_lot::Mutex<u64>>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("nested_2_locks");
    nested::<turnstile::Mutex<u64>>(&mut group);
    nested::<std::sync::Mutex<u64>>(&mut group);
    nested::<parking_lot::Mutex<u64>>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("contended_2_threads");
    // Two threads on a two-core machine are at the scheduler's mercy; a
    // longer measurement steadies the median.
    group.measurement_time(Duration::from_secs(8));
    contended::<turnstile::Mutex<u64>>(&mut group);
    contended::<std::sync::Mutex<u64>>(&mut group);
    contended::<parking_lot::Mutex<u64>>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("rlock");
    let ours = turnstile::RLock::new(());
    let theirs = parking_lot::ReentrantMutex::new(());
    group.bench_function("turnstile::RLock first", |b| {
        b.iter(|| drop(black_box(&ours).lock()))
    });
    group.bench_function("parking_lot::ReentrantMutex first", |b| {
        b.iter(|| drop(black_box(&theirs).lock()))
    });
    let _held = ours.lock();
    group.bench_function("turnstile::RLock reentry", |b| {
        b.iter(|| drop(black_box(&ours).lock()))
    });
    let _held = theirs.lock();
    group.bench_function("parking_lot::ReentrantMutex reentry", |b| {
        b.iter(|| drop(black_box(&theirs).lock()))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = locks
}
criterion_main!(benches);
