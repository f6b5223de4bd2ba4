//! Ordinary tests of `ThreadPool` and `Future` on real threads: panics in
//! tasks and callbacks, timeouts, cancel, shutdown, drop, and many tasks.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use common::{SLACK, Unparker, block_on};
use turnstile::ThreadPool;
use turnstile::pool::{Future, FutureState, PoolError, TaskError};

/// Submits a task that waits at a gate, then returns `value`. Returns its
/// future and the gate: `gate.wait()` meets the task there and lets it
/// finish, as a two-party barrier would.
fn submit_gated<T: Send + 'static>(pool: &ThreadPool, value: T) -> (Future<T>, Gate) {
    let gate = Gate(Arc::new(GateState::default()));
    let task_gate = Arc::clone(&gate.0);
    let future = pool
        .submit(move || {
            task_gate.pass();
            value
        })
        .unwrap();
    (future, gate)
}

/// A gate a pool task waits at until the test opens it.
#[derive(Default)]
struct GateState {
    /// (the task has arrived, the test has opened it)
    state: Mutex<(bool, bool)>,
    changed: std::sync::Condvar,
}

impl GateState {
    /// The task's side: arrive, then wait until the gate is opened.
    fn pass(&self) {
        let mut state = self.state.lock().unwrap();
        state.0 = true;
        self.changed.notify_all();
        while !state.1 {
            state = self.changed.wait(state).unwrap();
        }
    }
}

/// The test's side of a task's gate. Dropped unopened (a failed assertion
/// unwinding past it), it opens without waiting for the task: the pool's
/// drop then finishes the task, and the assertion's message reaches the
/// test, where a barrier would leave the task, and the pool's drop that
/// waits for it, hanging.
#[derive(Clone)]
struct Gate(Arc<GateState>);

impl Gate {
    /// Meets the task at the gate and lets it go on.
    fn wait(&self) {
        let mut state = self.0.state.lock().unwrap();
        state.1 = true;
        self.0.changed.notify_all();
        while !state.0 {
            state = self.0.changed.wait(state).unwrap();
        }
    }
}

impl Drop for Gate {
    fn drop(&mut self) {
        if let Ok(mut state) = self.0.state.lock() {
            state.1 = true;
            self.0.changed.notify_all();
        }
    }
}

#[test]
fn zero_workers_is_an_error() {
    assert!(matches!(ThreadPool::new(0), Err(PoolError::ZeroWorkers)));
    assert_eq!(
        PoolError::ZeroWorkers.to_string(),
        "a thread pool needs at least one worker"
    );
}

#[test]
fn workers_are_named() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        workers_are_named_body,
    );
}

fn workers_are_named_body() {
    let pool = ThreadPool::builder()
        .workers(1)
        .thread_name("chef")
        .build()
        .unwrap();
    let name = pool
        .submit(|| thread::current().name().map(str::to_owned))
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(name.as_deref(), Some("chef-0"));
}

#[test]
fn a_panicking_task_reports_and_the_worker_survives() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_panicking_task_reports_and_the_worker_survives_body,
    );
}

fn a_panicking_task_reports_and_the_worker_survives_body() {
    let pool = ThreadPool::new(1).unwrap();
    for round in 0..3 {
        let failed = pool
            .submit(move || -> u32 { panic!("task {round} failed") })
            .unwrap();
        assert_eq!(
            failed.into_result(),
            Err(TaskError::Panicked(format!("task {round} failed")))
        );
        assert_eq!(pool.submit(move || round).unwrap().into_result(), Ok(round));
    }
    assert_eq!(pool.workers(), 1);
}

#[test]
fn result_timeout_times_out_and_the_future_can_be_asked_again() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        result_timeout_times_out_and_the_future_can_be_asked_again_body,
    );
}

fn result_timeout_times_out_and_the_future_can_be_asked_again_body() {
    let pool = ThreadPool::new(1).unwrap();
    let (future, gate) = submit_gated(&pool, 5);
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert_eq!(future.result_timeout(timeout), Err(turnstile::Timeout));
    let waited = start.elapsed();
    // Under Miri the clock is virtual and every thread's interpreted steps
    // move it on, so how far past its deadline the waiter is scheduled
    // again says nothing about the code: only the lower bound holds there.
    assert!(
        waited >= timeout && (cfg!(miri) || waited < timeout + SLACK),
        "waited {waited:?}"
    );
    assert!(future.is_running());
    gate.wait();
    assert_eq!(future.result_timeout(Duration::MAX), Ok(Ok(&5)));
    assert_eq!(future.result_timeout(Duration::ZERO), Ok(Ok(&5)));
}

#[test]
fn cancel_only_before_start_and_a_cancelled_task_never_runs() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        cancel_only_before_start_and_a_cancelled_task_never_runs_body,
    );
}

