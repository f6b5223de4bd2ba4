//! Ordinary tests of the event loop (`turnstile::event_loop`) on real
//! time: orders asserted exactly, timings loosely (a lower bound, and an
//! upper bound far from the value a wrong loop would give).

mod common;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use turnstile::event_loop::{
    NoRunningLoop, ReturnWhen, gather, run, run_in_executor, sleep, spawn, wait, wait_for,
    yield_now,
};
use turnstile::{Event, FifoQueue, Semaphore, TaskError, ThreadPool, Timeout};

use common::{DropGuard, log, note};

#[test]
#[cfg_attr(
    miri,
    ignore = "asserts < 300 ms; Miri's clock runs with each step it interprets"
)]
fn two_sleeping_tasks_share_one_thread_and_interleave_in_deadline_order() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        two_sleeping_tasks_share_one_thread_and_interleave_in_deadline_order_body,
    );
}

fn two_sleeping_tasks_share_one_thread_and_interleave_in_deadline_order_body() {
    let log = log();
    let start = Instant::now();
    let loop_thread = thread::current().id();
    run({
        let log = Rc::clone(&log);
        async move {
            let task = |name: &'static str, ms: u64| {
                let log = Rc::clone(&log);
                async move {
                    assert_eq!(thread::current().id(), loop_thread);
                    note(&log, format!("{name} start"));
                    sleep(Duration::from_millis(ms)).await;
                    note(&log, format!("{name} end"));
                }
            };
            let f1 = spawn(task("f1", 200)).unwrap();
            let f2 = spawn(task("f2", 100)).unwrap();
            f1.await.unwrap();
            f2.await.unwrap();
        }
    });
    let took = start.elapsed();
    assert_eq!(*log.borrow(), ["f1 start", "f2 start", "f2 end", "f1 end"]);
    assert!(took >= Duration::from_millis(200), "{took:?}");
    assert!(
        took < Duration::from_millis(300),
        "one after the other would take 300 ms: {took:?}"
    );
}

#[test]
fn a_spawned_task_runs_only_when_the_spawner_awaits() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_spawned_task_runs_only_when_the_spawner_awaits_body,
    );
}

fn a_spawned_task_runs_only_when_the_spawner_awaits_body() {
    let log = log();
    run({
        let log = Rc::clone(&log);
        async move {
            let task = spawn({
                let log = Rc::clone(&log);
                async move { note(&log, "task") }
            })
            .unwrap();
            note(&log, "main before await");
            assert!(!task.is_finished());
            yield_now().await;
            note(&log, "main after yield");
            assert!(task.is_finished());
            task.await.unwrap();
        }
    });
    assert_eq!(
        *log.borrow(),
        ["main before await", "task", "main after yield"]
    );
}

#[test]
fn yielding_tasks_take_turns() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        yielding_tasks_take_turns_body,
    );
}

fn yielding_tasks_take_turns_body() {
    let log = log();
    run({
        let log = Rc::clone(&log);
        async move {
            let turns = |name: &'static str| {
                let log = Rc::clone(&log);
                async move {
                    for turn in 0..3 {
                        note(&log, format!("{name}{turn}"));
                        yield_now().await;
                    }
                }
            };
            let a = spawn(turns("a")).unwrap();
            let b = spawn(turns("b")).unwrap();
            a.await.unwrap();
            b.await.unwrap();
        }
    });
    assert_eq!(*log.borrow(), ["a0", "b0", "a1", "b1", "a2", "b2"]);
}

#[test]
fn a_task_that_always_yields_does_not_starve_a_timer() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_task_that_always_yields_does_not_starve_a_timer_body,
    );
}

fn a_task_that_always_yields_does_not_starve_a_timer_body() {
    let stop = Rc::new(std::cell::Cell::new(false));
    let spins = run({
        let stop = Rc::clone(&stop);
        async move {
            let busy = spawn({
                let stop = Rc::clone(&stop);
                async move {
                    let mut spins = 0u64;
                    while !stop.get() {
                        spins += 1;
                        yield_now().await;
                    }
                    spins
                }
            })
            .unwrap();
            sleep(Duration::from_millis(20)).await; // due while `busy` is always ready
            stop.set(true);
            busy.await.unwrap()
        }
    });
    assert!(spins > 0);
}

#[test]
fn a_panicking_task_fails_alone_and_its_handle_says_why() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_panicking_task_fails_alone_and_its_handle_says_why_body,
    );
}

