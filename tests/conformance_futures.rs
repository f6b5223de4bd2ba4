//! The conformance tier for the thread pool and its futures: CPython's
//! `Lib/test/test_concurrent_futures/` (test_future, executor,
//! test_thread_pool, test_shutdown, test_wait, test_as_completed,
//! test_init), restated in Rust, one test per CPython test, each named after
//! the file and test it restates.
//!
//! Python → turnstile: `Future()` + `set_result` → `Future::pending()` and
//! its `Promise`; `set_running_or_notify_cancel` → `Promise::start`;
//! `future.result(timeout=t)` → `result_timeout(t)`, `Err(Timeout)` for
//! Python's `TimeoutError`; `exception(timeout=t)` → `exception_timeout(t)`.
//! Futures are shared as in Python (by reference, across threads), and
//! `wait`/`as_completed` borrow them. A done-callback receives the outcome,
//! not the future. Differences are asserted as turnstile behaves and listed
//! in TESTING.md; tests about Python's process exit or its processes are
//! listed at the end, with why.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex as StdMutex};
use std::thread;
use std::time::Duration;

use common::within;
use turnstile::pool::{
    Future, FutureState, PoolError, Promise, SubmitError, TaskError, WaitFor, as_completed,
    as_completed_timeout, wait, wait_timeout,
};
use turnstile::{Event, Semaphore, ThreadPool, Timeout};

/// A future already settled with `outcome` (util.py's SUCCESSFUL_FUTURE,
/// EXCEPTION_FUTURE).
fn settled<T: Send + 'static>(outcome: Result<T, TaskError>) -> Future<T> {
    let (future, promise) = Future::pending();
    promise.start();
    promise.finish(outcome);
    future
}

/// util.py's PENDING_FUTURE: the promise must stay alive (dropping it
/// unstarted cancels the future).
fn pending<T: Send + 'static>() -> (Future<T>, Promise<T>) {
    Future::pending()
}

/// util.py's RUNNING_FUTURE.
fn running<T: Send + 'static>() -> (Future<T>, Promise<T>) {
    let (future, promise) = Future::pending();
    assert!(promise.start());
    (future, promise)
}

/// util.py's CANCELLED_FUTURE and CANCELLED_AND_NOTIFIED_FUTURE, which are
/// one state here: a cancel settles the future at once.
fn cancelled<T: Send + 'static>() -> Future<T> {
    let (future, promise) = Future::pending();
    assert!(future.cancel());
    assert!(!promise.start());
    future
}

fn oserror() -> TaskError {
    TaskError::Panicked("OSError".into())
}

/// The outcomes a recording callback has received.
type Seen<T> = Arc<StdMutex<Vec<Result<T, TaskError>>>>;

/// Records every outcome a callback receives.
fn recorder<T: Clone + Send + 'static>()
-> (Seen<T>, impl FnOnce(&Result<T, TaskError>) + Send + 'static) {
    let seen = Arc::new(StdMutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    (seen, move |outcome: &Result<T, TaskError>| {
        sink.lock().unwrap().push(outcome.clone())
    })
}

// ---------------------------------------------------------------------------
// test_future.py: FutureTests
// ---------------------------------------------------------------------------

/// test_future.FutureTests.test_done_callback_with_result
#[test]
fn future_test_done_callback_with_result() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_with_result_body,
    );
}

fn future_test_done_callback_with_result_body() {
    let (future, promise) = pending::<i32>();
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    promise.start();
    promise.finish(Ok(5));
    assert_eq!(*seen.lock().unwrap(), [Ok(5)]);
}

/// test_future.FutureTests.test_done_callback_with_exception
#[test]
fn future_test_done_callback_with_exception() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_with_exception_body,
    );
}

fn future_test_done_callback_with_exception_body() {
    let (future, promise) = pending::<i32>();
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    promise.start();
    promise.finish(Err(TaskError::Panicked("test".into())));
    assert_eq!(
        *seen.lock().unwrap(),
        [Err(TaskError::Panicked("test".into()))]
    );
}

/// test_future.FutureTests.test_done_callback_with_cancel
#[test]
fn future_test_done_callback_with_cancel() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_with_cancel_body,
    );
}

fn future_test_done_callback_with_cancel_body() {
    let (future, _promise) = pending::<i32>();
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    assert!(future.cancel());
    assert_eq!(*seen.lock().unwrap(), [Err(TaskError::Cancelled)]);
}

/// test_future.FutureTests.test_done_callback_raises: a raising callback is
/// reported (on stderr) and the next one still runs.
#[test]
fn future_test_done_callback_raises() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_raises_body,
    );
}

fn future_test_done_callback_raises_body() {
    let (future, promise) = pending::<i32>();
    let raising_called = Arc::new(AtomicUsize::new(0));
    {
        let raising_called = Arc::clone(&raising_called);
        future.add_done_callback(move |_| {
            raising_called.fetch_add(1, SeqCst);
            panic!("doh!");
        });
    }
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    promise.start();
    promise.finish(Ok(5));
    assert_eq!(raising_called.load(SeqCst), 1);
    assert_eq!(*seen.lock().unwrap(), [Ok(5)]);
}

/// test_future.FutureTests.test_done_callback_already_successful: added
/// after the result, the callback runs at once.
#[test]
fn future_test_done_callback_already_successful() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_already_successful_body,
    );
}

fn future_test_done_callback_already_successful_body() {
    let future = settled(Ok(5));
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    assert_eq!(*seen.lock().unwrap(), [Ok(5)]);
}

/// test_future.FutureTests.test_done_callback_already_failed
#[test]
fn future_test_done_callback_already_failed() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_already_failed_body,
    );
}

fn future_test_done_callback_already_failed_body() {
    let future = settled::<i32>(Err(TaskError::Panicked("test".into())));
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    assert_eq!(
        *seen.lock().unwrap(),
        [Err(TaskError::Panicked("test".into()))]
    );
}

