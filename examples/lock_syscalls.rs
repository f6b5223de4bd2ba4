//! Lock and unlock in a loop, to count system calls with `strace`.
//!
//! A good lock makes no system call when nobody waits: an uncontended lock and
//! unlock are two atomic instructions. Under contention, sleeping and waking
//! need the kernel (a futex wait and wake on Linux); how often a lock does
//! that is a measure of how well it spins first.
//!
//! ```text
//! cargo build --release --example lock_syscalls
//! strace -f -c -e trace=futex,sched_yield target/release/examples/lock_syscalls turnstile 1
//! strace -f -c -e trace=futex,sched_yield target/release/examples/lock_syscalls turnstile 2
//! ```
//!
//! Arguments: the lock (`turnstile`, `parking_lot`, `std`, `queue` for a
//! turnstile `FifoQueue` put + get, or `none` for the program's own calls
//! without a lock) and the number of threads (1 = uncontended); with no
//! arguments, `turnstile 1`. Each thread does 1,000,000 lock + increment +
//! unlock. BENCHMARKS.md has the counts.

use std::process::ExitCode;
use std::thread;

const ITERATIONS: u64 = 1_000_000;

fn hammer<L: Sync>(lock: &L, threads: u64, increment: fn(&L)) {
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..ITERATIONS {
                    increment(lock);
                }
            });
        }
    });
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.is_empty() {
        // The first case worth seeing: one thread, nobody ever waits.
        println!(
            "no arguments: turnstile, 1 thread (usage: lock_syscalls \
             turnstile|parking_lot|std|queue|none THREADS)"
        );
        args = vec!["turnstile".to_owned(), "1".to_owned()];
    }
    let threads = match args.get(1).map(|n| n.parse::<u64>()) {
        Some(Ok(n)) if n >= 1 => n,
        _ => {
            eprintln!(
                "usage: lock_syscalls turnstile|parking_lot|std|queue|none THREADS (THREADS >= 1)"
            );
            return ExitCode::FAILURE;
        }
    };
    let total = match args[0].as_str() {
        "turnstile" => {
            let lock = turnstile::Mutex::new(0u64);
            hammer(&lock, threads, |lock| *lock.lock() += 1);
            lock.into_inner()
        }
        "parking_lot" => {
            let lock = parking_lot::Mutex::new(0u64);
            hammer(&lock, threads, |lock| *lock.lock() += 1);
            lock.into_inner()
        }
        "std" => {
            let lock = std::sync::Mutex::new(0u64);
            hammer(&lock, threads, |lock| *lock.lock().unwrap() += 1);
            lock.into_inner().unwrap()
        }
        // A turnstile queue: each iteration is a put and a get, so with one
        // thread nobody ever waits and no notify may reach the kernel.
        "queue" => {
            let queue = turnstile::FifoQueue::bounded(1024).expect("capacity is not 0");
            hammer(&queue, threads, |queue| {
                queue.put(1u64).expect("never closed");
                queue.get().expect("never closed");
            });
            threads * ITERATIONS
        }
        // No lock at all: the system calls the program makes anyway (thread
        // start and join), to subtract from the others.
        "none" => {
            let counter = std::sync::atomic::AtomicU64::new(0);
            hammer(&counter, threads, |counter| {
                counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            });
            counter.into_inner()
        }
        other => {
            eprintln!("unknown lock {other:?}: choose turnstile, parking_lot, std, queue or none");
            return ExitCode::FAILURE;
        }
    };
    assert_eq!(total, threads * ITERATIONS, "the lock lost an update");
    println!("{} threads x {ITERATIONS} increments = {total}", threads);
    ExitCode::SUCCESS
}
