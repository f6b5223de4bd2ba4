//! loom models of the thread pool and its futures, and of three broken
//! twins. `cargo test --test model_pool -- --show-output` prints loom's
//! reports.

mod common;

use common::{
    Branches, CountingWaker, DEFAULT_PREEMPTIONS, assert_timeline, catch_failure,
    expect_deadlock_in_child, expect_loom_to_catch, model, ready_after_at_most_one_wake,
};
use std::future::{Future as _, IntoFuture};
use std::pin::Pin;
use std::task::Context;

use loom::sync::Arc;
use turnstile::model::ThreadPool;
use turnstile::model::broken::{
    CheckThenSetStateFuture, LateWakerFuture, MissedStopPool, UnlockedCallbackFuture,
};
use turnstile::model::pool::{Future, TaskError};
use turnstile::model::sync::atomic::{AtomicUsize, Ordering};
use turnstile::model::thread;

/// Property: a value computed on a worker reaches the caller through the
/// future (and dropping the pool joins the worker).
#[test]
fn pool_submit_result_hand_off() {
    model(|| {
        let pool = ThreadPool::new(1).unwrap();
        let future = pool.submit(|| 6 * 7).unwrap();
        assert_eq!(future.into_result(), Ok(42));
    });
}

/// Property: an async task awaiting a future is woken once its outcome can
/// be taken, whichever comes first, its poll or the task's end (the waker's
/// registration racing the wake-up), and with a done-callback in the way
/// (the wake then comes after the callback has returned).
#[test]
fn awaiting_a_future_racing_its_completion_is_woken_exactly_once() {
    for with_callback in [false, true] {
        model(move || {
            let (future, promise) = Future::pending();
            let called = Arc::new(AtomicUsize::new(0));
            if with_callback {
                let called = Arc::clone(&called);
                future.add_done_callback(move |_| {
                    called.fetch_add(1, Ordering::SeqCst);
                });
            }
            let runner = thread::spawn(move || {
                promise.start();
                promise.finish(Ok(7));
            });
            let (waker, wakes) = CountingWaker::new();
            let mut context = Context::from_waker(&waker);
            let mut awaited = future.into_future();
            let first = Pin::new(&mut awaited).poll(&mut context);
            runner.join().unwrap();
            let outcome = ready_after_at_most_one_wake(first, &mut awaited, &mut context, &wakes);
            assert_eq!(outcome, Ok(7));
            assert_eq!(called.load(Ordering::SeqCst), usize::from(with_callback));
        });
    }
}

/// Property: `.await` on a future whose promise is dropped unstarted (the
/// task cancelled) ends with `Cancelled`, under loom's own executor: a
/// lost wake-up would leave `block_on` parked for ever, which loom reports.
#[test]
fn awaiting_a_cancelled_future_ends() {
    model(|| {
        let (future, promise) = Future::<u8>::pending();
        let runner = thread::spawn(move || drop(promise));
        let outcome = loom::future::block_on(async move { future.await });
        assert_eq!(outcome, Err(TaskError::Cancelled));
        runner.join().unwrap();
    });
}

/// Property: an await dropped while pending (its task cancelled, or a
/// `wait_for` that gave up) cancels the pool task if the worker has not
/// started it, racing the worker's start: a task the drop reached first
/// never runs; otherwise it runs to its end. Either way the done-callback
/// sees exactly one outcome, the one that won, and the waker is let go.
#[test]
fn a_dropped_await_racing_the_start_cancels_only_a_task_not_started() {
    model(|| {
        let (future, promise) = Future::pending();
        let seen = Arc::new(AtomicUsize::new(0));
        {
            let seen = Arc::clone(&seen);
            future.add_done_callback(move |outcome| {
                let code = if outcome.is_ok() { 1 } else { 2 };
                seen.fetch_add(code, Ordering::SeqCst);
            });
        }
        let dropped = Arc::new(AtomicUsize::new(0));
        let runner = {
            let dropped = Arc::clone(&dropped);
            thread::spawn(move || {
                let after_drop = dropped.load(Ordering::SeqCst) == 1;
                let started = promise.start();
                assert!(
                    !(after_drop && started),
                    "the task started after its await was dropped"
                );
                if started {
                    promise.finish(Ok(()));
                }
                started
            })
        };
        let (waker, wakes) = CountingWaker::new();
        let mut awaited = future.into_future();
        let first = Pin::new(&mut awaited).poll(&mut Context::from_waker(&waker));
        drop(awaited);
        dropped.store(1, Ordering::SeqCst);
        let started = runner.join().unwrap();
        if first.is_pending() {
            assert!(wakes.wakes() <= 1, "woken more than once");
        }
        drop(waker);
        let expected = if started { 1 } else { 2 };
        assert_eq!(seen.load(Ordering::SeqCst), expected, "started: {started}");
    });
}