/// test_future.FutureTests.test_done_callback_already_cancelled
#[test]
fn future_test_done_callback_already_cancelled() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_already_cancelled_body,
    );
}

fn future_test_done_callback_already_cancelled_body() {
    let future = cancelled::<i32>();
    let (seen, callback) = recorder();
    future.add_done_callback(callback);
    assert_eq!(*seen.lock().unwrap(), [Err(TaskError::Cancelled)]);
}

/// test_future.FutureTests.test_done_callback_raises_already_succeeded: the
/// callback's panic does not reach the caller of `add_done_callback`, and
/// the future is unharmed.
#[test]
fn future_test_done_callback_raises_already_succeeded() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_done_callback_raises_already_succeeded_body,
    );
}

fn future_test_done_callback_raises_already_succeeded_body() {
    let future = settled(Ok(5));
    future.add_done_callback(|_| panic!("doh!"));
    assert_eq!(future.into_result(), Ok(5));
}

/// test_future.FutureTests.test_repr: the state shows (`Debug`).
#[test]
fn future_test_repr() {
    let (pending_future, _promise) = pending::<i32>();
    assert_eq!(format!("{pending_future:?}"), "Future { state: Pending }");
    let (running_future, _running) = running::<i32>();
    assert_eq!(format!("{running_future:?}"), "Future { state: Running }");
    assert_eq!(
        format!("{:?}", cancelled::<i32>()),
        "Future { state: Cancelled }"
    );
    assert_eq!(
        format!("{:?}", settled(Ok(5))),
        "Future { state: Finished }"
    );
}

/// test_future.FutureTests.test_cancel: only a pending (or already
/// cancelled) future can be cancelled.
#[test]
fn future_test_cancel() {
    let (f1, _p1) = pending::<i32>();
    let (f2, _p2) = running::<i32>();
    let f3 = cancelled::<i32>();
    let f5 = settled::<i32>(Err(oserror()));
    let f6 = settled(Ok(5));
    assert!(f1.cancel());
    assert_eq!(f1.state(), FutureState::Cancelled);
    assert!(!f2.cancel());
    assert_eq!(f2.state(), FutureState::Running);
    assert!(f3.cancel());
    assert_eq!(f3.state(), FutureState::Cancelled);
    assert!(!f5.cancel());
    assert_eq!(f5.state(), FutureState::Finished);
    assert!(!f6.cancel());
    assert_eq!(f6.state(), FutureState::Finished);
}

/// A future of each kind util.py prepares, its name, and the promise that
/// must stay alive for the unsettled ones.
type Kind = (&'static str, Future<i32>, Option<Promise<i32>>);

/// The five kinds of future util.py prepares.
fn every_kind() -> Vec<Kind> {
    let (p, pp) = pending();
    let (r, rp) = running();
    vec![
        ("pending", p, Some(pp)),
        ("running", r, Some(rp)),
        ("cancelled", cancelled(), None),
        ("exception", settled(Err(oserror())), None),
        ("successful", settled(Ok(42)), None),
    ]
}

/// test_future.FutureTests.test_cancelled
#[test]
fn future_test_cancelled() {
    for (name, future, _promise) in every_kind() {
        assert_eq!(future.is_cancelled(), name == "cancelled", "{name}");
    }
}

/// test_future.FutureTests.test_done
#[test]
fn future_test_done() {
    for (name, future, _promise) in every_kind() {
        assert_eq!(
            future.is_done(),
            !["pending", "running"].contains(&name),
            "{name}"
        );
    }
}

/// test_future.FutureTests.test_running
#[test]
fn future_test_running() {
    for (name, future, _promise) in every_kind() {
        assert_eq!(future.is_running(), name == "running", "{name}");
    }
}

/// test_future.FutureTests.test_result_with_timeout: a zero timeout on an
/// unsettled future is `Err(Timeout)` (Python: TimeoutError); on a settled
/// one it gives the outcome.
#[test]
fn future_test_result_with_timeout() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_result_with_timeout_body,
    );
}

fn future_test_result_with_timeout_body() {
    for (name, future, _promise) in every_kind() {
        let outcome = future.result_timeout(Duration::ZERO);
        match name {
            "pending" | "running" => assert_eq!(outcome, Err(Timeout), "{name}"),
            "cancelled" => assert_eq!(outcome, Ok(Err(TaskError::Cancelled))),
            "exception" => assert_eq!(outcome, Ok(Err(oserror()))),
            _ => assert_eq!(outcome, Ok(Ok(&42))),
        }
    }
}

/// test_future.FutureTests.test_result_with_success: a result set on
/// another thread while this one waits.
#[test]
fn future_test_result_with_success() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_result_with_success_body,
    );
}

fn future_test_result_with_success_body() {
    let (future, promise) = pending::<i32>();
    let setter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200)); // the main thread waits
        promise.start();
        promise.finish(Ok(42));
    });
    assert_eq!(future.result_timeout(Duration::from_secs(5)), Ok(Ok(&42)));
    setter.join().unwrap();
}

/// test_future.FutureTests.test_result_with_cancel: `cancel()` called on
/// the shared future by another thread while this one waits in `result`.
#[test]
fn future_test_result_with_cancel() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_result_with_cancel_body,
    );
}

fn future_test_result_with_cancel_body() {
    let (future, _promise) = pending::<i32>();
    thread::scope(|s| {
        s.spawn(|| {
            thread::sleep(Duration::from_millis(200)); // the main thread waits
            assert!(future.cancel());
        });
        assert_eq!(
            future.result_timeout(Duration::from_secs(5)),
            Ok(Err(TaskError::Cancelled))
        );
    });
}

/// test_future.FutureTests.test_exception_with_timeout: as
/// test_result_with_timeout, through `exception_timeout`. (Python raises
/// CancelledError from a cancelled future's `exception()`; turnstile returns
/// `Some(TaskError::Cancelled)`: TESTING.md.)
#[test]
fn future_test_exception_with_timeout() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_exception_with_timeout_body,
    );
}

