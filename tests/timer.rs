//! Ordinary tests of `Timer` on real threads: the delay (which loom cannot
//! show), cancelling in time and too late, a panicking call, and a timer
//! dropped without a join.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use common::SLACK;
use turnstile::pool::TaskError;
use turnstile::{Event, Timer};

#[test]
fn the_call_comes_after_the_interval_once() {
    common::within(
        common::PATIENCE,
        "a timer's join, after its call 100 ms later",
        the_call_comes_after_the_interval_once_body,
    );
}

fn the_call_comes_after_the_interval_once_body() {
    let calls = Arc::new(AtomicUsize::new(0));
    let interval = Duration::from_millis(100);
    let started = Instant::now();
    let at = Arc::new(std::sync::Mutex::new(None));
    let timer = {
        let (calls, at) = (Arc::clone(&calls), Arc::clone(&at));
        Timer::start(interval, move || {
            calls.fetch_add(1, SeqCst);
            *at.lock().unwrap() = Some(started.elapsed());
        })
        .unwrap()
    };
    assert!(!timer.is_done());
    assert_eq!(timer.join(), Ok(()));
    assert_eq!(calls.load(SeqCst), 1);
    let at = at.lock().unwrap().expect("called");
    assert!(at >= interval && at < interval + SLACK, "called at {at:?}");
}

#[test]
fn a_cancel_in_time_stops_the_call_for_good() {
    common::within(
        common::PATIENCE,
        "a cancelled timer's join, to return at once",
        a_cancel_in_time_stops_the_call_for_good_body,
    );
}

fn a_cancel_in_time_stops_the_call_for_good_body() {
    let calls = Arc::new(AtomicUsize::new(0));
    let timer = {
        let calls = Arc::clone(&calls);
        Timer::start(Duration::from_millis(200), move || {
            calls.fetch_add(1, SeqCst);
        })
        .unwrap()
    };
    assert!(!timer.is_done());
    assert!(timer.cancel());
    assert!(timer.is_done(), "a cancelled timer is done");
    assert!(timer.cancel(), "cancelling twice is harmless");
    let started = Instant::now();
    assert_eq!(timer.join(), Err(TaskError::Cancelled));
    assert!(started.elapsed() < SLACK, "the thread left at once");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(calls.load(SeqCst), 0);
}

#[test]
fn a_cancel_after_the_call_started_is_too_late() {
    common::within(
        common::PATIENCE,
        "a timer's call to start, and its join after it",
        a_cancel_after_the_call_started_is_too_late_body,
    );
}

fn a_cancel_after_the_call_started_is_too_late_body() {
    let (running, finish) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let timer = {
        let (running, finish) = (Arc::clone(&running), Arc::clone(&finish));
        Timer::start(Duration::ZERO, move || {
            running.set();
            finish.wait();
        })
        .unwrap()
    };
    running.wait();
    assert!(!timer.cancel(), "running: too late");
    finish.set();
    assert_eq!(timer.join(), Ok(()));
}

#[test]
fn a_panicking_call_is_reported_by_join() {
    common::within(
        common::PATIENCE,
        "the join of a timer whose call panics",
        a_panicking_call_is_reported_by_join_body,
    );
}

fn a_panicking_call_is_reported_by_join_body() {
    let timer = Timer::start(Duration::ZERO, || panic!("the alarm broke")).unwrap();
    assert_eq!(
        timer.join(),
        Err(TaskError::Panicked("the alarm broke".into()))
    );
}

#[test]
fn a_dropped_timer_still_calls() {
    common::within(
        2 * common::PATIENCE,
        "the call of a dropped timer (its own limit is 5 s)",
        a_dropped_timer_still_calls_body,
    );
}

fn a_dropped_timer_still_calls_body() {
    let called = Arc::new(Event::new());
    {
        let called = Arc::clone(&called);
        let timer = Timer::start(Duration::from_millis(20), move || called.set()).unwrap();
        assert!(format!("{timer:?}").contains("Pending"));
    }
    assert_eq!(called.wait_timeout(Duration::from_secs(5)), Ok(()));
}