fn a_panicking_task_fails_alone_and_its_handle_says_why_body() {
    let (failed, fine) = run(async {
        let failed = spawn(async { panic!("boom") }).unwrap();
        let fine = spawn(async { 7 }).unwrap();
        (failed.await, fine.await)
    });
    assert_eq!(failed, Err::<(), _>(TaskError::Panicked("boom".into())));
    assert_eq!(fine, Ok(7));
}

#[test]
fn cancel_drops_a_sleeping_task_at_the_next_turn_and_the_handle_reports_it() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        cancel_drops_a_sleeping_task_at_the_next_turn_and_the_handle_reports_it_body,
    );
}

fn cancel_drops_a_sleeping_task_at_the_next_turn_and_the_handle_reports_it_body() {
    let log = log();
    let start = Instant::now();
    run({
        let log = Rc::clone(&log);
        async move {
            let sleeper = spawn({
                let guard = DropGuard(Rc::clone(&log), "sleeper");
                async move {
                    let _guard = guard;
                    sleep(Duration::from_secs(60)).await;
                }
            })
            .unwrap();
            yield_now().await; // it starts sleeping
            assert!(sleeper.cancel());
            assert!(
                sleeper.cancel(),
                "asked again before it ran: still not finished"
            );
            note(&log, "cancel asked");
            assert_eq!(sleeper.await, Err(TaskError::Cancelled));
            assert_eq!(
                format!("{:?}", spawn(async {}).unwrap()),
                "JoinHandle { finished: false, .. }"
            );
        }
    });
    assert_eq!(*log.borrow(), ["cancel asked", "sleeper dropped"]);
    assert!(
        start.elapsed() < Duration::from_secs(30),
        "the sleep's timer kept the loop"
    );
}

#[test]
// `main` hands the handle out on purpose, to look at it after the loop.
#[allow(clippy::async_yields_async)]
fn tasks_left_when_main_returns_are_dropped() {
    let log = log();
    let start = Instant::now();
    let handle = run({
        let log = Rc::clone(&log);
        async move {
            let guard = DropGuard(Rc::clone(&log), "left");
            let left = spawn(async move {
                let _guard = guard;
                sleep(Duration::from_secs(60)).await;
            })
            .unwrap();
            yield_now().await;
            note(&log, "main returns");
            left
        }
    });
    assert_eq!(*log.borrow(), ["main returns", "left dropped"]);
    assert!(handle.is_finished());
    assert!(!handle.cancel());
    assert_eq!(run(handle), Err(TaskError::Cancelled));
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn spawn_outside_a_loop_is_an_error_not_a_panic() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        spawn_outside_a_loop_is_an_error_not_a_panic_body,
    );
}

fn spawn_outside_a_loop_is_an_error_not_a_panic_body() {
    assert_eq!(spawn(async {}).unwrap_err(), NoRunningLoop);
    // And inside a loop that has ended.
    run(async {});
    assert!(spawn(async {}).is_err());
}

#[test]
fn a_run_inside_a_task_runs_its_own_loop_and_restores_the_outer_one() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_run_inside_a_task_runs_its_own_loop_and_restores_the_outer_one_body,
    );
}

fn a_run_inside_a_task_runs_its_own_loop_and_restores_the_outer_one_body() {
    let outer = run(async {
        let inner = run(async { spawn(async { 1 }).unwrap().await.unwrap() });
        // The outer loop is current again.
        let task = spawn(async move { inner + 1 }).unwrap();
        task.await.unwrap()
    });
    assert_eq!(outer, 2);
}

#[test]
fn threads_wake_tasks_through_events_queues_and_semaphores() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        threads_wake_tasks_through_events_queues_and_semaphores_body,
    );
}

fn threads_wake_tasks_through_events_queues_and_semaphores_body() {
    let event = Arc::new(Event::new());
    let queue = Arc::new(FifoQueue::bounded(1).unwrap());
    let semaphore = Arc::new(Semaphore::new(0));
    let helper = {
        let (event, queue, semaphore) = (
            Arc::clone(&event),
            Arc::clone(&queue),
            Arc::clone(&semaphore),
        );
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(10));
            event.set();
            for item in 0..5 {
                queue.put(item).unwrap();
            }
            queue.close();
            semaphore.release(1);
        })
    };
    let (got, sum) = run(async {
        event.wait_async().await;
        let mut sum = 0;
        while let Ok(item) = queue.get_async().await {
            sum += item;
        }
        let permit = semaphore.acquire_async().await;
        (permit.count(), sum)
    });
    helper.join().unwrap();
    assert_eq!((got, sum), (1, 10));
}

