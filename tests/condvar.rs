//! Ordinary tests of `Condvar` on real threads: timeouts (which loom cannot
//! show), `notify(n)`, and waiting on an `RLock`.

mod common;

use std::cell::Cell;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::SLACK;
use turnstile::{Condvar, Mutex, RLock};

/// Spawns `count` threads that each wait on `cv` until `*gate` reaches their
/// turn, and returns once all of them are asleep.
fn spawn_waiters(
    shared: &Arc<(Mutex<u32>, Condvar, Mutex<u32>)>,
    count: u32,
) -> Vec<thread::JoinHandle<()>> {
    let waiters = (0..count)
        .map(|_| {
            let shared = Arc::clone(shared);
            thread::spawn(move || {
                let (gate, cv, passed) = &*shared;
                let mut open = gate.lock();
                // Wait for a ticket: each notify hands out one.
                cv.wait_while(&mut open, |open| **open == 0);
                *open -= 1;
                drop(open);
                *passed.lock() += 1;
            })
        })
        .collect();
    // Crude but sufficient: the waiters only need to be inside wait_while.
    thread::sleep(Duration::from_millis(50));
    waiters
}

#[test]
fn notify_with_nobody_waiting_wakes_nobody() {
    let cv = Condvar::new();
    assert!(!cv.notify_one());
    assert_eq!(cv.notify(3), 0);
    assert_eq!(cv.notify_all(), 0);
    assert_eq!(format!("{cv:?}"), "Condvar { .. }");
}

#[test]
fn notify_n_wakes_that_many() {
    common::within(
        common::PATIENCE,
        "three condvar waiters, let through by notify(2) then notify_all",
        notify_n_wakes_that_many_body,
    );
}

fn notify_n_wakes_that_many_body() {
    let shared = Arc::new((Mutex::new(0u32), Condvar::new(), Mutex::new(0u32)));
    let waiters = spawn_waiters(&shared, 3);
    let (gate, cv, passed) = &*shared;
    *gate.lock() += 2;
    cv.notify(2);
    let start = Instant::now();
    while *passed.lock() < 2 && start.elapsed() < Duration::from_secs(10) {
        thread::yield_now();
    }
    assert_eq!(*passed.lock(), 2, "two tickets, two waiters through");
    *gate.lock() += 1;
    cv.notify_all();
    for waiter in waiters {
        waiter.join().unwrap();
    }
    assert_eq!(*passed.lock(), 3);
}

#[test]
fn wait_timeout_waits_then_gives_up() {
    common::within(
        common::PATIENCE,
        "a condvar wait_timeout nobody notifies, to give up",
        wait_timeout_waits_then_gives_up_body,
    );
}

fn wait_timeout_waits_then_gives_up_body() {
    let mutex = Mutex::new(());
    let cv = Condvar::new();
    let mut guard = mutex.lock();
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert!(
        cv.wait_timeout(&mut guard, timeout).is_err(),
        "nobody notified: timed out"
    );
    let waited = start.elapsed();
    assert!(waited >= timeout, "gave up after {waited:?}");
    assert!(waited < timeout + SLACK, "gave up only after {waited:?}");
    assert!(mutex.is_locked(), "the lock is held again after a timeout");
}

/// The deadline forms give up at the instant given, and a notify (or the
/// condition turning true) ends them early with `Ok`.
#[test]
fn wait_deadline_gives_up_at_the_deadline_or_is_woken() {
    common::within(
        common::PATIENCE,
        "condvar waits until a deadline, or until woken",
        wait_deadline_gives_up_at_the_deadline_or_is_woken_body,
    );
}

