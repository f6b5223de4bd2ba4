//! Thread pools side by side: 10,000 trivial tasks submitted and every
//! result collected, on 2 workers.
//!
//! `cargo bench --bench pool`. Rows: turnstile (`submit` + `result`), the
//! threadpool crate with an mpsc channel for results, rayon's
//! `ThreadPool::spawn` with a channel as the latch, and a hand-written pool
//! on crossbeam-channel; plus turnstile's done-callback throughput. Pools
//! are built once; an iteration is the 10,000 tasks. Results in
//! BENCHMARKS.md.

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const TASKS: u64 = 10_000;
const WORKERS: usize = 2;

/// The hand-written pool: workers pull boxed jobs from a crossbeam channel.
struct CrossbeamPool {
    jobs: Option<crossbeam_channel::Sender<Box<dyn FnOnce() + Send>>>,
    workers: Vec<thread::JoinHandle<()>>,
}

impl CrossbeamPool {
    fn new(workers: usize) -> Self {
        let (jobs, queue) = crossbeam_channel::unbounded::<Box<dyn FnOnce() + Send>>();
        let workers = (0..workers)
            .map(|_| {
                let queue = queue.clone();
                thread::spawn(move || {
                    for job in queue {
                        job();
                    }
                })
            })
            .collect();
        Self {
            jobs: Some(jobs),
            workers,
        }
    }

    fn execute(&self, job: impl FnOnce() + Send + 'static) {
        self.jobs.as_ref().unwrap().send(Box::new(job)).unwrap();
    }
}

impl Drop for CrossbeamPool {
    fn drop(&mut self) {
        drop(self.jobs.take());
        for worker in self.workers.drain(..) {
            worker.join().unwrap();
        }
    }
}

fn pool(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool_10000_tasks");
    group.throughput(Throughput::Elements(TASKS));
    group.sample_size(30);

    let ours = turnstile::ThreadPool::new(WORKERS).unwrap();
    group.bench_function("turnstile submit+result", |b| {
        b.iter(|| {
            let futures: Vec<_> = (0..TASKS)
                .map(|n| ours.submit(move || n).unwrap())
                .collect();
            let sum: u64 = futures.into_iter().map(|f| f.into_result().unwrap()).sum();
            black_box(sum)
        })
    });

    let threadpool = threadpool::ThreadPool::new(WORKERS);
    group.bench_function("threadpool+mpsc", |b| {
        b.iter(|| {
            let (results, received) = std::sync::mpsc::channel();
            for n in 0..TASKS {
                let results = results.clone();
                threadpool.execute(move || results.send(n).unwrap());
            }
            let sum: u64 = received.iter().take(TASKS as usize).sum();
            black_box(sum)
        })
    });

    let rayon = rayon::ThreadPoolBuilder::new()
        .num_threads(WORKERS)
        .build()
        .unwrap();
    group.bench_function("rayon spawn+channel", |b| {
        b.iter(|| {
            let (results, received) = crossbeam_channel::unbounded();
            for n in 0..TASKS {
                let results = results.clone();
                rayon.spawn(move || results.send(n).unwrap());
            }
            let sum: u64 = received.iter().take(TASKS as usize).sum();
            black_box(sum)
        })
    });

    let crossbeam = CrossbeamPool::new(WORKERS);
    group.bench_function("crossbeam hand-written pool", |b| {
        b.iter(|| {
            let (results, received) = crossbeam_channel::unbounded();
            for n in 0..TASKS {
                let results = results.clone();
                crossbeam.execute(move || results.send(n).unwrap());
            }
            let sum: u64 = received.iter().take(TASKS as usize).sum();
            black_box(sum)
        })
    });

    group.bench_function("turnstile submit+callback", |b| {
        b.iter(|| {
            let (done, finished) = crossbeam_channel::unbounded();
            let sum = Arc::new(AtomicU64::new(0));
            for n in 0..TASKS {
                let future = ours.submit(move || n).unwrap();
                let (done, sum) = (done.clone(), Arc::clone(&sum));
                future.add_done_callback(move |outcome| {
                    sum.fetch_add(*outcome.as_ref().unwrap(), Ordering::Relaxed);
                    done.send(()).unwrap();
                });
            }
            finished.iter().take(TASKS as usize).for_each(drop);
            black_box(sum.load(Ordering::Relaxed))
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = pool
}
criterion_main!(benches);
