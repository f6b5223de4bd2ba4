//! Ordinary tests of `Event` on real threads: timeouts (which loom cannot
//! show), clear, and the Python return values.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{SLACK, Unparker, block_on};
use turnstile::Event;

#[test]
fn smoke() {
    let event = Event::new();
    assert!(!event.is_set());
    event.set();
    assert!(event.is_set());
    event.wait(); // returns at once
    event.set(); // idempotent
    assert!(event.is_set());
    event.clear();
    assert!(!event.is_set());
    assert_eq!(format!("{event:?}"), "Event { set: false }");
}

#[test]
fn wait_blocks_until_set() {
    let event = Arc::new(Event::new());
    let waiter = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            event.wait();
            Instant::now()
        })
    };
    thread::sleep(Duration::from_millis(50));
    assert!(!waiter.is_finished(), "wait returned before set");
    let set_at = Instant::now();
    event.set();
    assert!(common::join_within("a wait() on the event, released by set", waiter) >= set_at);
}

#[test]
fn wait_timeout_waits_then_reports_false() {
    common::within(
        common::PATIENCE,
        "a 100 ms wait_timeout on an event never set",
        wait_timeout_waits_then_reports_false_body,
    );
}

fn wait_timeout_waits_then_reports_false_body() {
    let event = Event::new();
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert!(event.wait_timeout(timeout).is_err());
    let waited = start.elapsed();
    assert!(waited >= timeout, "gave up after {waited:?}");
    assert!(waited < timeout + SLACK, "gave up only after {waited:?}");
}

#[test]
fn zero_and_max_timeouts() {
    common::within(
        common::PATIENCE,
        "zero and unlimited wait_timeouts on an event",
        zero_and_max_timeouts_body,
    );
}

fn zero_and_max_timeouts_body() {
    let event = Arc::new(Event::new());
    let start = Instant::now();
    assert!(
        event.wait_timeout(Duration::ZERO).is_err(),
        "a zero timeout just reads the flag"
    );
    assert!(start.elapsed() < SLACK);
    let setter = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            event.set();
        })
    };
    assert!(event.wait_timeout(Duration::MAX).is_ok());
    setter.join().unwrap();
    assert!(event.wait_timeout(Duration::ZERO).is_ok());
}

#[test]
fn clear_makes_later_waiters_wait_again() {
    common::within(
        common::PATIENCE,
        "10 ms wait_timeouts on a set, then cleared, event",
        clear_makes_later_waiters_wait_again_body,
    );
}

fn clear_makes_later_waiters_wait_again_body() {
    let event = Event::new();
    event.set();
    assert!(event.wait_timeout(Duration::from_millis(10)).is_ok());
    event.clear();
    assert!(event.wait_timeout(Duration::from_millis(10)).is_err());
}

/// Every thread waiting when `set` is called goes on, even if the event is
/// cleared again before it runs (CPython's rule since bpo-13502, checked by
/// lock_tests.EventTests.test_set_and_clear). Issue 10, defect 3: waiters
/// re-checked the flag and went back to sleep.
#[test]
fn a_set_followed_by_clear_still_releases_every_waiter() {
    let event = Arc::new(Event::new());
    let waiters: Vec<_> = (0..3)
        .map(|index| {
            let event = Arc::clone(&event);
            thread::spawn(move || {
                if index == 0 {
                    // The untimed wait: before the fix it never returned.
                    common::within(Duration::from_secs(5), "wait() after set(); clear()", {
                        let event = Arc::clone(&event);
                        move || event.wait()
                    });
                    true
                } else {
                    let started = Instant::now();
                    let woken = event.wait_timeout(Duration::from_secs(5)).is_ok();
                    assert!(
                        started.elapsed() < Duration::from_secs(4),
                        "the waiter slept until its timeout"
                    );
                    woken
                }
            })
        })
        .collect();
    thread::sleep(Duration::from_millis(500)); // let all three fall asleep
    event.set();
    event.clear();
    for waiter in waiters {
        // Longer than the waiters' own 5 s limits, so that theirs report.
        let woken = common::within(
            2 * common::PATIENCE,
            "a waiter, woken by set() then clear()",
            move || waiter.join(),
        );
        assert!(woken.unwrap(), "a waiter woken by set() reports true");
    }
    assert!(!event.is_set());
}

/// `wait_deadline` waits until the instant given and reports a timeout the
/// same way `wait_timeout` does; a set wakes it early.
#[test]
fn wait_deadline_waits_until_then_gives_up_or_is_woken() {
    common::within(
        common::PATIENCE,
        "wait_deadlines on an event, timed out or set",
        wait_deadline_waits_until_then_gives_up_or_is_woken_body,
    );
}

