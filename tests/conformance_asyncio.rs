//! The conformance tier for asyncio: CPython 3.11's `Lib/test/test_asyncio/`
//! (test_tasks, test_waitfor, test_queues, test_locks' Event and Semaphore,
//! test_futures' wrap_future and test_events' run_in_executor), restated in
//! Rust for what turnstile's event loop claims, one test per CPython test,
//! each named after the file (and class, where two share a name) and the
//! test it restates.
//!
//! Python → turnstile: `asyncio.run` → `event_loop::run`; `create_task` →
//! `spawn`, whose `JoinHandle` is the Task (`cancel`, `is_finished`,
//! `handle.await` → `Err(TaskError::Cancelled)` for `CancelledError`);
//! `loop.create_future()` → `pool::Future::pending()`: its `Promise` sets the
//! result (`start` + `finish`), and dropping the promise unstarted is
//! `fut.cancel()`; `test_utils.run_briefly` and `asyncio.sleep(0)` →
//! `yield_now`; `loop.call_later(t, f)` → a task that sleeps `t`, then calls
//! `f`; `try:/finally:` in a coroutine → a value whose `Drop` runs when the
//! future is dropped (a cancelled Rust future is dropped: it has no
//! exception to catch, so a test whose coroutine catches `CancelledError`
//! asserts turnstile's behaviour instead, listed in TESTING.md).
//! `asyncio.Queue` → turnstile's queue (`put_async`/`get_async`, `try_put`/
//! `try_get` for the `_nowait` forms), `asyncio.Event` → `Event::wait_async`,
//! `asyncio.Semaphore` → `Semaphore::acquire_async` (a permit guard; `forget`
//! it and `release(1)` for Python's separate acquire and release).
//!
//! Every loop runs under the watchdog of tests/common: a hang ends the
//! binary in seconds, naming the test. Tests marked `#[ignore]` fail on
//! turnstile as it is and say why (a finding); the CPython tests not
//! restated are listed at the end, with why.

mod common;

use std::cell::{Cell, RefCell};
use std::future::{Future as StdFuture, IntoFuture};
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::thread;
use std::time::Duration;

use turnstile::event_loop::{
    GroupSpawnError, JoinHandle, ReturnWhen, TaskGroup, gather, run, run_in_executor, sleep, spawn,
    try_gather, wait, wait_for, wait_timeout, yield_now,
};
use turnstile::pool::{Future, Promise};
use turnstile::{
    Barrier, BarrierError, BoundedSemaphore, Event, FifoQueue, GetError, LifoQueue, PriorityQueue,
    PutError, Semaphore, TaskError, ThreadPool, Timeout, TryGetError, TryPutError,
};

/// test_waitfor.py's `_EPSILON`: a timeout above zero that costs nothing.
const EPSILON: Duration = Duration::from_micros(100);

/// `asyncio.run(main())` under the watchdog: the loop runs on the watchdog's
/// thread, and a loop that never ends fails the test binary naming `test`.
fn asyncio_run<T, F>(test: &str, main: impl FnOnce() -> F + Send + 'static) -> T
where
    T: Send + 'static,
    F: StdFuture<Output = T>,
{
    let what = format!("the event loop of {test}");
    common::within(common::PATIENCE, &what, move || run(main()))
}

/// Python's `fut.set_result(value)` on a `loop.create_future()`.
fn set_result<T: Send + 'static>(promise: Promise<T>, value: T) {
    assert!(promise.start(), "the future was cancelled");
    promise.finish(Ok(value));
}

/// Python's `fut.set_exception(exc)`: a failed outcome, named.
fn set_exception<T: Send + 'static>(promise: Promise<T>, exc: &str) {
    assert!(promise.start(), "the future was cancelled");
    promise.finish(Err(TaskError::Panicked(exc.into())));
}

/// A flag shared between a test and the coroutines it runs (Python's
/// `nonlocal` booleans).
#[derive(Clone, Default)]
struct Flag(Rc<Cell<bool>>);

impl Flag {
    fn set(&self) {
        self.0.set(true);
    }

    fn get(&self) -> bool {
        self.0.get()
    }

    /// A coroutine's `finally:`: sets the flag when dropped, whether the
    /// coroutine ended or was cancelled (dropped).
    fn on_drop(&self) -> OnDrop {
        OnDrop(self.clone())
    }
}

struct OnDrop(Flag);

impl Drop for OnDrop {
    fn drop(&mut self) {
        self.0.set();
    }
}

/// A task handle that one task awaits while others cancel it or ask about
/// it, as Python code shares a Task object. The handle is borrowed only
/// inside each call or poll, so the sharers never overlap.
struct SharedTask<T>(Rc<RefCell<JoinHandle<T>>>);

impl<T> Clone for SharedTask<T> {
    fn clone(&self) -> Self {
        Self(Rc::clone(&self.0))
    }
}

impl<T> SharedTask<T> {
    fn new(handle: JoinHandle<T>) -> Self {
        Self(Rc::new(RefCell::new(handle)))
    }

    fn cancel(&self) -> bool {
        self.0.borrow().cancel()
    }

    fn is_finished(&self) -> bool {
        self.0.borrow().is_finished()
    }
}

impl<T> StdFuture for SharedTask<T> {
    type Output = Result<T, TaskError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.0.borrow_mut()).poll(context)
    }
}

/// Yields to the other tasks until `condition` holds (the watchdog ends a
/// loop in which it never does).
async fn until(mut condition: impl FnMut() -> bool) {
    while !condition() {
        yield_now().await;
    }
}

/// Python's `loop.call_later(delay, f)`: a task that sleeps, then calls `f`.
/// Keep the handle until the end of the test.
fn call_later(delay: Duration, f: impl FnOnce() + 'static) -> JoinHandle<()> {
    spawn(async move {
        sleep(delay).await;
        f();
    })
    .unwrap()
}

// ---------------------------------------------------------------------------
// test_tasks.py: BaseTaskTests

/// test_tasks.py BaseTaskTests.test_task_basics: a coroutine awaiting two
/// others returns their sum.
#[test]
fn tasks_test_task_basics() {
    async fn inner1() -> u32 {
        42
    }
    async fn inner2() -> u32 {
        1000
    }
    let total = asyncio_run("tasks_test_task_basics", || async {
        let a = inner1().await;
        let b = inner2().await;
        a + b
    });
    assert_eq!(total, 1042);
}

