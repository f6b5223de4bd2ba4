//! Ordinary tests of `RLock` on real threads: re-entry, ownership queries,
//! timeouts (which loom cannot show), panics and the API's edges.

use std::cell::{Cell, RefCell};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::{Holder, SLACK, hold_elsewhere};
use turnstile::{RLock, RLockGuard};

/// Holds `lock` twice on another thread until the holder is released.
fn hold_rlock_elsewhere<T: Send + 'static>(lock: &Arc<RLock<T>>) -> Holder {
    let lock = Arc::clone(lock);
    hold_elsewhere(move |wait| {
        let _outer = lock.lock();
        let _inner = lock.lock();
        wait();
    })
}

#[test]
fn smoke() {
    let lock = RLock::new(5);
    let outer = lock.lock();
    let inner = lock.lock();
    assert_eq!(*outer + *inner, 10);
    assert_eq!(lock.hold_count(), 2);
    drop(inner);
    assert_eq!(lock.hold_count(), 1);
    assert!(lock.is_locked());
    drop(outer);
    assert_eq!(lock.hold_count(), 0);
    assert!(!lock.is_locked());
}

#[test]
fn reentry_with_refcell_and_cell() {
    let lock = RLock::new((RefCell::new(Vec::new()), Cell::new(0)));
    let outer = lock.lock();
    outer.0.borrow_mut().push(1);
    {
        let inner = lock.lock();
        inner.0.borrow_mut().push(2);
        inner.1.set(inner.1.get() + 1);
    }
    outer.1.set(outer.1.get() + 1);
    assert_eq!(*outer.0.borrow(), [1, 2]);
    assert_eq!(outer.1.get(), 2);
}

#[test]
fn owner_reenters_while_others_wait() {
    let lock = Arc::new(RLock::new(()));
    let holder = hold_rlock_elsewhere(&lock);
    assert!(lock.is_locked());
    assert!(!lock.is_owned_by_current_thread());
    assert_eq!(lock.hold_count(), 0, "another thread's holds are not ours");
    assert!(lock.try_lock().is_none());

    let entered = Arc::new(AtomicBool::new(false));
    let waiter = {
        let lock = Arc::clone(&lock);
        let entered = Arc::clone(&entered);
        thread::spawn(move || {
            let _held = lock.lock();
            entered.store(true, Ordering::SeqCst);
        })
    };
    thread::sleep(Duration::from_millis(50));
    assert!(
        !entered.load(Ordering::SeqCst),
        "a second thread entered a held RLock"
    );
    holder.release();
    common::join_within(
        "a lock() blocked on a held RLock, after its release",
        waiter,
    );
    assert!(entered.load(Ordering::SeqCst));
}

#[test]
fn count_back_to_zero_releases() {
    common::within(
        common::PATIENCE,
        "other threads' try_lock of an RLock held twice",
        count_back_to_zero_releases_body,
    );
}

fn count_back_to_zero_releases_body() {
    let lock = Arc::new(RLock::new(()));
    let outer = lock.lock();
    let inner = lock.lock();
    let try_from_elsewhere = |lock: &Arc<RLock<()>>| {
        let lock = Arc::clone(lock);
        thread::spawn(move || lock.try_lock().is_some())
            .join()
            .unwrap()
    };
    drop(inner);
    assert!(!try_from_elsewhere(&lock), "released with one hold left");
    drop(outer);
    assert!(
        try_from_elsewhere(&lock),
        "not released after the last hold"
    );
}

#[test]
fn try_lock_reenters() {
    let lock = RLock::new(());
    let _outer = lock.try_lock().expect("a free lock");
    let _inner = lock.try_lock().expect("the owner re-enters");
    assert_eq!(lock.hold_count(), 2);
}

#[test]
fn contended_lock_timeout_waits_then_gives_up() {
    common::within(
        common::PATIENCE,
        "a 100 ms lock_timeout of an RLock held elsewhere",
        contended_lock_timeout_waits_then_gives_up_body,
    );
}

