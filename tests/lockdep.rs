//! The lock-order checker (feature `lockdep`):
//! `cargo test --features lockdep --test lockdep`. Without the feature this
//! file is empty.
//!
//! Every test runs its threads under names of its own and reads only the
//! reports those threads made: the checker and its actions are global, and
//! the tests run at the same time.
#![cfg(feature = "lockdep")]

mod common;

use std::sync::{Mutex as StdMutex, Once};
use std::thread;
use std::time::Duration;

use turnstile::lockdep::{self, Action, Report, ReportKind};
use turnstile::{Barrier, Condvar, Event, FifoQueue, Mutex, RLock, Semaphore, ThreadPool};

static REPORTS: StdMutex<Vec<(bool, Report)>> = StdMutex::new(Vec::new());

/// Records every report, with whether it came from a timed call; a thread
/// whose name starts with `panic-` then panics, as `Action::Panic` would.
fn record(timed: bool, report: &Report) {
    REPORTS.lock().unwrap().push((timed, report.clone()));
    if report.thread().starts_with("panic-") {
        panic!("{report}");
    }
}

fn install() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        lockdep::set_action(Action::Hook(|report| record(false, report)));
        lockdep::set_timed_action(Action::Hook(|report| record(true, report)));
    });
}

/// Runs `body` to the end on a thread named `name`.
fn on_thread(name: &str, body: impl FnOnce() + Send) {
    install();
    thread::scope(|scope| {
        thread::Builder::new()
            .name(name.to_owned())
            .spawn_scoped(scope, body)
            .unwrap()
            .join()
            .unwrap();
    });
}

/// The reports made on threads whose names start with `prefix`.
fn reports(prefix: &str) -> Vec<(bool, Report)> {
    REPORTS
        .lock()
        .unwrap()
        .iter()
        .filter(|(_, report)| report.thread().starts_with(prefix))
        .cloned()
        .collect()
}

/// `file:line` of a line in this file.
fn here(line: u32) -> String {
    format!("{}:{line}:", file!())
}

#[test]
fn the_notes_inversion_is_reported_on_a_run_that_did_not_hang() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        the_notes_inversion_is_reported_on_a_run_that_did_not_hang_body,
    );
}

fn the_notes_inversion_is_reported_on_a_run_that_did_not_hang_body() {
    let (mutex_a, mutex_b) = (Mutex::new("A"), Mutex::new("B"));
    let (a_created, b_created) = (line!() - 1, line!() - 1);
    let lines = StdMutex::new([0; 4]);
    // func1 and func2 one after the other: nothing can hang.
    on_thread("inversion-func1", || {
        let _a = mutex_a.lock();
        let a = line!() - 1;
        let _b = mutex_b.lock();
        let b = line!() - 1;
        lines.lock().unwrap()[..2].copy_from_slice(&[a, b]);
    });
    on_thread("inversion-func2", || {
        let _b = mutex_b.lock();
        let b = line!() - 1;
        let _a = mutex_a.lock();
        let a = line!() - 1;
        lines.lock().unwrap()[2..].copy_from_slice(&[b, a]);
    });
    let found = reports("inversion-");
    assert_eq!(found.len(), 1, "{found:?}");
    let (timed, report) = &found[0];
    assert!(!timed);
    assert_eq!(report.kind(), ReportKind::Inversion);
    assert_eq!(report.thread(), "inversion-func2");
    let text = report.to_string();
    let [a1, b1, b2, a2] = *lines.lock().unwrap();
    for (what, line) in [
        ("func2 takes A", a2),
        ("func2 holds B", b2),
        ("func1 took B", b1),
        ("func1 held A", a1),
        ("A was created", a_created),
        ("B was created", b_created),
    ] {
        assert!(text.contains(&here(line)), "{what} at line {line}:\n{text}");
    }
    assert!(text.contains("'inversion-func1'") && text.contains("'inversion-func2'"));
}

#[test]
fn the_same_order_twice_is_not_reported() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        the_same_order_twice_is_not_reported_body,
    );
}