fn cancel_only_before_start_and_a_cancelled_task_never_runs_body() {
    let pool = ThreadPool::new(1).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    // Occupy the single worker so the next task stays pending.
    let (blocker, gate) = submit_gated(&pool, ());
    let pending = {
        let ran = Arc::clone(&ran);
        pool.submit(move || ran.fetch_add(1, Ordering::SeqCst))
            .unwrap()
    };
    assert_eq!(pending.state(), FutureState::Pending);
    assert!(pending.cancel());
    assert!(pending.cancel(), "cancelling twice reports it is cancelled");
    assert!(pending.is_cancelled() && pending.is_done());
    gate.wait();
    blocker.into_result().unwrap();
    assert_eq!(
        pool.submit(|| ()).unwrap().into_result(),
        Ok(()),
        "the worker goes on"
    );
    drop(pool); // waits for the queue, which held the cancelled job
    assert_eq!(pending.into_result(), Err(TaskError::Cancelled));
    assert_eq!(ran.load(Ordering::SeqCst), 0, "a cancelled task ran");
}

#[test]
fn a_running_task_cannot_be_cancelled() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_running_task_cannot_be_cancelled_body,
    );
}

fn a_running_task_cannot_be_cancelled_body() {
    let pool = ThreadPool::new(1).unwrap();
    let started = Arc::new(Barrier::new(2));
    let finish = Arc::new(Barrier::new(2));
    let future = {
        let (started, finish) = (Arc::clone(&started), Arc::clone(&finish));
        pool.submit(move || {
            started.wait();
            finish.wait();
            "ran"
        })
        .unwrap()
    };
    started.wait();
    assert!(!future.cancel());
    finish.wait();
    assert_eq!(future.into_result(), Ok("ran"));
}

#[test]
fn callbacks_run_once_on_the_completing_thread_or_at_once() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        callbacks_run_once_on_the_completing_thread_or_at_once_body,
    );
}

fn callbacks_run_once_on_the_completing_thread_or_at_once_body() {
    let pool = ThreadPool::builder()
        .workers(1)
        .thread_name("worker")
        .build()
        .unwrap();
    let log = Arc::new(Mutex::new(Vec::new()));
    let (future, gate) = submit_gated(&pool, 3);
    for tag in ["first", "second"] {
        let log = Arc::clone(&log);
        future.add_done_callback(move |outcome| {
            let here = thread::current().name().map(str::to_owned);
            log.lock().unwrap().push((tag, outcome.clone(), here));
        });
    }
    gate.wait();
    // Wait for both callbacks without consuming the future (`is_done` turns
    // true before they run, as in Python).
    let start = Instant::now();
    while log.lock().unwrap().len() < 2 {
        assert!(start.elapsed() < Duration::from_secs(10));
        thread::yield_now();
    }
    assert!(future.is_done());
    {
        let log = Arc::clone(&log);
        future.add_done_callback(move |outcome| {
            let here = thread::current().name().map(str::to_owned);
            log.lock().unwrap().push(("late", outcome.clone(), here));
        });
    }
    let log = log.lock().unwrap().clone();
    let me = thread::current().name().map(str::to_owned);
    assert_eq!(
        log,
        [
            ("first", Ok(3), Some(String::from("worker-0"))),
            ("second", Ok(3), Some(String::from("worker-0"))),
            ("late", Ok(3), me),
        ]
    );
    assert_eq!(
        future.into_result(),
        Ok(3),
        "the callbacks left the result in place"
    );
}

/// Python's rule, "if the future is already done, the callback is called
/// immediately", holds even while the settling thread is still running the
/// earlier callbacks: the late one runs at once on the adding thread, and
/// does not wait behind them.
#[test]
fn a_callback_added_to_a_done_future_runs_at_once_while_others_still_run() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_callback_added_to_a_done_future_runs_at_once_while_others_still_run_body,
    );
}

fn a_callback_added_to_a_done_future_runs_at_once_while_others_still_run_body() {
    let (future, promise) = Future::pending();
    let (release, held) = std::sync::mpsc::channel::<()>();
    future.add_done_callback(move |_: &Result<u8, TaskError>| {
        // Blocks the settling thread inside its callbacks until released
        // (or until the test fails and drops `release`).
        let _ = held.recv();
    });
    let settler = thread::spawn(move || {
        promise.start();
        promise.finish(Ok(8));
    });
    let start = Instant::now();
    while !future.is_done() {
        assert!(start.elapsed() < Duration::from_secs(10));
        thread::yield_now();
    }
    let ran_on = Arc::new(Mutex::new(None));
    {
        let ran_on = Arc::clone(&ran_on);
        future.add_done_callback(move |outcome| {
            *ran_on.lock().unwrap() = Some((outcome.clone(), thread::current().id()));
        });
    }
    assert_eq!(
        *ran_on.lock().unwrap(),
        Some((Ok(8), thread::current().id())),
        "the late callback ran at once, here"
    );
    release.send(()).unwrap();
    settler.join().unwrap();
    assert_eq!(future.into_result(), Ok(8));
}

