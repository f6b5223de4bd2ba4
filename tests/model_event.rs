//! loom models of `Event`, and of the event whose waiter checks the flag
//! outside the lock. `cargo test --test model_event -- --show-output` prints
//! loom's report for the twin.

mod common;

use common::{expect_deadlock_in_child, model};
use loom::sync::Arc;
use turnstile::model::Event;
use turnstile::model::broken::CheckOutsideEvent;
use turnstile::model::thread;

/// Property: `wait` returns once the event is set, whether the set comes
/// before the wait, during its fast-path look, or while it sleeps. loom tries
/// each; a set lost between look and sleep would be reported as a deadlock.
#[test]
fn event_wait_returns_after_set() {
    model(|| {
        let event = Arc::new(Event::new());
        let waiter = {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                event.wait();
                assert!(event.is_set());
            })
        };
        event.set();
        waiter.join().unwrap();
    });
}

/// Property: a set wakes every waiter (two here), including one that is
/// between its fast-path look and its sleep.
#[test]
fn event_set_wakes_every_waiter() {
    model(|| {
        let event = Arc::new(Event::new());
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let event = Arc::clone(&event);
                thread::spawn(move || event.wait())
            })
            .collect();
        event.set();
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });
}

#[test]
fn broken_event_checking_outside_the_lock_is_caught() {
    expect_deadlock_in_child("child_event_checking_outside_the_lock");
}

/// Run in a child process by `broken_event_checking_outside_the_lock_is_caught`.
#[test]
#[ignore = "run in a child process by broken_event_checking_outside_the_lock_is_caught"]
fn child_event_checking_outside_the_lock() {
    model(|| {
        let event = Arc::new(CheckOutsideEvent::new());
        let waiter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait())
        };
        event.set();
        waiter.join().unwrap();
    });
}

/// Property: what the setter wrote before `set` is visible to a thread
/// that sees the event set, by any path: `is_set`, `wait`'s fast path (one
/// atomic load, no lock) or a wait that slept. loom's cell reports a read
/// that no happens-before edge orders after the write: the Release in `set`
/// and the Acquire in `is_set` are that edge.
#[test]
fn event_publishes_what_was_written_before_set() {
    model(|| {
        let shared = Arc::new((Event::new(), turnstile::model::cell::UnsafeCell::new(0u32)));
        let reader = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (event, data) = &*shared;
                if event.is_set() {
                    // SAFETY (the property under test): set() published it.
                    assert_eq!(data.with(|value| unsafe { *value }), 42);
                }
                event.wait();
                // SAFETY: as above.
                assert_eq!(data.with(|value| unsafe { *value }), 42);
            })
        };
        let (event, data) = &*shared;
        // SAFETY: the reader reads only after seeing the event set.
        data.with_mut(|value| unsafe { *value = 42 });
        event.set();
        reader.join().unwrap();
    });
}
