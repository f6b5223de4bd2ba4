//! Two lessons from the Python notes, as code loom can check.
//!
//! The test `tests/lessons.rs` runs each one inside `loom::model`: the broken
//! version fails (loom prints the schedule that breaks it), the fixed version
//! passes. `examples/counter_race.rs` shows the first lesson on real threads.

use super::facade::{AtomicUsize, Ordering};
use super::mutex::Mutex;

/// The notes' lost update, broken: one `g_num += 1` done as a read and a
/// separate write.
///
/// Python lesson: two threads each run `for i in range(1000000): g_num += 1`
/// on a global, and the total comes out short, because `+=` reads `g_num`,
/// adds, and writes back in steps another thread can interleave with. Here the
/// read and the write are an atomic load and an atomic store, so there is no
/// undefined behaviour, only the same lost update: two threads both load 0,
/// both store 1.
pub fn add_one_unlocked(g_num: &AtomicUsize) {
    let seen = g_num.load(Ordering::Relaxed);
    g_num.store(seen + 1, Ordering::Relaxed);
}

/// The notes' fix for the lost update: the read and the write happen under
/// one lock (Python: `with lock: g_num += 1`).
pub fn add_one_locked(g_num: &Mutex<usize>) {
    *g_num.lock() += 1;
}

/// The notes' deadlock, broken: takes `first`, then `second`, and moves one
/// unit from the first to the second.
///
/// Python lesson: thread A does `with lock_a: with lock_b: ...` while thread B
/// does `with lock_b: with lock_a: ...`. Each takes its first lock, then waits
/// forever for the other's. Call this as `transfer(a, b)` on one thread and
/// `transfer(b, a)` on another to get the same.
pub fn transfer(first: &Mutex<u32>, second: &Mutex<u32>) {
    let mut from = first.lock();
    let mut to = second.lock();
    *from -= 1;
    *to += 1;
}

/// The notes' fix for the deadlock: every thread takes the two locks in the
/// same global order (here, by address), whichever way the money goes. A
/// cycle of waiting threads then cannot form.
pub fn transfer_in_lock_order(first: &Mutex<u32>, second: &Mutex<u32>) {
    let first_in_order = core::ptr::from_ref(first) < core::ptr::from_ref(second);
    let (mut from, mut to) = if first_in_order {
        let from = first.lock();
        (from, second.lock())
    } else {
        let to = second.lock();
        (first.lock(), to)
    };
    *from -= 1;
    *to += 1;
}