#[test]
fn a_panicking_callback_is_contained() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_panicking_callback_is_contained_body,
    );
}

fn a_panicking_callback_is_contained_body() {
    let pool = ThreadPool::new(1).unwrap();
    let after = Arc::new(AtomicUsize::new(0));
    let (future, promise) = Future::<u8>::pending();
    future.add_done_callback(|_| panic!("a callback fails"));
    {
        let after = Arc::clone(&after);
        future.add_done_callback(move |_| {
            after.fetch_add(1, Ordering::SeqCst);
        });
    }
    // Settle it on a pool worker: the worker must survive the callback panic.
    pool.submit(move || {
        promise.start();
        promise.finish(Ok(1));
    })
    .unwrap()
    .into_result()
    .unwrap();
    assert_eq!(after.load(Ordering::SeqCst), 1, "later callbacks still ran");
    assert_eq!(future.into_result(), Ok(1));
    assert_eq!(
        pool.submit(|| 9).unwrap().into_result(),
        Ok(9),
        "the worker survived"
    );
}

#[test]
fn shutdown_refuses_new_work_and_hands_the_closure_back() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        shutdown_refuses_new_work_and_hands_the_closure_back_body,
    );
}

fn shutdown_refuses_new_work_and_hands_the_closure_back_body() {
    let pool = ThreadPool::new(2).unwrap();
    pool.shutdown();
    pool.shutdown(); // harmless
    let refused = pool.submit(|| 41).unwrap_err();
    assert_eq!(
        refused.to_string(),
        "submit on a thread pool that was shut down"
    );
    assert_eq!(refused.into_inner()() + 1, 42);
}

#[test]
fn shutdown_now_cancels_what_has_not_started() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        shutdown_now_cancels_what_has_not_started_body,
    );
}

fn shutdown_now_cancels_what_has_not_started_body() {
    let pool = ThreadPool::new(1).unwrap();
    let (running, gate) = submit_gated(&pool, "finished");
    // Make sure the first task is running before queueing the rest.
    while !running.is_running() {
        thread::yield_now();
    }
    let queued: Vec<_> = (0..5).map(|n| pool.submit(move || n).unwrap()).collect();
    let releaser = {
        let gate = gate.clone();
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            gate.wait();
        })
    };
    pool.shutdown_now();
    releaser.join().unwrap();
    assert_eq!(
        running.into_result(),
        Ok("finished"),
        "a running task is not cancelled"
    );
    for future in queued {
        assert_eq!(future.into_result(), Err(TaskError::Cancelled));
    }
}

/// A cancelled task's callbacks run with no lock held, even when the
/// cancel comes from `shutdown` discarding the queue: a callback that
/// submits again gets the closure back instead of deadlocking.
#[test]
fn a_callback_of_a_task_cancelled_by_shutdown_can_use_the_pool() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_callback_of_a_task_cancelled_by_shutdown_can_use_the_pool_body,
    );
}

fn a_callback_of_a_task_cancelled_by_shutdown_can_use_the_pool_body() {
    let pool = Arc::new(ThreadPool::new(1).unwrap());
    let (running, gate) = submit_gated(&pool, ());
    while !running.is_running() {
        thread::yield_now();
    }
    let queued = pool.submit(|| ()).unwrap();
    let (told, heard) = std::sync::mpsc::channel();
    {
        let pool = Arc::clone(&pool);
        queued.add_done_callback(move |outcome| {
            let resubmitted = pool.submit(|| ()).is_ok();
            let _ = told.send((outcome.clone(), resubmitted));
        });
    }
    let shutter = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.shutdown_now())
    };
    let (outcome, resubmitted) = heard
        .recv_timeout(Duration::from_secs(5))
        .expect("the callback never finished: it ran under a lock that submit needs");
    assert_eq!(outcome, Err(TaskError::Cancelled));
    assert!(!resubmitted, "a pool that was shut down refuses new work");
    gate.wait();
    assert_eq!(shutter.join().unwrap(), 1);
    assert_eq!(running.into_result(), Ok(()));
}

#[test]
fn drop_waits_for_queued_work() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        drop_waits_for_queued_work_body,
    );
}

fn drop_waits_for_queued_work_body() {
    let done = Arc::new(AtomicUsize::new(0));
    {
        let pool = ThreadPool::new(2).unwrap();
        for _ in 0..50 {
            let done = Arc::clone(&done);
            let _ = pool.submit(move || {
                thread::sleep(Duration::from_micros(100));
                done.fetch_add(1, Ordering::SeqCst);
            });
        }
    } // drop: shutdown(), which runs the queued work and waits
    assert_eq!(done.load(Ordering::SeqCst), 50);
}

/// 100,000 tasks on four workers: every future resolves exactly once with
/// its own value.
#[test]
fn lots_of_tasks_each_resolved_once() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        lots_of_tasks_each_resolved_once_body,
    );
}