fn contended_lock_timeout_waits_then_gives_up_body() {
    let lock = Arc::new(RLock::new(()));
    let holder = hold_rlock_elsewhere(&lock);
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert!(lock.lock_timeout(timeout).is_err());
    let waited = start.elapsed();
    assert!(
        waited >= timeout,
        "gave up after {waited:?}, before {timeout:?}"
    );
    assert!(waited < timeout + SLACK, "gave up only after {waited:?}");
    holder.release();
}

#[test]
fn lock_timeout_reenters_at_once() {
    common::within(
        common::PATIENCE,
        "an owner's lock_timeout, to re-enter at once",
        lock_timeout_reenters_at_once_body,
    );
}

fn lock_timeout_reenters_at_once_body() {
    let lock = RLock::new(());
    let _outer = lock.lock();
    let start = Instant::now();
    assert!(lock.lock_timeout(Duration::from_secs(10)).is_ok());
    assert!(start.elapsed() < SLACK);
}

#[test]
fn zero_and_max_timeouts() {
    common::within(
        common::PATIENCE,
        "zero and unlimited lock_timeouts of an RLock",
        zero_and_max_timeouts_body,
    );
}

fn zero_and_max_timeouts_body() {
    let lock = Arc::new(RLock::new(()));
    assert!(lock.lock_timeout(Duration::ZERO).is_ok());
    assert!(lock.lock_timeout(Duration::MAX).is_ok());
    let holder = hold_rlock_elsewhere(&lock);
    let start = Instant::now();
    assert!(lock.lock_timeout(Duration::ZERO).is_err());
    assert!(lock.lock_deadline(Instant::now()).is_err());
    assert!(start.elapsed() < SLACK);
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        holder.release();
    });
    assert!(
        lock.lock_timeout(Duration::MAX).is_ok(),
        "waits without limit"
    );
    releaser.join().unwrap();
}

#[test]
fn panic_while_holding_releases_every_hold() {
    common::within(
        common::PATIENCE,
        "a try_lock of an RLock whose holder panicked",
        panic_while_holding_releases_every_hold_body,
    );
}

fn panic_while_holding_releases_every_hold_body() {
    let lock = Arc::new(RLock::new(()));
    let result = {
        let lock = Arc::clone(&lock);
        thread::spawn(move || {
            let _outer = lock.lock();
            let _inner = lock.lock();
            panic!("the holder fails while nested");
        })
        .join()
    };
    assert!(result.is_err());
    assert!(!lock.is_locked());
    assert!(lock.try_lock().is_some());
}

#[test]
fn debug_default_get_mut_into_inner() {
    let mut lock: RLock<Vec<i32>> = RLock::default();
    lock.get_mut().push(1);
    assert_eq!(format!("{lock:?}"), "RLock { data: [1], .. }");
    {
        // The owner can still format it: formatting re-enters.
        let guard = lock.lock();
        assert_eq!(format!("{lock:?}"), "RLock { data: [1], .. }");
        assert_eq!(format!("{guard:?}"), "[1]");
    }
    assert_eq!(lock.into_inner(), [1]);
    assert_eq!(*RLock::from(2).lock(), 2);
}

#[test]
fn debug_from_another_thread_does_not_wait() {
    let lock = Arc::new(RLock::new(1));
    let holder = hold_rlock_elsewhere(&lock);
    assert_eq!(format!("{lock:?}"), "RLock { data: <locked>, .. }");
    holder.release();
}

#[test]
fn send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    fn sync<T: Sync>() {}
    send_sync::<RLock<i32>>();
    // Sync needs only `T: Send`, so the RefCell pattern works across threads.
    send_sync::<RLock<RefCell<Vec<i32>>>>();
    sync::<RLockGuard<'static, i32>>();
}

/// A compile-time check: the guard must not be `Send`.
#[test]
fn guard_is_not_send() {
    assert_not_send!(RLockGuard<'static, i32>);
}