fn the_same_order_twice_is_not_reported_body() {
    let (a, b) = (Mutex::new(()), Mutex::new(()));
    for name in ["same-order-1", "same-order-2"] {
        on_thread(name, || {
            let _a = a.lock();
            let _b = b.lock();
        });
    }
    assert!(reports("same-order-").is_empty());
}

#[test]
fn an_inversion_is_reported_once_however_often_it_happens() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        an_inversion_is_reported_once_however_often_it_happens_body,
    );
}

fn an_inversion_is_reported_once_however_often_it_happens_body() {
    let (a, b) = (Mutex::new(()), Mutex::new(()));
    on_thread("once-first", || {
        let _a = a.lock();
        let _b = b.lock();
    });
    for _ in 0..5 {
        on_thread("once-again", || {
            let _b = b.lock();
            let _a = a.lock();
        });
    }
    assert_eq!(reports("once-").len(), 1);
}

#[test]
fn rlock_reentry_by_its_owner_is_not_an_edge() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        rlock_reentry_by_its_owner_is_not_an_edge_body,
    );
}

fn rlock_reentry_by_its_owner_is_not_an_edge_body() {
    let (outer, inner) = (RLock::new(()), Mutex::new(()));
    on_thread("reentry", || {
        let _outer = outer.lock();
        let _inner = inner.lock(); // outer → inner
        let _again = outer.lock(); // re-entry: not inner → outer
    });
    assert!(reports("reentry").is_empty());
}

#[test]
fn locks_of_one_class_taken_in_address_order_are_not_reported() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        locks_of_one_class_taken_in_address_order_are_not_reported_body,
    );
}

fn locks_of_one_class_taken_in_address_order_are_not_reported_body() {
    let accounts: Vec<Mutex<u64>> = (0..4).map(|_| Mutex::new(100)).collect();
    on_thread("one-class", || {
        for pair in accounts.windows(2) {
            let (first, second) = if core::ptr::from_ref(&pair[0]) < core::ptr::from_ref(&pair[1]) {
                (&pair[0], &pair[1])
            } else {
                (&pair[1], &pair[0])
            };
            let mut from = first.lock();
            let mut to = second.lock();
            *from -= 1;
            *to += 1;
        }
    });
    assert!(reports("one-class").is_empty());
}

#[test]
fn named_classes_join_locks_made_in_different_places() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        named_classes_join_locks_made_in_different_places_body,
    );
}

fn named_classes_join_locks_made_in_different_places_body() {
    let a = Mutex::with_class((), "lockdep-test-ledger");
    let b = Mutex::new(());
    let c = Mutex::with_class((), "lockdep-test-ledger"); // a's class
    on_thread("named-1", || {
        let _a = a.lock();
        let _b = b.lock();
    });
    on_thread("named-2", || {
        let _b = b.lock();
        let _c = c.lock(); // b → ledger, against ledger → b
    });
    let found = reports("named-");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.to_string().contains("\"lockdep-test-ledger\""));
}

#[test]
fn try_lock_adds_no_edge_but_counts_as_held() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        try_lock_adds_no_edge_but_counts_as_held_body,
    );
}

fn try_lock_adds_no_edge_but_counts_as_held_body() {
    let (a, b, c) = (Mutex::new(()), Mutex::new(()), Mutex::new(()));
    on_thread("try-1", || {
        let _a = a.lock();
        let _b = b.lock(); // a → b
    });
    on_thread("try-2", || {
        let _b = b.lock();
        let _a = a.try_lock().expect("free"); // cannot wait: no b → a
        let _c = c.lock(); // a (held) → c, b → c
    });
    assert!(reports("try-").is_empty());
    on_thread("try-3", || {
        let _c = c.lock();
        let _a = a.lock(); // c → a closes a → c
    });
    let found = reports("try-");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.kind(), ReportKind::Inversion);
}

#[test]
fn a_timed_acquire_reports_with_the_timed_action() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_timed_acquire_reports_with_the_timed_action_body,
    );
}