fn lots_of_tasks_each_resolved_once_body() {
    const TASKS: u64 = if cfg!(miri) { 200 } else { 100_000 };
    let pool = ThreadPool::new(4).unwrap();
    let callbacks = Arc::new(AtomicUsize::new(0));
    let futures: Vec<_> = (0..TASKS)
        .map(|n| {
            let future = pool.submit(move || n * 2).unwrap();
            let callbacks = Arc::clone(&callbacks);
            future.add_done_callback(move |_| {
                callbacks.fetch_add(1, Ordering::Relaxed);
            });
            future
        })
        .collect();
    let sum: u64 = futures.into_iter().map(|f| f.into_result().unwrap()).sum();
    assert_eq!(sum, TASKS * (TASKS - 1));
    assert_eq!(
        callbacks.load(Ordering::Relaxed) as u64,
        TASKS,
        "each callback ran once"
    );
}

#[test]
fn a_promise_dropped_while_running_reports_a_panic() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_promise_dropped_while_running_reports_a_panic_body,
    );
}

fn a_promise_dropped_while_running_reports_a_panic_body() {
    let (future, promise) = Future::<u8>::pending();
    assert!(promise.start());
    drop(promise);
    assert!(matches!(future.into_result(), Err(TaskError::Panicked(_))));
}

#[test]
fn map_keeps_item_order() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        map_keeps_item_order_body,
    );
}

fn map_keeps_item_order_body() {
    let pool = ThreadPool::new(3).unwrap();
    let results: Vec<_> = pool
        .map(
            |n: u64| {
                // Later items finish first; the order must still be the items'.
                thread::sleep(Duration::from_millis(10 - n));
                n * 10
            },
            0..10,
        )
        .collect();
    assert_eq!(results, (0..10).map(|n| Ok(n * 10)).collect::<Vec<_>>());
    pool.shutdown();
    let refused: Vec<_> = pool.map(|n: u8| n, [1, 2]).collect();
    assert_eq!(
        refused,
        [Err(TaskError::Cancelled), Err(TaskError::Cancelled)]
    );
}

#[test]
fn as_completed_yields_in_completion_order() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        as_completed_yields_in_completion_order_body,
    );
}

fn as_completed_yields_in_completion_order_body() {
    use turnstile::pool::as_completed;
    let pool = ThreadPool::new(2).unwrap();
    let (slow, gate) = submit_gated(&pool, "slow");
    let fast = pool.submit(|| "fast").unwrap();
    let mut order = as_completed([&slow, &fast]);
    assert_eq!(order.size_hint(), (2, Some(2)));
    assert_eq!(order.next().unwrap().result(), Ok(&"fast"));
    gate.wait();
    assert_eq!(order.next().unwrap().result(), Ok(&"slow"));
    assert!(order.next().is_none());
}

#[test]
fn wait_first_completed_all_completed_first_error_and_timeout() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        wait_first_completed_all_completed_first_error_and_timeout_body,
    );
}

fn wait_first_completed_all_completed_first_error_and_timeout_body() {
    use turnstile::pool::{WaitFor, wait, wait_timeout};
    let pool = ThreadPool::new(2).unwrap();
    let gate = Arc::new(Barrier::new(2));
    let blocked = {
        let gate = Arc::clone(&gate);
        move || {
            gate.wait();
            0u8
        }
    };

    // First completed: the quick one is done, the blocked one pending.
    let futures = vec![
        pool.submit(blocked.clone()).unwrap(),
        pool.submit(|| 1).unwrap(),
    ];
    let waited = wait(&futures, WaitFor::FirstCompleted);
    assert_eq!((waited.done.len(), waited.pending.len()), (1, 1));
    gate.wait();
    let rest = wait(waited.pending, WaitFor::AllCompleted);
    assert_eq!((rest.done.len(), rest.pending.len()), (1, 0));

    // First error: a panic ends the wait although another task is blocked.
    let futures = vec![
        pool.submit(blocked.clone()).unwrap(),
        pool.submit(|| -> u8 { panic!("fails fast") }).unwrap(),
    ];
    let waited = wait_timeout(&futures, WaitFor::FirstError, Duration::from_secs(10));
    assert_eq!((waited.done.len(), waited.pending.len()), (1, 1));
    assert!(matches!(
        waited.done[0].result(),
        Err(TaskError::Panicked(_))
    ));

    // Timeout: the blocked task is still pending when time runs out.
    let start = Instant::now();
    let waited = wait_timeout(
        waited.pending,
        WaitFor::AllCompleted,
        Duration::from_millis(50),
    );
    assert!(start.elapsed() >= Duration::from_millis(50));
    assert_eq!((waited.done.len(), waited.pending.len()), (0, 1));
    gate.wait();
    assert_eq!(waited.pending[0].result(), Ok(&0));
}

#[test]
fn a_bounded_submission_queue_makes_submit_wait() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_bounded_submission_queue_makes_submit_wait_body,
    );
}

