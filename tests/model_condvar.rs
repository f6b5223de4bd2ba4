//! loom models of `Condvar` with `Mutex` and with `RLock`, and the broken
//! "wait with `if`" consumer. `cargo test --test model_condvar -- --show-output`
//! prints loom's report for the twin.

mod common;

use std::cell::Cell;

use common::{Branches, expect_loom_to_catch, model};
use loom::sync::Arc;
use turnstile::model::broken::take_one_waiting_with_if;
use turnstile::model::thread;
use turnstile::model::{Condvar, Mutex, RLock};

/// Property: a waiter that checks the state under the lock never misses the
/// notification of a change made under the lock, whichever runs first. A
/// lost notification leaves the waiter asleep: loom reports a deadlock.
#[test]
fn condvar_with_mutex_no_lost_notification() {
    model(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (ready, cv) = &*shared;
                let mut ready = ready.lock();
                cv.wait_while(&mut ready, |ready| !**ready);
            })
        };
        let (ready, cv) = &*shared;
        *ready.lock() = true;
        cv.notify_one();
        waiter.join().unwrap();
    });
}

/// Property: the same with an `RLock` held twice by the waiter. The wait must
/// release it fully (else the notifier could never set the flag: deadlock)
/// and give the waiter back both holds.
#[test]
fn condvar_with_rlock_releases_fully_and_restores_the_count() {
    model(|| {
        let shared = Arc::new((RLock::new(Cell::new(false)), Condvar::new()));
        let waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (lock, cv) = &*shared;
                let _outer = lock.lock();
                let mut inner = lock.lock();
                cv.wait_while(&mut inner, |ready| !ready.get());
                assert_eq!(lock.hold_count(), 2, "the wait lost a hold");
                assert!(lock.is_owned_by_current_thread());
            })
        };
        let (lock, cv) = &*shared;
        lock.lock().set(true);
        cv.notify_one();
        waiter.join().unwrap();
        assert!(!lock.is_locked());
    });
}

/// Property: `notify_all` wakes every waiter (two here). A waiter left
/// asleep makes loom report a deadlock.
#[test]
fn condvar_notify_all_wakes_everyone() {
    model(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let shared = Arc::clone(&shared);
                thread::spawn(move || {
                    let (open, cv) = &*shared;
                    let mut open = open.lock();
                    cv.wait_while(&mut open, |open| !**open);
                })
            })
            .collect();
        let (open, cv) = &*shared;
        *open.lock() = true;
        cv.notify_all();
        for waiter in waiters {
            waiter.join().unwrap();
        }
    });
}

/// Two consumers, and a producer that puts two items on the shelf, notifying
/// one consumer for each. `take` is how a consumer takes an item.
fn two_consumers(take: fn(&Mutex<u32>, &Condvar) -> bool) {
    let shelf = Arc::new((Mutex::new(0u32), Condvar::new()));
    let consumers: Vec<_> = (0..2)
        .map(|_| {
            let shelf = Arc::clone(&shelf);
            thread::spawn(move || take(&shelf.0, &shelf.1))
        })
        .collect();
    for _ in 0..2 {
        *shelf.0.lock() += 1;
        shelf.1.notify_one();
    }
    for consumer in consumers {
        assert!(
            consumer.join().unwrap(),
            "a consumer woke to an empty shelf and took nothing"
        );
    }
}

/// The correct consumer: `wait_while` re-checks after every wake-up.
fn take_one_waiting_with_while(items: &Mutex<u32>, item_ready: &Condvar) -> bool {
    let mut items = items.lock();
    item_ready.wait_while(&mut items, |items| **items == 0);
    *items -= 1;
    true
}

/// Property: consumers that wait in a loop always find an item.
#[test]
fn condvar_consumers_waiting_with_while_always_find_an_item() {
    model(|| two_consumers(take_one_waiting_with_while));
}

#[test]
fn broken_wait_with_if_is_caught() {
    let report = expect_loom_to_catch(
        "a consumer that waits with `if` finding the item already taken",
        || two_consumers(take_one_waiting_with_if),
    );
    assert!(report.contains("woke to an empty shelf"), "{report}");
}