/// Property: a callback added while the task completes on another thread
/// runs exactly once, whichever side gets there first.
#[test]
fn future_callback_racing_completion_runs_exactly_once() {
    model(|| {
        let (future, promise) = Future::pending();
        let runner = thread::spawn(move || {
            promise.start();
            promise.finish(Ok(1));
        });
        let calls = Arc::new(AtomicUsize::new(0));
        {
            let calls = Arc::clone(&calls);
            future.add_done_callback(move |outcome| {
                assert_eq!(outcome, &Ok(1));
                calls.fetch_add(1, Ordering::SeqCst);
            });
        }
        runner.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "the callback ran {} times",
            calls.load(Ordering::SeqCst)
        );
        assert_eq!(future.into_result(), Ok(1));
    });
}

/// After a cancel raced a start: the future holds `Cancelled` if the cancel
/// won, the task's `()` if the start did.
fn assert_settled_by_the_winner(future: Future<()>, cancelled: bool) {
    let expected = if cancelled {
        Err(TaskError::Cancelled)
    } else {
        Ok(())
    };
    assert_eq!(future.into_result(), expected);
}

/// Property: a cancel racing with a worker starting the task: exactly one
/// wins, and a cancelled task never runs.
#[test]
fn future_cancel_racing_start_exactly_one_wins() {
    model(|| {
        let (future, promise) = Future::pending();
        let runner = thread::spawn(move || {
            let started = promise.start();
            if started {
                promise.finish(Ok(()));
            }
            started
        });
        let cancelled = future.cancel();
        let started = runner.join().unwrap();
        assert!(
            started != cancelled,
            "started: {started}, cancelled: {cancelled}"
        );
        assert_settled_by_the_winner(future, cancelled);
    });
}

