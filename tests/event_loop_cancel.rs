//! Cancellation in the event loop, as asyncio does it: a wait that gives
//! up on a task stops the task, a cancelled task's cancel reaches what it
//! awaits, and a handle owns its task (dropping it cancels, `detach` lets
//! it run). Orders are asserted exactly, with drop guards, not clocks.

mod common;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use turnstile::event_loop::{
    JoinHandle, ReturnWhen, gather, run, sleep, spawn, wait, wait_for, yield_now,
};
use turnstile::{TaskError, Timeout};

use common::{DropGuard, Log, log, note};

/// A task that notes when it starts, sleeps a minute, notes "NAME ran on"
/// if it ever gets there, and notes "NAME dropped" when its future goes.
fn sleeper(log: &Log, name: &'static str) -> JoinHandle<()> {
    let guard = DropGuard(Rc::clone(log), name);
    let log = Rc::clone(log);
    spawn(async move {
        let _guard = guard;
        note(&log, format!("{name} started"));
        sleep(Duration::from_secs(60)).await;
        note(&log, format!("{name} ran on"));
    })
    .unwrap()
}

fn watched(body: fn()) {
    common::within(
        common::PATIENCE,
        "the event loop's run and the tasks it cancels",
        body,
    );
}

/// test_waitfor.py's test_wait_for_waits_for_task_cancellation and
/// bpo-23219: when `wait_for` times out on a task, the task is cancelled,
/// and it has stopped by the time the timeout is reported.
#[test]
fn wait_for_that_times_out_stops_the_task_before_it_reports() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let task = sleeper(&log, "task");
                let waited = wait_for(Duration::from_millis(10), task).await;
                assert_eq!(waited, Err(Timeout));
                note(&log, "timed out");
            }
        });
        assert_eq!(*log.borrow(), ["task started", "task dropped", "timed out"]);
    });
}

/// test_tasks.py's test_cancel_inner_future: a task awaiting another is
/// cancelled, and the cancel reaches the one it awaits.
#[test]
fn cancelling_a_task_that_awaits_wait_for_cancels_the_awaited_task() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let inner_log = Rc::clone(&log);
                let outer = spawn(async move {
                    let inner = sleeper(&inner_log, "inner");
                    let _ = wait_for(Duration::from_secs(60), inner).await;
                })
                .unwrap();
                yield_now().await; // outer starts and spawns inner
                yield_now().await; // inner starts
                assert!(outer.cancel());
                assert_eq!(outer.await, Err(TaskError::Cancelled));
                note(&log, "outer cancelled");
            }
        });
        assert_eq!(
            *log.borrow(),
            ["inner started", "inner dropped", "outer cancelled"]
        );
    });
}

/// test_tasks.py's test_gather_cancel (GatherTests' "cancellation
/// broadcast"): cancelling the task that awaits a gather cancels every
/// task gathered.
#[test]
fn cancelling_a_task_that_awaits_gather_cancels_every_gathered_task() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let inner_log = Rc::clone(&log);
                let outer = spawn(async move {
                    let children = vec![sleeper(&inner_log, "a"), sleeper(&inner_log, "b")];
                    gather(children).await
                })
                .unwrap();
                yield_now().await;
                yield_now().await;
                outer.cancel();
                assert_eq!(outer.await, Err(TaskError::Cancelled));
                note(&log, "outer cancelled");
            }
        });
        let log = log.borrow();
        assert_eq!(log[..2], ["a started", "b started"]);
        assert!(log[2..4].contains(&"a dropped".to_owned()), "{log:?}");
        assert!(log[2..4].contains(&"b dropped".to_owned()), "{log:?}");
        assert_eq!(log[4..], ["outer cancelled"]);
    });
}

/// test_waitfor.py's test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started:
/// a timeout already spent does not start the coroutine.
#[test]
fn wait_for_with_a_spent_timeout_does_not_start_the_coroutine() {
    watched(|| {
        let started = Rc::new(Cell::new(false));
        let waited = run({
            let started = Rc::clone(&started);
            wait_for(Duration::ZERO, async move {
                started.set(true);
                "ran"
            })
        });
        assert_eq!(waited, Err(Timeout));
        assert!(!started.get(), "the coroutine ran");
    });
}