fn a_bounded_submission_queue_makes_submit_wait_body() {
    assert!(matches!(
        ThreadPool::builder().queue_capacity(0).build(),
        Err(PoolError::ZeroCapacity)
    ));
    let pool = Arc::new(
        ThreadPool::builder()
            .workers(1)
            .queue_capacity(1)
            .build()
            .unwrap(),
    );
    let (running, gate) = submit_gated(&pool, ());
    while !running.is_running() {
        thread::yield_now();
    }
    let queued = pool.submit(|| 1).unwrap(); // fills the one queue slot
    let submitter = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.submit(|| 2).unwrap().into_result())
    };
    thread::sleep(Duration::from_millis(50));
    assert!(
        !submitter.is_finished(),
        "submit returned although the queue was full"
    );
    gate.wait();
    assert_eq!(queued.into_result(), Ok(1));
    assert_eq!(submitter.join().unwrap(), Ok(2));
}

#[test]
fn the_initializer_runs_once_on_every_worker() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        the_initializer_runs_once_on_every_worker_body,
    );
}

fn the_initializer_runs_once_on_every_worker_body() {
    let initialized = Arc::new(AtomicUsize::new(0));
    let pool = {
        let initialized = Arc::clone(&initialized);
        ThreadPool::builder()
            .workers(3)
            .initializer(move || {
                initialized.fetch_add(1, Ordering::SeqCst);
                Ok::<(), String>(())
            })
            .build()
            .unwrap()
    };
    assert_eq!(pool.submit(|| 5).unwrap().into_result(), Ok(5));
    pool.shutdown();
    assert_eq!(initialized.load(Ordering::SeqCst), 3);
}

/// A failed initializer breaks the pool: queued tasks report it, and
/// submits are refused with the reason. The same for a panicking one.
#[test]
fn a_failed_initializer_breaks_the_pool() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_failed_initializer_breaks_the_pool_body,
    );
}

fn a_failed_initializer_breaks_the_pool_body() {
    use turnstile::pool::SubmitError;
    for (pool, reason) in [
        (
            ThreadPool::builder()
                .workers(2)
                .initializer(|| Err("no database")),
            String::from("no database"),
        ),
        (
            ThreadPool::builder()
                .workers(2)
                .initializer(|| -> Result<(), String> { panic!("bad config") }),
            String::from("the initializer panicked: bad config"),
        ),
    ] {
        let pool = pool.build().unwrap();
        let start = Instant::now();
        // Submit until the pool refuses: tasks queued before it broke must
        // settle with PoolBroken, never run.
        loop {
            match pool.submit(|| 1) {
                Ok(future) => {
                    assert_eq!(
                        future.into_result(),
                        Err(TaskError::PoolBroken(reason.clone()))
                    );
                }
                Err(SubmitError::Broken { reason: why, task }) => {
                    assert_eq!(why, reason);
                    assert_eq!(task(), 1, "the closure is handed back");
                    break;
                }
                Err(SubmitError::ShutDown(_)) => panic!("broken, not shut down"),
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the pool never broke"
            );
        }
        let refused = pool.submit(|| ()).unwrap_err();
        assert!(refused.to_string().contains(&reason), "{refused}");
    }
}

/// A task may shut its own pool down, or drop the last handle to it (so the
/// pool's `Drop` runs on a worker): the worker must not try to join itself.
#[test]
fn a_task_can_shut_down_or_drop_its_own_pool() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_task_can_shut_down_or_drop_its_own_pool_body,
    );
}

fn a_task_can_shut_down_or_drop_its_own_pool_body() {
    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let inside = Arc::clone(&pool);
    let outcome = pool
        .submit(move || inside.shutdown())
        .unwrap()
        .into_result();
    assert_eq!(outcome, Ok(()), "shutdown() from a worker");

    let pool = Arc::new(ThreadPool::new(2).unwrap());
    let last_handle = Arc::clone(&pool);
    let (sender, receiver) = std::sync::mpsc::channel();
    let future = pool
        .submit(move || {
            drop(last_handle); // may be the last one, once `pool` below is gone
            sender.send(()).unwrap();
        })
        .unwrap();
    drop(pool);
    receiver.recv_timeout(Duration::from_secs(10)).unwrap();
    assert_eq!(future.into_result(), Ok(()));
}

/// A done-callback sees its future done, as Python's does: the future is
/// Finished before its callbacks run. (Issue 10, defect 6: inside the
/// callback the future was still Running, and waiting on it there hung the
/// worker.)
#[test]
fn a_done_callback_sees_its_future_finished() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_done_callback_sees_its_future_finished_body,
    );
}

