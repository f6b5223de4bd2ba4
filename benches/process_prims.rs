//! The process RLock and Semaphore against the C library's: a recursive,
//! robust, process-shared `pthread_mutex_t` and a process-shared `sem_t`,
//! all in shared memory.
//!
//! `cargo bench --bench process_prims`. Groups:
//! - `process_rlock_uncontended`: one thread, acquire + release.
//! - `process_semaphore_uncontended`: one thread, acquire + release of one
//!   permit (turnstile's names its holder in a robust slot; `sem_t` knows
//!   nothing of its holders, so a killed holder's permit is lost there).
//! - `process_semaphore_contended_2_threads`: a semaphore of 1 used by two
//!   threads; one iteration is one acquire + release on each.
//!
//! Threads of one process stand in for processes, as in `process_lock`:
//! the sleeps are on shared futexes either way.

mod common;

use std::cell::UnsafeCell;
use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use turnstile::process::{Plain, RLock, Semaphore, Shared};

/// A recursive, robust, process-shared `pthread_mutex_t`.
#[repr(C)]
struct PthreadRecursive(UnsafeCell<libc::pthread_mutex_t>);

// SAFETY: a pthread mutex made process-shared; no Drop.
unsafe impl Plain for PthreadRecursive {}
// SAFETY: used only through pthread calls, which synchronise.
unsafe impl Sync for PthreadRecursive {}

/// A process-shared `sem_t`.
#[repr(C)]
struct PosixSemaphore(UnsafeCell<libc::sem_t>);

// SAFETY: a sem_t made process-shared (pshared = 1); no Drop.
unsafe impl Plain for PosixSemaphore {}
// SAFETY: used only through sem_* calls, which synchronise.
unsafe impl Sync for PosixSemaphore {}

fn pthread_recursive() -> Shared<PthreadRecursive> {
    // SAFETY: all-zero is a valid pattern to initialise over.
    let shared = Shared::new(PthreadRecursive(UnsafeCell::new(unsafe {
        std::mem::zeroed()
    })))
    .expect("a shared region");
    // SAFETY: the attribute is initialised before use and destroyed after;
    // the mutex is initialised once, in place, before any use.
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
        assert_eq!(
            libc::pthread_mutexattr_settype(&mut attr, libc::PTHREAD_MUTEX_RECURSIVE),
            0
        );
        assert_eq!(libc::pthread_mutex_init(shared.0.get(), &attr), 0);
        libc::pthread_mutexattr_destroy(&mut attr);
    }
    shared
}

fn posix_semaphore(permits: u32) -> Shared<PosixSemaphore> {
    // SAFETY: as above.
    let shared = Shared::new(PosixSemaphore(UnsafeCell::new(unsafe {
        std::mem::zeroed()
    })))
    .expect("a shared region");
    // SAFETY: initialised once, in place, process-shared.
    assert_eq!(unsafe { libc::sem_init(shared.0.get(), 1, permits) }, 0);
    shared
}

fn rlock_round(lock: &RLock) {
    if let Ok(guard) = lock.acquire() {
        black_box(&guard);
    }
}

fn pthread_round(lock: &PthreadRecursive) {
    // SAFETY: an initialised mutex, locked and unlocked on this thread.
    unsafe {
        libc::pthread_mutex_lock(lock.0.get());
        libc::pthread_mutex_unlock(lock.0.get());
    }
}

fn semaphore_round(sem: &Semaphore) {
    if let Ok(permit) = sem.acquire() {
        black_box(&permit);
    }
}

fn sem_t_round(sem: &PosixSemaphore) {
    // SAFETY: an initialised semaphore; every wait is paired with a post.
    unsafe {
        while libc::sem_wait(sem.0.get()) != 0 {}
        libc::sem_post(sem.0.get());
    }
}

fn process_prims(c: &mut Criterion) {
    let rlock = RLock::new().expect("a shared region");
    let pthread = pthread_recursive();
    let mut group = c.benchmark_group("process_rlock_uncontended");
    group.bench_function("turnstile::process::RLock", |b| {
        b.iter(|| rlock_round(black_box(&rlock)))
    });
    group.bench_function("pthread recursive robust pshared mutex", |b| {
        b.iter(|| pthread_round(black_box(&pthread)))
    });
    group.finish();

    let sem = Semaphore::new(1).expect("a shared region");
    let posix = posix_semaphore(1);
    let mut group = c.benchmark_group("process_semaphore_uncontended");
    group.bench_function("turnstile::process::Semaphore", |b| {
        b.iter(|| semaphore_round(black_box(&sem)))
    });
    group.bench_function("sem_t pshared", |b| {
        b.iter(|| sem_t_round(black_box(&posix)))
    });
    group.finish();

    let mut group = c.benchmark_group("process_semaphore_contended_2_threads");
    group.measurement_time(Duration::from_secs(8));
    group.bench_function("turnstile::process::Semaphore", |b| {
        b.iter_custom(|iters| common::slowest_of(2, iters, || semaphore_round(black_box(&sem))))
    });
    group.bench_function("sem_t pshared", |b| {
        b.iter_custom(|iters| common::slowest_of(2, iters, || sem_t_round(black_box(&posix))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = process_prims
}
criterion_main!(benches);