fn future_test_exception_with_timeout_body() {
    for (name, future, _promise) in every_kind() {
        let error = future.exception_timeout(Duration::ZERO);
        match name {
            "pending" | "running" => assert_eq!(error, Err(Timeout), "{name}"),
            "cancelled" => assert_eq!(error, Ok(Some(TaskError::Cancelled))),
            "exception" => assert_eq!(error, Ok(Some(oserror()))),
            _ => assert_eq!(error, Ok(None)),
        }
    }
}

/// test_future.FutureTests.test_exception_with_success: an exception set
/// on another thread while this one waits in `exception`.
#[test]
fn future_test_exception_with_success() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_exception_with_success_body,
    );
}

fn future_test_exception_with_success_body() {
    let (future, promise) = pending::<i32>();
    let setter = thread::spawn(move || {
        thread::sleep(Duration::from_millis(200));
        promise.start();
        promise.finish(Err(oserror()));
    });
    assert_eq!(
        future.exception_timeout(Duration::from_secs(5)),
        Ok(Some(oserror()))
    );
    setter.join().unwrap();
}

/// test_future.FutureTests.test_multiple_set_result: Python raises
/// InvalidStateError on a second set and keeps the first result.
/// `Promise::finish` consumes the promise, so a second finish does not
/// compile; what remains is that the result can be asked for again and
/// again, and a finish after a cancel changes nothing.
#[test]
fn future_test_multiple_set_result() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_multiple_set_result_body,
    );
}

fn future_test_multiple_set_result_body() {
    let future = settled(Ok(1));
    assert!(future.is_done());
    assert_eq!(future.result(), Ok(&1));
    assert_eq!(future.result(), Ok(&1));
    let (cancelled, promise) = pending::<i32>();
    assert!(cancelled.cancel());
    promise.finish(Ok(1));
    assert_eq!(cancelled.into_result(), Err(TaskError::Cancelled));
}

/// test_future.FutureTests.test_multiple_set_exception: the exception is
/// the one set, every time it is asked for.
#[test]
fn future_test_multiple_set_exception() {
    let future = settled::<i32>(Err(TaskError::Panicked("ValueError".into())));
    let error = Some(TaskError::Panicked("ValueError".into()));
    assert_eq!(future.exception(), error);
    assert_eq!(future.exception(), error);
}

/// test_future.FutureTests.test_get_snapshot's thread-safety part: a
/// finished future read by four threads at once, a thousand times each,
/// gives every one of them the same answer.
#[test]
fn future_test_get_snapshot_concurrent() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        future_test_get_snapshot_concurrent_body,
    );
}

fn future_test_get_snapshot_concurrent_body() {
    let future = settled(Ok(100));
    thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                for _ in 0..if cfg!(miri) { 20 } else { 1000 } {
                    assert!(future.is_done() && !future.is_cancelled());
                    assert_eq!(future.result(), Ok(&100));
                    assert_eq!(future.exception(), None);
                }
            });
        }
    });
}

// ---------------------------------------------------------------------------
// executor.py (ExecutorTest) and test_thread_pool.py, on a ThreadPool
// ---------------------------------------------------------------------------

fn pool(workers: usize) -> ThreadPool {
    ThreadPool::new(workers).unwrap()
}

/// executor.ExecutorTest.test_submit
#[test]
fn executor_test_submit() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_submit_body,
    );
}

fn executor_test_submit_body() {
    let pool = pool(2);
    let future = pool.submit(|| 2u32.pow(8)).unwrap();
    assert_eq!(future.into_result(), Ok(256));
}

/// executor.ExecutorTest.test_map (results in item order; CPython's
/// `chunksize` has no counterpart: every item is its own task)
#[test]
fn executor_test_map() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_map_body,
    );
}

fn executor_test_map_body() {
    let pool = pool(2);
    let results: Vec<_> = pool
        .map(|n: u64| n.pow(n as u32), 0..10)
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        results,
        (0..10u64).map(|n| n.pow(n as u32)).collect::<Vec<_>>()
    );
}

/// executor.ExecutorTest.test_map_exception: the third item divides by
/// zero; its result is the task's panic.
#[test]
fn executor_test_map_exception() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_map_exception_body,
    );
}

fn executor_test_map_exception_body() {
    let pool = pool(2);
    let mut results = pool.map(
        |(a, b): (i32, i32)| (a.checked_div(b).expect("ZeroDivisionError"), a % b.max(1)),
        [(1, 2), (1, 3), (1, 0), (1, 5)],
    );
    assert_eq!(results.next(), Some(Ok((0, 1))));
    assert_eq!(results.next(), Some(Ok((0, 1))));
    assert!(
        matches!(results.next(), Some(Err(TaskError::Panicked(message))) if message.contains("ZeroDivisionError"))
    );
}

/// executor.ExecutorTest.test_shutdown_race_issue12456
#[test]
fn executor_test_shutdown_race_issue12456() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_shutdown_race_issue12456_body,
    );
}

fn executor_test_shutdown_race_issue12456_body() {
    let pool = pool(2);
    let results = pool.map(|n: i32| n.to_string(), [2; 3]);
    pool.shutdown();
    assert_eq!(
        results.map(Result::unwrap).collect::<Vec<_>>(),
        ["2", "2", "2"]
    );
}

/// executor.ExecutorTest.test_map_timeout: three tasks sleeping 0, 0 and
/// 600 ms with a 300 ms deadline (CPython: 0, 0, 6 s and 5 s). The first
/// two results come (unless the host is slow to start them), then the
/// timeout, and the iterator is exhausted: the rest was cancelled.
#[test]
fn executor_test_map_timeout() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_map_timeout_body,
    );
}

