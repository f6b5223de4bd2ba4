//! Queues side by side: turnstile's FIFO against crossbeam-channel, std's
//! `sync_channel` and a textbook std `Mutex<VecDeque>` + two `Condvar`s.
//!
//! `cargo bench --bench queues`. Each iteration moves 100,000 `u64`s from
//! the producers to the consumers (threads started together in a scope); the
//! time per iteration divided by 100,000 is the cost per item. Groups:
//! `1p1c` and `2p2c` for FIFO queues, `orders_1p1c` for LIFO and priority.
//! Results are in BENCHMARKS.md.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use turnstile::queue::Locked;

const ITEMS: u64 = 100_000;
const CAPACITY: usize = 1024;

/// A multi-producer, multi-consumer queue of `u64`, as the benches use it.
trait Channel: Sync {
    fn send(&self, item: u64);
    fn recv(&self) -> u64;
}

impl<O: turnstile::queue::Order<u64>> Channel for turnstile::Queue<u64, O>
where
    turnstile::Queue<u64, O>: Sync,
{
    #[inline]
    fn send(&self, item: u64) {
        self.put(item).expect("never closed here");
    }
    #[inline]
    fn recv(&self) -> u64 {
        self.get().expect("never closed here")
    }
}

impl Channel
    for (
        crossbeam_channel::Sender<u64>,
        crossbeam_channel::Receiver<u64>,
    )
{
    #[inline]
    fn send(&self, item: u64) {
        self.0.send(item).expect("the receiver lives");
    }
    #[inline]
    fn recv(&self) -> u64 {
        self.1.recv().expect("the sender lives")
    }
}

/// The textbook bounded queue: a deque under a mutex, and two condvars.
struct Textbook {
    items: Mutex<VecDeque<u64>>,
    not_empty: Condvar,
    not_full: Condvar,
}

impl Channel for Textbook {
    fn send(&self, item: u64) {
        let mut items = self.items.lock().unwrap();
        while items.len() >= CAPACITY {
            items = self.not_full.wait(items).unwrap();
        }
        items.push_back(item);
        self.not_empty.notify_one();
    }
    fn recv(&self) -> u64 {
        let mut items = self.items.lock().unwrap();
        loop {
            if let Some(item) = items.pop_front() {
                self.not_full.notify_one();
                return item;
            }
            items = self.not_empty.wait(items).unwrap();
        }
    }
}

/// Moves `ITEMS` items through `channel` with `producers` and `consumers`
/// threads, each doing an equal share.
fn transfer(channel: &impl Channel, producers: u64, consumers: u64) {
    thread::scope(|scope| {
        for _ in 0..producers {
            scope.spawn(|| {
                for item in 0..ITEMS / producers {
                    channel.send(item);
                }
            });
        }
        for _ in 0..consumers {
            scope.spawn(|| {
                for _ in 0..ITEMS / consumers {
                    std::hint::black_box(channel.recv());
                }
            });
        }
    });
}

fn bench<C: Channel>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    (producers, consumers): (u64, u64),
    make: impl Fn() -> C,
) {
    group.bench_function(name, |b| b.iter(|| transfer(&make(), producers, consumers)));
}

fn fifo_group(c: &mut Criterion, name: &str, shape: (u64, u64)) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(ITEMS));
    group.sample_size(30);
    bench(
        &mut group,
        "turnstile FifoQueue bounded(1024)",
        shape,
        || turnstile::FifoQueue::bounded(CAPACITY).unwrap(),
    );
    bench(&mut group, "crossbeam bounded(1024)", shape, || {
        crossbeam_channel::bounded(CAPACITY)
    });
    // CPython's design, and turnstile's FIFO before issue 12: one lock.
    bench(
        &mut group,
        "turnstile Locked<VecDeque> bounded(1024)",
        shape,
        || turnstile::Queue::<u64, Locked<VecDeque<u64>>>::bounded(CAPACITY).unwrap(),
    );
    bench(
        &mut group,
        "turnstile FifoQueue unbounded",
        shape,
        turnstile::FifoQueue::unbounded,
    );
    bench(
        &mut group,
        "crossbeam unbounded",
        shape,
        crossbeam_channel::unbounded,
    );
    bench(&mut group, "std Mutex<VecDeque>+2 Condvars", shape, || {
        Textbook {
            items: Mutex::new(VecDeque::with_capacity(CAPACITY)),
            not_empty: Condvar::new(),
            not_full: Condvar::new(),
        }
    });
    if shape == (1, 1) {
        // std's channel has one receiver, so only the 1P1C shape.
        group.bench_function("std sync_channel(1024)", |b| {
            b.iter(|| {
                let (sender, receiver) = std::sync::mpsc::sync_channel(CAPACITY);
                thread::scope(|scope| {
                    scope.spawn(move || {
                        for item in 0..ITEMS {
                            sender.send(item).unwrap();
                        }
                    });
                    scope.spawn(move || {
                        for _ in 0..ITEMS {
                            std::hint::black_box(receiver.recv().unwrap());
                        }
                    });
                });
            })
        });
    }
    group.finish();
}

fn queues(c: &mut Criterion) {
    fifo_group(c, "1p1c", (1, 1));
    fifo_group(c, "2p2c", (2, 2));

    let mut group = c.benchmark_group("orders_1p1c");
    group.throughput(Throughput::Elements(ITEMS));
    group.sample_size(30);
    bench(
        &mut group,
        "turnstile LifoQueue bounded(1024)",
        (1, 1),
        || turnstile::LifoQueue::bounded(CAPACITY).unwrap(),
    );
    bench(
        &mut group,
        "turnstile PriorityQueue bounded(1024)",
        (1, 1),
        || turnstile::PriorityQueue::bounded(CAPACITY).unwrap(),
    );
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = queues
}
criterion_main!(benches);