fn wait_deadline_gives_up_at_the_deadline_or_is_woken_body() {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let (flag, cv) = &*shared;
    let mut guard = flag.lock();
    let deadline = Instant::now() + Duration::from_millis(100);
    assert_eq!(
        cv.wait_deadline(&mut guard, deadline),
        Err(turnstile::Timeout)
    );
    assert!(Instant::now() >= deadline);
    let deadline = Instant::now() + Duration::from_millis(100);
    assert_eq!(
        cv.wait_deadline_while(&mut guard, deadline, |set| !**set),
        Err(turnstile::Timeout)
    );
    assert!(Instant::now() >= deadline);
    let setter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(50));
            *shared.0.lock() = true;
            shared.1.notify_all();
        })
    };
    let far = Instant::now() + Duration::from_secs(10);
    let started = Instant::now();
    assert_eq!(
        cv.wait_deadline_while(&mut guard, far, |set| !**set),
        Ok(())
    );
    assert!(*guard && started.elapsed() < Duration::from_secs(5));
    drop(guard);
    setter.join().unwrap();
}

#[test]
fn zero_timeout_returns_at_once_and_max_does_not_panic() {
    common::within(
        common::PATIENCE,
        "zero and unlimited condvar wait_timeouts",
        zero_timeout_returns_at_once_and_max_does_not_panic_body,
    );
}

fn zero_timeout_returns_at_once_and_max_does_not_panic_body() {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let (flag, cv) = &*shared;
    let mut guard = flag.lock();
    let start = Instant::now();
    assert!(cv.wait_timeout(&mut guard, Duration::ZERO).is_err());
    assert!(
        cv.wait_timeout_while(&mut guard, Duration::ZERO, |set| !**set)
            .is_err()
    );
    assert!(start.elapsed() < SLACK);
    drop(guard);

    let setter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            *shared.0.lock() = true;
            shared.1.notify_all();
        })
    };
    let mut guard = flag.lock();
    assert!(
        cv.wait_timeout_while(&mut guard, Duration::MAX, |set| !**set)
            .is_ok()
    );
    drop(guard);
    setter.join().unwrap();
}

#[test]
fn wait_timeout_while_reports_which_came_first() {
    common::within(
        common::PATIENCE,
        "condvar wait_timeout_whiles, timed out or satisfied",
        wait_timeout_while_reports_which_came_first_body,
    );
}

fn wait_timeout_while_reports_which_came_first_body() {
    let shared = Arc::new((Mutex::new(0u32), Condvar::new()));
    let (count, cv) = &*shared;
    let mut guard = count.lock();
    let start = Instant::now();
    assert!(
        cv.wait_timeout_while(&mut guard, Duration::from_millis(50), |n| **n < 1)
            .is_err()
    );
    assert!(start.elapsed() >= Duration::from_millis(50));
    drop(guard);

    let producer = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            *shared.0.lock() = 1;
            shared.1.notify_one();
        })
    };
    let mut guard = count.lock();
    assert!(
        cv.wait_timeout_while(&mut guard, Duration::from_secs(10), |n| **n < 1)
            .is_ok()
    );
    assert_eq!(*guard, 1);
    drop(guard);
    producer.join().unwrap();
}

#[test]
fn wait_on_an_rlock_held_twice() {
    common::within(
        common::PATIENCE,
        "a condvar waiter on an RLock held twice, notified",
        wait_on_an_rlock_held_twice_body,
    );
}

fn wait_on_an_rlock_held_twice_body() {
    let shared = Arc::new((RLock::new(Cell::new(0)), Condvar::new()));
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let (lock, cv) = &*shared;
            let _outer = lock.lock();
            let mut inner = lock.lock();
            cv.wait_while(&mut inner, |value| value.get() == 0);
            assert_eq!(lock.hold_count(), 2);
            inner.get()
        })
    };
    let (lock, cv) = &*shared;
    // The waiter holds the lock twice until it waits; then we can take it.
    loop {
        if let Some(value) = lock.try_lock()
            && value.get() == 0
        {
            value.set(7);
            drop(value);
            cv.notify_one();
            break;
        }
        thread::yield_now();
    }
    assert_eq!(waiter.join().unwrap(), 7);
}

#[test]
fn rlock_wait_timeout_restores_the_count() {
    common::within(
        common::PATIENCE,
        "a 10 ms condvar wait_timeout on an RLock held three times",
        rlock_wait_timeout_restores_the_count_body,
    );
}