/// Property: the same race on the pool's own path: a worker taking the task
/// off the queue races `cancel`; exactly one wins, and a cancelled task's
/// closure never runs.
#[test]
fn pool_cancel_racing_the_worker_exactly_one_wins() {
    model(|| {
        let pool = ThreadPool::new(1).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let future = {
            let ran = Arc::clone(&ran);
            pool.submit(move || {
                ran.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
        };
        let cancelled = future.cancel();
        drop(pool); // joins the worker
        let ran = ran.load(Ordering::SeqCst);
        assert_eq!(
            ran,
            usize::from(!cancelled),
            "cancelled: {cancelled}, ran {ran} times"
        );
        assert_settled_by_the_winner(future, cancelled);
    });
}

/// Property: a shutdown that cancels pending work still settles every
/// future exactly once: each task either ran (its future holds its value) or
/// was cancelled (and never ran).
#[test]
fn pool_shutdown_runs_or_cancels_every_task_once() {
    model(|| {
        let pool = ThreadPool::new(1).unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = (0..2)
            .map(|n| {
                let ran = Arc::clone(&ran);
                pool.submit(move || {
                    ran.fetch_add(1, Ordering::SeqCst);
                    n
                })
                .unwrap()
            })
            .collect();
        pool.shutdown_now();
        let mut finished = 0;
        for (n, future) in futures.into_iter().enumerate() {
            match future.into_result() {
                Ok(value) => {
                    assert_eq!(value, n);
                    finished += 1;
                }
                Err(error) => assert_eq!(error, TaskError::Cancelled),
            }
        }
        assert_eq!(
            ran.load(Ordering::SeqCst),
            finished,
            "a task ran without reporting, or twice"
        );
    });
}

/// Property: every waiting shutdown returns after the workers have left,
/// not only the one that gets the join handles: two threads shut the pool
/// down while its task runs, and each finds the task done on return.
/// (Issue 10, defect 7.)
#[test]
fn pool_every_waiting_shutdown_waits_for_the_workers() {
    model(|| {
        let pool = Arc::new(ThreadPool::new(1).unwrap());
        let ran = Arc::new(AtomicUsize::new(0));
        {
            let ran = Arc::clone(&ran);
            pool.submit(move || ran.fetch_add(1, Ordering::SeqCst))
                .unwrap();
        }
        let other = {
            let (pool, ran) = (Arc::clone(&pool), Arc::clone(&ran));
            thread::spawn(move || {
                pool.shutdown();
                assert_eq!(
                    ran.load(Ordering::SeqCst),
                    1,
                    "returned before the task ran"
                );
            })
        };
        pool.shutdown();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            1,
            "returned before the task ran"
        );
        other.join().unwrap();
    });
}

/// Property: a timed wait for a result racing the task's completion gets
/// the value or hands the future back, which then yields the value. loom
/// lets the deadline pass at any step.
#[test]
fn future_result_timeout_racing_completion() {
    static BRANCHES: Branches = Branches::new();
    model(|| {
        let (future, promise) = Future::pending();
        let runner = thread::spawn(move || {
            promise.start();
            promise.finish(Ok(5));
        });
        let on_time = future.result_timeout(std::time::Duration::from_secs(3600));
        if BRANCHES.record(on_time.is_ok()) {
            assert_eq!(on_time, Ok(Ok(&5)));
        }
        // Timed out or not, the future is still there to wait on.
        assert_eq!(future.into_result(), Ok(5));
        runner.join().unwrap();
    });
    BRANCHES.assert_both_taken("result_timeout racing completion");
}

// The broken twins.

/// Property: a shared future is read by two threads while a third settles
/// it: both wait and borrow the same value, and loom finds no race between
/// the write of the outcome and the reads (the outcome cell is written once,
/// before the settled state is published under the lock).
#[test]
fn future_shared_by_two_readers_while_it_settles() {
    model(|| {
        let (future, promise) = Future::pending();
        let future = Arc::new(future);
        let reader = {
            let future = Arc::clone(&future);
            thread::spawn(move || *future.result().unwrap())
        };
        let runner = thread::spawn(move || {
            promise.start();
            promise.finish(Ok(7usize));
        });
        assert_eq!(future.result(), Ok(&7));
        assert_eq!(reader.join().unwrap(), 7);
        runner.join().unwrap();
    });
}

/// Property: as above, when the owner comes to `into_result` only after
/// the settling thread has begun, so the lock-free check in `into_result`
/// can run in the middle of `settle`. It must not take the value between
/// "settled" and "lent to the callbacks". (The yield lets loom run the
/// settling thread first: without it, loom's search never reaches
/// `into_result` after the settle has started.)
#[test]
fn future_into_result_arriving_during_the_callbacks_waits_for_them() {
    model(|| {
        let (future, promise) = Future::pending();
        let seen = Arc::new(AtomicUsize::new(0));
        {
            let seen = Arc::clone(&seen);
            future.add_done_callback(move |outcome: &Result<usize, TaskError>| {
                seen.store(*outcome.as_ref().unwrap(), Ordering::SeqCst);
            });
        }
        let runner = thread::spawn(move || {
            promise.start();
            promise.finish(Ok(5usize));
        });
        thread::yield_now();
        assert_eq!(future.into_result(), Ok(5));
        runner.join().unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 5);
    });
}

