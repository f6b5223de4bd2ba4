//! The notes' first lesson: two threads each add 1 to `g_num` a million
//! times, and without a lock the total comes out short.
//!
//! The Python original:
//!
//! ```python
//! g_num = 0
//!
//! def work():
//!     global g_num
//!     for i in range(1000000):
//!         g_num += 1          # read, add, write: three steps
//!
//! t1 = threading.Thread(target=work); t2 = threading.Thread(target=work)
//! t1.start(); t2.start(); t1.join(); t2.join()
//! print(g_num)                # less than 2000000
//! ```
//!
//! Here the unlocked version reads and writes with an atomic load and a
//! separate atomic store: no undefined behaviour, the same lost updates. The
//! locked version holds a `turnstile::Mutex` across the read and the write.
//!
//! `cargo run --example counter_race` (add `--release` for speed; either
//! finishes in well under a second). To watch loom find the lost update in
//! every possible schedule: `cargo test --test lessons -- --show-output`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Instant;

use turnstile::Mutex;

pub const THREADS: u64 = 2;
pub const INCREMENTS: u64 = 1_000_000;

/// `g_num += 1` as two steps another thread can come between.
fn add_one_unlocked(g_num: &AtomicU64) {
    let seen = g_num.load(Ordering::Relaxed);
    g_num.store(seen + 1, Ordering::Relaxed);
}

/// `with lock: g_num += 1`.
pub fn add_one_locked(g_num: &Mutex<u64>) {
    *g_num.lock() += 1;
}

/// Runs `work` on `THREADS` threads, `INCREMENTS` times each.
pub fn race<T: Sync>(shared: &T, work: fn(&T)) {
    thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for _ in 0..INCREMENTS {
                    work(shared);
                }
            });
        }
    });
}

fn main() {
    let expected = THREADS * INCREMENTS;
    println!("{THREADS} threads x {INCREMENTS} increments of g_num; expected total {expected}\n");

    let started = Instant::now();
    let g_num = AtomicU64::new(0);
    race(&g_num, add_one_unlocked);
    let unlocked = g_num.into_inner();
    println!(
        "without a lock:        {unlocked:>9}  ({} updates lost, {:.0?})",
        expected - unlocked,
        started.elapsed()
    );

    let started = Instant::now();
    let g_num = Mutex::new(0);
    race(&g_num, add_one_locked);
    let locked = g_num.into_inner();
    println!(
        "with turnstile::Mutex: {locked:>9}  ({} updates lost, {:.0?})",
        expected - locked,
        started.elapsed()
    );

    assert_eq!(locked, expected, "the mutex lost an update");
    if unlocked == expected {
        println!(
            "\nThe unlocked run lost nothing this time: the threads happened not to \
             overlap. Run it again, or let loom show the losing schedule."
        );
    } else {
        println!("\nThe lost updates are the notes' lesson: a read and a write are two steps.");
    }
    println!(
        "VERDICT: unlocked lost {} of {expected} updates; locked lost none",
        expected - unlocked
    );
}
