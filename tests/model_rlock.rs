//! loom models of `RLock`, and of its broken twins.
//!
//! As in `model_mutex.rs`: each property is written once and run on the real
//! lock (loom must find nothing) and on a twin (loom must find the bug).
//! `cargo test --test model_rlock -- --show-output` prints loom's reports.

mod common;

use common::{Guarded, expect_loom_to_catch, model};
use loom::sync::Arc;
use turnstile::model::RLock;
use turnstile::model::broken::{AnyOwnerRLock, StaleOwnerRLock};
use turnstile::model::thread;

/// What the properties need from a reentrant lock: run `f` holding it.
/// Nested calls on one thread are re-entry.
trait Reentrant: Send + Sync + 'static {
    fn new() -> Self;
    fn with_lock(&self, f: impl FnOnce());
}

impl Reentrant for RLock<()> {
    fn new() -> Self {
        RLock::new(())
    }
    fn with_lock(&self, f: impl FnOnce()) {
        let _held = self.lock();
        f();
    }
}

macro_rules! raw_reentrant {
    ($($lock:ty),*) => {$(
        impl Reentrant for $lock {
            fn new() -> Self { <$lock>::new() }
            fn with_lock(&self, f: impl FnOnce()) {
                self.lock();
                f();
                // SAFETY: taken just above on this thread.
                unsafe { self.unlock() };
            }
        }
    )*};
}
raw_reentrant!(AnyOwnerRLock, StaleOwnerRLock);

/// Runs `body` on a second loom thread and on this one, then joins.
fn on_two_threads<L: Reentrant>(shared: &Arc<Guarded<L>>, body: fn(&Guarded<L>)) {
    let other = {
        let shared = Arc::clone(shared);
        thread::spawn(move || body(&shared))
    };
    body(shared);
    other.join().unwrap();
}

/// Property: the owner re-enters without waiting for itself, and another
/// thread still gets in once the owner's outer hold is released.
fn reentry_by_owner<L: Reentrant>() {
    let shared = Guarded::new(L::new());
    on_two_threads(&shared, |shared| {
        shared
            .lock
            .with_lock(|| shared.lock.with_lock(|| shared.bump()));
    });
    assert_eq!(shared.total(), 2);
}

/// Property: while one thread holds the lock, no other thread enters, over
/// two rounds each (the second round is when a stale owner comes back).
fn exclusion_of_others<L: Reentrant>() {
    let shared = Guarded::new(L::new());
    on_two_threads(&shared, |shared| {
        for _ in 0..2 {
            shared.lock.with_lock(|| shared.bump());
        }
    });
    assert_eq!(shared.total(), 4);
}

/// Property: releasing an inner hold keeps the lock (the outer hold still
/// excludes others); releasing the last one lets the other thread in.
fn count_back_to_zero_releases<L: Reentrant>() {
    let shared = Guarded::new(L::new());
    on_two_threads(&shared, |shared| {
        shared.lock.with_lock(|| {
            shared.lock.with_lock(|| {});
            // Count is back to 1: still ours.
            shared.bump();
        });
    });
    assert_eq!(shared.total(), 2);
}

#[test]
fn rlock_reentry_by_owner() {
    model(reentry_by_owner::<RLock<()>>);
}

#[test]
fn rlock_exclusion_of_others() {
    model(exclusion_of_others::<RLock<()>>);
}

#[test]
fn rlock_count_back_to_zero_releases() {
    model(count_back_to_zero_releases::<RLock<()>>);
}

/// Property: the hold count and ownership query describe the current thread
/// only, whatever the other thread is doing with the lock.
#[test]
fn rlock_hold_count_is_per_thread() {
    model(|| {
        let lock = Arc::new(RLock::new(()));
        let other = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let _outer = lock.lock();
                let _inner = lock.lock();
                assert_eq!(lock.hold_count(), 2);
                assert!(lock.is_owned_by_current_thread());
            })
        };
        assert_eq!(lock.hold_count(), 0);
        {
            let _held = lock.lock();
            assert_eq!(lock.hold_count(), 1);
            assert!(lock.is_owned_by_current_thread());
        }
        assert_eq!(lock.hold_count(), 0);
        assert!(!lock.is_owned_by_current_thread());
        other.join().unwrap();
        assert!(!lock.is_locked());
    });
}

// The broken twins: each test passes only when loom catches the bug.

#[test]
fn broken_any_owner_rlock_is_caught() {
    let report = expect_loom_to_catch(
        "a thread entering an RLock another thread holds (count not tied to owner)",
        exclusion_of_others::<AnyOwnerRLock>,
    );
    assert!(report.contains("Causality violation"), "{report}");
}

#[test]
fn broken_stale_owner_rlock_is_caught() {
    let report = expect_loom_to_catch(
        "a former owner re-entering because release left its id behind",
        exclusion_of_others::<StaleOwnerRLock>,
    );
    assert!(report.contains("Causality violation"), "{report}");
}