#[test]
fn producer_and_consumer_tasks_over_an_async_queue() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        producer_and_consumer_tasks_over_an_async_queue_body,
    );
}

fn producer_and_consumer_tasks_over_an_async_queue_body() {
    let queue = Rc::new(FifoQueue::bounded(2).unwrap());
    let log = log();
    run({
        let (queue, log) = (Rc::clone(&queue), Rc::clone(&log));
        async move {
            let producer = spawn({
                let (queue, log) = (Rc::clone(&queue), Rc::clone(&log));
                async move {
                    for dish in 0..4 {
                        queue.put_async(dish).await.unwrap();
                        note(&log, format!("put {dish}"));
                    }
                    queue.close();
                }
            })
            .unwrap();
            let consumer = spawn({
                let (queue, log) = (Rc::clone(&queue), Rc::clone(&log));
                async move {
                    while let Ok(dish) = queue.get_async().await {
                        note(&log, format!("got {dish}"));
                    }
                }
            })
            .unwrap();
            producer.await.unwrap();
            consumer.await.unwrap();
        }
    });
    // The producer fills the two places and waits; each get makes room.
    assert_eq!(
        *log.borrow(),
        [
            "put 0", "put 1", "got 0", "got 1", "put 2", "put 3", "got 2", "got 3"
        ]
    );
}

#[test]
fn gather_keeps_the_given_order_and_wait_splits_done_from_pending() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        gather_keeps_the_given_order_and_wait_splits_done_from_pending_body,
    );
}

fn gather_keeps_the_given_order_and_wait_splits_done_from_pending_body() {
    let values = run(gather([30u64, 10, 20].map(|ms| async move {
        sleep(Duration::from_millis(ms)).await;
        ms
    })));
    assert_eq!(values, [30, 10, 20]);

    run(async {
        let quick = spawn(sleep(Duration::from_millis(5))).unwrap();
        let slow = spawn(sleep(Duration::from_secs(60))).unwrap();
        let (done, pending) = wait(vec![quick, slow], ReturnWhen::FirstCompleted).await;
        assert_eq!((done.len(), pending.len()), (1, 1));
        assert!(pending[0].cancel());
        let (done, pending) = wait(pending, ReturnWhen::AllCompleted).await;
        assert_eq!((done.len(), pending.len()), (1, 0));
        for handle in done {
            assert_eq!(handle.await, Err(TaskError::Cancelled));
        }
    });
}

#[test]
fn wait_for_times_out_and_drops_the_slow_future() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        wait_for_times_out_and_drops_the_slow_future_body,
    );
}

fn wait_for_times_out_and_drops_the_slow_future_body() {
    let log = log();
    let start = Instant::now();
    let outcome = run({
        let log = Rc::clone(&log);
        async move {
            let guard = DropGuard(Rc::clone(&log), "slow");
            wait_for(Duration::from_millis(20), async move {
                let _guard = guard;
                sleep(Duration::from_secs(60)).await;
            })
            .await
        }
    });
    assert_eq!(outcome, Err(Timeout));
    assert_eq!(*log.borrow(), ["slow dropped"]);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(20) && took < Duration::from_secs(30),
        "{took:?}"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "races ticks against a sleep; Miri's clock runs with each step"
)]
fn run_in_executor_keeps_the_loop_free_and_a_blocking_sleep_does_not() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        run_in_executor_keeps_the_loop_free_and_a_blocking_sleep_does_not_body,
    );
}

fn run_in_executor_keeps_the_loop_free_and_a_blocking_sleep_does_not_body() {
    let pool = ThreadPool::new(1).unwrap();
    // The other coroutine ticks every 10 ms while the work takes 250 ms: five
    // times its 50 ms, so a loaded machine's late timers do not decide it.
    let ticks_while = |blocking_on_the_loop: bool| {
        run(async {
            let ticker = spawn(async {
                let mut ticks = 0;
                for _ in 0..5 {
                    sleep(Duration::from_millis(10)).await;
                    ticks += 1;
                }
                ticks
            })
            .unwrap();
            let ticker_done_first;
            if blocking_on_the_loop {
                yield_now().await; // the ticker starts its first sleep
                thread::sleep(Duration::from_millis(250)); // the notes' mistake
                ticker_done_first = ticker.is_finished();
            } else {
                let work = run_in_executor(&pool, || thread::sleep(Duration::from_millis(250)))
                    .unwrap_or_else(|_| panic!("the pool runs"));
                work.await.unwrap();
                ticker_done_first = ticker.is_finished();
            }
            ticker.await.unwrap();
            ticker_done_first
        })
    };
    assert!(
        ticks_while(false),
        "the ticker finished its 50 ms while a worker blocked"
    );
    assert!(!ticks_while(true), "a blocked loop ran nothing meanwhile");
}