fn executor_test_map_timeout_body() {
    let pool = pool(2);
    let mut results = pool.map_timeout(
        |millis: u64| thread::sleep(Duration::from_millis(millis)),
        [0, 0, 600],
        Duration::from_millis(300),
    );
    let mut values = Vec::new();
    let mut timed_out = false;
    for outcome in results.by_ref() {
        match outcome {
            Ok(value) => values.push(value),
            Err(Timeout) => timed_out = true,
        }
    }
    assert!(timed_out, "expected the timeout");
    assert!(values.len() <= 2 && values.iter().all(|value| *value == Ok(())));
    assert!(results.next().is_none());
    assert!(results.next().is_none());
}

/// test_thread_pool.ThreadPoolExecutorTest.test_executor_map_current_future_cancel:
/// with the single worker busy, a map with a zero timeout times out on
/// its first result; that task and the next are cancelled and never start.
#[test]
fn thread_pool_test_executor_map_current_future_cancel() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        thread_pool_test_executor_map_current_future_cancel_body,
    );
}

fn thread_pool_test_executor_map_current_future_cancel_body() {
    let log = Arc::new(StdMutex::new(Vec::new()));
    let stop = Arc::new(Event::new());
    let log_n_wait = {
        let (log, stop) = (Arc::clone(&log), Arc::clone(&stop));
        move |ident: &'static str| {
            log.lock().unwrap().push(format!("{ident} started"));
            stop.wait();
            log.lock().unwrap().push(format!("{ident} stopped"));
        }
    };
    {
        let pool = pool(1);
        let _release = SetOnDrop(Arc::clone(&stop));
        let first = {
            let log_n_wait = log_n_wait.clone();
            pool.submit(move || log_n_wait("first")).unwrap()
        };
        let mut results = pool.map_timeout(log_n_wait, ["second", "third"], Duration::ZERO);
        assert!(matches!(results.next(), Some(Err(Timeout))));
        assert!(results.next().is_none());
        stop.set();
        assert_eq!(first.into_result(), Ok(()));
    }
    assert_eq!(*log.lock().unwrap(), ["first started", "first stopped"]);
}

/// Sets an event when dropped. Declared after the pool in a test whose
/// tasks wait for the event, it releases them even when the test fails
/// first, so dropping the pool does not hang the failing test.
struct SetOnDrop(Arc<Event>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// executor.ExecutorTest.test_no_stale_references (bpo-16284): a task
/// whose future is discarded does not keep what it captured alive.
#[test]
fn executor_test_no_stale_references() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_no_stale_references_body,
    );
}

fn executor_test_no_stale_references_body() {
    let pool = pool(2);
    let collected = Arc::new(Event::new());
    let my_object = SetOnDrop(Arc::clone(&collected));
    drop(pool.submit(move || my_object.0.is_set()).unwrap());
    assert_eq!(
        collected.wait_timeout(Duration::from_secs(5)),
        Ok(()),
        "stale reference not dropped within the timeout"
    );
}

/// executor.ExecutorTest.test_max_workers_negative: zero workers is an
/// error (a negative count does not compile).
#[test]
fn executor_test_max_workers_negative() {
    assert!(matches!(ThreadPool::new(0), Err(PoolError::ZeroWorkers)));
}

/// executor.ExecutorTest.test_free_reference (bpo-14406): the result
/// iterator keeps no reference to the results it has yielded.
#[test]
fn executor_test_free_reference() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        executor_test_free_reference_body,
    );
}

fn executor_test_free_reference_body() {
    let pool = pool(2);
    for object in pool.map(|_| Arc::new(()), 0..10) {
        let object = object.unwrap();
        assert_eq!(Arc::strong_count(&object), 1);
    }
}

/// test_thread_pool.ThreadPoolExecutorTest.test_map_submits_without_iteration
/// (bpo-11777): `map` submits every item at once, not as the results are
/// read.
#[test]
fn thread_pool_test_map_submits_without_iteration() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        thread_pool_test_map_submits_without_iteration_body,
    );
}

fn thread_pool_test_map_submits_without_iteration_body() {
    let pool = pool(2);
    let finished = Arc::new(StdMutex::new(Vec::new()));
    let sink = Arc::clone(&finished);
    drop(pool.map(move |n: i32| sink.lock().unwrap().push(n), 0..10));
    pool.shutdown();
    let mut finished = finished.lock().unwrap().clone();
    finished.sort_unstable();
    assert_eq!(finished, (0..10).collect::<Vec<_>>());
}

/// test_thread_pool.ThreadPoolExecutorTest.test_default_workers:
/// `min(32, cpu_count + 4)`, as in Python.
#[test]
fn thread_pool_test_default_workers() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        thread_pool_test_default_workers_body,
    );
}

fn thread_pool_test_default_workers_body() {
    let cpus = thread::available_parallelism().map_or(1, usize::from);
    let expected = (cpus + 4).min(32);
    assert_eq!(ThreadPool::builder().build().unwrap().workers(), expected);
}

/// test_thread_pool.ThreadPoolExecutorTest.test_saturation: 60 tasks that
/// block, on 4 workers: never more than 4 threads.
#[test]
fn thread_pool_test_saturation() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        thread_pool_test_saturation_body,
    );
}

fn thread_pool_test_saturation_body() {
    let pool = pool(4);
    let sem = Arc::new(Semaphore::new(0));
    for _ in 0..15 * 4 {
        let sem = Arc::clone(&sem);
        pool.submit(move || sem.acquire().forget()).unwrap();
    }
    assert_eq!(pool.workers(), 4);
    sem.release(15 * 4);
    within(
        Duration::from_secs(10),
        "shutdown after saturation",
        move || pool.shutdown(),
    );
}

/// test_thread_pool.ThreadPoolExecutorTest.test_idle_thread_reuse. Python
/// starts threads on demand and reuses an idle one; turnstile starts every
/// worker up front (see TESTING.md), so the count stays what was asked.
#[test]
fn thread_pool_test_idle_thread_reuse() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        thread_pool_test_idle_thread_reuse_body,
    );
}