fn rlock_wait_timeout_restores_the_count_body() {
    let lock = RLock::new(());
    let cv = Condvar::new();
    let _a = lock.lock();
    let _b = lock.lock();
    let mut c = lock.lock();
    assert!(cv.wait_timeout(&mut c, Duration::from_millis(10)).is_err());
    assert_eq!(lock.hold_count(), 3);
}

/// `notify_one` says whether it woke a thread: true for a waiter asleep in
/// `wait`, then false once nobody is left. (A waiter still spinning before
/// its sleep would take the notification without being counted, so the
/// waiter is given long enough to fall asleep.)
#[test]
fn notify_one_reports_whether_it_woke_a_thread() {
    common::within(
        common::PATIENCE,
        "a condvar waiter asleep in wait, woken by notify_one",
        notify_one_reports_whether_it_woke_a_thread_body,
    );
}

fn notify_one_reports_whether_it_woke_a_thread_body() {
    let shared = Arc::new((Mutex::new(false), Condvar::new()));
    let waiter = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            let mut woken = shared.0.lock();
            shared.1.wait_while(&mut woken, |woken| !**woken);
        })
    };
    thread::sleep(Duration::from_millis(200));
    *shared.0.lock() = true;
    assert!(shared.1.notify_one(), "a thread was asleep in wait");
    waiter.join().unwrap();
    assert!(!shared.1.notify_one(), "nobody waits any more");
}

// ---------------------------------------------------------------------------
// The async wait: CPython's `test_asyncio/test_locks.py` ConditionTests,
// restated with futures stepped by hand (`common::Stepped`, CPython's
// `sleep(0)`), and tasks and threads on one condvar.

use common::{Stepped, block_on, join_within};
use turnstile::MutexGuard;

/// A task that takes the lock, waits once, notes `name` in `order` and
/// hands back its guard (the caller releases it, as CPython's test does).
async fn wait_and_note<'a>(
    (lock, cv): &'a (Mutex<()>, Condvar),
    order: &std::cell::RefCell<Vec<u32>>,
    name: u32,
) -> MutexGuard<'a, ()> {
    let guard = cv.wait_async(lock.lock_async().await).await;
    order.borrow_mut().push(name);
    guard
}

#[test]
fn asyncio_condition_test_wait() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            let pair = (Mutex::new(()), Condvar::new());
            let order = std::cell::RefCell::new(Vec::new());
            let mut tasks: Vec<_> = (1..=3)
                .map(|name| Stepped::new(wait_and_note(&pair, &order, name)))
                .collect();
            assert!(tasks.iter_mut().all(|task| task.step().is_none()));
            assert!(!pair.0.is_locked(), "each waiting task let go of the lock");

            let held = pair.0.lock();
            assert_eq!(pair.1.notify(1), 1);
            assert!(tasks[0].woken() && !tasks[1].woken() && !tasks[2].woken());
            assert!(tasks[0].step().is_none(), "notified, but the lock is held");
            assert_eq!(*order.borrow(), []);
            drop(held);
            let g1 = tasks[0].step().expect("notified and the lock free");
            assert_eq!(*order.borrow(), [1]);

            assert_eq!(
                pair.1.notify(2),
                2,
                "the two others, while t1 holds the lock"
            );
            assert!(tasks[1].step().is_none() && tasks[2].step().is_none());
            drop(g1);
            let g2 = tasks[1].step().expect("t2 next");
            assert!(tasks[2].step().is_none());
            drop(g2);
            drop(tasks[2].step().expect("then t3"));
            assert_eq!(*order.borrow(), [1, 2, 3]);
        },
    );
}

#[test]
fn asyncio_condition_test_wait_cancel_leaves_the_lock_released_and_no_waiter() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            let (lock, cv) = (Mutex::new(()), Condvar::new());
            let mut wait = Stepped::new(cv.wait_async(lock.lock()));
            assert!(wait.step().is_none());
            drop(wait);
            // asyncio's cancelled wait takes the lock back; a dropped future cannot.
            assert!(!lock.is_locked(), "the dropped wait holds no lock");
            assert_eq!(cv.notify_all(), 0, "and no waiter is left counted");

            // Dropped before its first poll: the guard inside unlocks with it.
            drop(cv.wait_async(lock.lock()));
            assert!(!lock.is_locked());
        },
    );
}