/// Property: a timed wait racing a notification reports what it saw: `true`
/// only with the condition met, `false` only with it still unmet (the
/// condition is checked once more under the lock when the time runs out).
/// loom lets the deadline pass at any step.
#[test]
fn condvar_timed_wait_racing_a_notify_reports_truly() {
    static BRANCHES: Branches = Branches::new();
    model(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let notifier = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                *shared.0.lock() = true;
                shared.1.notify_one();
            })
        };
        let (ready, cv) = &*shared;
        let mut guard = ready.lock();
        let became_ready =
            cv.wait_timeout_while(&mut guard, std::time::Duration::from_secs(3600), |ready| {
                !**ready
            });
        assert_eq!(
            became_ready.is_ok(),
            *guard,
            "the result matches the state it returned with"
        );
        BRANCHES.record(became_ready.is_ok());
        drop(guard);
        notifier.join().unwrap();
    });
    BRANCHES.assert_both_taken("a timed wait racing a notify");
}

// ---------------------------------------------------------------------------
// The async wait (`condvar_async.rs`): tasks beside threads.

use common::CountingWaker;
use std::future::Future as _;
use std::task::{Context, Poll};

/// Property: a task waiting for a flag, whose registration (first poll)
/// races a thread that raises it and notifies, is not left waiting (a lost
/// notification leaves loom's executor parked, which loom reports).
#[test]
fn condvar_wait_async_racing_a_notify_is_woken() {
    model(|| {
        let shared = Arc::new((Mutex::new(false), Condvar::new()));
        let notifier = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                *shared.0.lock() = true;
                shared.1.notify_one();
            })
        };
        let (ready, cv) = &*shared;
        let guard = loom::future::block_on(cv.wait_while_async(ready.lock(), |ready| !*ready));
        assert!(*guard);
        drop(guard);
        notifier.join().unwrap();
    });
}

/// Property: a waiting task dropped (cancelled) while a notify_one runs
/// does not swallow it: a thread waiting beside it for the same item gets
/// it (the notify reached the thread, or the task passed it on), or loom
/// reports the thread asleep forever.
#[test]
fn condvar_wait_async_cancel_racing_the_notify_passes_it_on() {
    model(|| {
        let shared = Arc::new((Mutex::new(0u32), Condvar::new()));
        let (items, cv) = &*shared;
        let (waker, _) = CountingWaker::new();
        let mut cancelled = Box::pin(cv.wait_async(items.lock()));
        assert!(
            cancelled
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        let consumer = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (items, cv) = &*shared;
                let mut items = items.lock();
                cv.wait_while(&mut items, |items| **items == 0);
                *items -= 1;
            })
        };
        let producer = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                *shared.0.lock() += 1;
                shared.1.notify_one();
            })
        };
        drop(cancelled);
        producer.join().unwrap();
        consumer.join().unwrap();
        assert_eq!(*items.lock(), 0);
    });
}

#[derive(Default)]
struct Turns {
    thread_waiting: bool,
    second_notify: bool,
}

/// Property: `notify(1)` with a task and a thread waiting wakes exactly
/// one of them, in total: the task (tasks are served first), whose waker is
/// woken once, and not the thread, which wakes only on the second notify.
#[test]
fn condvar_notify_one_with_a_thread_and_a_task_waiting_wakes_exactly_one() {
    model(|| {
        let shared = Arc::new((Mutex::new(Turns::default()), Condvar::new()));
        let (turns, cv) = &*shared;
        let (waker, wakes) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut task = Box::pin(cv.wait_async(turns.lock()));
        assert!(task.as_mut().poll(&mut context).is_pending());
        let thread_waiter = {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (turns, cv) = &*shared;
                let mut turns = turns.lock();
                turns.thread_waiting = true;
                cv.wait(&mut turns);
                assert!(
                    turns.second_notify,
                    "the thread woke on the task's notify(1)"
                );
            })
        };
        // The thread holds the lock from its look to its wait's release.
        while !turns.lock().thread_waiting {
            thread::yield_now();
        }
        assert_eq!(cv.notify(1), 1);
        assert_eq!(wakes.wakes(), 1, "the task was not the one woken");
        let Poll::Ready(guard) = task.as_mut().poll(&mut context) else {
            panic!("notified, and the free lock not retaken")
        };
        drop(guard);
        turns.lock().second_notify = true;
        cv.notify(1);
        thread_waiter.join().unwrap();
    });
}