fn a_done_callback_sees_its_future_finished_body() {
    let pool = ThreadPool::new(1).unwrap();
    let (future, gate) = submit_gated(&pool, 7);
    let shared = Arc::new(Mutex::new(None::<Future<i32>>));
    let (seen, saw) = std::sync::mpsc::channel();
    {
        let shared = Arc::clone(&shared);
        future.add_done_callback(move |outcome| {
            let slot = shared.lock().unwrap();
            let future = slot.as_ref().expect("the test stored the future");
            let _ = seen.send((outcome.clone(), future.is_done(), future.state()));
        });
    }
    *shared.lock().unwrap() = Some(future);
    gate.wait();
    let (outcome, done, state) = saw.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(outcome, Ok(7));
    assert!(done, "is_done() inside the callback");
    assert_eq!(state, FutureState::Finished);
    let future = shared.lock().unwrap().take().unwrap();
    assert_eq!(
        future.into_result(),
        Ok(7),
        "the outcome is still there for result()"
    );
    common::within(Duration::from_secs(5), "dropping the pool", move || {
        drop(pool)
    });
}

/// Waiting for a future's result inside one of its own callbacks cannot
/// work (the callback borrows the outcome that `result` would move out); it
/// must fail at once, not hang the worker, and the pool must go on.
#[test]
fn inside_its_own_callback_a_future_reads_and_into_result_refuses_instead_of_hanging() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        inside_its_own_callback_a_future_reads_and_into_result_refuses_instead_of_hanging_body,
    );
}

fn inside_its_own_callback_a_future_reads_and_into_result_refuses_instead_of_hanging_body() {
    let pool = ThreadPool::new(1).unwrap();
    let (future, gate) = submit_gated(&pool, 7);
    let shared = Arc::new(Mutex::new(None::<Future<i32>>));
    let (told, heard) = std::sync::mpsc::channel();
    {
        let shared = Arc::clone(&shared);
        future.add_done_callback(move |_| {
            let told = told; // dropped when the callback ends, even by a panic
            let future = shared.lock().unwrap().take().expect("stored");
            // Reading borrows, which the callback does too: fine.
            let _ = told.send(future.result().copied());
            // Moving the value out while the callback borrows it cannot
            // work: a panic, caught like any callback's, not a hang.
            let _ = future.into_result();
            let _ = told.send(Err(TaskError::Cancelled)); // never reached
        });
    }
    *shared.lock().unwrap() = Some(future);
    gate.wait();
    assert_eq!(heard.recv_timeout(Duration::from_secs(5)), Ok(Ok(7)));
    assert_eq!(
        heard.recv_timeout(Duration::from_secs(5)),
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected),
        "the callback ended (its sender dropped) instead of hanging"
    );
    // The worker survived and serves the next task.
    let next = pool.submit(|| 8).unwrap();
    assert_eq!(next.into_result(), Ok(8));
    common::within(Duration::from_secs(5), "dropping the pool", move || {
        drop(pool)
    });
}

/// `shutdown()` returns only once the workers have exited, for every
/// caller, not only the first. (Issue 10, defect 7: the second caller found
/// the join handles taken and returned at once.)
#[test]
fn every_waiting_shutdown_returns_after_the_workers_exit() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        every_waiting_shutdown_returns_after_the_workers_exit_body,
    );
}

fn every_waiting_shutdown_returns_after_the_workers_exit_body() {
    let pool = Arc::new(ThreadPool::new(1).unwrap());
    let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let gate = Arc::new(Barrier::new(2));
    {
        let (finished, gate) = (Arc::clone(&finished), Arc::clone(&gate));
        pool.submit(move || {
            gate.wait();
            thread::sleep(Duration::from_millis(200));
            finished.store(true, Ordering::SeqCst);
        })
        .unwrap();
    }
    let first = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || pool.shutdown())
    };
    thread::sleep(Duration::from_millis(50)); // the first caller is joining
    gate.wait();
    pool.shutdown();
    assert!(
        finished.load(Ordering::SeqCst),
        "the second shutdown() returned while the task was still running"
    );
    first.join().unwrap();
}

/// `TaskError` reads as a sentence, and a promise's `Debug` hides its
/// innards (surviving mutants blanked both).
#[test]
fn task_errors_and_promises_print() {
    assert_eq!(
        TaskError::Panicked("boom".into()).to_string(),
        "the task panicked: boom"
    );
    assert_eq!(TaskError::Cancelled.to_string(), "the task was cancelled");
    assert_eq!(
        TaskError::PoolBroken("no database".into()).to_string(),
        "the pool is broken: no database"
    );
    let (future, promise) = Future::<u8>::pending();
    assert_eq!(format!("{promise:?}"), "Promise { .. }");
    assert_eq!(format!("{future:?}"), "Future { state: Pending }");
}

/// A thread-name prefix that the OS cannot take (a NUL byte) is a clear
/// error from `build`, not a panic inside it, nor (as it was) a hang in
/// the half-built pool's drop waiting for a worker that never started.
#[test]
fn a_thread_name_with_a_nul_byte_is_an_error() {
    let built = common::within(Duration::from_secs(5), "build with a bad name", || {
        ThreadPool::builder()
            .workers(2)
            .thread_name("bad\0name")
            .build()
            .map(|pool| pool.workers())
    });
    match built {
        Err(PoolError::Spawn(error)) => {
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput);
            assert!(error.to_string().contains("NUL"), "{error}");
        }
        other => panic!("expected a Spawn error, got {other:?}"),
    }
}