#[test]
fn asyncio_condition_test_wait_cancel_after_notify_passes_the_notify_on() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            // bpo-32841 and Python 3.13's Condition.wait: a waiter notified and
            // then cancelled (here: while it waits to retake the lock) hands the
            // notification to another waiter.
            let pair = (Mutex::new(()), Condvar::new());
            let order = std::cell::RefCell::new(Vec::new());
            let mut first = Stepped::new(wait_and_note(&pair, &order, 1));
            let mut second = Stepped::new(wait_and_note(&pair, &order, 2));
            assert!(first.step().is_none() && second.step().is_none());
            let held = pair.0.lock();
            assert_eq!(pair.1.notify(1), 1);
            assert!(first.step().is_none(), "notified; waiting for the lock");
            assert!(!second.woken());
            drop(first); // cancelled after its notification
            assert!(
                second.woken(),
                "the notification went on to the other waiter"
            );
            drop(held);
            assert!(second.step().is_some());
            assert_eq!(*order.borrow(), [2]);
        },
    );
}

#[test]
fn a_notify_spent_on_a_cancelled_task_goes_on_to_a_waiting_thread() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let mut task = Stepped::new(pair.1.wait_async(pair.0.lock()));
    assert!(task.step().is_none());
    let thread = spawn_one_waiting_thread(&pair);
    assert!(pair.1.notify_one(), "one waiter notified");
    assert!(task.woken(), "tasks are notified first");
    drop(task); // cancelled: the notification must reach the thread
    join_within("the thread the notification was passed to", thread);
}

/// Spawns a thread that waits once on `pair.1` (returning on any wake-up),
/// and returns once it is registered: it raised the flag under the lock and
/// let go of the lock, which only its wait does.
fn spawn_one_waiting_thread(pair: &Arc<(Mutex<bool>, Condvar)>) -> thread::JoinHandle<()> {
    let thread = {
        let pair = Arc::clone(pair);
        thread::spawn(move || {
            let mut waiting = pair.0.lock();
            *waiting = true;
            pair.1.wait(&mut waiting);
        })
    };
    common::wait_until("the thread to wait", || *pair.0.lock());
    thread
}

#[test]
fn notify_one_with_a_thread_and_a_task_waiting_wakes_exactly_one() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    let mut task = Stepped::new(pair.1.wait_async(pair.0.lock()));
    assert!(task.step().is_none());
    let thread = spawn_one_waiting_thread(&pair);
    assert_eq!(pair.1.notify(1), 1);
    assert!(task.woken());
    assert!(task.step().is_some(), "the task was the one notified");
    // The thread was not (a task's notification bumps no sequence a
    // thread watches); the next notify is its. (Its return value is not
    // checked: a thread still spinning is woken without a wake call.)
    pair.1.notify(1);
    join_within("the thread, notified second", thread);
    assert_eq!(pair.1.notify_all(), 0, "nobody is left counted");
}

#[test]
fn a_task_notified_by_a_thread_and_a_thread_notified_by_a_task() {
    let pair = Arc::new((Mutex::new(false), Condvar::new()));
    // Thread -> task.
    let notifier = {
        let pair = Arc::clone(&pair);
        thread::spawn(move || {
            *pair.0.lock() = true;
            pair.1.notify_all();
        })
    };
    let (guard, _) = block_on(pair.1.wait_while_async(pair.0.lock(), |ready| !*ready));
    assert!(*guard);
    drop(guard);
    join_within("the notifying thread", notifier);
    // Task -> thread.
    *pair.0.lock() = false;
    let waiter = spawn_one_waiting_thread(&pair);
    block_on(async {
        let _held = pair.0.lock_async().await;
        pair.1.notify_one();
    });
    join_within("the thread a task notified", waiter);
}