fn thread_pool_test_idle_thread_reuse_body() {
    let pool = pool(3);
    for (a, b) in [(21, 2), (6, 7), (3, 14)] {
        assert_eq!(pool.submit(move || a * b).unwrap().into_result(), Ok(42));
    }
    assert_eq!(pool.workers(), 3);
}

// ---------------------------------------------------------------------------
// test_shutdown.py
// ---------------------------------------------------------------------------

/// test_shutdown.ExecutorShutdownTest.test_run_after_shutdown: refused
/// (Python: RuntimeError), and the closure comes back.
#[test]
fn shutdown_test_run_after_shutdown() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_run_after_shutdown_body,
    );
}

fn shutdown_test_run_after_shutdown_body() {
    let pool = pool(2);
    pool.shutdown();
    match pool.submit(|| 2u32.pow(5)) {
        Err(SubmitError::ShutDown(task)) => assert_eq!(task(), 32),
        other => panic!("expected ShutDown, got {other:?}"),
    }
}

/// test_shutdown.ExecutorShutdownTest.test_hang_issue12364: shutdown with
/// many tasks queued finishes them all.
#[test]
fn shutdown_test_hang_issue12364() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_hang_issue12364_body,
    );
}

fn shutdown_test_hang_issue12364_body() {
    let pool = pool(5);
    let futures: Vec<_> = (0..50)
        .map(|_| {
            pool.submit(|| thread::sleep(Duration::from_millis(10)))
                .unwrap()
        })
        .collect();
    pool.shutdown();
    for future in futures {
        assert_eq!(future.into_result(), Ok(()));
    }
}

/// test_shutdown.ExecutorShutdownTest.test_cancel_futures: shutdown with
/// `cancel_pending` cancels most of 50 queued tasks; the rest finish.
/// (CPython's guarantee that some task finished rests on its workers having
/// started one by then; here the test waits until one has.)
#[test]
fn shutdown_test_cancel_futures() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_cancel_futures_body,
    );
}

fn shutdown_test_cancel_futures_body() {
    let pool = pool(2);
    let futures: Vec<_> = (0..50)
        .map(|_| {
            pool.submit(|| thread::sleep(Duration::from_millis(100)))
                .unwrap()
        })
        .collect();
    common::wait_until("a worker to start one of the 50 tasks", || {
        futures.iter().any(Future::is_running)
    });
    pool.shutdown_now();
    let (cancelled, others): (Vec<_>, Vec<_>) = futures
        .into_iter()
        .partition(|future| future.is_cancelled());
    assert!(cancelled.len() > 20, "only {} cancelled", cancelled.len());
    assert!(!others.is_empty(), "at least the running tasks finished");
    for future in others {
        assert!(future.is_done());
        assert_eq!(future.into_result(), Ok(()));
    }
}

/// test_shutdown.ExecutorShutdownTest.test_hang_gh94440: a task submitted
/// and cancelled just before `shutdown()` does not hang it.
#[test]
fn shutdown_test_hang_gh94440() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_hang_gh94440_body,
    );
}

fn shutdown_test_hang_gh94440_body() {
    let pool = pool(1);
    assert_eq!(pool.submit(|| 0).unwrap().into_result(), Ok(0));
    pool.submit(|| 0).unwrap().cancel();
    within(
        Duration::from_secs(5),
        "shutdown after a cancel",
        move || pool.shutdown(),
    );
}

/// test_shutdown.ThreadPoolShutdownTest.test_threads_terminate
#[test]
fn shutdown_test_threads_terminate() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_threads_terminate_body,
    );
}

fn shutdown_test_threads_terminate_body() {
    let pool = pool(3);
    let sem = Arc::new(Semaphore::new(0));
    for _ in 0..3 {
        let sem = Arc::clone(&sem);
        pool.submit(move || sem.acquire().forget()).unwrap();
    }
    assert_eq!(pool.workers(), 3);
    sem.release(3);
    pool.shutdown();
    assert_eq!(pool.workers(), 0, "every worker was joined");
}

/// test_shutdown.ThreadPoolShutdownTest.test_context_manager_shutdown: the
/// `with` block is the pool's scope; leaving it waits for the work.
#[test]
fn shutdown_test_context_manager_shutdown() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_context_manager_shutdown_body,
    );
}

fn shutdown_test_context_manager_shutdown_body() {
    let results: Vec<i32> = {
        let pool = pool(5);
        pool.map(i32::abs, -5..5).map(Result::unwrap).collect()
    };
    assert_eq!(results, [5, 4, 3, 2, 1, 0, 1, 2, 3, 4]);
}

/// test_shutdown.ThreadPoolShutdownTest.test_del_shutdown: dropping the
/// pool with results unread still computes them all.
#[test]
fn shutdown_test_del_shutdown() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_del_shutdown_body,
    );
}

fn shutdown_test_del_shutdown_body() {
    let pool = pool(5);
    let results = pool.map(i32::abs, -5..5);
    drop(pool);
    let results: Vec<i32> = results.map(Result::unwrap).collect();
    assert_eq!(results, (-5..5).map(i32::abs).collect::<Vec<_>>());
}

/// test_shutdown.ThreadPoolShutdownTest.test_shutdown_no_wait
#[test]
fn shutdown_test_shutdown_no_wait() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_shutdown_no_wait_body,
    );
}

fn shutdown_test_shutdown_no_wait_body() {
    let pool = pool(5);
    let results = pool.map(i32::abs, -5..5);
    pool.shutdown_background();
    let results: Vec<i32> = results.map(Result::unwrap).collect();
    assert_eq!(results, (-5..5).map(i32::abs).collect::<Vec<_>>());
}