fn a_timed_acquire_reports_with_the_timed_action_body() {
    let (a, b) = (Mutex::new(()), Mutex::new(()));
    on_thread("timed-1", || {
        let _a = a.lock();
        let _b = b.lock();
    });
    on_thread("timed-2", || {
        let _b = b.lock();
        let _a = a.lock_timeout(Duration::from_secs(5)).unwrap();
    });
    let found = reports("timed-");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].0, "reported with the blocking action");
}

#[test]
fn a_panicking_action_leaves_the_lock_untaken() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_panicking_action_leaves_the_lock_untaken_body,
    );
}

fn a_panicking_action_leaves_the_lock_untaken_body() {
    let (a, b) = (Mutex::new(1), Mutex::new(2));
    on_thread("panic-setup", || {
        // Not a panic- report: this only records a → b.
        let _a = a.lock();
        let _b = b.lock();
    });
    install();
    let outcome = thread::scope(|scope| {
        thread::Builder::new()
            .name("panic-inverter".to_owned())
            .spawn_scoped(scope, || {
                let _b = b.lock();
                let _a = a.lock(); // the report panics before `a` is taken
            })
            .unwrap()
            .join()
    });
    assert!(outcome.is_err(), "the action did not panic");
    assert!(!a.is_locked() && !b.is_locked(), "a lock was left held");
    assert_eq!((*a.lock(), *b.lock()), (1, 2));
}

#[test]
fn taking_a_held_mutex_again_is_reported_before_it_hangs() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        taking_a_held_mutex_again_is_reported_before_it_hangs_body,
    );
}

fn taking_a_held_mutex_again_is_reported_before_it_hangs_body() {
    let mutex = Mutex::new(());
    install();
    let outcome = thread::scope(|scope| {
        thread::Builder::new()
            .name("panic-recursive".to_owned())
            .spawn_scoped(scope, || {
                let _first = mutex.lock();
                let _second = mutex.lock(); // would wait for itself forever
            })
            .unwrap()
            .join()
    });
    assert!(outcome.is_err());
    let found = reports("panic-recursive");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.kind(), ReportKind::Recursive);
    assert!(!mutex.is_locked());
}

#[test]
fn semaphore_permits_take_part_as_locks() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        semaphore_permits_take_part_as_locks_body,
    );
}

fn semaphore_permits_take_part_as_locks_body() {
    let (permits, mutex) = (Semaphore::new(2), Mutex::new(()));
    on_thread("permits-1", || {
        let _permit = permits.acquire();
        let _two = permits.acquire(); // two permits on one thread: fine
        let _m = mutex.lock(); // permits → mutex
    });
    assert!(reports("permits-").is_empty());
    on_thread("permits-2", || {
        let _m = mutex.lock();
        let _permit = permits.acquire(); // mutex → permits: the cycle
    });
    let found = reports("permits-");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.to_string().contains("Semaphore created at"));
}

#[test]
fn permits_let_go_out_of_order_leave_the_right_one_held() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        permits_let_go_out_of_order_leave_the_right_one_held_body,
    );
}

fn permits_let_go_out_of_order_leave_the_right_one_held_body() {
    let (first, second, mutex) = (Semaphore::new(1), Semaphore::new(1), Mutex::new(()));
    on_thread("out-of-order-1", || {
        let one = first.acquire();
        let _two = second.try_acquire().expect("free"); // held, no edge
        drop(one); // `second`'s permit is the one still held
        let _m = mutex.lock(); // second → mutex, not first → mutex
    });
    on_thread("out-of-order-2", || {
        let _m = mutex.lock();
        let _one = first.acquire(); // mutex → first: no cycle
    });
    assert!(
        reports("out-of-order-").is_empty(),
        "{:?}",
        reports("out-of-order-")
    );
}

#[test]
fn a_forgotten_or_owned_permit_is_no_longer_held() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_forgotten_or_owned_permit_is_no_longer_held_body,
    );
}