/// Property: `into_result` moves the value out only once no done-callback
/// borrows it. A callback reads the outcome on the settling thread while
/// the owner takes it: loom would report the take racing the read if
/// `into_result` did not wait for the callbacks to return.
#[test]
fn future_into_result_waits_for_callbacks_that_borrow_the_value() {
    model(|| {
        let (future, promise) = Future::pending();
        let seen = Arc::new(AtomicUsize::new(0));
        {
            let seen = Arc::clone(&seen);
            future.add_done_callback(move |outcome: &Result<usize, TaskError>| {
                seen.store(*outcome.as_ref().unwrap(), Ordering::SeqCst);
            });
        }
        let runner = thread::spawn(move || {
            promise.start();
            promise.finish(Ok(5usize));
        });
        assert_eq!(future.into_result(), Ok(5));
        runner.join().unwrap();
        assert_eq!(seen.load(Ordering::SeqCst), 5);
    });
}

#[test]
fn broken_callback_list_read_without_the_lock_is_caught() {
    let report = expect_loom_to_catch("a done-callback lost (list read without its lock)", || {
        let future = Arc::new(UnlockedCallbackFuture::new());
        let runner = {
            let future = Arc::clone(&future);
            thread::spawn(move || future.finish())
        };
        let calls = Arc::new(AtomicUsize::new(0));
        {
            let calls = Arc::clone(&calls);
            future.add_done_callback(move || {
                calls.fetch_add(1, Ordering::SeqCst);
            });
        }
        runner.join().unwrap();
        assert_eq!(
            calls.load(Ordering::SeqCst),
            1,
            "the callback ran {} times",
            calls.load(Ordering::SeqCst)
        );
    });
    assert!(report.contains("the callback ran 0 times"), "{report}");
}

#[test]
fn broken_waker_registered_after_an_unlocked_look_is_caught() {
    let report = expect_loom_to_catch("an awaiting task's wake-up lost", || {
        let future = Arc::new(LateWakerFuture::new());
        let runner = {
            let future = Arc::clone(&future);
            thread::spawn(move || future.finish())
        };
        let (waker, wakes) = CountingWaker::new();
        let done_at_once = future.poll_done(&waker);
        runner.join().unwrap();
        assert!(
            done_at_once || wakes.wakes() == 1,
            "pending, then woken {} times",
            wakes.wakes()
        );
    });
    assert!(report.contains("pending, then woken 0 times"), "{report}");
}

#[test]
fn broken_cancel_and_start_both_winning_is_caught() {
    let failure = catch_failure(
        DEFAULT_PREEMPTIONS,
        "a cancelled task that also started",
        || {
            let future = Arc::new(CheckThenSetStateFuture::new());
            let runner = {
                let future = Arc::clone(&future);
                thread::spawn(move || {
                    let started = future.start();
                    if started {
                        future.finish();
                    }
                    started
                })
            };
            let cancelled = future.cancel();
            let started = runner.join().unwrap();
            assert!(
                started != cancelled,
                "started: {started}, cancelled: {cancelled}"
            );
        },
    );
    assert_timeline(
        &failure,
        &["main", "thread 1"],
        (
            "pool_twins.rs",
            include_str!("../src/model/broken/pool_twins.rs"),
            "CheckThenSetStateFuture",
        ),
        "started: true, cancelled: true",
    );
}

#[test]
fn broken_shutdown_missing_the_stop_signal_is_caught() {
    expect_deadlock_in_child("child_shutdown_missing_the_stop_signal");
}

/// Run in a child process by `broken_shutdown_missing_the_stop_signal_is_caught`.
#[test]
#[ignore = "run in a child process by broken_shutdown_missing_the_stop_signal_is_caught"]
fn child_shutdown_missing_the_stop_signal() {
    model(|| {
        let pool = MissedStopPool::new();
        let worker = {
            let pool = pool.clone();
            thread::spawn(move || pool.run_worker())
        };
        pool.shutdown();
        worker.join().unwrap();
    });
}