/// test_tasks.py BaseTaskTests.test_cancel: a task cancelled in its sleep
/// ends cancelled; a second cancel is refused.
#[test]
fn tasks_test_cancel() {
    asyncio_run("tasks_test_cancel", || async {
        let mut t = spawn(async {
            sleep(Duration::from_secs(10)).await;
            12
        })
        .unwrap();
        yield_now().await; // the task starts its sleep
        assert!(t.cancel());
        assert_eq!((&mut t).await, Err(TaskError::Cancelled));
        assert!(t.is_finished());
        assert!(t.is_cancelled());
        assert!(!t.cancel());
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_yield: a task cancelled between
/// two `sleep(0)`s ends cancelled.
#[test]
fn tasks_test_cancel_yield() {
    asyncio_run("tasks_test_cancel_yield", || async {
        let mut t = spawn(async {
            yield_now().await;
            yield_now().await;
            12
        })
        .unwrap();
        yield_now().await; // start the coroutine
        assert!(t.cancel());
        assert_eq!((&mut t).await, Err(TaskError::Cancelled));
        assert!(t.is_finished());
        assert!(t.is_cancelled());
        assert!(!t.cancel());
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_inner_future: the future a task
/// awaits is cancelled. Python raises `CancelledError` in the task, which
/// ends cancelled; here the await resolves to `Err(TaskError::Cancelled)`,
/// a value the task passes on (with `?`), so the task ends with it.
#[test]
fn tasks_test_cancel_inner_future() {
    asyncio_run("tasks_test_cancel_inner_future", || async {
        let (f, promise) = Future::<u32>::pending();
        let t = spawn(async move {
            f.await?;
            Ok::<_, TaskError>(12)
        })
        .unwrap();
        yield_now().await; // start the task
        drop(promise); // f.cancel()
        assert_eq!(t.await, Ok(Err(TaskError::Cancelled)));
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_both_task_and_inner_future.
#[test]
fn tasks_test_cancel_both_task_and_inner_future() {
    asyncio_run("tasks_test_cancel_both_task_and_inner_future", || async {
        let (f, promise) = Future::<u32>::pending();
        let mut t = spawn(async move {
            f.await?;
            Ok::<_, TaskError>(12)
        })
        .unwrap();
        yield_now().await;
        drop(promise); // f.cancel()
        assert!(t.cancel());
        assert_eq!((&mut t).await, Err(TaskError::Cancelled));
        assert!(t.is_finished());
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_task_catching: Python's task
/// catches the `CancelledError` and returns 42. A Rust future cannot catch
/// its cancel (it is dropped), so the task ends cancelled (TESTING.md).
#[test]
fn tasks_test_cancel_task_catching() {
    asyncio_run("tasks_test_cancel_task_catching", || async {
        let (fut1, promise1) = Future::<()>::pending();
        let (fut2, promise2) = Future::<()>::pending();
        let at_fut2 = Flag::default();
        let reached = at_fut2.clone();
        let mut t = spawn(async move {
            fut1.await.unwrap();
            reached.set();
            match fut2.await {
                Err(TaskError::Cancelled) => 42, // never runs: see above
                _ => 0,
            }
        })
        .unwrap();
        yield_now().await;
        set_result(promise1, ());
        until(|| at_fut2.get()).await;
        assert!(t.cancel());
        assert_eq!((&mut t).await, Err(TaskError::Cancelled));
        drop(promise2);
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_current_task: a task cancels
/// itself, then sleeps: the sleep is cut short and the task ends cancelled.
#[test]
fn tasks_test_cancel_current_task() {
    asyncio_run("tasks_test_cancel_current_task", || async {
        let slot: Rc<RefCell<Option<SharedTask<u32>>>> = Rc::default();
        let me = Rc::clone(&slot);
        let t = SharedTask::new(
            spawn(async move {
                let me = me.borrow().clone().expect("the handle is stored");
                assert!(me.cancel());
                sleep(Duration::from_secs(100)).await;
                12
            })
            .unwrap(),
        );
        *slot.borrow_mut() = Some(t.clone());
        assert!(!t.is_finished());
        assert_eq!(t.clone().await, Err(TaskError::Cancelled));
        assert!(t.is_finished());
        assert!(!t.cancel());
        slot.borrow_mut().take();
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_at_end: a task cancels itself
/// and returns in the same step; asyncio ends it cancelled (the cancel was
/// accepted: `cancel()` returned True).
#[test]
fn tasks_test_cancel_at_end() {
    asyncio_run("tasks_test_cancel_at_end", || async {
        let slot: Rc<RefCell<Option<SharedTask<u32>>>> = Rc::default();
        let me = Rc::clone(&slot);
        let t = SharedTask::new(
            spawn(async move {
                let me = me.borrow().clone().expect("the handle is stored");
                assert!(me.cancel());
                12
            })
            .unwrap(),
        );
        *slot.borrow_mut() = Some(t.clone());
        let outcome = t.clone().await;
        slot.borrow_mut().take();
        assert_eq!(outcome, Err(TaskError::Cancelled));
        assert!(t.is_finished());
        assert!(!t.cancel());
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_awaited_task (bpo-34872): a
/// task asks for its own cancel, then awaits a nested task: both end
/// cancelled, and what the nested task awaited is cancelled with it.
#[test]
fn tasks_test_cancel_awaited_task() {
    asyncio_run("tasks_test_cancel_awaited_task", || async {
        let nested_stopped = Flag::default();
        let cancel_asked = Flag::default();
        let slot: Rc<RefCell<Option<SharedTask<()>>>> = Rc::default();
        let me = Rc::clone(&slot);
        let (stopped, asked) = (nested_stopped.clone(), cancel_asked.clone());
        let task = SharedTask::new(
            spawn(async move {
                let nested_task = spawn(async move {
                    let _finally = stopped.on_drop();
                    std::future::pending::<()>().await; // await fut
                })
                .unwrap();
                yield_now().await; // let the nested task run
                let me = me.borrow().clone().expect("the handle is stored");
                assert!(me.cancel());
                asked.set();
                let _ = nested_task.await;
            })
            .unwrap(),
        );
        *slot.borrow_mut() = Some(task.clone());
        assert_eq!(task.clone().await, Err(TaskError::Cancelled));
        slot.borrow_mut().take();
        assert!(cancel_asked.get());
        yield_now().await;
        assert!(
            nested_stopped.get(),
            "the nested task runs on after the task awaiting it was cancelled"
        );
    });
}

/// test_tasks.py BaseTaskTests.test_sleep: two half sleeps, then the result.
#[test]
fn tasks_test_sleep() {
    let result = asyncio_run("tasks_test_sleep", || async {
        let t = spawn(async {
            sleep(Duration::from_millis(50)).await;
            sleep(Duration::from_millis(50)).await;
            "yeah"
        })
        .unwrap();
        t.await
    });
    assert_eq!(result, Ok("yeah"));
}

/// test_tasks.py BaseTaskTests.test_task_cancel_sleeping_task: a task
/// awaiting a sleeper sees `CancelledError` when `call_later` cancels it.
#[test]
fn tasks_test_task_cancel_sleeping_task() {
    let said = asyncio_run("tasks_test_task_cancel_sleeping_task", || async {
        let sleeper = SharedTask::new(spawn(sleep(Duration::from_secs(5000))).unwrap());
        let canceller = sleeper.clone();
        let _later = call_later(Duration::from_millis(100), move || {
            canceller.cancel();
        });
        match sleeper.await {
            Err(TaskError::Cancelled) => "cancelled",
            _ => "slept in",
        }
    });
    assert_eq!(said, "cancelled");
}

/// test_tasks.py BaseTaskTests.test_task_cancel_waiter_future: a task
/// cancelled while it awaits a future ends cancelled, and (in Python) the
/// future it awaited is cancelled too.
#[test]
fn tasks_test_task_cancel_waiter_future() {
    asyncio_run("tasks_test_task_cancel_waiter_future", || async {
        let (fut, promise) = Future::<()>::pending();
        let mut task = spawn(async move { fut.await }).unwrap();
        yield_now().await;
        assert!(task.cancel());
        yield_now().await;
        assert_eq!((&mut task).await, Err(TaskError::Cancelled));
        assert!(!promise.start(), "the awaited future was not cancelled");
    });
}

/// test_tasks.py BaseTaskTests.test_yield_future_passes_cancel: cancelling
/// `outer`, which awaits `inner`, which awaits a future. In Python both
/// coroutines see the `CancelledError` and `outer` catches it (proof 101);
/// here both are dropped: `inner`'s cleanup runs, and `outer` cannot go on
/// (TESTING.md, "cannot refuse").
#[test]
fn tasks_test_yield_future_passes_cancel() {
    asyncio_run("tasks_test_yield_future_passes_cancel", || async {
        let (waiter, promise) = Future::<()>::pending();
        let inner_cleaned_up = Flag::default();
        let outer_went_on = Flag::default();
        let (cleaned, went_on) = (inner_cleaned_up.clone(), outer_went_on.clone());
        let inner = async move {
            let _except = cleaned.on_drop();
            let _ = waiter.await;
        };
        let mut f = spawn(async move {
            inner.await;
            went_on.set();
        })
        .unwrap();
        yield_now().await;
        assert!(f.cancel());
        assert_eq!((&mut f).await, Err(TaskError::Cancelled));
        assert!(inner_cleaned_up.get());
        assert!(!outer_went_on.get());
        drop(promise);
    });
}

/// test_tasks.py BaseTaskTests.test_yield_wait_does_not_shield_cancel:
/// cancelling a task in `wait()` ends that task, and leaves the waited-for
/// task running: it finishes when its future is set (proof 1).
#[test]
fn tasks_test_yield_wait_does_not_shield_cancel() {
    asyncio_run("tasks_test_yield_wait_does_not_shield_cancel", || async {
        let proof = Rc::new(Cell::new(0));
        let (waiter, promise) = Future::<()>::pending();
        let (inner_proof, outer_proof) = (Rc::clone(&proof), Rc::clone(&proof));
        let mut f = spawn(async move {
            let inner = spawn(async move {
                waiter.await.unwrap();
                inner_proof.set(inner_proof.get() + 1);
            })
            .unwrap();
            let _ = wait(vec![inner], ReturnWhen::AllCompleted).await;
            outer_proof.set(outer_proof.get() + 100);
        })
        .unwrap();
        yield_now().await;
        assert!(f.cancel());
        assert_eq!((&mut f).await, Err(TaskError::Cancelled));
        set_result(promise, ());
        until(|| proof.get() != 0).await;
        assert_eq!(proof.get(), 1);
    });
}

/// test_tasks.py BaseTaskTests.test_cancel_gather_2: cancelling a task that
/// loops over `gather(sleep(0.05))` ends it cancelled, and awaiting it says
/// so.
#[test]
fn tasks_test_cancel_gather_2() {
    asyncio_run("tasks_test_cancel_gather_2", || async {
        let qwe = spawn(async {
            let mut time = 0;
            while time <= 1000 {
                time += 50;
                gather([sleep(Duration::from_millis(50))]).await;
            }
        })
        .unwrap();
        sleep(Duration::from_millis(200)).await;
        assert!(qwe.cancel());
        assert_eq!(qwe.await, Err(TaskError::Cancelled));
    });
}

// ---------------------------------------------------------------------------
// test_tasks.py: wait

/// test_tasks.py BaseTaskTests.test_wait: `wait` with `ALL_COMPLETED`
/// returns when both sleepers have; waiting again on done tasks returns at
/// once.
#[test]
fn tasks_test_wait() {
    asyncio_run("tasks_test_wait", || async {
        let a = spawn(sleep(Duration::from_millis(100))).unwrap();
        let b = spawn(sleep(Duration::from_millis(150))).unwrap();
        let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (2, 0));
        assert!(done.iter().all(JoinHandle::is_finished));
        // Doing it again takes no time and exercises a different path.
        let (done, pending) = wait(done, ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (2, 0));
    });
}

/// test_tasks.py BaseTaskTests.test_wait_errors: Python's `wait(set())`
/// raises `ValueError`; turnstile's returns two empty lists (TESTING.md).
/// (An invalid `return_when` cannot be written: it is an enum.)
#[test]
fn tasks_test_wait_errors() {
    asyncio_run("tasks_test_wait_errors", || async {
        let (done, pending) = wait(Vec::<JoinHandle<()>>::new(), ReturnWhen::AllCompleted).await;
        assert!(done.is_empty() && pending.is_empty());
        let (done, pending) = wait(Vec::<JoinHandle<()>>::new(), ReturnWhen::FirstCompleted).await;
        assert!(done.is_empty() && pending.is_empty());
    });
}

/// test_tasks.py BaseTaskTests.test_wait_first_completed: the short sleeper
/// is done, the long one pending and still running.
#[test]
fn tasks_test_wait_first_completed() {
    asyncio_run("tasks_test_wait_first_completed", || async {
        let a = spawn(sleep(Duration::from_secs(10))).unwrap();
        let b = spawn(sleep(Duration::from_millis(100))).unwrap();
        let (done, pending) = wait(vec![b, a], ReturnWhen::FirstCompleted).await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(!pending[0].is_finished());
        assert!(done[0].is_finished());
        for b in done {
            assert_eq!(b.await, Ok(()));
        }
        for a in &pending {
            a.cancel();
        }
    });
}

/// test_tasks.py BaseTaskTests.test_wait_really_done: `wait` sorts by
/// whether each task has finished when it returns, not by which wake-ups
/// it has seen. In asyncio a done-callback takes a loop iteration, so by
/// the time `wait` runs, `b` (one `sleep(0)` longer than `a`) is done too:
/// done = {a, b}. turnstile's wake-up takes none, so `wait` runs one turn
/// earlier: done = {a}, pending = {b}, still running (TESTING.md). What the
/// test guards holds: every done handle has finished, no pending one has.
#[test]
fn tasks_test_wait_really_done() {
    asyncio_run("tasks_test_wait_really_done", || async {
        let a = spawn(async { yield_now().await }).unwrap();
        let b = spawn(async {
            yield_now().await;
            yield_now().await;
        })
        .unwrap();
        let (done, pending) = wait(vec![b, a], ReturnWhen::FirstCompleted).await;
        assert!(done.iter().all(JoinHandle::is_finished));
        assert!(!pending.iter().any(JoinHandle::is_finished));
        assert_eq!((done.len(), pending.len()), (1, 1));
        for handle in done.into_iter().chain(pending) {
            assert_eq!(handle.await, Ok(()));
        }
    });
}

/// test_tasks.py BaseTaskTests.test_wait_with_exception: a task that fails
/// (here: panics) counts as done; its error is read from its handle.
#[test]
fn tasks_test_wait_with_exception() {
    asyncio_run("tasks_test_wait_with_exception", || async {
        let a = spawn(sleep(Duration::from_millis(100))).unwrap();
        let b = spawn(async {
            sleep(Duration::from_millis(150)).await;
            panic!("really");
        })
        .unwrap();
        let (done, pending) = wait(vec![b, a], ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (2, 0));
        let mut errors = Vec::new();
        for handle in done {
            if let Err(error) = handle.await {
                errors.push(error);
            }
        }
        assert_eq!(errors, [TaskError::Panicked("really".into())]);
    });
}

/// test_tasks.py BaseTaskTests.test_wait_first_exception: with
/// `FIRST_EXCEPTION`, a task that has already failed (panicked) makes
/// `wait` return at once: done = {b}, pending = {a}.
#[test]
fn tasks_test_wait_first_exception() {
    asyncio_run("tasks_test_wait_first_exception", || async {
        let a = spawn(sleep(Duration::from_secs(10))).unwrap();
        let b = spawn(async { panic!("err") }).unwrap();
        let (done, pending) = wait(vec![b, a], ReturnWhen::FirstException).await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(!pending[0].is_finished());
        for b in done {
            assert_eq!(b.await, Err(TaskError::Panicked("err".into())));
        }
    });
}

/// test_tasks.py BaseTaskTests.test_wait_first_exception_in_wait: the
/// failure comes while `wait` waits.
#[test]
fn tasks_test_wait_first_exception_in_wait() {
    asyncio_run("tasks_test_wait_first_exception_in_wait", || async {
        let a = spawn(sleep(Duration::from_secs(10))).unwrap();
        let b = spawn(async {
            sleep(Duration::from_millis(10)).await;
            panic!("err");
        })
        .unwrap();
        let (done, pending) = wait(vec![b, a], ReturnWhen::FirstException).await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(!pending[0].is_finished());
        for b in done {
            assert_eq!(b.await, Err(TaskError::Panicked("err".into())));
        }
    });
}

/// test_tasks.py BaseTaskTests.test_wait_with_timeout: after 0.11 s the
/// 0.1 s sleeper is done and the 0.15 s one pending.
#[test]
fn tasks_test_wait_with_timeout() {
    asyncio_run("tasks_test_wait_with_timeout", || async {
        let a = spawn(sleep(Duration::from_millis(100))).unwrap();
        let b = spawn(sleep(Duration::from_millis(150))).unwrap();
        let (done, pending) = wait_timeout(
            vec![b, a],
            Duration::from_millis(110),
            ReturnWhen::AllCompleted,
        )
        .await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(done[0].is_finished() && !pending[0].is_finished());
        // The pending task runs on: waiting again sees it finish.
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (1, 0));
    });
}

/// test_tasks.py BaseTaskTests.test_wait_concurrent_complete: the same,
/// with the timeout equal to the shorter sleep: it is done, the other
/// pending.
#[test]
fn tasks_test_wait_concurrent_complete() {
    asyncio_run("tasks_test_wait_concurrent_complete", || async {
        let a = spawn(sleep(Duration::from_millis(100))).unwrap();
        let b = spawn(sleep(Duration::from_millis(150))).unwrap();
        yield_now().await; // both sleeps start before the wait's own timer
        let (done, pending) = wait_timeout(
            vec![b, a],
            Duration::from_millis(100),
            ReturnWhen::AllCompleted,
        )
        .await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(done[0].is_finished() && !pending[0].is_finished());
    });
}

// ---------------------------------------------------------------------------
// test_tasks.py: GatherTests (CoroutineGatherTests: gather takes futures)

/// Three pending futures, gathered as coroutines that await them
/// (`wrap_futures`), with their promises.
fn three_pending() -> (Vec<Future<u32>>, Vec<Promise<u32>>) {
    (0..3).map(|_| Future::pending()).unzip()
}

/// test_tasks.py GatherTestsBase.test_result_exception_success
/// (`_check_success(return_exceptions=True)`, which turnstile's `gather`
/// is): not done until the last child is; results in the order given.
#[test]
fn gather_test_result_exception_success() {
    asyncio_run("gather_test_result_exception_success", || async {
        let (futures, promises) = three_pending();
        let mut fut = spawn(gather(futures.into_iter().map(|f| f.into_future()))).unwrap();
        let [a, b, c]: [Promise<u32>; 3] = promises.try_into().ok().unwrap();
        set_result(b, 1);
        set_result(a, 2);
        yield_now().await;
        yield_now().await;
        assert!(!fut.is_finished());
        set_result(c, 3);
        assert_eq!((&mut fut).await, Ok(vec![Ok(2), Ok(1), Ok(3)]));
    });
}

/// test_tasks.py GatherTestsBase.test_success (`return_exceptions=False`,
/// which is `try_gather`): not done until the last child is; results in
/// the order given.
#[test]
fn gather_test_success() {
    asyncio_run("gather_test_success", || async {
        let (futures, promises) = three_pending();
        let mut fut = spawn(try_gather(futures.into_iter().map(|f| f.into_future()))).unwrap();
        let [a, b, c]: [Promise<u32>; 3] = promises.try_into().ok().unwrap();
        set_result(b, 1);
        set_result(a, 2);
        yield_now().await;
        yield_now().await;
        assert!(!fut.is_finished());
        set_result(c, 3);
        assert_eq!((&mut fut).await, Ok(Ok(vec![2, 1, 3])));
    });
}

/// test_tasks.py GatherTestsBase.test_one_exception: the first failure is
/// the gather's result at once; what the other children do after that
/// changes nothing.
#[test]
fn gather_test_one_exception() {
    asyncio_run("gather_test_one_exception", || async {
        let (futures, promises): (Vec<Future<u32>>, Vec<_>) =
            (0..5).map(|_| Future::pending()).unzip();
        let mut fut = spawn(try_gather(futures.into_iter().map(|f| f.into_future()))).unwrap();
        let [a, b, c, d, e]: [Promise<u32>; 5] = promises.try_into().ok().unwrap();
        set_result(a, 1);
        set_exception(b, "ZeroDivisionError");
        until(|| fut.is_finished()).await;
        assert_eq!(
            (&mut fut).await,
            Ok(Err(TaskError::Panicked("ZeroDivisionError".into())))
        );
        // Does nothing.
        set_result(c, 3);
        drop(d); // d.cancel()
        set_exception(e, "RuntimeError");
        yield_now().await;
    });
}

/// test_tasks.py FutureGatherTests.test_one_cancellation: a cancelled
/// child is the gather's error (Python: `fut.exception()` is a
/// `CancelledError`, and the gather itself is not cancelled).
#[test]
fn gather_test_one_cancellation() {
    asyncio_run("gather_test_one_cancellation", || async {
        let (futures, promises): (Vec<Future<u32>>, Vec<_>) =
            (0..5).map(|_| Future::pending()).unzip();
        let mut fut = spawn(try_gather(futures.into_iter().map(|f| f.into_future()))).unwrap();
        let [a, b, c, d, e]: [Promise<u32>; 5] = promises.try_into().ok().unwrap();
        set_result(a, 1);
        drop(b); // b.cancel()
        until(|| fut.is_finished()).await;
        assert!(!fut.is_cancelled());
        assert_eq!((&mut fut).await, Ok(Err(TaskError::Cancelled)));
        // Does nothing.
        set_result(c, 3);
        drop(d);
        set_exception(e, "RuntimeError");
        yield_now().await;
    });
}

/// test_tasks.py CoroutineGatherTests.test_exception_marking: a child's
/// failure reaches the task awaiting the gather.
#[test]
fn gather_test_exception_marking() {
    asyncio_run("gather_test_exception_marking", || async {
        let (fa, pa) = Future::<()>::pending();
        let (fb, pb) = Future::<()>::pending();
        let inner = |f: Future<()>| async move {
            f.await?;
            Err::<(), _>(TaskError::Panicked("should not be ignored".into()))
        };
        let f = spawn(try_gather([inner(fa), inner(fb)])).unwrap();
        yield_now().await;
        set_result(pa, ());
        yield_now().await;
        set_result(pb, ());
        yield_now().await;
        assert_eq!(
            f.await,
            Ok(Err(TaskError::Panicked("should not be ignored".into())))
        );
    });
}

/// test_tasks.py GatherTestsBase.test_return_exceptions: failures are
/// results in their place; not done until every child is.
#[test]
fn gather_test_return_exceptions() {
    asyncio_run("gather_test_return_exceptions", || async {
        let (futures, promises): (Vec<Future<u32>>, Vec<_>) =
            (0..4).map(|_| Future::pending()).unzip();
        let mut fut = spawn(gather(futures.into_iter().map(|f| f.into_future()))).unwrap();
        let [a, b, c, d]: [Promise<u32>; 4] = promises.try_into().ok().unwrap();
        set_result(b, 1);
        set_exception(c, "ZeroDivisionError");
        set_result(a, 3);
        yield_now().await;
        yield_now().await;
        assert!(!fut.is_finished());
        set_exception(d, "RuntimeError");
        let exc = |name: &str| Err(TaskError::Panicked(name.into()));
        assert_eq!(
            (&mut fut).await,
            Ok(vec![
                Ok(3),
                Ok(1),
                exc("ZeroDivisionError"),
                exc("RuntimeError")
            ])
        );
    });
}

/// test_tasks.py FutureGatherTests.test_result_exception_one_cancellation:
/// cancelled children are results (`CancelledError`) in their place.
#[test]
fn gather_test_result_exception_one_cancellation() {
    asyncio_run("gather_test_result_exception_one_cancellation", || async {
        let (futures, promises): (Vec<Future<u32>>, Vec<_>) =
            (0..6).map(|_| Future::pending()).unzip();
        let mut fut = spawn(gather(futures.into_iter().map(|f| f.into_future()))).unwrap();
        let [a, b, c, d, e, f]: [Promise<u32>; 6] = promises.try_into().ok().unwrap();
        set_result(a, 1);
        set_exception(b, "ZeroDivisionError");
        drop(c); // c.cancel()
        yield_now().await;
        assert!(!fut.is_finished());
        set_result(d, 3);
        drop(e); // e.cancel()
        set_exception(f, "RuntimeError");
        let exc = |name: &str| Err(TaskError::Panicked(name.into()));
        let cancelled = Err(TaskError::Cancelled);
        assert_eq!(
            (&mut fut).await,
            Ok(vec![
                Ok(1),
                exc("ZeroDivisionError"),
                cancelled.clone(),
                Ok(3),
                cancelled,
                exc("RuntimeError")
            ])
        );
    });
}

/// test_tasks.py FutureGatherTests.test_constructor_empty_sequence_use_running_loop:
/// gathering nothing gives an empty list.
#[test]
fn gather_test_constructor_empty_sequence_use_running_loop() {
    let result = asyncio_run(
        "gather_test_constructor_empty_sequence_use_running_loop",
        || async { gather(Vec::<std::future::Ready<u32>>::new()).await },
    );
    assert!(result.is_empty());
}

/// test_tasks.py FutureGatherTests.test_constructor_empty_sequence_without_loop:
/// Python's `gather()` outside a loop raises `RuntimeError`; turnstile's
/// gather is a plain future, awaited on any executor (TESTING.md).
#[test]
fn gather_test_constructor_empty_sequence_without_loop() {
    let (result, _) = common::within(common::PATIENCE, "a gather awaited without a loop", || {
        common::block_on(gather(Vec::<std::future::Ready<u32>>::new()))
    });
    assert!(result.is_empty());
}

/// test_tasks.py CoroutineGatherTests.test_cancellation_broadcast:
/// cancelling the task that awaits `gather(child1, child2)` cancels both
/// children; setting the future they waited for then changes nothing.
#[test]
fn gather_test_cancellation_broadcast() {
    asyncio_run("gather_test_cancellation_broadcast", || async {
        let proof = Rc::new(Cell::new(0));
        let waiter = Rc::new(Event::new());
        let stopped = [Flag::default(), Flag::default()];
        let inner = |stopped: &Flag| {
            let (proof, waiter, finally) =
                (Rc::clone(&proof), Rc::clone(&waiter), stopped.on_drop());
            async move {
                let _finally = finally;
                waiter.wait_async().await;
                proof.set(proof.get() + 1);
            }
        };
        let child1 = spawn(inner(&stopped[0])).unwrap();
        let child2 = spawn(inner(&stopped[1])).unwrap();
        let outer_proof = Rc::clone(&proof);
        let mut f = spawn(async move {
            gather([child1, child2]).await;
            outer_proof.set(outer_proof.get() + 100);
        })
        .unwrap();
        yield_now().await;
        assert!(f.cancel());
        assert_eq!((&mut f).await, Err(TaskError::Cancelled));
        assert!(
            stopped.iter().all(Flag::get),
            "the children run on after the gathering task was cancelled"
        );
        waiter.set();
        yield_now().await;
        yield_now().await;
        assert_eq!(proof.get(), 0);
    });
}

// ---------------------------------------------------------------------------
// test_waitfor.py: AsyncioWaitForTest

/// test_waitfor.py test_asyncio_wait_for_cancelled: cancelling the task in
/// `wait_for(coro)`. Python's SlowTask ignores the cancel and runs to its
/// end; a Rust future cannot ignore it: the coroutine is dropped with the
/// task (TESTING.md, "cannot refuse").
#[test]
fn waitfor_test_asyncio_wait_for_cancelled() {
    asyncio_run("waitfor_test_asyncio_wait_for_cancelled", || async {
        let exited = Flag::default();
        let dropped = Flag::default();
        let (exit, finally) = (exited.clone(), dropped.on_drop());
        let slow = async move {
            let _finally = finally;
            sleep(Duration::from_millis(200)).await;
            exit.set();
        };
        let waitfortask = spawn(wait_for(Duration::from_millis(400), slow)).unwrap();
        yield_now().await;
        assert!(waitfortask.cancel());
        let (done, _) = wait(vec![waitfortask], ReturnWhen::AllCompleted).await;
        assert_eq!(done.len(), 1);
        assert!(dropped.get() && !exited.get());
    });
}

/// test_waitfor.py test_asyncio_wait_for_timeout: `wait_for` times out a
/// coroutine. Python's SlowTask ignores the cancel and finishes; here the
/// coroutine is dropped when the timeout passes (TESTING.md).
#[test]
fn waitfor_test_asyncio_wait_for_timeout() {
    asyncio_run("waitfor_test_asyncio_wait_for_timeout", || async {
        let (exited, dropped) = (Flag::default(), Flag::default());
        let (exit, finally) = (exited.clone(), dropped.on_drop());
        let slow = async move {
            let _finally = finally;
            sleep(Duration::from_millis(200)).await;
            exit.set();
        };
        assert_eq!(
            wait_for(Duration::from_millis(100), slow).await,
            Err(Timeout)
        );
        assert!(dropped.get() && !exited.get());
    });
}

/// test_waitfor.py test_wait_for_timeout_less_then_0_or_0_future_done:
/// asyncio returns the result of a future already done even with a timeout
/// of zero. turnstile's `wait_for` with a spent timeout polls nothing, so
/// it times out, and the future (with its result) is dropped: a settled
/// pool future and a finished task's handle alike (TESTING.md, the row
/// "`wait_for(task, 0)` on a task that is already done").
#[test]
fn waitfor_test_wait_for_timeout_less_then_0_or_0_future_done() {
    asyncio_run(
        "waitfor_test_wait_for_timeout_less_then_0_or_0_future_done",
        || async {
            let (fut, promise) = Future::pending();
            set_result(promise, "done");
            assert_eq!(
                wait_for(Duration::ZERO, fut.into_future()).await,
                Err(Timeout)
            );
            let task = spawn(async { "done" }).unwrap();
            yield_now().await;
            assert!(task.is_finished());
            assert_eq!(wait_for(Duration::ZERO, task).await, Err(Timeout));
        },
    );
}

/// test_waitfor.py test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started:
/// a coroutine whose timeout is already spent is not started: timeout.
#[test]
fn waitfor_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started() {
    asyncio_run(
        "waitfor_test_wait_for_timeout_less_then_0_or_0_coroutine_do_not_started",
        || async {
            let foo_started = Flag::default();
            let started = foo_started.clone();
            let foo = async move { started.set() };
            assert_eq!(wait_for(Duration::ZERO, foo).await, Err(Timeout));
            assert!(!foo_started.get());
        },
    );
}

/// A task like test_waitfor.py's `foo`: notes that it runs, sleeps 10 s,
/// and its `finally:` notes that it stopped. Returns the handle and the
/// flags (running, stopped).
fn foo_task() -> (JoinHandle<&'static str>, Flag, Flag) {
    let (running, stopped) = (Flag::default(), Flag::default());
    let (run_flag, finally) = (running.clone(), stopped.on_drop());
    let handle = spawn(async move {
        let _finally = finally;
        run_flag.set();
        sleep(Duration::from_secs(10)).await;
        "done"
    })
    .unwrap();
    (handle, running, stopped)
}

/// test_waitfor.py test_wait_for_timeout_less_then_0_or_0: a started task
/// awaited with a timeout of zero times out, and is cancelled: its
/// `finally:` has run when `wait_for` returns. (A negative timeout cannot
/// be written: a `Duration` is not negative.)
#[test]
fn waitfor_test_wait_for_timeout_less_then_0_or_0() {
    asyncio_run("waitfor_test_wait_for_timeout_less_then_0_or_0", || async {
        let (fut, running, stopped) = foo_task();
        until(|| running.get()).await; // await started
        assert_eq!(wait_for(Duration::ZERO, fut).await, Err(Timeout));
        assert!(stopped.get(), "the task runs on after wait_for timed out");
    });
}

/// test_waitfor.py test_wait_for: a task awaited for 0.1 s times out and is
/// cancelled before `wait_for` returns.
#[test]
fn waitfor_test_wait_for() {
    asyncio_run("waitfor_test_wait_for", || async {
        let (fut, _running, stopped) = foo_task();
        assert_eq!(
            wait_for(Duration::from_millis(100), fut).await,
            Err(Timeout)
        );
        assert!(stopped.get(), "the task runs on after wait_for timed out");
    });
}

/// test_waitfor.py test_wait_for_blocking: `timeout=None` waits without
/// limit (`Duration::MAX` here).
#[test]
fn waitfor_test_wait_for_blocking() {
    let result = asyncio_run("waitfor_test_wait_for_blocking", || async {
        wait_for(Duration::MAX, async { "done" }).await
    });
    assert_eq!(result, Ok("done"));
}

/// test_waitfor.py test_wait_for_race_condition: a future set at 0.1 s,
/// awaited with a timeout of 0.2 s: its result.
#[test]
fn waitfor_test_wait_for_race_condition() {
    asyncio_run("waitfor_test_wait_for_race_condition", || async {
        let (fut, promise) = Future::pending();
        let _later = call_later(Duration::from_millis(100), move || {
            set_result(promise, "ok")
        });
        let res = wait_for(Duration::from_millis(200), fut.into_future()).await;
        assert_eq!(res, Ok(Ok("ok")));
    });
}

/// test_waitfor.py test_wait_for_cancellation_race_condition: Python's
/// inner coroutine catches the cancel from the timeout and returns 1, which
/// `wait_for` returns. A Rust future cannot catch it: `Err(Timeout)`
/// (TESTING.md).
#[test]
fn waitfor_test_wait_for_cancellation_race_condition() {
    asyncio_run(
        "waitfor_test_wait_for_cancellation_race_condition",
        || async {
            let inner = async {
                sleep(Duration::from_secs(1)).await;
                1
            };
            assert_eq!(
                wait_for(Duration::from_millis(10), inner).await,
                Err(Timeout)
            );
        },
    );
}

/// test_waitfor.py's inner task that cleans up when cancelled (Python's
/// cleanup awaits a short sleep; a Rust future's cleanup is its drop, which
/// cannot await). Returns the handle and the `task_done` flag.
fn cleaning_task() -> (JoinHandle<()>, Flag) {
    let task_done = Flag::default();
    let finally = task_done.on_drop();
    let handle = spawn(async move {
        let _finally = finally;
        sleep(Duration::from_secs(10)).await;
    })
    .unwrap();
    (handle, task_done)
}

/// test_waitfor.py test_wait_for_waits_for_task_cancellation: on timeout,
/// `wait_for` cancels the task and waits for it to finish cancelling
/// before it raises.
#[test]
fn waitfor_test_wait_for_waits_for_task_cancellation() {
    asyncio_run(
        "waitfor_test_wait_for_waits_for_task_cancellation",
        || async {
            let (inner_task, task_done) = cleaning_task();
            assert_eq!(wait_for(EPSILON, inner_task).await, Err(Timeout));
            assert!(task_done.get());
        },
    );
}

/// test_waitfor.py test_wait_for_waits_for_task_cancellation_w_timeout_0:
/// the same with a timeout of zero, on a task that has started.
#[test]
fn waitfor_test_wait_for_waits_for_task_cancellation_w_timeout_0() {
    asyncio_run(
        "waitfor_test_wait_for_waits_for_task_cancellation_w_timeout_0",
        || async {
            let (inner_task, task_done) = cleaning_task();
            sleep(EPSILON).await;
            assert_eq!(wait_for(Duration::ZERO, inner_task).await, Err(Timeout));
            assert!(task_done.get());
        },
    );
}

/// test_waitfor.py `_test_cancel_wait_for`: cancelling the task that runs
/// `wait_for(task, timeout)` cancels `task` too (bpo-23219).
async fn cancel_wait_for(timeout: Duration) {
    let task_stopped = Flag::default();
    let finally = task_stopped.on_drop();
    let task = spawn(async move {
        let _finally = finally;
        std::future::pending::<()>().await; // fut's result is never set
    })
    .unwrap();
    let wait = SharedTask::new(spawn(wait_for(timeout, task)).unwrap());
    let canceller = wait.clone();
    let _soon = spawn(async move {
        canceller.cancel(); // loop.call_soon(wait.cancel)
    })
    .unwrap();
    assert_eq!(wait.await, Err(TaskError::Cancelled));
    assert!(
        task_stopped.get(),
        "cancelling the wait_for left the awaited task running"
    );
}

/// test_waitfor.py test_cancel_blocking_wait_for (timeout None).
#[test]
fn waitfor_test_cancel_blocking_wait_for() {
    asyncio_run("waitfor_test_cancel_blocking_wait_for", || {
        cancel_wait_for(Duration::MAX)
    });
}

/// test_waitfor.py test_cancel_wait_for (timeout 60 s).
#[test]
fn waitfor_test_cancel_wait_for() {
    asyncio_run("waitfor_test_cancel_wait_for", || {
        cancel_wait_for(Duration::from_secs(60))
    });
}

// ---------------------------------------------------------------------------
// test_taskgroups.py: TestTaskGroup (`async with TaskGroup() as g:` is
// `let g = TaskGroup::new()?; ..; g.join().await`; `1 / 0` in a member is a
// panic, the exception a group reacts to; `ExceptionGroup` is
// `TaskGroupError`, its types the panics' messages)

/// A member that sleeps `ms`, then returns `value` (test_taskgroups.py's
/// foo1 and foo2).
async fn sleep_then(ms: u64, value: u32) -> u32 {
    sleep(Duration::from_millis(ms)).await;
    value
}

/// A member that sleeps `ms`, then divides by zero (`crash_soon`).
async fn crash_after(ms: u64) {
    sleep(Duration::from_millis(ms)).await;
    panic!("ZeroDivisionError");
}

fn zero_division() -> Vec<TaskError> {
    vec![TaskError::Panicked("ZeroDivisionError".into())]
}

/// test_taskgroups.py test_taskgroup_01: two members; both results there
/// once the group is joined.
#[test]
fn taskgroups_test_taskgroup_01() {
    asyncio_run("taskgroups_test_taskgroup_01", || async {
        let g = TaskGroup::new().unwrap();
        let t1 = g.spawn(sleep_then(100, 42)).unwrap();
        let t2 = g.spawn(sleep_then(200, 11)).unwrap();
        assert_eq!(g.join().await, Ok(()));
        assert!(t1.is_finished() && t2.is_finished());
        assert_eq!((t1.await, t2.await), (Ok(42), Ok(11)));
    });
}

/// test_taskgroups.py test_taskgroup_02: a member added after the body
/// slept is waited for too.
#[test]
fn taskgroups_test_taskgroup_02() {
    asyncio_run("taskgroups_test_taskgroup_02", || async {
        let g = TaskGroup::new().unwrap();
        let t1 = g.spawn(sleep_then(100, 42)).unwrap();
        sleep(Duration::from_millis(150)).await;
        let t2 = g.spawn(sleep_then(200, 11)).unwrap();
        assert_eq!(g.join().await, Ok(()));
        assert!(t2.is_finished());
        assert_eq!((t1.await, t2.await), (Ok(42), Ok(11)));
    });
}

/// test_taskgroups.py test_taskgroup_03: a member cancelled explicitly is
/// not a failure; the others go on.
#[test]
fn taskgroups_test_taskgroup_03() {
    asyncio_run("taskgroups_test_taskgroup_03", || async {
        let g = TaskGroup::new().unwrap();
        let t1 = g.spawn(sleep_then(1000, 42)).unwrap();
        sleep(Duration::from_millis(150)).await;
        assert!(t1.cancel());
        let t2 = g.spawn(sleep_then(200, 11)).unwrap();
        assert_eq!(g.join().await, Ok(()));
        assert!(t1.is_cancelled());
        assert_eq!(t2.await, Ok(11));
    });
}

/// test_taskgroups.py test_taskgroup_04: a member's failure cancels its
/// sibling (whose cleanup runs) and the group reports it; the code after
/// the group does not run.
#[test]
fn taskgroups_test_taskgroup_04() {
    asyncio_run("taskgroups_test_taskgroup_04", || async {
        let num = Rc::new(Cell::new(0));
        let t2_cancel = Flag::default();
        let t2_slot: Rc<RefCell<Option<JoinHandle<()>>>> = Rc::default();
        let (runner_num, runner_cancel, slot) =
            (Rc::clone(&num), t2_cancel.clone(), Rc::clone(&t2_slot));
        let runner = async move {
            let g = TaskGroup::new().unwrap();
            g.spawn(crash_after(100)).unwrap().detach();
            let foo2_num = Rc::clone(&runner_num);
            let finally = runner_cancel.on_drop();
            let t2 = g
                .spawn(async move {
                    let _except = finally;
                    sleep(Duration::from_secs(1)).await;
                    foo2_num.set(foo2_num.get() + 1);
                })
                .unwrap();
            *slot.borrow_mut() = Some(t2);
            g.join().await?;
            runner_num.set(runner_num.get() + 10);
            Ok::<(), turnstile::event_loop::TaskGroupError>(())
        };
        let failed = spawn(runner).unwrap().await.unwrap().unwrap_err();
        assert_eq!(failed.failures(), zero_division());
        assert_eq!(num.get(), 0);
        assert!(t2_cancel.get());
        let t2 = t2_slot.borrow_mut().take().unwrap();
        assert!(t2.is_cancelled());
    });
}

/// test_taskgroups.py test_cancel_children_on_child_error: three failing
/// members and a sleeper; the sleeper is cancelled and the failures
/// reported. asyncio also cancels the body's own `sleep(10)`; turnstile
/// does not cancel the code holding the group, which learns of the
/// failure at `join` (TESTING.md): here the body sleeps 0.3 s, and runs to
/// its end.
#[test]
fn taskgroups_test_cancel_children_on_child_error() {
    asyncio_run("taskgroups_test_cancel_children_on_child_error", || async {
        let num = Rc::new(Cell::new(0));
        let t2_cancel = Flag::default();
        let body_done = Flag::default();
        let (runner_num, finally, body) = (Rc::clone(&num), t2_cancel.on_drop(), body_done.clone());
        let runner = async move {
            let g = TaskGroup::new().unwrap();
            for _ in 0..3 {
                g.spawn(crash_after(100)).unwrap().detach();
            }
            let foo2_num = Rc::clone(&runner_num);
            g.spawn(async move {
                let _except = finally;
                sleep(Duration::from_secs(5)).await;
                foo2_num.set(foo2_num.get() + 1);
            })
            .unwrap()
            .detach();
            sleep(Duration::from_millis(300)).await;
            body.set();
            g.join().await?;
            runner_num.set(runner_num.get() + 10);
            Ok::<(), turnstile::event_loop::TaskGroupError>(())
        };
        let failed = spawn(runner).unwrap().await.unwrap().unwrap_err();
        // The three may fail in one turn or be cut short by the first.
        assert!(!failed.failures().is_empty());
        assert!(failed.failures().iter().all(|f| *f == zero_division()[0]));
        assert_eq!(num.get(), 0);
        assert!(t2_cancel.get());
        assert!(body_done.get(), "the body is not cancelled here");
    });
}

/// test_taskgroups.py test_cancellation: cancelling the task that holds a
/// group cancels its five members.
#[test]
fn taskgroups_test_cancellation() {
    asyncio_run("taskgroups_test_cancellation", || async {
        let num = Rc::new(Cell::new(0));
        let runner_num = Rc::clone(&num);
        let mut r = spawn(async move {
            let g = TaskGroup::new().unwrap();
            for _ in 0..5 {
                let num = Rc::clone(&runner_num);
                g.spawn(async move {
                    let _except = scopeguard_count(num);
                    sleep(Duration::from_secs(5)).await;
                })
                .unwrap()
                .detach();
            }
            g.join().await
        })
        .unwrap();
        sleep(Duration::from_millis(100)).await;
        assert!(!r.is_finished());
        assert!(r.cancel());
        assert_eq!((&mut r).await, Err(TaskError::Cancelled));
        assert_eq!(num.get(), 5);
    });
}

/// Adds one to `count` when dropped: a member's `except CancelledError:
/// NUM += 1`.
fn scopeguard_count(count: Rc<Cell<u32>>) -> impl Drop {
    struct Count(Rc<Cell<u32>>);
    impl Drop for Count {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    Count(count)
}

/// test_taskgroups.py test_taskgroup_07: the same, and the body's own
/// sleep sees the cancel too (NUM 15).
#[test]
fn taskgroups_test_taskgroup_07() {
    asyncio_run("taskgroups_test_taskgroup_07", || async {
        let num = Rc::new(Cell::new(0));
        let runner_num = Rc::clone(&num);
        let mut r = spawn(async move {
            let g = TaskGroup::new().unwrap();
            for _ in 0..5 {
                let num = Rc::clone(&runner_num);
                g.spawn(async move {
                    let _except = scopeguard_count(num);
                    sleep(Duration::from_secs(5)).await;
                })
                .unwrap()
                .detach();
            }
            {
                let _except = [(); 10].map(|()| scopeguard_count(Rc::clone(&runner_num)));
                sleep(Duration::from_secs(10)).await;
            }
            g.join().await
        })
        .unwrap();
        sleep(Duration::from_millis(100)).await;
        assert!(!r.is_finished());
        assert!(r.cancel());
        assert_eq!((&mut r).await, Err(TaskError::Cancelled));
        assert_eq!(num.get(), 15);
    });
}

/// test_taskgroups.py test_taskgroup_09 and _10: the body fails (here: it
/// returns an error with `?`) after starting two members, with (09) or
/// without (10) a sleep first: leaving the group cancels both.
fn body_fails_members_cancelled(test: &'static str, sleep_first: bool) {
    asyncio_run(test, move || async move {
        let handles: Rc<RefCell<Vec<JoinHandle<u32>>>> = Rc::default();
        let kept = Rc::clone(&handles);
        let runner = async move {
            let g = TaskGroup::new().unwrap();
            kept.borrow_mut()
                .push(g.spawn(sleep_then(1000, 42)).unwrap());
            kept.borrow_mut()
                .push(g.spawn(sleep_then(2000, 11)).unwrap());
            if sleep_first {
                sleep(Duration::from_millis(100)).await;
            }
            Err::<(), _>("ZeroDivisionError")?; // 1 / 0
            g.join().await.map_err(|_| "the group")
        };
        assert_eq!(runner.await, Err("ZeroDivisionError"));
        for t in handles.borrow().iter() {
            assert!(t.is_cancelled());
        }
    });
}

#[test]
fn taskgroups_test_taskgroup_09() {
    body_fails_members_cancelled("taskgroups_test_taskgroup_09", true);
}

#[test]
fn taskgroups_test_taskgroup_10() {
    body_fails_members_cancelled("taskgroups_test_taskgroup_10", false);
}

/// test_taskgroups.py test_taskgroup_17: a task holding an empty group is
/// cancelled in the body's sleep; the body's cleanup runs.
#[test]
fn taskgroups_test_taskgroup_17() {
    asyncio_run("taskgroups_test_taskgroup_17", || async {
        let num = Rc::new(Cell::new(0));
        let runner_num = Rc::clone(&num);
        let mut r = spawn(async move {
            let g = TaskGroup::new().unwrap();
            {
                let _except = [(); 10].map(|()| scopeguard_count(Rc::clone(&runner_num)));
                sleep(Duration::from_secs(10)).await;
            }
            g.join().await
        })
        .unwrap();
        sleep(Duration::from_millis(100)).await;
        assert!(!r.is_finished());
        assert!(r.cancel());
        assert_eq!((&mut r).await, Err(TaskError::Cancelled));
        assert_eq!(num.get(), 10);
    });
}

/// test_taskgroups.py test_taskgroup_22: a task joining its group is
/// cancelled: it ends cancelled.
#[test]
fn taskgroups_test_taskgroup_22() {
    asyncio_run("taskgroups_test_taskgroup_22", || async {
        let r = spawn(async {
            let g = TaskGroup::new().unwrap();
            g.spawn(sleep_then(1000, 42)).unwrap().detach();
            g.spawn(sleep_then(2000, 11)).unwrap().detach();
            g.join().await
        })
        .unwrap();
        sleep(Duration::from_millis(50)).await;
        assert!(r.cancel());
        assert_eq!(r.await, Err(TaskError::Cancelled));
    });
}

/// test_taskgroups.py test_taskgroup_23: members that have ended leave the
/// group (Python counts the private `_tasks`; here `running()`).
#[test]
fn taskgroups_test_taskgroup_23() {
    asyncio_run("taskgroups_test_taskgroup_23", || async {
        let g = TaskGroup::new().unwrap();
        for count in 0..10 {
            sleep(Duration::from_millis(100)).await;
            g.spawn(sleep(Duration::from_millis(300))).unwrap().detach();
            if count == 5 {
                assert!(g.running() < 5);
            }
        }
        sleep(Duration::from_millis(1350)).await;
        assert_eq!(g.running(), 0);
        assert_eq!(g.join().await, Ok(()));
    });
}

/// test_taskgroups.py test_taskgroup_24: a member adds members to its own
/// group; the group waits for them too.
#[test]
fn taskgroups_test_taskgroup_24() {
    asyncio_run("taskgroups_test_taskgroup_24", || async {
        let g = Rc::new(TaskGroup::new().unwrap());
        let ended = Rc::new(Cell::new(0));
        let (root_g, root_ended) = (Rc::clone(&g), Rc::clone(&ended));
        g.spawn(async move {
            sleep(Duration::from_millis(100)).await;
            for ms in [100, 200] {
                let ended = Rc::clone(&root_ended);
                root_g
                    .spawn(async move {
                        sleep(Duration::from_millis(ms)).await;
                        ended.set(ended.get() + 1);
                    })
                    .unwrap()
                    .detach();
            }
        })
        .unwrap()
        .detach();
        assert_eq!(g.join().await, Ok(()));
        assert_eq!(ended.get(), 2);
    });
}

/// test_taskgroups.py test_taskgroup_25: hydras that each add two more
/// members, and a hercules that fails once there are ten: the group ends
/// with hercules's failure, every hydra cancelled.
#[test]
fn taskgroups_test_taskgroup_25() {
    fn hydra(g: Rc<TaskGroup>, nhydras: Rc<Cell<u32>>) -> Pin<Box<dyn StdFuture<Output = ()>>> {
        Box::pin(async move {
            nhydras.set(nhydras.get() + 1);
            sleep(Duration::from_millis(10)).await;
            for _ in 0..2 {
                // Refused once the group shuts down: a hydra woken in the
                // turn hercules failed in.
                if let Ok(head) = g.spawn(hydra(Rc::clone(&g), Rc::clone(&nhydras))) {
                    head.detach();
                }
            }
        })
    }
    asyncio_run("taskgroups_test_taskgroup_25", || async {
        let nhydras = Rc::new(Cell::new(0));
        let g = Rc::new(TaskGroup::new().unwrap());
        g.spawn(hydra(Rc::clone(&g), Rc::clone(&nhydras)))
            .unwrap()
            .detach();
        let counted = Rc::clone(&nhydras);
        g.spawn(async move {
            while counted.get() < 10 {
                sleep(Duration::from_millis(15)).await;
            }
            panic!("ZeroDivisionError");
        })
        .unwrap()
        .detach();
        let failed = g.join().await.unwrap_err();
        assert_eq!(failed.failures(), zero_division());
        assert!(nhydras.get() >= 10);
        assert_eq!(g.running(), 0);
    });
}

/// test_taskgroups.py test_taskgroup_no_create_task_after_failure: once a
/// member has failed the group takes no new member. (Python asks from the
/// cancelled sibling's `except`; here the body asks, which is not
/// cancelled.)
#[test]
fn taskgroups_test_taskgroup_no_create_task_after_failure() {
    asyncio_run(
        "taskgroups_test_taskgroup_no_create_task_after_failure",
        || async {
            let g = TaskGroup::new().unwrap();
            let c1 = g.spawn(crash_after(1)).unwrap();
            let coro2 = g.spawn(sleep(Duration::from_secs(1))).unwrap();
            until(|| c1.is_finished()).await;
            assert_eq!(
                g.spawn(crash_after(1)).map(|_| ()),
                Err(GroupSpawnError::ShuttingDown)
            );
            let failed = g.join().await.unwrap_err();
            assert_eq!(failed.failures(), zero_division());
            assert!(coro2.is_cancelled());
        },
    );
}

// ---------------------------------------------------------------------------
// test_queues.py

/// test_queues.py QueueBasicTests.test_empty.
#[test]
fn queues_test_empty() {
    asyncio_run("queues_test_empty", || async {
        let q = FifoQueue::unbounded();
        assert!(q.is_empty());
        q.put_async(1).await.unwrap();
        assert!(!q.is_empty());
        assert_eq!(q.get_async().await, Ok(1));
        assert!(q.is_empty());
    });
}

/// test_queues.py QueueBasicTests.test_full.
#[test]
fn queues_test_full() {
    asyncio_run("queues_test_full", || async {
        let q = FifoQueue::<u32>::unbounded();
        assert!(!q.is_full());
        let q = FifoQueue::bounded(1).unwrap();
        q.put_async(1).await.unwrap();
        assert!(q.is_full());
    });
}

/// The three puts and gets of test_queues.py's `test_order` tests.
async fn put_and_get_132<O: turnstile::queue::Order<u32>>(q: turnstile::Queue<u32, O>) -> Vec<u32> {
    for i in [1, 3, 2] {
        q.put_async(i).await.unwrap();
    }
    let mut items = Vec::new();
    for _ in 0..3 {
        items.push(q.get_async().await.unwrap());
    }
    items
}

/// test_queues.py QueueBasicTests.test_order.
#[test]
fn queues_test_order() {
    let items = asyncio_run("queues_test_order", || {
        put_and_get_132(FifoQueue::unbounded())
    });
    assert_eq!(items, [1, 3, 2]);
}

/// test_queues.py LifoQueueTests.test_order.
#[test]
fn queues_lifo_test_order() {
    let items = asyncio_run("queues_lifo_test_order", || {
        put_and_get_132(LifoQueue::unbounded())
    });
    assert_eq!(items, [2, 3, 1]);
}

/// test_queues.py PriorityQueueTests.test_order.
#[test]
fn queues_priority_test_order() {
    let items = asyncio_run("queues_priority_test_order", || {
        put_and_get_132(PriorityQueue::unbounded())
    });
    assert_eq!(items, [1, 2, 3]);
}

/// test_queues.py QueueBasicTests.test_maxsize: a putter blocks at the
/// bound and goes on when a get makes room.
#[test]
fn queues_test_maxsize() {
    asyncio_run("queues_test_maxsize", || async {
        let q = Rc::new(FifoQueue::bounded(2).unwrap());
        assert_eq!(q.capacity(), Some(2));
        let have_been_put = Rc::new(RefCell::new(Vec::new()));
        let (putter_q, put) = (Rc::clone(&q), Rc::clone(&have_been_put));
        let mut t = spawn(async move {
            for i in 0..3 {
                putter_q.put_async(i).await.unwrap();
                put.borrow_mut().push(i);
            }
            true
        })
        .unwrap();
        for _ in 0..2 {
            yield_now().await;
        }
        // The putter is blocked after putting two items.
        assert_eq!(*have_been_put.borrow(), [0, 1]);
        assert_eq!(q.get_async().await, Ok(0));
        // Let the putter resume and put the last item.
        yield_now().await;
        assert_eq!(*have_been_put.borrow(), [0, 1, 2]);
        assert_eq!(q.get_async().await, Ok(1));
        assert_eq!(q.get_async().await, Ok(2));
        assert!(t.is_finished());
        assert_eq!((&mut t).await, Ok(true));
    });
}

/// test_queues.py QueueGetTests.test_blocking_get.
#[test]
fn queues_test_blocking_get() {
    asyncio_run("queues_test_blocking_get", || async {
        let q = FifoQueue::unbounded();
        q.try_put(1).unwrap();
        assert_eq!(q.get_async().await, Ok(1));
    });
}

/// test_queues.py QueueGetTests.test_get_with_putters: a get from a full
/// queue wakes a waiting putter. (Python appends a bare future to the
/// private `_putters`; here a real putter task waits.)
#[test]
fn queues_test_get_with_putters() {
    asyncio_run("queues_test_get_with_putters", || async {
        let q = Rc::new(FifoQueue::bounded(1).unwrap());
        q.put_async(1).await.unwrap();
        let putter_q = Rc::clone(&q);
        let mut waiter = spawn(async move { putter_q.put_async(2).await }).unwrap();
        yield_now().await;
        assert!(!waiter.is_finished());
        assert_eq!(q.get_async().await, Ok(1));
        assert_eq!((&mut waiter).await, Ok(Ok(())));
        assert_eq!(q.try_get(), Ok(2));
    });
}

/// test_queues.py QueueGetTests.test_blocking_get_wait: a get waits for a
/// put that `call_later` makes.
#[test]
fn queues_test_blocking_get_wait() {
    asyncio_run("queues_test_blocking_get_wait", || async {
        let q = Rc::new(FifoQueue::unbounded());
        let started = Rc::new(Event::new());
        let finished = Flag::default();
        let (get_q, get_started, get_finished) =
            (Rc::clone(&q), Rc::clone(&started), finished.clone());
        let queue_get_task = spawn(async move {
            get_started.set();
            let res = get_q.get_async().await;
            get_finished.set();
            res
        })
        .unwrap();
        started.wait_async().await;
        assert!(!finished.get());
        let put_q = Rc::clone(&q);
        let _later = call_later(Duration::from_millis(10), move || put_q.try_put(1).unwrap());
        let res = queue_get_task.await;
        assert!(finished.get());
        assert_eq!(res, Ok(Ok(1)));
    });
}

/// test_queues.py QueueGetTests.test_nonblocking_get.
#[test]
fn queues_test_nonblocking_get() {
    let q = FifoQueue::unbounded();
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

/// test_queues.py QueueGetTests.test_nonblocking_get_exception.
#[test]
fn queues_test_nonblocking_get_exception() {
    let q = FifoQueue::<u32>::unbounded();
    assert_eq!(q.try_get(), Err(TryGetError::Empty));
}

/// test_queues.py QueueGetTests.test_get_cancelled_race: a getter cancelled
/// while waiting does not take the item the next getter gets.
#[test]
fn queues_test_get_cancelled_race() {
    asyncio_run("queues_test_get_cancelled_race", || async {
        let q = Rc::new(FifoQueue::unbounded());
        let (q1, q2) = (Rc::clone(&q), Rc::clone(&q));
        let mut t1 = spawn(async move { q1.get_async().await }).unwrap();
        let t2 = spawn(async move { q2.get_async().await }).unwrap();
        yield_now().await;
        assert!(t1.cancel());
        yield_now().await;
        assert!(t1.is_finished());
        assert_eq!((&mut t1).await, Err(TaskError::Cancelled));
        q.put_async("a").await.unwrap();
        yield_now().await;
        assert_eq!(t2.await, Ok(Ok("a")));
    });
}

/// test_queues.py QueueGetTests.test_get_with_waiting_putters: two putters
/// wait on a queue of one; two gets take their items in order.
#[test]
fn queues_test_get_with_waiting_putters() {
    asyncio_run("queues_test_get_with_waiting_putters", || async {
        let q = Rc::new(FifoQueue::bounded(1).unwrap());
        let (qa, qb) = (Rc::clone(&q), Rc::clone(&q));
        let _put_a = spawn(async move { qa.put_async("a").await }).unwrap();
        let _put_b = spawn(async move { qb.put_async("b").await }).unwrap();
        assert_eq!(q.get_async().await, Ok("a"));
        assert_eq!(q.get_async().await, Ok("b"));
    });
}

/// A producer and a consumer of `n` items over `q`, awaited together
/// (Python's TaskGroup in test_why_are_getters_waiting).
async fn produce_and_consume(q: Rc<FifoQueue<u32>>, n: u32) {
    let (producer_q, consumer_q) = (Rc::clone(&q), q);
    let producer = spawn(async move {
        for i in 0..n {
            producer_q.put_async(i).await.unwrap();
        }
    })
    .unwrap();
    let consumer = spawn(async move {
        for _ in 0..n {
            consumer_q.get_async().await.unwrap();
        }
    })
    .unwrap();
    assert_eq!(gather([producer, consumer]).await, [Ok(()), Ok(())]);
}

/// test_queues.py QueueGetTests.test_why_are_getters_waiting: a producer
/// of five items and a consumer of five over a queue of one both finish.
#[test]
fn queues_test_why_are_getters_waiting() {
    asyncio_run("queues_test_why_are_getters_waiting", || {
        produce_and_consume(Rc::new(FifoQueue::bounded(1).unwrap()), 5)
    });
}

/// test_queues.py QueueGetTests.test_cancelled_getters_not_being_held_in_self_getters:
/// a get timed out by `wait_for` leaves no getter behind: the next item
/// stays in the queue. (Python counts the private `_getters`.)
#[test]
fn queues_test_cancelled_getters_not_being_held_in_self_getters() {
    asyncio_run(
        "queues_test_cancelled_getters_not_being_held_in_self_getters",
        || async {
            let queue = FifoQueue::bounded(5).unwrap();
            let timed_out = wait_for(Duration::from_millis(100), queue.get_async()).await;
            assert_eq!(timed_out, Err(Timeout));
            queue.try_put(1).unwrap();
            yield_now().await;
            assert_eq!(queue.len(), 1);
        },
    );
}

/// test_queues.py QueuePutTests.test_blocking_put.
#[test]
fn queues_test_blocking_put() {
    asyncio_run("queues_test_blocking_put", || async {
        let q = FifoQueue::unbounded();
        q.put_async(1).await.unwrap(); // no bound: does not block
        assert_eq!(q.get_async().await, Ok(1));
    });
}

/// test_queues.py QueuePutTests.test_blocking_put_wait: the second put
/// waits for the get that `call_later` makes.
#[test]
fn queues_test_blocking_put_wait() {
    asyncio_run("queues_test_blocking_put_wait", || async {
        let q = Rc::new(FifoQueue::bounded(1).unwrap());
        let started = Rc::new(Event::new());
        let finished = Flag::default();
        let get_q = Rc::clone(&q);
        let _later = call_later(Duration::from_millis(10), move || {
            get_q.try_get().unwrap();
        });
        let (put_q, put_started, put_finished) =
            (Rc::clone(&q), Rc::clone(&started), finished.clone());
        let queue_put_task = spawn(async move {
            put_started.set();
            put_q.put_async(1).await.unwrap();
            put_q.put_async(2).await.unwrap();
            put_finished.set();
        })
        .unwrap();
        started.wait_async().await;
        assert!(!finished.get());
        assert_eq!(queue_put_task.await, Ok(()));
        assert!(finished.get());
    });
}

/// test_queues.py QueuePutTests.test_nonblocking_put.
#[test]
fn queues_test_nonblocking_put() {
    let q = FifoQueue::unbounded();
    q.try_put(1).unwrap();
    assert_eq!(q.try_get(), Ok(1));
}

/// test_queues.py QueuePutTests.test_get_cancel_drop_one_pending_reader: a
/// reader woken by a put and cancelled before it ran takes nothing: item 1
/// is not lost.
#[test]
fn queues_test_get_cancel_drop_one_pending_reader() {
    let result = asyncio_run("queues_test_get_cancel_drop_one_pending_reader", || async {
        let q = Rc::new(FifoQueue::unbounded());
        let reader_q = Rc::clone(&q);
        let mut reader = spawn(async move { reader_q.get_async().await }).unwrap();
        yield_now().await;
        q.try_put(1).unwrap();
        q.try_put(2).unwrap();
        reader.cancel();
        match (&mut reader).await {
            Err(TaskError::Cancelled) => {
                // Try again.
                let again_q = Rc::clone(&q);
                spawn(async move { again_q.get_async().await })
                    .unwrap()
                    .await
            }
            outcome => outcome,
        }
    });
    // If we get 2, 1 got dropped.
    assert_eq!(result, Ok(Ok(1)));
}

/// test_queues.py QueuePutTests.test_get_cancel_drop_many_pending_readers:
/// of three readers, one cancelled after the puts, the other two get both
/// items.
#[test]
fn queues_test_get_cancel_drop_many_pending_readers() {
    asyncio_run(
        "queues_test_get_cancel_drop_many_pending_readers",
        || async {
            let q = Rc::new(FifoQueue::unbounded());
            let reader = || {
                let q = Rc::clone(&q);
                spawn(async move { q.get_async().await.unwrap() }).unwrap()
            };
            let (mut reader1, reader2, reader3) = (reader(), reader(), reader());
            yield_now().await;
            q.try_put(1).unwrap();
            q.try_put(2).unwrap();
            reader1.cancel();
            assert_eq!((&mut reader1).await, Err(TaskError::Cancelled));
            let mut got = [reader3.await.unwrap(), reader2.await.unwrap()];
            // Concurrent readers may receive the items in either order.
            got.sort_unstable();
            assert_eq!(got, [1, 2]);
        },
    );
}

/// test_queues.py QueuePutTests.test_put_cancel_drop: a writer woken by a
/// get and cancelled before it ran puts nothing; put again, its item is the
/// only one.
#[test]
fn queues_test_put_cancel_drop() {
    asyncio_run("queues_test_put_cancel_drop", || async {
        let q = Rc::new(FifoQueue::bounded(1).unwrap());
        q.try_put(1).unwrap();
        // Putting a second item has to wait (a queue of one).
        let writer_q = Rc::clone(&q);
        let mut writer = spawn(async move { writer_q.put_async(2).await }).unwrap();
        yield_now().await;
        assert_eq!(q.try_get(), Ok(1));
        writer.cancel();
        if (&mut writer).await == Err(TaskError::Cancelled) {
            // Try again.
            let again_q = Rc::clone(&q);
            let again = spawn(async move { again_q.put_async(2).await }).unwrap();
            assert_eq!(again.await, Ok(Ok(())));
        }
        assert_eq!(q.try_get(), Ok(2));
        assert_eq!(q.len(), 0);
    });
}

/// test_queues.py QueuePutTests.test_nonblocking_put_exception.
#[test]
fn queues_test_nonblocking_put_exception() {
    let q = FifoQueue::bounded(1).unwrap();
    q.try_put(1).unwrap();
    assert_eq!(q.try_put(2), Err(TryPutError::Full(2)));
}

/// test_queues.py QueuePutTests.test_put_cancelled: a put into an
/// unbounded queue finishes at once; the get receives its item.
#[test]
fn queues_test_put_cancelled() {
    asyncio_run("queues_test_put_cancelled", || async {
        let q = Rc::new(FifoQueue::unbounded());
        let put_q = Rc::clone(&q);
        let mut t = spawn(async move {
            put_q.put_async(1).await.unwrap();
            true
        })
        .unwrap();
        assert_eq!(q.get_async().await, Ok(1));
        assert!(t.is_finished());
        assert_eq!((&mut t).await, Ok(true));
    });
}

/// test_queues.py QueuePutTests.test_put_cancelled_race: a cancelled
/// putter does not put its item; the other waiting putter does.
#[test]
fn queues_test_put_cancelled_race() {
    asyncio_run("queues_test_put_cancelled_race", || async {
        let q = Rc::new(FifoQueue::bounded(1).unwrap());
        let putter = |item| {
            let q = Rc::clone(&q);
            spawn(async move { q.put_async(item).await }).unwrap()
        };
        let (put_a, put_b, mut put_c) = (putter("a"), putter("b"), putter("X"));
        yield_now().await;
        assert!(put_a.is_finished());
        assert!(!put_b.is_finished());
        assert!(put_c.cancel());
        yield_now().await;
        assert!(put_c.is_finished());
        assert_eq!((&mut put_c).await, Err(TaskError::Cancelled));
        assert_eq!(q.try_get(), Ok("a"));
        yield_now().await;
        assert_eq!(q.try_get(), Ok("b"));
        assert_eq!(put_b.await, Ok(Ok(())));
        assert_eq!(put_a.await, Ok(Ok(())));
    });
}

/// test_queues.py QueuePutTests.test_put_with_waiting_getters.
#[test]
fn queues_test_put_with_waiting_getters() {
    asyncio_run("queues_test_put_with_waiting_getters", || async {
        let q = Rc::new(FifoQueue::unbounded());
        let get_q = Rc::clone(&q);
        let t = spawn(async move { get_q.get_async().await }).unwrap();
        yield_now().await;
        q.put_async("a").await.unwrap();
        assert_eq!(t.await, Ok(Ok("a")));
    });
}

/// test_queues.py QueuePutTests.test_why_are_putters_waiting: four putters
/// on a queue of two and a getter that empties it once: every task
/// finishes.
#[test]
fn queues_test_why_are_putters_waiting() {
    asyncio_run("queues_test_why_are_putters_waiting", || async {
        let queue = Rc::new(FifoQueue::bounded(2).unwrap());
        let getter_q = Rc::clone(&queue);
        let getter = spawn(async move {
            yield_now().await;
            for _ in 0..getter_q.len() {
                getter_q.try_get().unwrap();
            }
        })
        .unwrap();
        let putters: Vec<_> = (0..4)
            .map(|item| {
                let q = Rc::clone(&queue);
                spawn(async move { q.put_async(item).await.unwrap() }).unwrap()
            })
            .collect();
        assert_eq!(getter.await, Ok(()));
        assert_eq!(gather(putters).await, vec![Ok(()); 4]);
    });
}

/// test_queues.py QueuePutTests.test_cancelled_puts_not_being_held_in_self_putters:
/// a cancelled putter leaves nothing behind: its item is not put when room
/// comes. (Python counts the private `_putters`.)
#[test]
fn queues_test_cancelled_puts_not_being_held_in_self_putters() {
    asyncio_run(
        "queues_test_cancelled_puts_not_being_held_in_self_putters",
        || async {
            let queue = Rc::new(FifoQueue::bounded(1).unwrap());
            queue.try_put(1).unwrap();
            let put_q = Rc::clone(&queue);
            let mut put_task = spawn(async move { put_q.put_async(2).await }).unwrap();
            yield_now().await;
            assert!(put_task.cancel());
            assert_eq!((&mut put_task).await, Err(TaskError::Cancelled));
            assert_eq!(queue.try_get(), Ok(1));
            yield_now().await;
            assert!(queue.is_empty());
        },
    );
}

/// test_queues.py QueuePutTests.test_cancelled_put_silence_value_error_exception:
/// a putter woken by a get, then cancelled, ends cancelled (and puts
/// nothing).
#[test]
fn queues_test_cancelled_put_silence_value_error_exception() {
    asyncio_run(
        "queues_test_cancelled_put_silence_value_error_exception",
        || async {
            let queue = Rc::new(FifoQueue::bounded(1).unwrap());
            queue.try_put(1).unwrap();
            let put_q = Rc::clone(&queue);
            let mut put_task = spawn(async move { put_q.put_async(1).await }).unwrap();
            yield_now().await;
            queue.try_get().unwrap(); // wakes the putter
            assert!(put_task.cancel());
            assert_eq!((&mut put_task).await, Err(TaskError::Cancelled));
            assert!(queue.is_empty());
        },
    );
}

/// test_queues.py _QueueJoinTestMixin.test_task_done_underflow, for each
/// kind of queue.
#[test]
fn queues_test_task_done_underflow() {
    assert!(FifoQueue::<u32>::unbounded().task_done().is_err());
    assert!(LifoQueue::<u32>::unbounded().task_done().is_err());
    assert!(PriorityQueue::<u32>::unbounded().task_done().is_err());
}

// ---------------------------------------------------------------------------
// test_locks.py: EventTests

/// test_locks.py EventTests.test_wait: three waiters; the one created just
/// before `set` runs first (it was ready before the others were woken).
#[test]
fn locks_event_test_wait() {
    asyncio_run("locks_event_test_wait", || async {
        let ev = Rc::new(Event::new());
        assert!(!ev.is_set());
        let result = Rc::new(RefCell::new(Vec::new()));
        let waiter = |n: u32| {
            let (ev, result) = (Rc::clone(&ev), Rc::clone(&result));
            spawn(async move {
                ev.wait_async().await;
                result.borrow_mut().push(n);
            })
            .unwrap()
        };
        let (t1, t2) = (waiter(1), waiter(2));
        yield_now().await;
        assert!(result.borrow().is_empty());
        let t3 = waiter(3);
        ev.set();
        yield_now().await;
        assert_eq!(*result.borrow(), [3, 1, 2]);
        for t in [t1, t2, t3] {
            assert!(t.is_finished());
            assert_eq!(t.await, Ok(()));
        }
    });
}

/// test_locks.py EventTests.test_wait_on_set.
#[test]
fn locks_event_test_wait_on_set() {
    asyncio_run("locks_event_test_wait_on_set", || async {
        let ev = Event::new();
        ev.set();
        ev.wait_async().await;
        assert!(ev.is_set());
    });
}

/// test_locks.py EventTests.test_wait_cancel: a cancelled waiter ends
/// cancelled and leaves no waiter behind: a later set wakes nobody, and a
/// later wait is ready at once. (Python reads the private `_waiters`.)
#[test]
fn locks_event_test_wait_cancel() {
    asyncio_run("locks_event_test_wait_cancel", || async {
        let ev = Rc::new(Event::new());
        let wait_ev = Rc::clone(&ev);
        let wait = SharedTask::new(spawn(async move { wait_ev.wait_async().await }).unwrap());
        let canceller = wait.clone();
        let _soon = spawn(async move {
            canceller.cancel();
        })
        .unwrap();
        assert_eq!(wait.await, Err(TaskError::Cancelled));
        ev.set();
        ev.wait_async().await;
    });
}

/// test_locks.py EventTests.test_clear.
#[test]
fn locks_event_test_clear() {
    let ev = Event::new();
    assert!(!ev.is_set());
    ev.set();
    assert!(ev.is_set());
    ev.clear();
    assert!(!ev.is_set());
}

/// test_locks.py EventTests.test_clear_with_waiters: a waiter woken by a
/// `set` that `clear` undid before it ran still returns, once.
#[test]
fn locks_event_test_clear_with_waiters() {
    asyncio_run("locks_event_test_clear_with_waiters", || async {
        let ev = Rc::new(Event::new());
        let result = Rc::new(RefCell::new(Vec::new()));
        let (wait_ev, pushed) = (Rc::clone(&ev), Rc::clone(&result));
        let mut t = spawn(async move {
            wait_ev.wait_async().await;
            pushed.borrow_mut().push(1);
            true
        })
        .unwrap();
        yield_now().await;
        assert!(result.borrow().is_empty());
        ev.set();
        ev.clear();
        assert!(!ev.is_set());
        ev.set();
        ev.set();
        yield_now().await;
        assert_eq!(*result.borrow(), [1]);
        assert!(t.is_finished());
        assert_eq!((&mut t).await, Ok(true));
    });
}

// ---------------------------------------------------------------------------
// test_locks.py: SemaphoreTests (not the FIFO-order tests: see the end)

/// Python's `await sem.acquire()`: the permit is kept (forgotten) until a
/// `sem.release(1)`.
async fn acquire(sem: &Semaphore) {
    sem.acquire_async().await.forget();
}

/// test_locks.py SemaphoreTests.test_initial_value_zero: a semaphore of
/// zero is locked (no permit free).
#[test]
fn locks_semaphore_test_initial_value_zero() {
    assert_eq!(Semaphore::new(0).available_permits(), 0);
}

/// test_locks.py SemaphoreTests.test_acquire: of three waiters on a
/// semaphore with one free permit, one gets it; two releases let two of
/// the three others (and a late fourth) through.
#[test]
fn locks_semaphore_test_acquire() {
    asyncio_run("locks_semaphore_test_acquire", || async {
        let sem = Rc::new(Semaphore::new(3));
        let result = Rc::new(RefCell::new(Vec::new()));
        acquire(&sem).await;
        acquire(&sem).await;
        assert_eq!(sem.available_permits(), 1); // not locked
        let c = |n: u32| {
            let (sem, result) = (Rc::clone(&sem), Rc::clone(&result));
            spawn(async move {
                acquire(&sem).await;
                result.borrow_mut().push(n);
                true
            })
            .unwrap()
        };
        let (t1, t2, t3) = (c(1), c(2), c(3));
        yield_now().await;
        assert_eq!(*result.borrow(), [1]);
        assert_eq!(sem.available_permits(), 0);
        let t4 = c(4);
        sem.release(1);
        sem.release(1);
        // Handed to the first two waiters in line, not left to be taken.
        assert_eq!(sem.available_permits(), 0);
        yield_now().await;
        assert_eq!(result.borrow().len(), 3);
        assert_eq!(sem.available_permits(), 0);
        assert!(t1.is_finished());
        let race_tasks = [t2, t3, t4];
        let done = race_tasks.iter().filter(|t| t.is_finished()).count();
        assert_eq!(done, 2);
        // Clean up the locked semaphore.
        sem.release(1);
        assert_eq!(gather(race_tasks).await, vec![Ok(true); 3]);
        assert_eq!(t1.await, Ok(true));
    });
}

/// test_locks.py SemaphoreTests.test_acquire_cancel: a cancelled acquire
/// ends cancelled and takes nothing: the permit released later is free.
#[test]
fn locks_semaphore_test_acquire_cancel() {
    asyncio_run("locks_semaphore_test_acquire_cancel", || async {
        let sem = Rc::new(Semaphore::new(1));
        acquire(&sem).await;
        let acquire_sem = Rc::clone(&sem);
        let task = SharedTask::new(spawn(async move { acquire(&acquire_sem).await }).unwrap());
        let canceller = task.clone();
        let _soon = spawn(async move {
            canceller.cancel();
        })
        .unwrap();
        assert_eq!(task.await, Err(TaskError::Cancelled));
        sem.release(1);
        assert!(sem.try_acquire().is_some());
    });
}

/// test_locks.py SemaphoreTests.test_acquire_cancel_before_awoken: two of
/// four waiters cancelled, then one release: exactly one of the other two
/// gets it, the first in line (t3), and t4 still waits.
#[test]
fn locks_semaphore_test_acquire_cancel_before_awoken() {
    asyncio_run(
        "locks_semaphore_test_acquire_cancel_before_awoken",
        || async {
            let sem = Rc::new(Semaphore::new(0));
            let acquirer = || {
                let sem = Rc::clone(&sem);
                spawn(async move { acquire(&sem).await }).unwrap()
            };
            let (t1, t2, t3, t4) = (acquirer(), acquirer(), acquirer(), acquirer());
            yield_now().await;
            t1.cancel();
            t2.cancel();
            sem.release(1);
            yield_now().await;
            yield_now().await;
            let num_done = [&t3, &t4].iter().filter(|t| t.is_finished()).count();
            assert_eq!(num_done, 1);
            assert!(t3.is_finished(), "t4, later in line, took the permit");
            assert!(!t4.is_finished());
            t3.cancel();
            t4.cancel();
            yield_now().await;
        },
    );
}

/// test_locks.py SemaphoreTests.test_acquire_hang: a waiter cancelled
/// before a release does not swallow it: the other waiter gets it.
#[test]
fn locks_semaphore_test_acquire_hang() {
    asyncio_run("locks_semaphore_test_acquire_hang", || async {
        let sem = Rc::new(Semaphore::new(0));
        let (sem1, sem2) = (Rc::clone(&sem), Rc::clone(&sem));
        let t1 = spawn(async move { acquire(&sem1).await }).unwrap();
        let t2 = spawn(async move { acquire(&sem2).await }).unwrap();
        yield_now().await;
        t1.cancel();
        sem.release(1);
        yield_now().await;
        yield_now().await;
        assert_eq!(sem.available_permits(), 0); // locked
        assert!(t2.is_finished());
    });
}

/// test_locks.py SemaphoreTests.test_acquire_no_hang: a waiter cancelled
/// after it was handed the permit does not keep it: a later acquire gets it.
#[test]
fn locks_semaphore_test_acquire_no_hang() {
    asyncio_run("locks_semaphore_test_acquire_no_hang", || async {
        let sem = Rc::new(Semaphore::new(1));
        let t2_slot: Rc<RefCell<Option<SharedTask<()>>>> = Rc::default();
        let (sem1, sem2, slot) = (Rc::clone(&sem), Rc::clone(&sem), Rc::clone(&t2_slot));
        let t1 = SharedTask::new(
            spawn(async move {
                {
                    let _permit = sem1.acquire_async().await; // async with sem:
                    yield_now().await;
                }
                let t2 = slot.borrow().clone().expect("t2 is stored");
                t2.cancel();
            })
            .unwrap(),
        );
        let t2 = SharedTask::new(
            spawn(async move {
                let _permit = sem2.acquire_async().await;
                panic!("t2 got the permit although it was cancelled");
            })
            .unwrap(),
        );
        *t2_slot.borrow_mut() = Some(t2.clone());
        let results = gather([t1, t2]).await;
        t2_slot.borrow_mut().take();
        assert_eq!(results, [Ok(()), Err(TaskError::Cancelled)]);
        let acquired = wait_for(Duration::from_secs(1), sem.acquire_async()).await;
        assert!(acquired.is_ok());
    });
}

/// test_locks.py SemaphoreTests.test_release_not_acquired: releasing a
/// bounded semaphore past its bound is an error.
#[test]
fn locks_semaphore_test_release_not_acquired() {
    let sem = BoundedSemaphore::new(1);
    assert!(sem.release(1).is_err());
}

/// test_locks.py SemaphoreTests.test_release_no_waiters.
#[test]
fn locks_semaphore_test_release_no_waiters() {
    asyncio_run("locks_semaphore_test_release_no_waiters", || async {
        let sem = Semaphore::new(1);
        acquire(&sem).await;
        assert_eq!(sem.available_permits(), 0); // locked
        sem.release(1);
        assert_eq!(sem.available_permits(), 1);
    });
}

// ---------------------------------------------------------------------------
// test_events.py run_in_executor, test_futures.py wrap_future

/// test_events.py EventLoopTestsMixin.test_run_in_executor: the function
/// runs on another thread; its result comes back to the coroutine.
#[test]
fn events_test_run_in_executor() {
    asyncio_run("events_test_run_in_executor", || async {
        let pool = ThreadPool::new(1).unwrap();
        let f2 = run_in_executor(&pool, || ("yo", thread::current().id()))
            .unwrap_or_else(|_| panic!("the pool is running"));
        let (res, thread_id) = f2.await.unwrap();
        assert_eq!(res, "yo");
        assert_ne!(thread_id, thread::current().id());
    });
}

/// test_events.py EventLoopTestsMixin.test_run_in_executor_cancel: the
/// task awaiting the function is cancelled and the loop ends while the
/// function still runs; when it returns, its wake-up calls nothing on the
/// ended loop (Python patches `call_soon` to see it is not called). Here
/// a second loop runs on the same thread meanwhile, and the late wake-up
/// must not disturb it.
#[test]
fn events_test_run_in_executor_cancel() {
    let second = common::within(
        common::PATIENCE,
        "the loops and the pool of events_test_run_in_executor_cancel",
        || {
            let pool = ThreadPool::new(1).unwrap();
            run(async {
                let f2 = run_in_executor(&pool, || thread::sleep(Duration::from_millis(50)))
                    .unwrap_or_else(|_| panic!("the pool is running"));
                let mut task = spawn(f2).unwrap();
                yield_now().await;
                assert!(task.cancel());
                assert_eq!((&mut task).await, Err(TaskError::Cancelled));
            });
            let second = run(async {
                let task = spawn(async {
                    sleep(Duration::from_millis(100)).await; // the function returns meanwhile
                    "second loop"
                })
                .unwrap();
                task.await
            });
            pool.shutdown();
            second
        },
    );
    assert_eq!(second, Ok("second loop"));
}

/// test_futures.py BaseFutureTests.test_wrap_future: a pool task's future
/// awaited in a coroutine gives its result, computed on another thread.
#[test]
fn futures_test_wrap_future() {
    asyncio_run("futures_test_wrap_future", || async {
        let ex = ThreadPool::new(1).unwrap();
        let f1 = ex
            .submit(|| ("oi", thread::current().id()))
            .unwrap_or_else(|_| panic!("the pool is running"));
        let (res, ident) = f1.await.unwrap();
        assert_eq!(res, "oi");
        assert_ne!(ident, thread::current().id());
        ex.shutdown();
    });
}

/// test_futures.py BaseFutureTests.test_wrap_future_without_loop: Python's
/// `wrap_future` outside a loop raises `RuntimeError`; a pool future is
/// awaited on any executor, no loop needed (TESTING.md).
#[test]
fn futures_test_wrap_future_without_loop() {
    let ((res, ident), _) = common::within(
        common::PATIENCE,
        "a pool future awaited without a loop",
        || {
            let ex = ThreadPool::new(1).unwrap();
            let f1 = ex
                .submit(|| ("oi", thread::current().id()))
                .unwrap_or_else(|_| panic!("the pool is running"));
            let (outcome, wakes) = common::block_on(async { f1.await });
            (outcome.unwrap(), wakes)
        },
    );
    assert_eq!(res, "oi");
    assert_ne!(ident, thread::current().id());
}

/// test_futures.py BaseFutureTests.test_wrap_future_cancel: cancelling the
/// awaiting side cancels the wrapped future (not yet running).
#[test]
fn futures_test_wrap_future_cancel() {
    asyncio_run("futures_test_wrap_future_cancel", || async {
        let (f1, promise) = Future::<u32>::pending();
        let mut f2 = spawn(f1.into_future()).unwrap();
        yield_now().await;
        assert!(f2.cancel());
        yield_now().await;
        assert_eq!((&mut f2).await, Err(TaskError::Cancelled));
        assert!(!promise.start(), "f1 was not cancelled");
    });
}

// ---------------------------------------------------------------------------
// test_queues.py: _QueueJoinTestMixin (Queue, LifoQueue, PriorityQueue)

/// test_queues.py _QueueJoinTestMixin.test_task_done: two workers take a
/// hundred items and mark each done; `join` returns once all are, with
/// the sum of them added up. The workers are then stopped by one item
/// each, as Python's are.
async fn task_done_test<O: turnstile::queue::Order<u32> + 'static>(q: turnstile::Queue<u32, O>) {
    let q = Rc::new(q);
    for i in 0..100 {
        q.try_put(i).unwrap();
    }
    let accumulator = Rc::new(Cell::new(0));
    let running = Flag::default(); // set: stop
    let g = TaskGroup::new().unwrap();
    for _ in 0..2 {
        let (q, accumulator, stop) = (Rc::clone(&q), Rc::clone(&accumulator), running.clone());
        g.spawn(async move {
            while !stop.get() {
                let item = q.get_async().await.unwrap();
                accumulator.set(accumulator.get() + item);
                q.task_done().unwrap();
            }
        })
        .unwrap()
        .detach();
    }
    q.join_async().await;
    assert_eq!(accumulator.get(), (0..100).sum::<u32>());
    // Close the running workers.
    running.set();
    for _ in 0..2 {
        q.try_put(0).unwrap();
    }
    assert_eq!(g.join().await, Ok(()));
}

#[test]
fn queues_test_task_done() {
    asyncio_run("queues_test_task_done", || {
        task_done_test(FifoQueue::unbounded())
    });
}

#[test]
fn queues_lifo_test_task_done() {
    asyncio_run("queues_lifo_test_task_done", || {
        task_done_test(LifoQueue::unbounded())
    });
}

#[test]
fn queues_priority_test_task_done() {
    asyncio_run("queues_priority_test_task_done", || {
        task_done_test(PriorityQueue::unbounded())
    });
}

/// test_queues.py _QueueJoinTestMixin.test_join_empty_queue: joining a
/// queue with nothing unfinished returns at once, twice.
#[test]
fn queues_test_join_empty_queue() {
    asyncio_run("queues_test_join_empty_queue", || async {
        let fifo = FifoQueue::<u32>::unbounded();
        fifo.join_async().await;
        fifo.join_async().await;
        let lifo = LifoQueue::<u32>::unbounded();
        lifo.join_async().await;
        lifo.join_async().await;
        let priority = PriorityQueue::<u32>::unbounded();
        priority.join_async().await;
        priority.join_async().await;
    });
}

/// A cancelled `join` leaves the count alone and no joiner behind: the
/// join of test_cancelled_getters_not_being_held_in_self_getters's kind,
/// with `wait_for` cutting short a `join` instead of a `get`. (Not a
/// CPython test: asyncio's join is a wait on an Event, whose cancel test
/// is test_wait_cancel.)
#[test]
fn queues_test_join_cancelled_by_wait_for() {
    asyncio_run("queues_test_join_cancelled_by_wait_for", || async {
        let q = FifoQueue::unbounded();
        q.try_put(1).unwrap();
        assert_eq!(
            wait_for(Duration::from_millis(50), q.join_async()).await,
            Err(Timeout)
        );
        assert_eq!(q.unfinished_tasks(), 1);
        q.try_get().unwrap();
        q.task_done().unwrap();
        q.join_async().await;
    });
}

// ---------------------------------------------------------------------------
// test_locks.py: BarrierTests (N = 5 unless a test says otherwise;
// `async with barrier as i` → `barrier.wait_async().await?.index()`;
// `barrier.broken` → `is_broken()`)

const N: usize = 5;

/// `BarrierTests.gather_tasks`: `n` tasks of `coro`, gathered.
async fn gather_tasks<F: StdFuture + 'static>(n: usize, coro: impl Fn() -> F) -> Vec<F::Output>
where
    F::Output: 'static,
{
    let tasks: Vec<_> = (0..n).map(|_| spawn(coro()).unwrap()).collect();
    gather(tasks)
        .await
        .into_iter()
        .map(|outcome| outcome.expect("a barrier task failed"))
        .collect()
}

/// test_locks.py BarrierTests.test_barrier_parties: no barrier of zero
/// parties (a negative count cannot be written).
#[test]
fn locks_barrier_test_barrier_parties() {
    assert!(Barrier::new(0).is_err());
    assert_eq!(Barrier::new(N).unwrap().parties(), N);
}

/// test_locks.py BarrierTests.test_context_manager: three tasks get the
/// indices 0, 1 and 2; the barrier is left empty and unbroken.
#[test]
fn locks_barrier_test_context_manager() {
    asyncio_run("locks_barrier_test_context_manager", || async {
        let barrier = Rc::new(Barrier::new(3).unwrap());
        let mut results = gather_tasks(3, || {
            let barrier = Rc::clone(&barrier);
            async move { barrier.wait_async().await.unwrap().index() }
        })
        .await;
        results.sort_unstable();
        assert_eq!(results, [0, 1, 2]);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_filling_one_task: a barrier of one lets
/// its one task through at once.
#[test]
fn locks_barrier_test_filling_one_task() {
    asyncio_run("locks_barrier_test_filling_one_task", || async {
        let barrier = Barrier::new(1).unwrap();
        assert!(barrier.wait_async().await.is_ok());
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_filling_one_task_twice: two rounds of
/// one, each with index 0.
#[test]
fn locks_barrier_test_filling_one_task_twice() {
    asyncio_run("locks_barrier_test_filling_one_task_twice", || async {
        let barrier = Rc::new(Barrier::new(1).unwrap());
        let waiter = || {
            let barrier = Rc::clone(&barrier);
            spawn(async move { barrier.wait_async().await.map(|r| r.index()) }).unwrap()
        };
        let t1 = waiter();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 0);
        let t2 = waiter();
        yield_now().await;
        assert_eq!(t1.is_finished(), t2.is_finished());
        assert_eq!(t1.await, t2.await);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_filling_task_by_task: the waiting count
/// rises with each task until the third releases all.
#[test]
fn locks_barrier_test_filling_task_by_task() {
    asyncio_run("locks_barrier_test_filling_task_by_task", || async {
        let barrier = Rc::new(Barrier::new(3).unwrap());
        let waiter = || {
            let barrier = Rc::clone(&barrier);
            spawn(async move { barrier.wait_async().await.map(|r| r.index()) }).unwrap()
        };
        let t1 = waiter();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        let t2 = waiter();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        let t3 = waiter();
        yield_now().await;
        let (done, pending) = wait(vec![t1, t2, t3], ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (3, 0));
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_filling_tasks_wait_twice: five tasks
/// pass the barrier twice: five of each mark.
#[test]
fn locks_barrier_test_filling_tasks_wait_twice() {
    asyncio_run("locks_barrier_test_filling_tasks_wait_twice", || async {
        let barrier = Rc::new(Barrier::new(N).unwrap());
        let results = Rc::new(RefCell::new(Vec::new()));
        gather_tasks(N, || {
            let (barrier, results) = (Rc::clone(&barrier), Rc::clone(&results));
            async move {
                barrier.wait_async().await.unwrap();
                results.borrow_mut().push(true);
                barrier.wait_async().await.unwrap();
                results.borrow_mut().push(false);
            }
        })
        .await;
        let results = results.borrow();
        assert_eq!(results.len(), N * 2);
        assert_eq!(results.iter().filter(|&&r| r).count(), N);
        assert_eq!(results.iter().filter(|&&r| !r).count(), N);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_filling_tasks_check_return_value: the
/// second round's indices are 0 to N-1.
#[test]
fn locks_barrier_test_filling_tasks_check_return_value() {
    asyncio_run(
        "locks_barrier_test_filling_tasks_check_return_value",
        || async {
            let barrier = Rc::new(Barrier::new(N).unwrap());
            let mut res = gather_tasks(N, || {
                let barrier = Rc::clone(&barrier);
                async move {
                    barrier.wait_async().await.unwrap();
                    barrier.wait_async().await.unwrap().index()
                }
            })
            .await;
            res.sort_unstable();
            assert_eq!(res, (0..N).collect::<Vec<_>>());
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.is_broken());
        },
    );
}

/// test_locks.py BarrierTests.test_filling_tasks_cancel_one: a task
/// cancelled while the round fills gives up its place; two more tasks
/// then fill the round with the one left.
#[test]
fn locks_barrier_test_filling_tasks_cancel_one() {
    asyncio_run("locks_barrier_test_filling_tasks_cancel_one", || async {
        let barrier = Rc::new(Barrier::new(3).unwrap());
        let results = Rc::new(Cell::new(0));
        let coro = || {
            let (barrier, results) = (Rc::clone(&barrier), Rc::clone(&results));
            spawn(async move {
                barrier.wait_async().await.unwrap();
                results.set(results.get() + 1);
            })
            .unwrap()
        };
        let mut t1 = coro();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        let t2 = coro();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        t1.cancel();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 1);
        assert_eq!((&mut t1).await, Err(TaskError::Cancelled));
        assert!(t1.is_cancelled());
        let t3 = coro();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 2);
        let t4 = coro();
        assert_eq!(gather([t2, t3, t4]).await, vec![Ok(()); 3]);
        assert_eq!(results.get(), 3);
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_reset_barrier: resetting an idle
/// barrier leaves it empty and unbroken.
#[test]
fn locks_barrier_test_reset_barrier() {
    asyncio_run("locks_barrier_test_reset_barrier", || async {
        let barrier = Barrier::new(1).unwrap();
        barrier.reset();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 0);
        assert!(!barrier.is_broken());
    });
}

/// test_locks.py BarrierTests.test_reset_barrier_while_tasks_waiting:
/// N-1 waiting tasks each get `BrokenBarrierError` from a reset; the
/// barrier is then empty and unbroken.
#[test]
fn locks_barrier_test_reset_barrier_while_tasks_waiting() {
    asyncio_run(
        "locks_barrier_test_reset_barrier_while_tasks_waiting",
        || async {
            let barrier = Rc::new(Barrier::new(N).unwrap());
            let tasks: Vec<_> = (0..N - 1)
                .map(|_| {
                    let barrier = Rc::clone(&barrier);
                    spawn(async move { barrier.wait_async().await.map(|r| r.index()) }).unwrap()
                })
                .collect();
            yield_now().await;
            let resetter = Rc::clone(&barrier);
            let _reset = spawn(async move { resetter.reset() }).unwrap();
            let results = gather(tasks).await;
            assert_eq!(results, vec![Ok(Err(BarrierError::Broken)); N - 1]);
            assert_eq!(barrier.n_waiting(), 0);
            assert!(!barrier.is_broken());
        },
    );
}

/// test_locks.py BarrierTests.test_abort_barrier: an aborted barrier is
/// broken.
#[test]
fn locks_barrier_test_abort_barrier() {
    asyncio_run("locks_barrier_test_abort_barrier", || async {
        let barrier = Barrier::new(1).unwrap();
        barrier.abort();
        yield_now().await;
        assert_eq!(barrier.n_waiting(), 0);
        assert!(barrier.is_broken());
        assert_eq!(
            barrier.wait_async().await.map(|r| r.index()),
            Err(BarrierError::Broken)
        );
    });
}

// ---------------------------------------------------------------------------
// test_queues.py (3.13+): _QueueShutdownTestMixin, for Queue, LifoQueue and
// PriorityQueue. `q.shutdown()` → `close()`, `shutdown(immediate=True)` →
// `close_immediate()`, `QueueShutDown` → the `Closed` variants.

type StrQueue<O> = Rc<turnstile::Queue<&'static str, O>>;

/// Every put and get is refused once the queue is shut down and drained
/// (the four `assertRaisesShutdown` of each shutdown test).
async fn puts_and_gets_refused<O: turnstile::queue::Order<&'static str>>(q: &StrQueue<O>) {
    assert_eq!(q.put_async("data").await, Err(PutError::Closed("data")));
    assert_eq!(q.try_put("data"), Err(TryPutError::Closed("data")));
    assert_eq!(q.get_async().await, Err(GetError::Closed));
    assert_eq!(q.try_get(), Err(TryGetError::Closed));
}

/// test_shutdown_empty: a waiting getter is refused by the shutdown; join
/// returns (nothing unfinished).
async fn shutdown_empty<O: turnstile::queue::Order<&'static str> + 'static>(q: StrQueue<O>) {
    let get_q = Rc::clone(&q);
    let mut get_task = spawn(async move { get_q.get_async().await }).unwrap();
    yield_now().await; // the get waits before the shutdown
    q.close();
    assert_eq!(q.len(), 0);
    q.join_async().await;
    yield_now().await;
    assert!(get_task.is_finished());
    assert_eq!((&mut get_task).await, Ok(Err(GetError::Closed)));
    puts_and_gets_refused(&q).await;
}

/// test_shutdown_nonempty: a waiting putter is refused, the item already
/// in the queue is still got, join waits for its task_done.
async fn shutdown_nonempty<O: turnstile::queue::Order<&'static str> + 'static>(q: StrQueue<O>) {
    q.try_put("data").unwrap();
    let (join_q, put_q) = (Rc::clone(&q), Rc::clone(&q));
    let mut join_task = spawn(async move { join_q.join_async().await }).unwrap();
    let mut put_task = spawn(async move { put_q.put_async("data2").await }).unwrap();
    yield_now().await;
    assert!(!put_task.is_finished());
    q.close(); // unfinished tasks: 1 -> 1
    assert_eq!(q.len(), 1);
    yield_now().await;
    assert!(put_task.is_finished());
    assert_eq!((&mut put_task).await, Ok(Err(PutError::Closed("data2"))));
    assert_eq!(q.get_async().await, Ok("data"));
    yield_now().await;
    assert!(!join_task.is_finished());
    puts_and_gets_refused(&q).await;
    q.task_done().unwrap();
    yield_now().await;
    assert!(join_task.is_finished());
    assert_eq!((&mut join_task).await, Ok(()));
    assert!(
        q.task_done().is_err(),
        "didn't appear to mark all tasks done"
    );
}

/// test_shutdown_immediate: the items are dropped and count as done, so a
/// waiting join returns.
async fn shutdown_immediate<O: turnstile::queue::Order<&'static str> + 'static>(q: StrQueue<O>) {
    q.try_put("data").unwrap();
    let join_q = Rc::clone(&q);
    let mut join_task = spawn(async move { join_q.join_async().await }).unwrap();
    q.close_immediate(); // unfinished tasks: 1 -> 0
    assert_eq!(q.len(), 0);
    yield_now().await;
    assert!(join_task.is_finished());
    assert_eq!((&mut join_task).await, Ok(()));
    puts_and_gets_refused(&q).await;
    assert!(
        q.task_done().is_err(),
        "didn't appear to mark all tasks done"
    );
}

/// test_shutdown_immediate_with_unfinished: of two items one was got; the
/// immediate shutdown drops the other, and join waits for the got one's
/// task_done.
async fn shutdown_immediate_with_unfinished<O: turnstile::queue::Order<&'static str> + 'static>(
    q: StrQueue<O>,
) {
    q.try_put("data").unwrap();
    q.try_put("data").unwrap();
    let join_q = Rc::clone(&q);
    let mut join_task = spawn(async move { join_q.join_async().await }).unwrap();
    assert_eq!(q.get_async().await, Ok("data"));
    q.close_immediate(); // unfinished tasks: 2 -> 1
    assert_eq!(q.len(), 0);
    yield_now().await;
    assert!(!join_task.is_finished());
    puts_and_gets_refused(&q).await;
    q.task_done().unwrap();
    assert!(
        q.task_done().is_err(),
        "didn't appear to mark all tasks done"
    );
    yield_now().await;
    assert!(join_task.is_finished());
    assert_eq!((&mut join_task).await, Ok(()));
}

/// One test per shutdown test, each on the three kinds of queue.
macro_rules! shutdown_tests {
    ($($name:ident => $body:ident;)*) => {
        $(
            #[test]
            fn $name() {
                let test = stringify!($name);
                asyncio_run(test, || $body(Rc::new(FifoQueue::bounded(1).unwrap())));
                asyncio_run(test, || $body(Rc::new(LifoQueue::bounded(1).unwrap())));
                asyncio_run(test, || $body(Rc::new(PriorityQueue::bounded(1).unwrap())));
            }
        )*
    };
}

shutdown_tests! {
    queues_test_shutdown_empty => shutdown_empty;
    queues_test_shutdown_nonempty => shutdown_nonempty;
}

/// The immediate tests put two items: unbounded queues.
macro_rules! shutdown_tests_unbounded {
    ($($name:ident => $body:ident;)*) => {
        $(
            #[test]
            fn $name() {
                let test = stringify!($name);
                asyncio_run(test, || $body(Rc::new(FifoQueue::unbounded())));
                asyncio_run(test, || $body(Rc::new(LifoQueue::unbounded())));
                asyncio_run(test, || $body(Rc::new(PriorityQueue::unbounded())));
            }
        )*
    };
}

shutdown_tests_unbounded! {
    queues_test_shutdown_immediate => shutdown_immediate;
    queues_test_shutdown_immediate_with_unfinished => shutdown_immediate_with_unfinished;
}

// Not restated, and why:
// - test_tasks.py: the repr, name, context, stack, traceback, coroutine-
//   wrapper and `_register_task`/`_enter_task` tests (Python internals);
//   ensure_future and create_task type checks (the compiler checks types);
//   test_cancel_with_message_* and the uncancel tests (a cancel carries no
//   message; there is no exception to uncancel); test_cancel_task_ignoring
//   and test_wait_for_self_cancellation (a Rust future cannot refuse a
//   cancel; test_cancel_task_catching shows it); test_sleep_cancel and
//   test_task_cancel_waiter_future's `_fut_waiter` (private timer handles);
//   test_wait_duplicate_coroutines, test_duplicate_coroutines (a handle or
//   future is not `Clone`: it cannot be passed twice);
//   test_cancel_gather_1 (turnstile's `Gather` is a plain future of the
//   awaiting task, not a future that can be cancelled apart from it); the
//   as_completed, shield, run_coroutine_threadsafe and current_task tests
//   (not claimed); test_stop_while_run_in_complete and the loop-argument
//   constructor tests (one loop per thread; `run` takes no loop).
// - test_taskgroups.py: test_taskgroup_08, _11, _12, _18, _19, _20, _20a,
//   _21a and test_taskgroup_context_manager_exit_raises (a cleanup that
//   raises is a panic in a `Drop`), _13, _14 (a failure in an outer group
//   cancels the inner group's body in asyncio; turnstile does not cancel
//   the code holding a group, as test_cancel_children_on_child_error
//   shows), _15, _16 (a cleanup that awaits: a `Drop` cannot), the task
//   name and context tests (no names or context variables).
// - test_waitfor.py: test_wait_for_reraises_exception_during_cancellation
//   (a cleanup that fails is a panic in a `Drop`, which turnstile does not
//   turn into the awaiter's error).
// - test_queues.py: test_repr, test_str, test_generic_alias, test_format
//   (Python's formatting); test_float_maxsize (the bound is a `usize`).
// - test_locks.py: Event test_repr, Semaphore test_repr, test_semaphore
//   (awaiting the semaphore itself is a type error here),
//   test_semaphore_value (a negative count cannot be written), and the
//   FIFO-order tests (test_acquire_fifo_order*, restated with the FIFO
//   async semaphore).
// - test_locks.py BarrierTests: test_barrier and test_repr (awaiting the
//   barrier itself is a type error; Python's repr), test_draining_state
//   (reads the repr), and the half-draining reset and abort tests,
//   restated in tests/barrier.rs (asyncio_barrier_test_*).
// - test_futures.py: test_wrap_future_future, test_wrap_future_use_*_loop
//   (no loop argument), test_wrap_future_cancel2 (awaiting moves the pool
//   future into the task: once the task is cancelled, nobody holds it).