fn a_forgotten_or_owned_permit_is_no_longer_held_body() {
    let (permits, mutex) = (std::sync::Arc::new(Semaphore::new(2)), Mutex::new(()));
    on_thread("let-go-1", || {
        permits.acquire().forget();
        let owned = permits.acquire_owned();
        let _m = mutex.lock(); // neither permit is held here: no edge
        drop(owned);
        permits.release(1);
    });
    on_thread("let-go-2", || {
        let _m = mutex.lock();
        let _permit = permits.acquire();
    });
    assert!(reports("let-go-").is_empty());
}

#[test]
fn a_condvar_wait_retakes_its_lock_under_the_others() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_condvar_wait_retakes_its_lock_under_the_others_body,
    );
}

fn a_condvar_wait_retakes_its_lock_under_the_others_body() {
    let (outer, state, changed) = (Mutex::new(()), Mutex::new(false), Condvar::new());
    on_thread("condvar", || {
        let mut ready = state.lock();
        let _outer = outer.lock(); // state → outer
        // The wait lets `state` go and takes it back while `outer` is
        // still held: outer → state, the cycle.
        let _ = changed.wait_timeout(&mut ready, Duration::from_millis(1));
    });
    let found = reports("condvar");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.kind(), ReportKind::Inversion);
}

#[test]
fn a_condvar_wait_under_only_its_own_lock_is_not_reported() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_condvar_wait_under_only_its_own_lock_is_not_reported_body,
    );
}

fn a_condvar_wait_under_only_its_own_lock_is_not_reported_body() {
    let (state, changed) = (Mutex::new(false), Condvar::new());
    on_thread("condvar-alone", || {
        let mut ready = state.lock();
        let _ = changed.wait_timeout(&mut ready, Duration::from_millis(1));
    });
    assert!(reports("condvar-alone").is_empty());
}

/// Each blocking wait, made while a lock is held, and the kind of report
/// it must give.
#[test]
fn holding_a_lock_across_a_blocking_wait_is_reported() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        holding_a_lock_across_a_blocking_wait_is_reported_body,
    );
}

fn holding_a_lock_across_a_blocking_wait_is_reported_body() {
    let held = Mutex::new(());
    let queue = FifoQueue::bounded(4).unwrap();
    let barrier = Barrier::new(1).unwrap();
    let event = Event::new();
    event.set();
    let pool = ThreadPool::new(1).unwrap();
    let future = pool.submit(|| 7).unwrap();
    on_thread("across-queue", || {
        let _held = held.lock();
        queue.put(1).unwrap();
        let _ = queue.get();
        queue.task_done().unwrap();
        queue.join();
    });
    on_thread("across-barrier", || {
        let _held = held.lock();
        let _ = barrier.wait();
    });
    on_thread("across-event", || {
        let _held = held.lock();
        event.wait();
    });
    on_thread("across-future", || {
        let _held = held.lock();
        assert_eq!(future.result(), Ok(&7));
    });
    for (name, waits) in [
        (
            "across-queue",
            ["Queue::put", "Queue::get", "Queue::join"].as_slice(),
        ),
        ("across-barrier", &["Barrier::wait"]),
        ("across-event", &["Event::wait"]),
        ("across-future", &["a future's result"]),
    ] {
        let found = reports(name);
        assert_eq!(found.len(), waits.len(), "{name}: {found:?}");
        for (wait, (_, report)) in waits.iter().zip(&found) {
            assert_eq!(report.kind(), ReportKind::HeldAcrossWait);
            assert!(report.to_string().contains(wait), "{report}");
        }
    }
}

#[test]
fn timed_waits_holding_a_lock_are_reported_with_the_timed_action() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        timed_waits_holding_a_lock_are_reported_with_the_timed_action_body,
    );
}

