//! loom models of `Event`, and of the event whose waiter checks the flag
//! outside the lock. `cargo test --test model_event -- --show-output` prints
//! loom's report for the twin.

mod common;

use common::{CountingWaker, expect_deadlock_in_child, model, ready_after_at_most_one_wake};
use std::future::Future as _;
use std::task::Context;

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

/// Property: an async wait that races the set (its registration against
/// `set` taking the wakers) is woken exactly when it was left pending, and
/// a thread waiting on the same event is released by the same set.
#[test]
fn event_wait_async_racing_set_is_woken() {
    model(|| {
        let event = Arc::new(Event::new());
        let thread_waiter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.wait())
        };
        let setter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.set())
        };
        let (waker, wakes) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut waiting = std::pin::pin!(event.wait_async());
        let first = waiting.as_mut().poll(&mut context);
        setter.join().unwrap();
        thread_waiter.join().unwrap();
        ready_after_at_most_one_wake(first, &mut waiting, &mut context, &wakes);
    });
}

/// Property: a pending async wait dropped (cancelled) while another thread
/// sets the event neither panics nor keeps the other waiter from its
/// wake-up, under loom's own executor (a lost wake-up leaves `block_on`
/// parked, which loom reports).
#[test]
fn event_wait_async_cancelled_racing_set() {
    model(|| {
        let event = Arc::new(Event::new());
        let (waker, _) = CountingWaker::new();
        let mut cancelled = Box::pin(event.wait_async());
        assert!(
            cancelled
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        let setter = {
            let event = Arc::clone(&event);
            thread::spawn(move || event.set())
        };
        drop(cancelled);
        loom::future::block_on(event.wait_async());
        setter.join().unwrap();
    });
}
