//! turnstile's async waits next to tokio::sync's, both awaited on one
//! tokio current-thread runtime (the same executor for both, so the
//! difference is the primitive).
//!
//! `cargo bench --bench async_waits`. Groups:
//! - `async_semaphore_uncontended`: one task, acquire + release.
//! - `async_semaphore_2_tasks_1_permit`: two tasks take turns at one
//!   permit, each holding it across a `yield_now`, so every acquire but
//!   the first waits and is woken by the other's release; ns per acquire
//!   + release.
//! - `async_semaphore_8_tasks_1_permit`: the same with eight tasks, so
//!   that a release has seven waiting tasks to choose from (turnstile
//!   serves the oldest and wakes it alone; before issue 30 it woke all
//!   seven to race for the permit).
//! - `async_queue_1p1c`: a producer task and a consumer task, bounded(1024):
//!   `put_async` / `get_async` against tokio's `mpsc::channel(1024)`.
//! - `thread_to_task_1p1c`: a producer *thread* putting with the blocking
//!   call, a consumer *task* getting with the async one (`put` / `get_async`
//!   against `blocking_send` / `recv`): threads and tasks on one queue.
//!
//! Results and ratios (turnstile ÷ tokio) are in BENCHMARKS.md.

use std::hint::black_box;
use std::rc::Rc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tokio::runtime::{Builder, Runtime};
use tokio::task::yield_now;

const CAPACITY: usize = 1024;

fn runtime() -> Runtime {
    Builder::new_current_thread()
        .build()
        .expect("a current-thread runtime")
}

fn semaphore(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("async_semaphore_uncontended");
    group.bench_function("turnstile acquire_async", |b| {
        let sem = turnstile::Semaphore::new(1);
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(sem.acquire_async().await));
                }
                start.elapsed()
            })
        });
    });
    group.bench_function("tokio Semaphore acquire", |b| {
        let sem = tokio::sync::Semaphore::new(1);
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    drop(black_box(sem.acquire().await.expect("open")));
                }
                start.elapsed()
            })
        });
    });
    group.finish();

    // Two tasks take turns; eight make a line behind the one permit.
    for n in [2, 8] {
        let mut group = c.benchmark_group(format!("async_semaphore_{n}_tasks_1_permit"));
        group.bench_function("turnstile acquire_async", |b| {
            b.iter_custom(|iters| {
                let sem = Rc::new(turnstile::Semaphore::new(1));
                tasks(&rt, n, iters, move || {
                    let sem = Rc::clone(&sem);
                    async move {
                        let _permit = sem.acquire_async().await;
                        yield_now().await;
                    }
                })
            });
        });
        group.bench_function("tokio Semaphore acquire", |b| {
            b.iter_custom(|iters| {
                let sem = Rc::new(tokio::sync::Semaphore::new(1));
                tasks(&rt, n, iters, move || {
                    let sem = Rc::clone(&sem);
                    async move {
                        let _permit = sem.acquire().await.expect("open");
                        yield_now().await;
                    }
                })
            });
        });
        group.finish();
    }
}

/// `n` local tasks, each running `round` `iters / n` times (at least
/// once); the time for all `iters` rounds.
fn tasks<R, F>(rt: &Runtime, n: u64, iters: u64, round: R) -> Duration
where
    R: Fn() -> F + Clone + 'static,
    F: Future<Output = ()>,
{
    let each = (iters / n).max(1);
    let local = tokio::task::LocalSet::new();
    local.block_on(rt, async move {
        let start = Instant::now();
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let round = round.clone();
                tokio::task::spawn_local(async move {
                    for _ in 0..each {
                        round().await;
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("no panic");
        }
        start.elapsed()
    })
}

fn queues(c: &mut Criterion) {
    let rt = runtime();
    let mut group = c.benchmark_group("async_queue_1p1c");
    group.throughput(Throughput::Elements(1));
    group.bench_function("turnstile FifoQueue bounded(1024)", |b| {
        b.iter_custom(|iters| {
            let queue = Rc::new(turnstile::FifoQueue::bounded(CAPACITY).unwrap());
            let producer = Rc::clone(&queue);
            let local = tokio::task::LocalSet::new();
            local.block_on(&rt, async move {
                let start = Instant::now();
                let putting = tokio::task::spawn_local(async move {
                    for item in 0..iters {
                        producer.put_async(item).await.expect("open");
                    }
                });
                for _ in 0..iters {
                    black_box(queue.get_async().await.expect("open"));
                }
                putting.await.expect("no panic");
                start.elapsed()
            })
        });
    });
    group.bench_function("tokio mpsc channel(1024)", |b| {
        b.iter_custom(|iters| {
            let (sender, mut receiver) = tokio::sync::mpsc::channel(CAPACITY);
            let local = tokio::task::LocalSet::new();
            local.block_on(&rt, async move {
                let start = Instant::now();
                let putting = tokio::task::spawn_local(async move {
                    for item in 0..iters {
                        sender.send(item).await.expect("open");
                    }
                });
                for _ in 0..iters {
                    black_box(receiver.recv().await.expect("open"));
                }
                putting.await.expect("no panic");
                start.elapsed()
            })
        });
    });
    group.finish();

    let mut group = c.benchmark_group("thread_to_task_1p1c");
    group.throughput(Throughput::Elements(1));
    group.bench_function("turnstile FifoQueue bounded(1024)", |b| {
        b.iter_custom(|iters| {
            let queue = Arc::new(turnstile::FifoQueue::bounded(CAPACITY).unwrap());
            let start = Instant::now();
            let producer = {
                let queue = Arc::clone(&queue);
                thread::spawn(move || (0..iters).for_each(|item| queue.put(item).expect("open")))
            };
            rt.block_on(async {
                for _ in 0..iters {
                    black_box(queue.get_async().await.expect("open"));
                }
            });
            producer.join().expect("no panic");
            start.elapsed()
        });
    });
    group.bench_function("tokio mpsc channel(1024)", |b| {
        b.iter_custom(|iters| {
            let (sender, mut receiver) = tokio::sync::mpsc::channel(CAPACITY);
            let start = Instant::now();
            let producer = thread::spawn(move || {
                (0..iters).for_each(|item| sender.blocking_send(item).expect("open"))
            });
            rt.block_on(async {
                for _ in 0..iters {
                    black_box(receiver.recv().await.expect("open"));
                }
            });
            producer.join().expect("no panic");
            start.elapsed()
        });
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = semaphore, queues
}
criterion_main!(benches);