/// The names of the threads that ran `tasks` tasks on `pool`.
fn thread_names(pool: &ThreadPool, tasks: usize) -> Vec<String> {
    let mut names: Vec<String> = (0..tasks)
        .map(|_| {
            pool.submit(|| thread::current().name().unwrap_or("").to_string())
                .unwrap()
        })
        .map(|future| future.into_result().unwrap())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// test_shutdown.ThreadPoolShutdownTest.test_thread_names_assigned. Python
/// names them `SpecialPool_0` …; turnstile `SpecialPool-0` … (TESTING.md).
#[test]
fn shutdown_test_thread_names_assigned() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_thread_names_assigned_body,
    );
}

fn shutdown_test_thread_names_assigned_body() {
    let pool = ThreadPool::builder()
        .workers(5)
        .thread_name("SpecialPool")
        .build()
        .unwrap();
    for name in thread_names(&pool, 50) {
        let index: usize = name
            .strip_prefix("SpecialPool-")
            .and_then(|index| index.parse().ok())
            .unwrap_or_else(|| panic!("unexpected name {name:?}"));
        assert!(index < 5);
    }
}

/// test_shutdown.ThreadPoolShutdownTest.test_thread_names_default
#[test]
fn shutdown_test_thread_names_default() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        shutdown_test_thread_names_default_body,
    );
}

fn shutdown_test_thread_names_default_body() {
    let pool = pool(5);
    for name in thread_names(&pool, 50) {
        let index: usize = name
            .strip_prefix("turnstile-pool-")
            .and_then(|index| index.parse().ok())
            .unwrap_or_else(|| panic!("unexpected name {name:?}"));
        assert!(index < 5);
    }
}

// ---------------------------------------------------------------------------
// test_wait.py (futures are told apart by the values they end with)
// ---------------------------------------------------------------------------

/// The values of futures that are done (each must already be).
fn done_values(futures: Vec<&Future<i32>>) -> Vec<Result<i32, TaskError>> {
    let mut values: Vec<_> = futures
        .into_iter()
        .map(|future| {
            assert!(future.is_done());
            future.result().copied()
        })
        .collect();
    values.sort_by_key(|value| format!("{value:?}"));
    values
}

/// Sets `event` and collects what the futures left pending by a `wait`
/// end with.
fn release_pending(event: &Event, pending: Vec<&Future<i32>>) -> Vec<Result<i32, TaskError>> {
    event.set();
    pending
        .into_iter()
        .map(|future| future.result().copied())
        .collect()
}

/// A task that waits for `event`, then returns `value`.
fn waiting_task(pool: &ThreadPool, event: &Arc<Event>, value: i32) -> Future<i32> {
    let event = Arc::clone(event);
    pool.submit(move || {
        event.wait();
        value
    })
    .unwrap()
}

/// test_wait.WaitTests.test_first_completed. Python leaves its
/// CANCELLED_FUTURE (cancelled, not yet noticed by an executor) pending;
/// a turnstile future is settled by the cancel itself, so it counts as done
/// (TESTING.md).
#[test]
fn wait_test_first_completed() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_first_completed_body,
    );
}

fn wait_test_first_completed_body() {
    let pool = pool(2);
    let event = Arc::new(Event::new());
    let _release = SetOnDrop(Arc::clone(&event));
    let future1 = pool.submit(|| 21 * 2).unwrap();
    let future2 = waiting_task(&pool, &event, 7);
    let waited = wait([&future1, &future2], WaitFor::FirstCompleted);
    assert_eq!(done_values(waited.done), [Ok(42)]);
    assert_eq!(release_pending(&event, waited.pending), [Ok(7)]);
    let cancelled = [cancelled::<i32>()];
    let with_cancelled = wait(&cancelled, WaitFor::FirstCompleted);
    assert_eq!(with_cancelled.done.len(), 1, "a cancelled future is done");
}

/// test_wait.WaitTests.test_first_completed_some_already_completed
#[test]
fn wait_test_first_completed_some_already_completed() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_first_completed_some_already_completed_body,
    );
}

fn wait_test_first_completed_some_already_completed_body() {
    let pool = pool(2);
    let event = Arc::new(Event::new());
    let _release = SetOnDrop(Arc::clone(&event));
    let future1 = waiting_task(&pool, &event, 7);
    let (cancelled, successful) = (cancelled(), settled(Ok(42)));
    let waited = wait([&cancelled, &successful, &future1], WaitFor::FirstCompleted);
    assert_eq!(
        done_values(waited.done),
        [Err(TaskError::Cancelled), Ok(42)]
    );
    assert_eq!(release_pending(&event, waited.pending), [Ok(7)]);
}

/// test_wait.WaitTests.test_first_exception: future1 finishes, then future2
/// raises; future3 is still waiting.
#[test]
fn wait_test_first_exception() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_first_exception_body,
    );
}

fn wait_test_first_exception_body() {
    let pool = pool(3);
    let (event1, event2) = (Arc::new(Event::new()), Arc::new(Event::new()));
    let _release = (
        SetOnDrop(Arc::clone(&event1)),
        SetOnDrop(Arc::clone(&event2)),
    );
    let future1 = pool.submit(|| 2 * 21).unwrap();
    let future2 = {
        let event1 = Arc::clone(&event1);
        pool.submit(move || -> i32 {
            event1.wait();
            panic!("this is an exception")
        })
        .unwrap()
    };
    let future3 = waiting_task(&pool, &event2, 7);
    // Python waits for future1 on another thread before letting future2
    // raise; here a done-callback on future1 lets it go.
    {
        let event1 = Arc::clone(&event1);
        future1.add_done_callback(move |_| event1.set());
    }
    let waited = wait([&future1, &future2, &future3], WaitFor::FirstError);
    let done = done_values(waited.done);
    assert_eq!(done.len(), 2);
    assert!(done.contains(&Ok(42)));
    assert!(done.contains(&Err(TaskError::Panicked("this is an exception".into()))));
    assert_eq!(release_pending(&event2, waited.pending), [Ok(7)]);
}