fn timed_waits_holding_a_lock_are_reported_with_the_timed_action_body() {
    let held = Mutex::new(());
    let queue = FifoQueue::bounded(1).unwrap();
    let barrier = Barrier::new(1).unwrap();
    let event = Event::new();
    on_thread("timed-across", || {
        let _held = held.lock();
        queue.put_timeout(1, Duration::from_secs(5)).unwrap();
        assert_eq!(queue.get_timeout(Duration::from_secs(5)), Ok(1));
        let _ = barrier.wait_timeout(Duration::from_secs(5));
        let _ = event.wait_timeout(Duration::from_millis(1));
    });
    let found = reports("timed-across");
    let waits = ["Queue::put", "Queue::get", "Barrier::wait", "Event::wait"];
    assert_eq!(found.len(), waits.len(), "{found:?}");
    for (wait, (timed, report)) in waits.iter().zip(&found) {
        assert!(timed, "{report}");
        assert_eq!(report.kind(), ReportKind::HeldAcrossWait);
        assert!(report.to_string().contains(wait), "{report}");
        assert!(
            report.to_string().contains(file!()),
            "the caller's line: {report}"
        );
    }
}

/// A task holding a lock across an `.await` blocks the loop's whole thread
/// with it: reported as held across `event_loop::run`, at the user's call
/// of `run` (not at the queue inside the loop that it waits on).
#[test]
#[cfg_attr(
    miri,
    ignore = "needs the 1 ms sleep still pending when the loop waits; Miri's clock runs with each step"
)]
fn a_lock_held_across_an_await_on_the_event_loop_is_reported_as_the_loops_wait() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_lock_held_across_an_await_on_the_event_loop_is_reported_as_the_loops_wait_body,
    );
}

fn a_lock_held_across_an_await_on_the_event_loop_is_reported_as_the_loops_wait_body() {
    let held = Mutex::new(());
    on_thread("across-await", || {
        turnstile::event_loop::run(async {
            let _held = held.lock();
            turnstile::event_loop::sleep(Duration::from_millis(1)).await;
        });
    });
    let found = reports("across-await");
    assert_eq!(found.len(), 1, "{found:?}");
    let (timed, report) = &found[0];
    assert!(
        timed,
        "the loop waited until its timer's deadline: {report}"
    );
    assert_eq!(report.kind(), ReportKind::HeldAcrossWait);
    let text = report.to_string();
    assert!(text.contains("event_loop::run"), "{text}");
    assert!(!text.contains("Queue::get"), "{text}");
    assert!(text.contains(file!()), "the caller of run: {text}");
}

#[test]
fn a_blocking_wait_without_a_lock_held_is_not_reported() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_blocking_wait_without_a_lock_held_is_not_reported_body,
    );
}

fn a_blocking_wait_without_a_lock_held_is_not_reported_body() {
    let queue = FifoQueue::unbounded();
    on_thread("wait-free", || {
        queue.put(1).unwrap();
        assert_eq!(queue.get(), Ok(1));
    });
    assert!(reports("wait-free").is_empty());
}

#[test]
fn a_task_waiting_on_its_own_pool_is_reported() {
    common::within(
        common::PATIENCE,
        "the locks and waits of this test's threads",
        a_task_waiting_on_its_own_pool_is_reported_body,
    );
}

fn a_task_waiting_on_its_own_pool_is_reported_body() {
    install();
    let pool = std::sync::Arc::new(
        ThreadPool::builder()
            .workers(2)
            .thread_name("own-pool")
            .build()
            .unwrap(),
    );
    let outer = {
        let inner_pool = std::sync::Arc::clone(&pool);
        pool.submit(move || {
            let inner = inner_pool.submit(|| 2).unwrap();
            inner.into_result().unwrap() * 3
        })
        .unwrap()
    };
    assert_eq!(outer.into_result(), Ok(6));
    let found = reports("own-pool");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1.kind(), ReportKind::WaitOnOwnPool);
    // Waiting for a pool's future from outside it is fine.
    on_thread("outside-pool", || {
        assert_eq!(pool.submit(|| 1).unwrap().into_result(), Ok(1));
    });
    assert!(reports("outside-pool").is_empty());
}
