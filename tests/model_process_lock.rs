//! loom models of the process lock (`process::RawProcessLock`) on its real
//! source: mutual exclusion, no lost wake-up, and the owner-died path —
//! a holder killed with the lock held is reported to the next taker, and a
//! waiter asleep at the time is woken — with its broken twin
//! (`DeathBlindLock`), which hangs there as Python's `multiprocessing.Lock`
//! does.
//!
//! A model's "process" is a loom thread; its death is
//! `turnstile::model::process::die`, the kernel's walk of its robust list.
//! `cargo test --test model_process_lock -- --show-output` prints loom's
//! reports.

mod common;

use common::{Guarded, expect_deadlock_in_child, model};
use loom::sync::Arc;
use turnstile::model::broken::DeathBlindLock;
use turnstile::model::cell::UnsafeCell;
use turnstile::model::process::{Acquired, RawProcessLock, die};
use turnstile::model::thread;

/// Property: two threads that add to a counter under the lock never overlap
/// and lose no update.
#[test]
fn process_lock_excludes() {
    model(|| {
        let shared = Guarded::new(RawProcessLock::new());
        let other = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                assert_eq!(shared.lock.lock(), Acquired::Consistent);
                shared.bump();
                unsafe { shared.lock.unlock() };
            })
        };
        assert_eq!(shared.lock.lock(), Acquired::Consistent);
        shared.bump();
        unsafe { shared.lock.unlock() };
        other.join().unwrap();
        assert_eq!(shared.total(), 2, "an update was lost");
    });
}

/// Property: two threads asleep on a held lock are both woken in turn: the
/// waiters bit survives the first one's wake-up.
#[test]
fn process_lock_loses_no_wakeup() {
    model(|| {
        let lock = Arc::new(RawProcessLock::new());
        let _ = lock.lock();
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let lock = Arc::clone(&lock);
                thread::spawn(move || {
                    let _ = lock.lock();
                    unsafe { lock.unlock() };
                })
            })
            .collect();
        unsafe { lock.unlock() };
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert!(!lock.is_locked());
    });
}

/// What the lock guards in the owner-died model: whether a holder left it
/// half-written. Touched only under the lock; loom's cell checks that.
struct Record {
    lock: RawProcessLock,
    half_written: UnsafeCell<bool>,
}

// SAFETY: `half_written` is only touched while `lock` is held, which is
// what loom's cell checks.
unsafe impl Sync for Record {}

/// The owner-died property: with three threads, one of which takes the
/// lock, half-writes the data and dies holding it, every later taker gets
/// [`Acquired::OwnerDied`] exactly when the data is half-written (until
/// one repairs it and calls `mark_consistent`), and nobody waits forever,
/// whether the waiters were asleep when the holder died, about to sleep,
/// or came later. `repair`: whether a taker repairs the data.
fn owner_died_is_reported(repair: bool) {
    let record = Arc::new(Record {
        lock: RawProcessLock::new(),
        half_written: UnsafeCell::new(false),
    });
    let holder = {
        let record = Arc::clone(&record);
        thread::spawn(move || {
            let _ = record.lock.lock();
            record.half_written.with_mut(|data| unsafe { *data = true });
            // Killed here, the lock held. SAFETY: the lock word lives in
            // `record`, which this thread keeps alive until it returns.
            unsafe { die() };
        })
    };
    let taker = move |record: Arc<Record>| {
        let acquired = record.lock.lock();
        let half_written = record.half_written.with(|data| unsafe { *data });
        assert_eq!(
            acquired == Acquired::OwnerDied,
            half_written,
            "OwnerDied must be reported exactly when a dead holder left the data half-written"
        );
        if half_written && repair {
            record
                .half_written
                .with_mut(|data| unsafe { *data = false });
            record.lock.mark_consistent();
        }
        unsafe { record.lock.unlock() };
    };
    let other = {
        let record = Arc::clone(&record);
        thread::spawn(move || taker(record))
    };
    taker(Arc::clone(&record));
    holder.join().unwrap();
    other.join().unwrap();
    assert!(
        !record.lock.is_locked(),
        "the dead holder's lock was never released"
    );
}

#[test]
fn owner_died_is_reported_to_every_taker_until_repaired() {
    model(|| owner_died_is_reported(false));
}

#[test]
fn owner_died_is_repaired_by_mark_consistent() {
    model(|| owner_died_is_reported(true));
}

/// A timed waiter racing the holder's death: it either times out or gets
/// the lock, told of the death; it never waits on.
#[test]
fn timed_waiter_racing_the_death_never_strands() {
    model(|| {
        let lock = Arc::new(RawProcessLock::new());
        let _ = lock.lock();
        let waiter = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let soon = std::time::Instant::now() + std::time::Duration::from_secs(1);
                if let Ok(acquired) = lock.lock_deadline(soon) {
                    assert_eq!(acquired, Acquired::OwnerDied);
                    unsafe { lock.unlock() };
                }
            })
        };
        // SAFETY: `lock` outlives this call.
        unsafe { die() };
        waiter.join().unwrap();
        // Whatever the waiter did, the lock is free and says the owner died.
        assert_eq!(lock.lock(), Acquired::OwnerDied);
    });
}

/// The twin: a waiter blind to the kernel's mark sleeps forever once the
/// holder dies. Run in a child, since loom ends the process on a deadlock.
#[test]
#[ignore = "run by death_blind_lock_hangs_when_the_holder_dies, in a child process"]
fn child_death_blind_lock() {
    model(|| {
        let lock = Arc::new(DeathBlindLock::new());
        let holder = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.lock();
                // SAFETY: `lock` is alive until this thread returns.
                unsafe { die() };
            })
        };
        holder.join().unwrap();
        lock.lock();
        unsafe { lock.unlock() };
    });
}

#[test]
fn death_blind_lock_hangs_when_the_holder_dies() {
    expect_deadlock_in_child("child_death_blind_lock");
}