/// The pool's helper types print usefully, and `map`'s iterator knows how
/// many results are left (surviving mutants blanked each).
#[test]
fn pool_types_print_and_map_knows_its_length() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        pool_types_print_and_map_knows_its_length_body,
    );
}

fn pool_types_print_and_map_knows_its_length_body() {
    let pool = ThreadPool::builder()
        .workers(1)
        .thread_name("printer")
        .build()
        .unwrap();
    assert_eq!(
        format!("{pool:?}"),
        "ThreadPool { workers: 1, queued: 0, shut_down: false }"
    );
    assert_eq!(
        format!("{:?}", ThreadPool::builder().workers(3)),
        "Builder { workers: Some(3), name_prefix: \"turnstile-pool\", queue_capacity: None, initializer: false }"
    );
    let mut results = pool.map(|n: u32| n * 2, 0..3);
    assert_eq!(results.size_hint(), (3, Some(3)));
    assert_eq!(results.next(), Some(Ok(0)));
    assert_eq!(results.size_hint(), (2, Some(2)));
    pool.shutdown();
    let refused = pool.submit(|| 1).unwrap_err();
    assert_eq!(format!("{refused:?}"), "ShutDown(..)");
}

/// A wait that ends removes its own watchers only: the future's callbacks,
/// and another wait still watching it, are told when it settles.
#[test]
fn an_ended_wait_leaves_callbacks_and_other_waits_in_place() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        an_ended_wait_leaves_callbacks_and_other_waits_in_place_body,
    );
}

fn an_ended_wait_leaves_callbacks_and_other_waits_in_place_body() {
    use turnstile::pool::{WaitFor, wait_timeout};
    let (future, promise) = Future::<u8>::pending();
    let (told, heard) = std::sync::mpsc::channel();
    future.add_done_callback(move |outcome| {
        let _ = told.send(outcome.clone());
    });
    thread::scope(|s| {
        let patient = s.spawn(|| {
            let waited = wait_timeout([&future], WaitFor::AllCompleted, Duration::from_secs(10));
            waited.done.len()
        });
        // Give the patient wait time to register, then let a short one end.
        thread::sleep(Duration::from_millis(50));
        let impatient = wait_timeout([&future], WaitFor::AllCompleted, Duration::from_millis(10));
        assert_eq!(impatient.pending.len(), 1);
        promise.start();
        promise.finish(Ok(3));
        assert_eq!(patient.join().unwrap(), 1, "the other wait was told");
    });
    assert_eq!(heard.recv_timeout(Duration::from_secs(5)), Ok(Ok(3)));
}

#[test]
fn a_pool_future_can_be_awaited_and_wakes_its_task_once() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_pool_future_can_be_awaited_and_wakes_its_task_once_body,
    );
}

fn a_pool_future_can_be_awaited_and_wakes_its_task_once_body() {
    let pool = ThreadPool::new(2).unwrap();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let slow = pool
        .submit(move || {
            gate.recv().unwrap();
            "done"
        })
        .unwrap();
    let opener = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20)); // the await is pending by then
        release.send(()).unwrap();
    });
    let (outcome, wakes) = block_on(async { slow.await });
    opener.join().unwrap();
    assert_eq!(outcome, Ok("done"));
    assert_eq!(wakes, 1, "one wake-up for one outcome");

    let panicked = pool.submit(|| -> u8 { panic!("no") }).unwrap();
    let (outcome, _) = block_on(async { panicked.await });
    assert!(matches!(outcome, Err(TaskError::Panicked(message)) if message == "no"));

    let (future, promise) = Future::<u8>::pending();
    drop(promise);
    let (outcome, wakes) = block_on(std::future::IntoFuture::into_future(future));
    assert_eq!((outcome, wakes), (Err(TaskError::Cancelled), 0));
}

#[test]
fn an_awaited_future_resolves_after_its_done_callbacks_return() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        an_awaited_future_resolves_after_its_done_callbacks_return_body,
    );
}

fn an_awaited_future_resolves_after_its_done_callbacks_return_body() {
    let (future, promise) = Future::pending();
    let (entered, callback_running) = std::sync::mpsc::channel::<()>();
    let (finish_callback, callback_may_end) = std::sync::mpsc::channel::<()>();
    future.add_done_callback(move |_| {
        entered.send(()).unwrap();
        callback_may_end.recv().unwrap();
    });
    let settler = thread::spawn(move || {
        promise.start();
        promise.finish(Ok(vec![1, 2, 3]));
    });
    callback_running.recv().unwrap(); // settled, the value lent to the callback
    let mut awaited = std::pin::pin!(std::future::IntoFuture::into_future(future));
    let (waker, unparker) = Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    assert!(awaited.as_mut().poll(&mut context).is_pending());
    finish_callback.send(()).unwrap();
    settler.join().unwrap();
    assert_eq!(unparker.wakes(), 1);
    assert_eq!(
        awaited.as_mut().poll(&mut context),
        std::task::Poll::Ready(Ok(vec![1, 2, 3]))
    );
}

