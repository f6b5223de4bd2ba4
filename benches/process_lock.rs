//! The process lock against the C library's: `process::Mutex` beside a
//! `pthread_mutex_t` that is process-shared and robust (the POSIX answer to
//! a killed holder), both in shared memory.
//!
//! `cargo bench --bench process_lock`. Groups:
//! - `process_lock_uncontended`: one thread, lock + increment + unlock.
//! - `process_lock_contended_2_threads`: two threads increment one counter;
//!   one iteration is one lock + increment + unlock on each thread.
//!
//! The contenders are threads of one process, the locks in a memfd mapping:
//! both locks sleep on a *shared* futex (keyed by page, not by address), and
//! neither knows whether the other sleeper is a thread or a process, so
//! this measures what two processes would pay without the cost of
//! starting them inside criterion. Results are in BENCHMARKS.md.

mod common;

use std::cell::UnsafeCell;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use turnstile::process::{Mutex, Plain, Shared};

/// A robust, process-shared `pthread_mutex_t` and the counter it guards.
#[repr(C)]
struct PthreadCounter {
    mutex: UnsafeCell<libc::pthread_mutex_t>,
    count: UnsafeCell<u64>,
}

// SAFETY: a pthread mutex made process-shared (no pointers into one
// process) and a number; no Drop.
unsafe impl Plain for PthreadCounter {}
// SAFETY: `count` is touched only with `mutex` held.
unsafe impl Sync for PthreadCounter {}

fn pthread_counter() -> Shared<PthreadCounter> {
    let shared = Shared::new(PthreadCounter {
        // SAFETY: all-zero is a valid bit pattern to overwrite below.
        mutex: UnsafeCell::new(unsafe { std::mem::zeroed() }),
        count: UnsafeCell::new(0),
    })
    .expect("a shared region");
    // SAFETY: the attribute is initialised before use and destroyed after;
    // the mutex is initialised once, in place, before any thread uses it.
    unsafe {
        let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
        assert_eq!(libc::pthread_mutexattr_init(&mut attr), 0);
        assert_eq!(
            libc::pthread_mutexattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED),
            0
        );
        assert_eq!(
            libc::pthread_mutexattr_setrobust(&mut attr, libc::PTHREAD_MUTEX_ROBUST),
            0
        );
        assert_eq!(libc::pthread_mutex_init(shared.mutex.get(), &attr), 0);
        libc::pthread_mutexattr_destroy(&mut attr);
    }
    shared
}

fn pthread_increment(counter: &PthreadCounter) {
    // SAFETY: an initialised robust mutex; the count is touched only while
    // it is held. EOWNERDEAD cannot happen here (nobody dies in the bench).
    unsafe {
        let result = libc::pthread_mutex_lock(counter.mutex.get());
        debug_assert_eq!(result, 0);
        *counter.count.get() += 1;
        libc::pthread_mutex_unlock(counter.mutex.get());
    }
}

fn turnstile_increment(counter: &Mutex<u64>) {
    if let Ok(mut count) = counter.lock() {
        *count += 1;
    }
}

fn process_locks(c: &mut Criterion) {
    let ours = Mutex::new(0_u64).expect("a shared region");
    let theirs = pthread_counter();

    let mut group = c.benchmark_group("process_lock_uncontended");
    group.bench_function("turnstile::process::Mutex", |b| {
        b.iter(|| turnstile_increment(black_box(&ours)))
    });
    group.bench_function("pthread robust pshared mutex", |b| {
        b.iter(|| pthread_increment(black_box(&theirs)))
    });
    group.finish();

    let mut group = c.benchmark_group("process_lock_contended_2_threads");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("turnstile::process::Mutex", |b| {
        b.iter_custom(|iters| {
            common::slowest_of(2, iters, || turnstile_increment(black_box(&ours)))
        })
    });
    group.bench_function("pthread robust pshared mutex", |b| {
        b.iter_custom(|iters| {
            common::slowest_of(2, iters, || pthread_increment(black_box(&theirs)))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = process_locks
}
criterion_main!(benches);