/// The Rust side of the choice: a handle owns its task. Dropped before the
/// task finishes, it cancels it at once; `detach` lets it run on.
#[test]
fn dropping_a_handle_cancels_its_task_and_detach_lets_it_run() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let dropped = sleeper(&log, "dropped");
                yield_now().await;
                drop(dropped);
                note(&log, "handle dropped");
                let detached_log = Rc::clone(&log);
                spawn(async move {
                    yield_now().await;
                    note(&detached_log, "detached ran on");
                })
                .unwrap()
                .detach();
                sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(
            *log.borrow(),
            [
                "dropped started",
                "dropped dropped",
                "handle dropped",
                "detached ran on"
            ]
        );
    });
}

/// test_tasks.py's test_wait_with_timeout and asyncio.wait's docs: `wait`
/// does not cancel the tasks it waited for, even when the waiting task is
/// cancelled.
#[test]
fn a_cancelled_wait_leaves_its_tasks_running() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let inner_log = Rc::clone(&log);
                let outer = spawn(async move {
                    let short = spawn(async move {
                        sleep(Duration::from_millis(20)).await;
                        note(&inner_log, "waited-for task finished");
                    })
                    .unwrap();
                    wait(vec![short], ReturnWhen::AllCompleted).await
                })
                .unwrap();
                yield_now().await;
                outer.cancel();
                assert!(outer.await.is_err());
                note(&log, "outer cancelled");
                sleep(Duration::from_millis(60)).await;
            }
        });
        assert_eq!(
            *log.borrow(),
            ["outer cancelled", "waited-for task finished"]
        );
    });
}

/// test_futures.py's test_wrap_future_cancel, through `wait_for`: a wait on
/// a pool task that gives up cancels the pool task if it has not started
/// (asyncio cancels the concurrent future behind `run_in_executor`), so it
/// never runs; one already running runs on, as a started
/// `concurrent.futures` task does.
#[test]
fn a_wait_that_gives_up_on_a_pool_task_cancels_it_if_it_has_not_started() {
    watched(|| {
        let pool = turnstile::ThreadPool::new(1).unwrap();
        let gate = std::sync::Arc::new(turnstile::Event::new());
        let ran = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let busy = {
            let gate = std::sync::Arc::clone(&gate);
            turnstile::event_loop::run_in_executor(&pool, move || gate.wait())
                .unwrap_or_else(|_| panic!("the pool is running"))
        };
        let queued = {
            let ran = std::sync::Arc::clone(&ran);
            turnstile::event_loop::run_in_executor(&pool, move || {
                ran.store(true, std::sync::atomic::Ordering::SeqCst)
            })
            .unwrap_or_else(|_| panic!("the pool is running"))
        };
        let (busy_waited, queued_waited) = run(async {
            (
                wait_for(Duration::from_millis(10), busy).await,
                wait_for(Duration::from_millis(10), queued).await,
            )
        });
        assert_eq!((busy_waited, queued_waited), (Err(Timeout), Err(Timeout)));
        gate.set(); // the running task ends; the queued one must not start
        pool.shutdown();
        assert!(
            !ran.load(std::sync::atomic::Ordering::SeqCst),
            "the queued task ran after its wait gave up"
        );
    });
}

/// A task that drops its own handle (the handle reached it through shared
/// state) cannot be dropped in the middle of its own turn: it is asked to
/// stop, and stops at its next turn. `is_cancelled` tells a cancelled task
/// from one that returned.
#[test]
fn a_task_that_drops_its_own_handle_stops_at_its_next_turn() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let own: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::new(RefCell::new(None));
                let task_log = Rc::clone(&log);
                let task_own = Rc::clone(&own);
                let handle = spawn(async move {
                    drop(task_own.borrow_mut().take());
                    note(&task_log, "dropped its own handle");
                    yield_now().await;
                    note(&task_log, "ran on");
                })
                .unwrap();
                *own.borrow_mut() = Some(handle);
                sleep(Duration::from_millis(5)).await;
                note(&log, "main ends");

                let returned = spawn(async {}).unwrap();
                yield_now().await;
                assert!(returned.is_finished() && !returned.is_cancelled());
            }
        });
        assert_eq!(*log.borrow(), ["dropped its own handle", "main ends"]);
    });
}