#[test]
fn dropping_a_pending_await_cancels_a_queued_task_and_lets_a_running_one_finish() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        dropping_a_pending_await_cancels_a_queued_task_and_lets_a_running_one_finish_body,
    );
}

/// Awaits `future` once (pending), then drops the await, as a cancelled
/// task or a `wait_for` that gave up does. Returns the waker's counter.
fn poll_once_then_drop<T: Send + 'static>(future: Future<T>) -> Arc<Unparker> {
    let (waker, unparker) = Unparker::new();
    let mut awaited = std::pin::pin!(std::future::IntoFuture::into_future(future));
    let mut context = std::task::Context::from_waker(&waker);
    assert!(awaited.as_mut().poll(&mut context).is_pending());
    unparker
}

fn dropping_a_pending_await_cancels_a_queued_task_and_lets_a_running_one_finish_body() {
    let pool = ThreadPool::new(1).unwrap();
    let ran = Arc::new(AtomicUsize::new(0));
    let (started, has_started) = std::sync::mpsc::channel::<()>();
    let (release, gate) = std::sync::mpsc::channel::<()>();
    let running = {
        let ran = Arc::clone(&ran);
        pool.submit(move || {
            started.send(()).unwrap();
            gate.recv().unwrap();
            ran.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap()
    };
    let queued = {
        let ran = Arc::clone(&ran);
        pool.submit(move || {
            ran.fetch_add(10, Ordering::SeqCst);
        })
        .unwrap()
    };
    has_started.recv().unwrap(); // the one worker is in `running`
    let running_waker = poll_once_then_drop(running);
    let queued_waker = poll_once_then_drop(queued);
    release.send(()).unwrap();
    pool.shutdown();
    assert_eq!(
        ran.load(Ordering::SeqCst),
        1,
        "the running task ran on and the queued one was cancelled"
    );
    for unparker in [running_waker, queued_waker] {
        assert_eq!(
            Arc::strong_count(&unparker),
            1,
            "the registered waker was dropped"
        );
        assert_eq!(unparker.wakes(), 1, "woken once, for nothing");
    }
}

#[test]
#[should_panic(expected = "polled after it was ready")]
fn polling_an_awaited_future_after_it_was_ready_panics() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        polling_an_awaited_future_after_it_was_ready_panics_body,
    );
}

fn polling_an_awaited_future_after_it_was_ready_panics_body() {
    let (future, promise) = Future::pending();
    promise.start();
    promise.finish(Ok(1u8));
    let mut awaited = std::pin::pin!(std::future::IntoFuture::into_future(future));
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(awaited.as_mut().poll(&mut context).is_ready());
    let _ = awaited.as_mut().poll(&mut context);
}

#[test]
fn a_pool_future_awaited_on_tokio() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_pool_future_awaited_on_tokio_body,
    );
}

fn a_pool_future_awaited_on_tokio_body() {
    let pool = ThreadPool::new(2).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let sum = runtime.block_on(async {
        // Python: await loop.run_in_executor(pool, f), twice at once.
        let a = pool.submit(|| (1..=100u64).sum::<u64>()).unwrap();
        let b = pool
            .submit(|| {
                thread::sleep(Duration::from_millis(10));
                1000u64
            })
            .unwrap();
        let a = tokio::spawn(async move { a.await });
        let b = tokio::spawn(async move { b.await });
        a.await.unwrap().unwrap() + b.await.unwrap().unwrap()
    });
    assert_eq!(sum, 6050);
}

#[test]
fn a_re_polled_awaited_future_wakes_the_latest_waker_and_prints_its_state() {
    common::within(
        common::PATIENCE,
        "the pool's tasks, futures and shutdown this test waits on",
        a_re_polled_awaited_future_wakes_the_latest_waker_and_prints_its_state_body,
    );
}

fn a_re_polled_awaited_future_wakes_the_latest_waker_and_prints_its_state_body() {
    let (future, promise) = Future::<u8>::pending();
    let mut awaited = std::pin::pin!(std::future::IntoFuture::into_future(future));
    assert_eq!(
        format!("{awaited:?}"),
        "AsyncResult { state: Some(Pending) }"
    );
    let (first, first_count) = Unparker::new();
    let (second, second_count) = Unparker::new();
    assert!(
        awaited
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&first))
            .is_pending()
    );
    assert!(
        awaited
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&second))
            .is_pending()
    );
    promise.start();
    promise.finish(Ok(3));
    assert_eq!((first_count.wakes(), second_count.wakes()), (0, 1));
    assert!(
        awaited
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&second))
            .is_ready()
    );
    assert_eq!(format!("{awaited:?}"), "AsyncResult { state: None }");
}
