//! The process pool beside the thread pool: 1,000 trivial tasks queued
//! with `apply_async` (`submit`) and every result collected, on 2 workers.
//!
//! `cargo bench --bench process_pool`. Rows: `process::Pool` (each task
//! is a postcard frame to a worker process over a socketpair and one back,
//! settled by the worker's minder thread) and `ThreadPool` (a closure
//! through an in-process queue), both built once; an iteration is the
//! 1,000 tasks. The thread pool is not a rival, it is the scale: what
//! crossing a process boundary costs per task. Python's
//! `multiprocessing.Pool` on the same work: `benches/python_process_pool.py`.
//! Results in BENCHMARKS.md.

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group};
use turnstile::ThreadPool;
use turnstile::process::Pool;

const TASKS: u64 = 1_000;
const WORKERS: usize = 2;

fn identity(n: u64) -> u64 {
    n
}

fn pools(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool_1000_tasks_2_workers");
    group.throughput(Throughput::Elements(TASKS));

    let processes = Pool::new(WORKERS).expect("a process pool");
    group.bench_function("turnstile process::Pool", |b| {
        b.iter(|| {
            let futures: Vec<_> = (0..TASKS)
                .map(|n| processes.apply_async(identity, n).unwrap())
                .collect();
            let total: u64 = futures.into_iter().map(|f| f.into_result().unwrap()).sum();
            assert_eq!(total, TASKS * (TASKS - 1) / 2);
        });
    });
    processes.close();
    processes.join().unwrap();

    let threads = ThreadPool::new(WORKERS).expect("a thread pool");
    group.bench_function("turnstile ThreadPool (scale)", |b| {
        b.iter(|| {
            let futures: Vec<_> = (0..TASKS)
                .map(|n| threads.submit(move || identity(n)).unwrap())
                .collect();
            let total: u64 = futures.into_iter().map(|f| f.into_result().unwrap()).sum();
            assert_eq!(total, TASKS * (TASKS - 1) / 2);
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = pools
}

// Not `criterion_main!`: a worker process is this bench binary run again,
// and `process::init()` must come first in `main` to run it.
fn main() {
    turnstile::process::init();
    benches();
    Criterion::default().configure_from_args().final_summary();
}