#[test]
fn asyncio_condition_test_wait_for() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            let (lock, cv) = (Mutex::new(false), Condvar::new());
            let mut task = Stepped::new(async {
                let guard = cv
                    .wait_while_async(lock.lock_async().await, |ready| !*ready)
                    .await;
                *guard
            });
            assert!(task.step().is_none());
            assert!(cv.notify_one());
            assert!(
                task.step().is_none(),
                "woken with the predicate still false"
            );
            *lock.lock() = true;
            assert!(cv.notify_one());
            assert_eq!(task.step(), Some(true));
            assert!(!lock.is_locked());
        },
    );
}

#[test]
fn asyncio_condition_test_notify() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            let pair = (Mutex::new(()), Condvar::new());
            let order = std::cell::RefCell::new(Vec::new());
            let mut tasks: Vec<_> = (1..=3)
                .map(|name| Stepped::new(wait_and_note(&pair, &order, name)))
                .collect();
            assert!(tasks.iter_mut().all(|task| task.step().is_none()));
            assert_eq!(pair.1.notify(1), 1);
            let woken: Vec<bool> = tasks.iter().map(Stepped::woken).collect();
            assert_eq!(
                woken,
                [true, false, false],
                "notify(1) wakes one, the first"
            );
            drop(tasks[0].step().expect("t1"));
            assert_eq!((pair.1.notify(1), pair.1.notify(2048)), (1, 1));
            drop(tasks[1].step().expect("t2"));
            drop(tasks[2].step().expect("t3"));
            assert_eq!(*order.borrow(), [1, 2, 3]);
        },
    );
}

#[test]
fn asyncio_condition_test_notify_all() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            let pair = (Mutex::new(()), Condvar::new());
            let order = std::cell::RefCell::new(Vec::new());
            let mut tasks: Vec<_> = (1..=2)
                .map(|name| Stepped::new(wait_and_note(&pair, &order, name)))
                .collect();
            assert!(tasks.iter_mut().all(|task| task.step().is_none()));
            assert_eq!(pair.1.notify_all(), 2);
            drop(tasks[0].step().expect("t1"));
            drop(tasks[1].step().expect("t2"));
            assert_eq!(*order.borrow(), [1, 2]);
        },
    );
}

#[test]
fn a_cancelled_async_wait_that_was_not_notified_passes_nothing_on() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            let pair = (Mutex::new(()), Condvar::new());
            // Each wait lets go of the lock at its first step: step it before
            // the next one locks.
            let mut first = Stepped::new(pair.1.wait_async(pair.0.lock()));
            assert!(first.step().is_none());
            let mut second = Stepped::new(pair.1.wait_async(pair.0.lock()));
            assert!(second.step().is_none());
            assert_eq!(first.wakers_kept(), 1, "the condvar keeps the task's waker");
            drop(first);
            assert!(
                !second.woken(),
                "a wait dropped before any notify passes nothing on"
            );
            assert_eq!(pair.1.notify_all(), 1, "only the second is still counted");
            assert!(second.step().is_some());
        },
    );
}

#[test]
fn an_async_wait_prints_its_state() {
    common::within(
        common::PATIENCE,
        "the condvar, its lock and the tasks stepped by hand",
        || {
            use std::task::{Context, Waker};
            let (lock, cv) = (Mutex::new(()), Condvar::new());
            let mut context = Context::from_waker(Waker::noop());
            let mut wait = Box::pin(cv.wait_async(lock.lock()));
            assert!(format!("{wait:?}").contains("holding the lock"));
            assert!(wait.as_mut().poll(&mut context).is_pending());
            assert!(format!("{wait:?}").contains("\"waiting\""));
            let held = lock.lock();
            assert!(cv.notify_one());
            assert!(wait.as_mut().poll(&mut context).is_pending());
            assert!(format!("{wait:?}").contains("notified, relocking"));
            drop(held);
            assert!(wait.as_mut().poll(&mut context).is_ready());
            assert!(format!("{wait:?}").contains("done"));
        },
    );
}