#[test]
#[cfg_attr(
    miri,
    ignore = "asserts < 200 ms; Miri's clock runs with each step it interprets"
)]
fn sleep_works_on_tokio_through_a_timer_thread() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        sleep_works_on_tokio_through_a_timer_thread_body,
    );
}

fn sleep_works_on_tokio_through_a_timer_thread_body() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let start = Instant::now();
    runtime.block_on(async {
        let a = tokio::spawn(sleep(Duration::from_millis(100)));
        let b = tokio::spawn(sleep(Duration::from_millis(100)));
        a.await.unwrap();
        b.await.unwrap();
    });
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(100) && took < Duration::from_millis(200),
        "{took:?}"
    );
}

#[test]
#[should_panic(expected = "JoinHandle polled after it resolved")]
fn a_handle_awaited_twice_panics_with_a_clear_message() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_handle_awaited_twice_panics_with_a_clear_message_body,
    );
}

fn a_handle_awaited_twice_panics_with_a_clear_message_body() {
    run(async {
        let mut handle = spawn(async {}).unwrap();
        (&mut handle).await.unwrap();
        let _ = (&mut handle).await;
    });
}

#[test]
fn two_tasks_sleeping_until_one_instant_are_both_woken() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        two_tasks_sleeping_until_one_instant_are_both_woken_body,
    );
}

fn two_tasks_sleeping_until_one_instant_are_both_woken_body() {
    let at = Instant::now() + Duration::from_millis(30);
    let woken = run(async move {
        let a = spawn(turnstile::event_loop::sleep_until(at)).unwrap();
        let b = spawn(turnstile::event_loop::sleep_until(at)).unwrap();
        // Each with a limit, so that a lost wake-up fails rather than hangs.
        let a = wait_for(Duration::from_secs(5), a).await;
        let b = wait_for(Duration::from_secs(5), b).await;
        (a, b)
    });
    assert_eq!(woken, (Ok(Ok(())), Ok(Ok(()))));
    assert!(Instant::now() >= at);
}

/// Polls the future in `slot` once, from the task awaiting this (so the
/// future keeps that task's waker), and asserts that it is pending.
async fn poll_once_pending<F: std::future::Future + Unpin>(slot: Rc<RefCell<Option<F>>>) {
    std::future::poll_fn(|context| {
        let mut held = slot.borrow_mut();
        let pending = std::pin::Pin::new(held.as_mut().unwrap()).poll(context);
        assert!(pending.is_pending());
        std::task::Poll::Ready(())
    })
    .await;
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a 20 ms sleep is due before its first poll under Miri's clock"
)]
fn a_sleep_moved_to_another_task_wakes_that_task() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_sleep_moved_to_another_task_wakes_that_task_body,
    );
}

fn a_sleep_moved_to_another_task_wakes_that_task_body() {
    let start = Instant::now();
    run(async {
        let nap = Rc::new(RefCell::new(Some(sleep(Duration::from_millis(20)))));
        // Task A polls the sleep once (it registers A's waker), then hands
        // it over and ends.
        spawn(poll_once_pending(Rc::clone(&nap)))
            .unwrap()
            .await
            .unwrap();
        // Task B awaits it: the timer must now wake B, not A (gone). A
        // 10-second backstop turns a lost wake-up into a slow finish.
        let taken = nap.borrow_mut().take().unwrap();
        let second = spawn(async move { wait_for(Duration::from_secs(10), taken).await }).unwrap();
        assert_eq!(second.await.unwrap(), Ok(()));
    });
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "woken by the backstop, not the sleep's timer: {took:?}"
    );
}

/// Counts the polls of the future inside.
struct CountPolls<F> {
    inner: std::pin::Pin<Box<F>>,
    polls: Rc<std::cell::Cell<u32>>,
}

impl<F: std::future::Future> std::future::Future for CountPolls<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        context: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        self.polls.set(self.polls.get() + 1);
        self.inner.as_mut().poll(context)
    }
}

#[test]
fn a_dropped_sleep_leaves_no_timer_to_wake_its_task_later() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_dropped_sleep_leaves_no_timer_to_wake_its_task_later_body,
    );
}

