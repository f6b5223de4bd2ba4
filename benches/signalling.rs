//! Signalling primitives side by side: turnstile against textbook versions
//! built on parking_lot and std.
//!
//! `cargo bench --bench signalling`. Groups:
//! - `semaphore_uncontended`: one thread, acquire + release.
//! - `semaphore_4_threads_2_permits`: four threads start together and each
//!   does `iters` acquire + release; the time is the slowest thread's.
//! - `event`: `wait` on a set event; and a round trip between two threads
//!   (one sets, the other waits, then the other way).
//! - `notify_no_waiter`: `notify_one` on a condvar nobody waits on.
//!
//! Results and the ratios the project tracks are in BENCHMARKS.md.

mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};

/// A counting semaphore as the benches use it.
trait Permits: Sync + Send {
    const NAME: &'static str;
    fn new(permits: usize) -> Self;
    /// Takes a permit and gives it back.
    fn acquire_release(&self);
}

/// turnstile's semaphore as Rust code uses it: the permit is a guard, and
/// dropping it releases.
impl Permits for turnstile::Semaphore {
    const NAME: &'static str = "turnstile::Semaphore";
    fn new(permits: usize) -> Self {
        turnstile::Semaphore::new(permits)
    }
    #[inline]
    fn acquire_release(&self) {
        drop(black_box(turnstile::Semaphore::acquire(self)));
    }
}

/// turnstile's semaphore as Python code uses it: `acquire()` and a separate
/// `release()`, so the permit is forgotten and released by count.
struct PythonStyle(turnstile::Semaphore);

impl Permits for PythonStyle {
    const NAME: &'static str = "turnstile::Semaphore forget+release";
    fn new(permits: usize) -> Self {
        Self(turnstile::Semaphore::new(permits))
    }
    #[inline]
    fn acquire_release(&self) {
        self.0.acquire().forget();
        self.0.release(1);
    }
}

/// The textbook semaphore: a counter under a mutex, and a condvar.
struct Textbook<M, C> {
    count: M,
    available: C,
}

impl Permits for Textbook<parking_lot::Mutex<usize>, parking_lot::Condvar> {
    const NAME: &'static str = "parking_lot Mutex+Condvar";
    fn new(permits: usize) -> Self {
        Self {
            count: parking_lot::Mutex::new(permits),
            available: parking_lot::Condvar::new(),
        }
    }
    #[inline]
    fn acquire_release(&self) {
        let mut count = self.count.lock();
        while *count == 0 {
            self.available.wait(&mut count);
        }
        *count -= 1;
        drop(count);
        *self.count.lock() += 1;
        self.available.notify_one();
    }
}

impl Permits for Textbook<std::sync::Mutex<usize>, std::sync::Condvar> {
    const NAME: &'static str = "std Mutex+Condvar";
    fn new(permits: usize) -> Self {
        Self {
            count: std::sync::Mutex::new(permits),
            available: std::sync::Condvar::new(),
        }
    }
    #[inline]
    fn acquire_release(&self) {
        let mut count = self.count.lock().unwrap();
        while *count == 0 {
            count = self.available.wait(count).unwrap();
        }
        *count -= 1;
        drop(count);
        *self.count.lock().unwrap() += 1;
        self.available.notify_one();
    }
}

type PlTextbook = Textbook<parking_lot::Mutex<usize>, parking_lot::Condvar>;
type StdTextbook = Textbook<std::sync::Mutex<usize>, std::sync::Condvar>;

fn semaphore_uncontended<S: Permits>(group: &mut BenchmarkGroup<'_, WallTime>) {
    let semaphore = S::new(1);
    group.bench_function(S::NAME, |b| {
        b.iter(|| {
            black_box(&semaphore).acquire_release();
        })
    });
}

fn semaphore_contended<S: Permits>(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.bench_function(S::NAME, |b| {
        b.iter_custom(|iters| {
            let semaphore = S::new(2);
            common::slowest_of(4, iters, || semaphore.acquire_release())
        })
    });
}

/// Two threads bounce a turn between them with two events: one round trip
/// per iteration.
fn event_round_trip(group: &mut BenchmarkGroup<'_, WallTime>) {
    group.bench_function("turnstile::Event round trip", |b| {
        b.iter_custom(|iters| {
            let ping = Arc::new(turnstile::Event::new());
            let pong = Arc::new(turnstile::Event::new());
            let partner = {
                let (ping, pong) = (Arc::clone(&ping), Arc::clone(&pong));
                thread::spawn(move || {
                    for _ in 0..iters {
                        ping.wait();
                        ping.clear();
                        pong.set();
                    }
                })
            };
            let began = Instant::now();
            for _ in 0..iters {
                ping.set();
                pong.wait();
                pong.clear();
            }
            let elapsed = began.elapsed();
            partner.join().unwrap();
            elapsed
        })
    });
}

fn signalling(c: &mut Criterion) {
    let mut group = c.benchmark_group("semaphore_uncontended");
    semaphore_uncontended::<turnstile::Semaphore>(&mut group);
    semaphore_uncontended::<PythonStyle>(&mut group);
    semaphore_uncontended::<PlTextbook>(&mut group);
    semaphore_uncontended::<StdTextbook>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("semaphore_4_threads_2_permits");
    group.measurement_time(Duration::from_secs(6));
    semaphore_contended::<turnstile::Semaphore>(&mut group);
    semaphore_contended::<PythonStyle>(&mut group);
    semaphore_contended::<PlTextbook>(&mut group);
    semaphore_contended::<StdTextbook>(&mut group);
    group.finish();

    let mut group = c.benchmark_group("event");
    let set = turnstile::Event::new();
    set.set();
    group.bench_function("turnstile::Event wait (set)", |b| {
        b.iter(|| black_box(&set).wait())
    });
    event_round_trip(&mut group);
    group.finish();

    let mut group = c.benchmark_group("notify_no_waiter");
    let ours = turnstile::Condvar::new();
    let parking = parking_lot::Condvar::new();
    let standard = std::sync::Condvar::new();
    group.bench_function("turnstile::Condvar", |b| {
        b.iter(|| black_box(&ours).notify_one())
    });
    group.bench_function("parking_lot::Condvar", |b| {
        b.iter(|| black_box(&parking).notify_one())
    });
    group.bench_function("std::sync::Condvar", |b| {
        b.iter(|| black_box(&standard).notify_one())
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = signalling
}
criterion_main!(benches);