/// test_wait.WaitTests.test_first_exception_some_already_complete: a
/// cancelled future is not an exception; the division by zero is.
#[test]
fn wait_test_first_exception_some_already_complete() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_first_exception_some_already_complete_body,
    );
}

fn wait_test_first_exception_some_already_complete_body() {
    let pool = pool(2);
    let event = Arc::new(Event::new());
    let _release = SetOnDrop(Arc::clone(&event));
    let future1 = pool
        .submit(|| 21i32.checked_div(0).expect("ZeroDivisionError"))
        .unwrap();
    let future2 = waiting_task(&pool, &event, 7);
    let (successful, cancelled) = (settled(Ok(42)), cancelled());
    let waited = wait(
        [&successful, &cancelled, &future1, &future2],
        WaitFor::FirstError,
    );
    let done = done_values(waited.done);
    assert!(done.contains(&Ok(42)));
    assert!(done.contains(&Err(TaskError::Cancelled)));
    assert!(done.iter().any(
        |value| matches!(value, Err(TaskError::Panicked(m)) if m.contains("ZeroDivisionError"))
    ));
    assert_eq!(done.len(), 3, "future2 is still waiting");
    assert_eq!(release_pending(&event, waited.pending), [Ok(7)]);
}

/// test_wait.WaitTests.test_first_exception_one_already_failed
#[test]
fn wait_test_first_exception_one_already_failed() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_first_exception_one_already_failed_body,
    );
}

fn wait_test_first_exception_one_already_failed_body() {
    let pool = pool(2);
    let event = Arc::new(Event::new());
    let _release = SetOnDrop(Arc::clone(&event));
    let future1 = waiting_task(&pool, &event, 7);
    let failed = settled(Err(oserror()));
    let waited = wait([&failed, &future1], WaitFor::FirstError);
    assert_eq!(done_values(waited.done), [Err(oserror())]);
    assert_eq!(release_pending(&event, waited.pending), [Ok(7)]);
}

/// test_wait.WaitTests.test_all_completed
#[test]
fn wait_test_all_completed() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_all_completed_body,
    );
}

fn wait_test_all_completed_body() {
    let pool = pool(2);
    let future1 = pool
        .submit(|| 2i32.checked_div(0).expect("ZeroDivisionError"))
        .unwrap();
    let future2 = pool.submit(|| 2 * 21).unwrap();
    let futures = [
        settled(Ok(42)),
        cancelled(),
        settled(Err(oserror())),
        future1,
        future2,
    ];
    let waited = wait(&futures, WaitFor::AllCompleted);
    assert_eq!(waited.done.len(), 5);
    assert!(waited.pending.is_empty());
}

/// test_wait.WaitTests.test_timeout
#[test]
fn wait_test_timeout() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_timeout_body,
    );
}

fn wait_test_timeout_body() {
    let pool = pool(2);
    let event = Arc::new(Event::new());
    let _release = SetOnDrop(Arc::clone(&event));
    let future = waiting_task(&pool, &event, 7);
    let futures = [
        cancelled(),
        settled(Err(oserror())),
        settled(Ok(42)),
        future,
    ];
    let waited = wait_timeout(&futures, WaitFor::AllCompleted, Duration::from_millis(50));
    assert_eq!(waited.done.len(), 3);
    assert_eq!(release_pending(&event, waited.pending), [Ok(7)]);
}

/// test_wait.WaitTests.test_20369: the same future twice counts once.
#[test]
fn wait_test_20369() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_20369_body,
    );
}

fn wait_test_20369_body() {
    let pool = pool(2);
    let future = pool
        .submit(|| thread::sleep(Duration::from_millis(100)))
        .unwrap();
    let waited = wait([&future, &future], WaitFor::AllCompleted);
    assert_eq!(waited.done.len(), 1);
    assert!(core::ptr::eq(waited.done[0], &future));
    assert!(waited.pending.is_empty());
}

/// test_wait.ThreadPoolWaitTests.test_pending_calls_race (bpo-14406): 100
/// tasks released at once, waited for all together.
#[test]
fn wait_test_pending_calls_race() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        wait_test_pending_calls_race_body,
    );
}

fn wait_test_pending_calls_race_body() {
    let pool = pool(4);
    let event = Arc::new(Event::new());
    let _release = SetOnDrop(Arc::clone(&event));
    let futures: Vec<_> = (0..100).map(|n| waiting_task(&pool, &event, n)).collect();
    event.set();
    let done = within(Duration::from_secs(10), "wait for 100 futures", move || {
        wait(&futures, WaitFor::AllCompleted).done.len()
    });
    assert_eq!(done, 100);
}

// ---------------------------------------------------------------------------
// test_as_completed.py and test_init.py
// ---------------------------------------------------------------------------

/// test_as_completed.AsCompletedTests.test_no_timeout: every future comes
/// out, once.
#[test]
fn as_completed_test_no_timeout() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        as_completed_test_no_timeout_body,
    );
}

fn as_completed_test_no_timeout_body() {
    let pool = pool(2);
    let future1 = pool.submit(|| 2 * 21).unwrap();
    let future2 = pool.submit(|| 7 * 6 + 1).unwrap();
    let futures = [
        cancelled(),
        settled(Err(oserror())),
        settled(Ok(1)),
        future1,
        future2,
    ];
    let completed: Vec<_> = as_completed(&futures).collect();
    assert_eq!(
        done_values(completed),
        [
            Err(TaskError::Cancelled),
            Err(oserror()),
            Ok(1),
            Ok(42),
            Ok(43)
        ]
    );
}

/// test_as_completed.AsCompletedTests.test_future_times_out: with a zero
/// and a short timeout, the three futures already done come out, then the
/// timeout (Python: TimeoutError); the slow one never does.
#[test]
fn as_completed_test_future_times_out() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        as_completed_test_future_times_out_body,
    );
}