fn a_dropped_sleep_leaves_no_timer_to_wake_its_task_later_body() {
    let event = Arc::new(Event::new());
    let setter = {
        let event = Arc::clone(&event);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(150));
            event.set();
        })
    };
    let polls = Rc::new(std::cell::Cell::new(0));
    run({
        let polls = Rc::clone(&polls);
        async move {
            // Timed out at 10 ms: the inner 50 ms sleep is dropped, and its
            // timer must go with it.
            let outcome =
                wait_for(Duration::from_millis(10), sleep(Duration::from_millis(50))).await;
            assert_eq!(outcome, Err(Timeout));
            // Then wait 150 ms for the event; a timer left behind would
            // wake this task at 50 ms for nothing.
            CountPolls {
                inner: Box::pin(event.wait_async()),
                polls,
            }
            .await;
        }
    });
    setter.join().unwrap();
    assert_eq!(
        polls.get(),
        2,
        "polled once to wait, once when set; no stray wake-up"
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "a 20 ms sleep is due before its first poll under Miri's clock"
)]
fn a_handle_awaited_by_one_task_then_another_wakes_the_second() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_handle_awaited_by_one_task_then_another_wakes_the_second_body,
    );
}

fn a_handle_awaited_by_one_task_then_another_wakes_the_second_body() {
    let start = Instant::now();
    run(async {
        let slow = spawn(sleep(Duration::from_millis(20))).unwrap();
        let handle = Rc::new(RefCell::new(Some(slow)));
        // Task A polls the handle once (its waker is kept), then lets go.
        spawn(poll_once_pending(Rc::clone(&handle)))
            .unwrap()
            .await
            .unwrap();
        // Task B awaits it; the end of the sleep must wake B.
        let taken = handle.borrow_mut().take().unwrap();
        let second = spawn(async move { wait_for(Duration::from_secs(10), taken).await }).unwrap();
        assert_eq!(second.await.unwrap(), Ok(Ok(())));
    });
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "woken by the backstop: {took:?}"
    );
}

#[test]
fn the_loops_futures_print_their_state() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        the_loops_futures_print_their_state_body,
    );
}

fn the_loops_futures_print_their_state_body() {
    run(async {
        let mut both = gather([1u64, 30].map(|ms| sleep(Duration::from_millis(ms))));
        assert_eq!(format!("{both:?}"), "Gather { members: 2, done: 0 }");
        // Poll until the short sleep is done and the long one is not.
        std::future::poll_fn(|context| {
            let _ = std::pin::Pin::new(&mut both).poll(context);
            if format!("{both:?}").contains("done: 1") {
                std::task::Poll::Ready(())
            } else {
                context.waker().wake_by_ref();
                std::task::Poll::Pending
            }
        })
        .await;
        assert_eq!(format!("{both:?}"), "Gather { members: 2, done: 1 }");

        let waiting = wait(
            Vec::<turnstile::event_loop::JoinHandle<()>>::new(),
            ReturnWhen::FirstCompleted,
        );
        assert_eq!(
            format!("{waiting:?}"),
            "Wait { handles: Some(0), return_when: FirstCompleted }"
        );
        let (done, pending) = waiting.await;
        assert!(done.is_empty() && pending.is_empty());

        assert_eq!(format!("{:?}", yield_now()), "YieldNow { yielded: false }");
        let nap = sleep(Duration::from_secs(1));
        assert!(
            format!("{nap:?}").starts_with("Sleep { deadline: Some("),
            "{nap:?}"
        );
        let limited = wait_for(Duration::from_secs(1), async {});
        assert!(
            format!("{limited:?}").starts_with("WaitFor { timer: Sleep {"),
            "{limited:?}"
        );
    });
}

#[test]
fn a_sleep_outside_the_loop_wakes_the_latest_waker() {
    common::within(
        common::PATIENCE,
        "the event loop's run, and the threads and waits it drives",
        a_sleep_outside_the_loop_wakes_the_latest_waker_body,
    );
}

fn a_sleep_outside_the_loop_wakes_the_latest_waker_body() {
    let mut nap = sleep(Duration::from_millis(50));
    let mut first = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(std::pin::Pin::new(&mut nap).poll(&mut first).is_pending());
    // Now awaited by another waker: the timer thread must wake this one.
    // (`block_on` parks 10 s at most, so a lost wake-up shows as slow.)
    let start = Instant::now();
    let ((), wakes) = common::block_on(nap);
    let took = start.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "woken by block_on's backstop: {took:?}"
    );
    assert_eq!(wakes, 1);
}