fn wait_deadline_waits_until_then_gives_up_or_is_woken_body() {
    let event = Arc::new(Event::new());
    let deadline = Instant::now() + Duration::from_millis(100);
    assert_eq!(event.wait_deadline(deadline), Err(turnstile::Timeout));
    assert!(Instant::now() >= deadline);
    let setter = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            event.set();
        })
    };
    let started = Instant::now();
    assert_eq!(
        event.wait_deadline(Instant::now() + Duration::from_secs(10)),
        Ok(())
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "woken by the set"
    );
    setter.join().unwrap();
}

#[test]
fn wait_async_is_ready_at_once_when_set_and_woken_by_a_set_otherwise() {
    let event = Event::new();
    event.set();
    assert_eq!(block_on(event.wait_async()), ((), 0), "no wake-up needed");

    let event = Arc::new(Event::new());
    let setter = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            event.set();
        })
    };
    let ((), wakes) = block_on(event.wait_async());
    setter.join().unwrap();
    assert_eq!(wakes, 1);
}

#[test]
fn a_thread_and_an_async_task_wait_for_the_same_set() {
    let event = Arc::new(Event::new());
    let thread_waiter = {
        let event = Arc::clone(&event);
        thread::spawn(move || event.wait())
    };
    let task_waiter = {
        let event = Arc::clone(&event);
        thread::spawn(move || block_on(event.wait_async()).1)
    };
    thread::sleep(Duration::from_millis(20)); // both waiting by now, most likely
    event.set();
    common::join_within("a thread's wait(), released by set", thread_waiter);
    let wakes = common::join_within("a task's wait_async, woken by set", task_waiter);
    assert!(wakes <= 1);
}

#[test]
fn wait_async_woken_by_a_set_is_ready_even_if_cleared_before_it_runs() {
    // CPython's bpo-13502, for an async waiter: it waits for a set, not for
    // the flag.
    let event = Event::new();
    let (waker, unparker) = Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut waiting = std::pin::pin!(event.wait_async());
    assert!(waiting.as_mut().poll(&mut context).is_pending());
    event.set();
    event.clear();
    assert_eq!(unparker.wakes(), 1);
    assert!(waiting.as_mut().poll(&mut context).is_ready());
    // A wait that starts after the clear waits for the next set.
    let mut later = std::pin::pin!(event.wait_async());
    assert!(later.as_mut().poll(&mut context).is_pending());
}

#[test]
fn a_cancelled_async_wait_leaves_no_waker_behind() {
    let event = Event::new();
    let (waker, unparker) = Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    for _ in 0..3 {
        let mut waiting = std::pin::pin!(event.wait_async());
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        assert!(waiting.as_mut().poll(&mut context).is_pending()); // re-polled: still one waker
        assert_eq!(
            Arc::strong_count(&unparker),
            3,
            "ours, the context's and the event's"
        );
    } // dropped: cancelled
    assert_eq!(
        Arc::strong_count(&unparker),
        2,
        "the event let go of the waker"
    );
    event.set();
    assert_eq!(unparker.wakes(), 0, "nobody to wake");
}

#[test]
fn a_re_polled_async_wait_wakes_the_latest_waker_and_an_ended_wait_keeps_the_others() {
    let event = Event::new();
    let (first, first_count) = Unparker::new();
    let (second, second_count) = Unparker::new();
    let mut a = std::pin::pin!(event.wait_async());
    assert!(
        a.as_mut()
            .poll(&mut std::task::Context::from_waker(&first))
            .is_pending()
    );
    assert!(
        a.as_mut()
            .poll(&mut std::task::Context::from_waker(&second))
            .is_pending()
    );
    assert!(format!("{a:?}").contains("waiting: true"), "{a:?}");
    event.set();
    assert_eq!((first_count.wakes(), second_count.wakes()), (0, 1));
    event.clear();
    // A new wait registers after the clear; the old one, woken by the set,
    // ends on its next poll and must leave the new one's waker in place.
    let (third, third_count) = Unparker::new();
    let mut b = std::pin::pin!(event.wait_async());
    assert!(
        b.as_mut()
            .poll(&mut std::task::Context::from_waker(&third))
            .is_pending()
    );
    assert!(
        a.as_mut()
            .poll(&mut std::task::Context::from_waker(&second))
            .is_ready()
    );
    event.set();
    assert_eq!(third_count.wakes(), 1, "the later wait was not woken");
    assert!(
        b.as_mut()
            .poll(&mut std::task::Context::from_waker(&third))
            .is_ready()
    );
}