fn as_completed_test_future_times_out_body() {
    let pool = pool(2);
    for timeout in [Duration::ZERO, Duration::from_millis(100)] {
        let done = [cancelled(), settled(Err(oserror())), settled(Ok(42))];
        let slow = pool
            .submit(|| {
                thread::sleep(Duration::from_millis(1000));
                0
            })
            .unwrap();
        let mut completed = Vec::new();
        let mut timed_out = false;
        for outcome in as_completed_timeout(done.iter().chain([&slow]), timeout) {
            match outcome {
                Ok(future) => completed.push(future),
                Err(Timeout) => timed_out = true,
            }
        }
        assert!(timed_out, "{timeout:?}");
        assert_eq!(completed.len(), 3, "{timeout:?}");
        assert!(
            completed
                .iter()
                .all(|future| !core::ptr::eq(*future, &slow))
        );
    }
}

/// test_as_completed.AsCompletedTests.test_duplicate_futures: the same
/// future three times (any iterable) comes out once.
#[test]
fn as_completed_test_duplicate_futures() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        as_completed_test_duplicate_futures_body,
    );
}

fn as_completed_test_duplicate_futures_body() {
    let pool = pool(2);
    let future = pool
        .submit(|| thread::sleep(Duration::from_millis(200)))
        .unwrap();
    let completed: Vec<_> = as_completed(std::iter::repeat_n(&future, 3)).collect();
    assert_eq!(completed.len(), 1);
    assert!(core::ptr::eq(completed[0], &future));
}

/// test_as_completed.AsCompletedTests.test_correct_timeout_exception_msg:
/// Python's message says "2 (of 4) futures unfinished". turnstile's
/// `Timeout` carries no count; the two finished ones come out, then the
/// timeout, and the iterator ends.
#[test]
fn as_completed_test_correct_timeout_exception_msg() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        as_completed_test_correct_timeout_exception_msg_body,
    );
}

fn as_completed_test_correct_timeout_exception_msg_body() {
    let (pending_future, _pending) = pending::<i32>();
    let (running_future, _running) = running::<i32>();
    let futures = [cancelled(), settled(Ok(1))];
    let mut completed = as_completed_timeout(
        [&futures[0], &pending_future, &running_future, &futures[1]],
        Duration::ZERO,
    );
    assert!(matches!(completed.next(), Some(Ok(_))));
    assert!(matches!(completed.next(), Some(Ok(_))));
    let error = completed.next().map(|outcome| outcome.map(|_| ()));
    assert_eq!(error, Some(Err(Timeout)));
    assert_eq!(Timeout.to_string(), "timed out");
    assert!(completed.next().is_none());
}

thread_local! {
    static INITIALIZER_STATUS: std::cell::RefCell<&'static str> =
        const { std::cell::RefCell::new("uninitialized") };
}

/// test_init.InitializerMixin.test_initializer: each worker runs the
/// initializer before any task.
#[test]
fn init_test_initializer() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        init_test_initializer_body,
    );
}

fn init_test_initializer_body() {
    let pool = ThreadPool::builder()
        .workers(2)
        .initializer(|| {
            INITIALIZER_STATUS.with(|status| *status.borrow_mut() = "initialized");
            Ok::<(), String>(())
        })
        .build()
        .unwrap();
    let futures: Vec<_> = (0..2)
        .map(|_| {
            pool.submit(|| INITIALIZER_STATUS.with(|status| *status.borrow()))
                .unwrap()
        })
        .collect();
    for future in futures {
        assert_eq!(future.into_result(), Ok("initialized"));
    }
}

/// test_init.FailingInitializerMixin.test_initializer: a failing
/// initializer breaks the pool (BrokenExecutor): a future submitted
/// meanwhile fails, and from then on submit is refused. (Python also checks
/// the logged message; turnstile logs nothing, the reason travels in the
/// errors.)
#[test]
fn init_test_failing_initializer() {
    common::within(
        common::PATIENCE,
        "the futures, waits and pool shutdowns this test blocks on",
        init_test_failing_initializer_body,
    );
}

fn init_test_failing_initializer_body() {
    let pool = ThreadPool::builder()
        .workers(2)
        .initializer(|| {
            thread::sleep(Duration::from_millis(100)); // let a task be queued
            Err("error in initializer")
        })
        .build()
        .unwrap();
    match pool.submit(|| INITIALIZER_STATUS.with(|status| *status.borrow())) {
        Ok(future) => assert!(matches!(
            future.into_result(),
            Err(TaskError::PoolBroken(reason)) if reason == "error in initializer"
        )),
        Err(error) => assert!(matches!(error, SubmitError::Broken { .. })),
    }
    common::wait_until("the pool to be broken by its failing initializer", || {
        matches!(pool.submit(|| ()), Err(SubmitError::Broken { .. }))
    });
}

// Not restated, and why:
// - test_future: test_class_str (Python class names), test_get_snapshot
//   (a private helper).
// - executor: test_submit_keyword (keyword arguments: a Rust closure
//   captures instead).
// - test_thread_pool: test_hang_global_shutdown_lock and
//   test_process_fork_from_a_threadpool (fork).
// - test_shutdown: test_interpreter_shutdown, test_submit_after_interpreter_
//   shutdown, test_hang_gh83386, test_cancel_futures_wait_false: about
//   Python's exit hook that joins pools when the interpreter exits. A Rust
//   process ends when `main` returns without joining anything; drop the pool
//   (or call shutdown) to wait for it.
// - test_as_completed: test_free_reference_yielded_future (Python checks
//   that the generator drops each future it yields; `as_completed` borrows
//   the futures and never owns one, which the types guarantee).
// - test_init: FailingInitializerResourcesTest, test_deadlock,
//   test_process_pool, test_interpreter_pool: process pools.
