//! Ordinary tests of `Barrier` on real threads: timeouts (which loom cannot
//! show), breaking, resetting and the error for zero parties.
//!
//! Every wait that a broken barrier could leave hanging (a join, a wait on
//! this thread) runs under a watchdog ([`common::within`],
//! [`common::join_within`]), so such a bug fails the test in seconds,
//! naming what it waited for.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::{PATIENCE, SLACK, join_within, within};
use turnstile::{Barrier, BarrierError, ZeroParties};

fn spawn_parties(
    barrier: &Arc<Barrier>,
    count: usize,
) -> Vec<thread::JoinHandle<Result<bool, BarrierError>>> {
    (0..count)
        .map(|_| {
            let barrier = Arc::clone(barrier);
            thread::spawn(move || barrier.wait().map(|result| result.is_leader()))
        })
        .collect()
}

/// Waits until `n` threads wait at the barrier; ends the test binary
/// ([`common::hung`]) if they have not arrived after [`PATIENCE`].
fn until_waiting(barrier: &Barrier, n: usize) {
    let start = Instant::now();
    while barrier.n_waiting() < n {
        if start.elapsed() >= PATIENCE {
            common::hung("the parties, to be waiting at the barrier", PATIENCE);
        }
        thread::yield_now();
    }
}

/// `barrier.wait()` on a new thread under [`within`], failing the test
/// (naming `what`) if it has not returned after [`PATIENCE`].
fn wait_within(
    what: &str,
    barrier: &Arc<Barrier>,
) -> Result<turnstile::BarrierWaitResult, BarrierError> {
    let barrier = Arc::clone(barrier);
    within(PATIENCE, what, move || barrier.wait())
}

#[test]
fn zero_parties_is_an_error() {
    assert_eq!(Barrier::new(0).unwrap_err(), ZeroParties);
    assert_eq!(
        ZeroParties.to_string(),
        "a barrier needs at least one party"
    );
}

#[test]
fn one_party_passes_at_once_as_leader() {
    let barrier = Arc::new(Barrier::new(1).unwrap());
    for _ in 0..3 {
        let result = wait_within("a lone party's wait, to pass at once", &barrier).unwrap();
        assert!(result.is_leader());
        assert_eq!(result.index(), 0);
    }
    assert_eq!(barrier.parties(), 1);
}

#[test]
fn rounds_release_together_with_one_leader_each() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    for _ in 0..5 {
        let parties = spawn_parties(&barrier, 3);
        let leaders = parties
            .into_iter()
            .map(|p| join_within("a party's wait in a round of three", p).unwrap())
            .filter(|&l| l)
            .count();
        assert_eq!(leaders, 1);
    }
    assert!(!barrier.is_broken());
}

#[test]
fn nobody_passes_until_the_last_arrives() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let first = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    thread::sleep(Duration::from_millis(30));
    assert!(!first[0].is_finished(), "passed the barrier alone");
    let last = wait_within("the last party's wait, to release the round", &barrier);
    assert_eq!(last.unwrap().index(), 1);
    for party in first {
        let released = join_within("the first party's wait, released by the last", party);
        assert!(!released.unwrap());
    }
}

#[test]
fn a_timeout_breaks_the_barrier_for_everyone() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let other = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    let timeout = Duration::from_millis(100);
    let (result, waited) = within(PATIENCE, "a wait_timeout of 100 ms, to give up", {
        let barrier = Arc::clone(&barrier);
        move || {
            let start = Instant::now();
            (barrier.wait_timeout(timeout), start.elapsed())
        }
    });
    assert_eq!(result, Err(BarrierError::Timeout));
    assert!(
        waited >= timeout && waited < timeout + SLACK,
        "waited {waited:?}"
    );
    let other = other.into_iter().next().unwrap();
    assert_eq!(
        join_within("the other party's wait, broken by the timeout", other),
        Err(BarrierError::Broken)
    );
    assert!(barrier.is_broken());
    assert_eq!(
        wait_within("a wait on the broken barrier, to fail at once", &barrier),
        Err(BarrierError::Broken),
        "stays broken"
    );
}

#[test]
fn zero_and_max_timeouts() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    // A zero timeout with a party missing gives up at once (and breaks it).
    let start = Instant::now();
    assert_eq!(
        within(PATIENCE, "a zero wait_timeout, to give up at once", {
            let barrier = Arc::clone(&barrier);
            move || barrier.wait_timeout(Duration::ZERO)
        }),
        Err(BarrierError::Timeout)
    );
    assert!(start.elapsed() < SLACK);
    barrier.reset();
    // Duration::MAX waits without limit for the other party.
    let other = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            barrier.wait().unwrap()
        })
    };
    let mine = within(
        PATIENCE,
        "a wait_timeout(MAX), released by the other party",
        {
            let barrier = Arc::clone(&barrier);
            move || barrier.wait_timeout(Duration::MAX)
        },
    );
    assert!(mine.is_ok());
    join_within(
        "the other party's wait, released by the wait_timeout(MAX)",
        other,
    );
}

#[test]
fn abort_then_reset() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let waiter = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    barrier.abort();
    let waiter = waiter.into_iter().next().unwrap();
    assert_eq!(
        join_within("the waiting party's wait, to be broken by abort", waiter),
        Err(BarrierError::Broken)
    );
    assert!(barrier.is_broken());
    barrier.reset();
    assert!(!barrier.is_broken());
    let parties = spawn_parties(&barrier, 2);
    for party in parties {
        let passed = join_within("a party's wait at the barrier reset after abort", party);
        assert!(passed.is_ok(), "a reset barrier works again");
    }
}

#[test]
fn reset_with_waiters_breaks_them_and_reopens() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let waiters = spawn_parties(&barrier, 2);
    until_waiting(&barrier, 2);
    barrier.reset();
    for waiter in waiters {
        assert_eq!(
            join_within("a waiting party's wait, to be broken by reset", waiter),
            Err(BarrierError::Broken)
        );
    }
    assert!(!barrier.is_broken());
    let parties = spawn_parties(&barrier, 3);
    for party in parties {
        assert!(join_within("a party's wait in the round after the reset", party).is_ok());
    }
    assert_eq!(
        format!("{barrier:?}"),
        "Barrier { parties: 3, phase: Filling, inside: 0 }"
    );
}

/// The errors read as sentences (`Display`).
#[test]
fn errors_display_what_happened() {
    assert_eq!(BarrierError::Broken.to_string(), "the barrier is broken");
    assert_eq!(
        BarrierError::Timeout.to_string(),
        "timed out waiting at the barrier, which is now broken"
    );
}

/// The action runs on the last party to arrive, may use the barrier (it
/// runs without the barrier's lock), and the round is released only after
/// it returns.
#[test]
fn the_action_runs_on_the_last_arrival_and_may_use_the_barrier() {
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let barrier = Arc::new_cyclic(|weak: &std::sync::Weak<Barrier>| {
        let (weak, seen) = (weak.clone(), Arc::clone(&seen));
        Barrier::new(2).unwrap().with_action(move || {
            let barrier = weak.upgrade().expect("alive while waiting");
            let me = thread::current().id();
            seen.lock()
                .unwrap()
                .push((me, barrier.parties(), barrier.is_broken()));
        })
    });
    let parties = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    let (mine, last) = within(
        PATIENCE,
        "the last arrival's wait, which runs the action",
        {
            let barrier = Arc::clone(&barrier);
            move || (barrier.wait(), thread::current().id())
        },
    );
    assert!(mine.unwrap().is_leader());
    let party = parties.into_iter().next().unwrap();
    assert_eq!(
        join_within("the first party's wait, released after the action", party),
        Ok(false)
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [(last, 2, false)],
        "once, on the last arrival, with the barrier usable"
    );
}

/// A panicking action breaks the barrier: the other parties get `Broken`,
/// the panic goes on in the thread that ran the action, and a reset makes
/// the barrier usable again.
#[test]
fn a_panicking_action_breaks_the_barrier_and_the_panic_reaches_its_thread() {
    let barrier = Arc::new(
        Barrier::new(2)
            .unwrap()
            .with_action(|| panic!("the action failed")),
    );
    let parties = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    let caught = within(PATIENCE, "the last arrival's wait, whose action panics", {
        let barrier = Arc::clone(&barrier);
        move || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| barrier.wait()))
    });
    let payload = caught.expect_err("the action's panic reaches the last arrival");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the action failed"));
    for party in parties {
        assert_eq!(
            join_within("the other party's wait, to be broken by the panic", party),
            Err(BarrierError::Broken)
        );
    }
    assert!(barrier.is_broken());
    barrier.reset();
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
}

/// A barrier of two whose action sets `started` and then waits for
/// `finish`: a round held in its Acting phase for as long as a test likes.
fn barrier_with_a_gated_action() -> (Arc<Barrier>, Arc<turnstile::Event>, Arc<turnstile::Event>) {
    let started = Arc::new(turnstile::Event::new());
    let finish = Arc::new(turnstile::Event::new());
    let barrier = {
        let (started, finish) = (Arc::clone(&started), Arc::clone(&finish));
        Arc::new(Barrier::new(2).unwrap().with_action(move || {
            started.set();
            finish.wait();
        }))
    };
    (barrier, started, finish)
}

/// A round whose action is running is complete: a waiter's timeout that
/// passes meanwhile does not break it, an `abort` breaks the barrier only
/// once the round has left, and arrivals wait for the next round.
#[test]
fn a_running_action_keeps_its_round_whole() {
    let (barrier, started, finish) = barrier_with_a_gated_action();
    let impatient = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || barrier.wait_timeout(Duration::from_millis(50)).is_ok())
    };
    until_waiting(&barrier, 1);
    let last = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || barrier.wait().is_ok())
    };
    within(PATIENCE, "the action to start on the last arrival", {
        let started = Arc::clone(&started);
        move || started.wait()
    });
    thread::sleep(Duration::from_millis(200)); // well past the 50 ms timeout
    barrier.abort();
    assert!(barrier.is_broken(), "broken, as soon as the round has left");
    finish.set();
    assert!(
        join_within(
            "the impatient party's wait, released by the round",
            impatient
        ),
        "its round completed before it gave up"
    );
    assert!(join_within(
        "the last arrival's wait, after its action",
        last
    ));
    assert_eq!(
        wait_within("a wait on the aborted barrier, to fail at once", &barrier),
        Err(BarrierError::Broken)
    );
}

/// A `reset` while the action runs comes too late for that round: the
/// round is released whole, and the barrier is open for the next one.
#[test]
fn a_reset_during_the_action_lets_the_round_finish() {
    let (barrier, started, finish) = barrier_with_a_gated_action();
    let waiting = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    let last = {
        let barrier = Arc::clone(&barrier);
        thread::spawn(move || barrier.wait().map(|result| result.is_leader()))
    };
    within(PATIENCE, "the action to start on the last arrival", {
        let started = Arc::clone(&started);
        move || started.wait()
    });
    barrier.reset();
    finish.set();
    for party in waiting {
        assert_eq!(
            join_within("the first party's wait, released by its round", party),
            Ok(false),
            "released, not broken"
        );
    }
    assert_eq!(
        join_within("the last arrival's wait, after its action", last),
        Ok(true)
    );
    assert!(!barrier.is_broken());
    let next = spawn_parties(&barrier, 1);
    assert!(
        wait_within("this thread's wait in the round after the reset", &barrier).is_ok(),
        "the next round runs"
    );
    assert!(next.into_iter().all(|party| {
        join_within("the other party's wait in the round after the reset", party).is_ok()
    }));
}

// ---- async waits: asyncio's BarrierTests (test_locks.py), restated and
// named after the CPython tests, on turnstile's event loop; then threads
// and tasks at one barrier, cancellation, and panics ----

mod on_the_loop {
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;

    use turnstile::TaskError;
    use turnstile::event_loop::{JoinHandle, run, spawn, yield_now};
    use turnstile::{Barrier, BarrierError};

    use super::common::{PATIENCE, within};

    /// Spawns `n` tasks each running `body` on the barrier.
    fn make_tasks<T: 'static, F: std::future::Future<Output = T> + 'static>(
        n: usize,
        body: impl Fn() -> F,
    ) -> Vec<JoinHandle<T>> {
        (0..n).map(|_| spawn(body()).unwrap()).collect()
    }

    async fn gather_ok<T>(tasks: Vec<JoinHandle<T>>) -> Vec<T> {
        let mut outputs = Vec::new();
        for task in tasks {
            outputs.push(task.await.expect("no task fails"));
        }
        outputs
    }

    /// CPython's `test_filling_tasks_cancel_one`: a task cancelled while
    /// the round fills leaves it (the count goes down, the barrier is not
    /// broken), and a later task takes its place.
    #[test]
    fn asyncio_barrier_test_filling_tasks_cancel_one() {
        within(PATIENCE, "the barrier's tasks", || {
            run(async {
                let barrier = Rc::new(Barrier::new(3).unwrap());
                let passed = Rc::new(Cell::new(0));
                let party = || {
                    let (barrier, passed) = (Rc::clone(&barrier), Rc::clone(&passed));
                    async move {
                        barrier.wait_async().await.unwrap();
                        passed.set(passed.get() + 1);
                    }
                };
                let t1 = spawn(party()).unwrap();
                yield_now().await;
                assert_eq!(barrier.n_waiting(), 1);
                let t2 = spawn(party()).unwrap();
                yield_now().await;
                assert_eq!(barrier.n_waiting(), 2);
                assert!(t1.cancel());
                yield_now().await;
                assert_eq!(barrier.n_waiting(), 1, "the cancelled task left");
                assert_eq!(t1.await, Err(TaskError::Cancelled));
                let t3 = spawn(party()).unwrap();
                yield_now().await;
                assert_eq!(barrier.n_waiting(), 2);
                let t4 = spawn(party()).unwrap();
                gather_ok(vec![t2, t3, t4]).await;
                assert_eq!(passed.get(), 3);
                assert_eq!(barrier.n_waiting(), 0);
                assert!(!barrier.is_broken());
            });
        });
    }

    /// CPython's `test_blocking_tasks_while_draining`: tasks that wait
    /// again at once, while the round drains, wait for the next round; it
    /// completes only when the slower tasks (let through a second barrier)
    /// come too.
    #[test]
    fn asyncio_barrier_test_blocking_tasks_while_draining() {
        within(PATIENCE, "the barrier's tasks", || {
            run(async {
                const N: usize = 5;
                const REWAIT: usize = 2;
                let barrier = Rc::new(Barrier::new(N).unwrap());
                let others = Rc::new(Barrier::new(N - REWAIT).unwrap());
                let rewait = Rc::new(Cell::new(REWAIT));
                let tasks = make_tasks(N, || {
                    let (barrier, others, rewait) =
                        (Rc::clone(&barrier), Rc::clone(&others), Rc::clone(&rewait));
                    async move {
                        barrier.wait_async().await.unwrap();
                        if rewait.get() > 0 {
                            rewait.set(rewait.get() - 1);
                            barrier.wait_async().await.unwrap();
                        } else {
                            others.wait_async().await.unwrap();
                            barrier.wait_async().await.unwrap();
                        }
                    }
                });
                gather_ok(tasks).await;
                assert_eq!(barrier.n_waiting(), 0);
            });
        });
    }

    /// CPython's `test_reset_barrier_while_tasks_waiting`: a reset gives
    /// every waiting task `Broken`, and leaves the barrier whole and empty.
    #[test]
    fn asyncio_barrier_test_reset_barrier_while_tasks_waiting() {
        within(PATIENCE, "the barrier's tasks", || {
            run(async {
                const N: usize = 5;
                let barrier = Rc::new(Barrier::new(N).unwrap());
                let tasks = make_tasks(N - 1, || {
                    let barrier = Rc::clone(&barrier);
                    async move { barrier.wait_async().await.map(|_| ()) }
                });
                yield_now().await;
                assert_eq!(barrier.n_waiting(), N - 1);
                barrier.reset();
                let outcomes = gather_ok(tasks).await;
                assert_eq!(outcomes, vec![Err(BarrierError::Broken); N - 1]);
                assert_eq!(barrier.n_waiting(), 0);
                assert!(!barrier.is_broken());
                assert!(!format!("{barrier:?}").contains("Resetting"));
            });
        });
    }

    /// CPython's `test_abort_barrier_when_tasks_half_draining_half_blocking`:
    /// after a round, some tasks wait again and one aborts: the waiting
    /// ones get `Broken`, and so does every later wait.
    #[test]
    fn asyncio_barrier_test_abort_barrier_when_tasks_half_draining_half_blocking() {
        within(PATIENCE, "the barrier's tasks", || {
            run(async {
                const N: usize = 5;
                const BLOCKING: usize = N / 2;
                let barrier = Rc::new(Barrier::new(N).unwrap());
                let count = Rc::new(Cell::new(0));
                let broken_again = Rc::new(Cell::new(0));
                let tasks = make_tasks(N, || {
                    let (barrier, count, broken_again) = (
                        Rc::clone(&barrier),
                        Rc::clone(&count),
                        Rc::clone(&broken_again),
                    );
                    async move {
                        barrier.wait_async().await.unwrap();
                        count.set(count.get() + 1);
                        if count.get() > BLOCKING {
                            barrier.abort();
                        } else if barrier.wait_async().await == Err(BarrierError::Broken) {
                            broken_again.set(broken_again.get() + 1);
                        }
                    }
                });
                gather_ok(tasks).await;
                assert!(barrier.is_broken());
                assert_eq!(broken_again.get(), BLOCKING);
                assert_eq!(barrier.n_waiting(), 0);
                assert_eq!(barrier.wait_async().await, Err(BarrierError::Broken));
            });
        });
    }

    /// CPython's `test_abort_barrier_when_exception_then_resetting`: one
    /// task fails between two waits and aborts; the others see `Broken`;
    /// all meet at a second barrier, one resets the first, and all pass it.
    #[test]
    fn asyncio_barrier_test_abort_barrier_when_exception_then_resetting() {
        within(PATIENCE, "the barrier's tasks", || {
            run(async {
                const N: usize = 5;
                let first = Rc::new(Barrier::new(N).unwrap());
                let second = Rc::new(Barrier::new(N).unwrap());
                let tally = Rc::new(RefCell::new([0; 3]));
                let tasks = make_tasks(N, || {
                    let (first, second, tally) =
                        (Rc::clone(&first), Rc::clone(&second), Rc::clone(&tally));
                    async move {
                        let index = first.wait_async().await.unwrap().index();
                        if index == N / 2 {
                            first.abort(); // its work failed
                        } else if first.wait_async().await.is_ok() {
                            tally.borrow_mut()[0] += 1;
                        } else {
                            tally.borrow_mut()[1] += 1;
                        }
                        if second.wait_async().await.unwrap().index() == N / 2 {
                            first.reset();
                        }
                        second.wait_async().await.unwrap();
                        first.wait_async().await.unwrap();
                        tally.borrow_mut()[2] += 1;
                    }
                });
                gather_ok(tasks).await;
                assert_eq!(*tally.borrow(), [0, N - 1, N]);
            });
        });
    }

    /// A task that panics while it waits at the barrier drops its wait in
    /// the unwinding: it leaves the round, which stays whole, and the loop
    /// and the other tasks go on.
    #[test]
    fn a_task_that_panics_while_waiting_leaves_the_barrier_whole() {
        within(PATIENCE, "the barrier's tasks", || {
            run(async {
                let barrier = Rc::new(Barrier::new(2).unwrap());
                let failing = {
                    let barrier = Rc::clone(&barrier);
                    spawn(async move {
                        let mut waiting = std::pin::pin!(barrier.wait_async());
                        std::future::poll_fn(|context| {
                            assert!(waiting.as_mut().poll(context).is_pending());
                            std::task::Poll::Ready(())
                        })
                        .await;
                        assert_eq!(barrier.n_waiting(), 1);
                        panic!("a task fails while it waits at the barrier");
                    })
                    .unwrap()
                };
                assert!(matches!(failing.await, Err(TaskError::Panicked(_))));
                assert_eq!((barrier.n_waiting(), barrier.is_broken()), (0, false));
                let tasks = make_tasks(2, || {
                    let barrier = Rc::clone(&barrier);
                    async move { barrier.wait_async().await.unwrap().index() }
                });
                let mut indices = gather_ok(tasks).await;
                indices.sort_unstable();
                assert_eq!(indices, [0, 1]);
            });
        });
    }
}

// ---- threads and tasks at one barrier (tasks polled by hand or by
// common::block_on on their own threads) ----

/// Two threads and two tasks (each on a thread of its own) fill four-party
/// rounds together, three times: one leader and one run of the action per
/// round, whoever arrives last.
#[test]
fn threads_and_tasks_meet_at_one_barrier() {
    within(PATIENCE, "the parties' rounds", || {
        use std::sync::atomic::{AtomicUsize, Ordering};
        const ROUNDS: usize = 3;
        let actions = Arc::new(AtomicUsize::new(0));
        let barrier = {
            let actions = Arc::clone(&actions);
            Barrier::new(4).unwrap().with_action(move || {
                actions.fetch_add(1, Ordering::SeqCst);
            })
        };
        let leaders = AtomicUsize::new(0);
        thread::scope(|scope| {
            for party in 0..4 {
                let (barrier, leaders) = (&barrier, &leaders);
                scope.spawn(move || {
                    for _ in 0..ROUNDS {
                        let result = if party % 2 == 0 {
                            barrier.wait()
                        } else {
                            common::block_on(barrier.wait_async()).0
                        };
                        if result.unwrap().is_leader() {
                            leaders.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        assert_eq!(leaders.load(Ordering::SeqCst), ROUNDS);
        assert_eq!(actions.load(Ordering::SeqCst), ROUNDS);
    });
}

/// A task cancelled after the last party released its round (while the
/// round drains) leaves as a released thread would: the round completes,
/// the barrier reopens once it has left, and the next round fills.
#[test]
fn a_task_cancelled_while_its_round_drains_lets_the_barrier_reopen() {
    within(PATIENCE, "the rounds after a cancelled task", || {
        let barrier = Arc::new(Barrier::new(2).unwrap());
        let (waker, unparker) = common::Unparker::new();
        let mut context = std::task::Context::from_waker(&waker);
        let mut waiting = Box::pin(barrier.wait_async());
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        assert_eq!(barrier.n_waiting(), 1);
        assert!(
            wait_within("the last party's wait", &barrier)
                .unwrap()
                .is_leader()
        );
        assert_eq!(unparker.wakes(), 1, "the release woke the task, once");
        assert!(format!("{barrier:?}").contains("Draining"), "{barrier:?}");
        drop(waiting); // cancelled before it saw its release
        assert!(format!("{barrier:?}").contains("Filling"), "{barrier:?}");
        assert!(!barrier.is_broken());
        let parties = spawn_parties(&barrier, 2);
        for party in parties {
            join_within("a round after the cancelled task", party).unwrap();
        }
    });
}

/// A pending task is woken by `abort` and by `reset`, and resolves to
/// `Broken` (asyncio's `BrokenBarrierError`); an arriving task on a
/// broken barrier gets `Broken` at once.
#[test]
fn abort_and_reset_wake_waiting_tasks_with_broken() {
    let barrier = Barrier::new(2).unwrap();
    for break_it in [Barrier::reset, Barrier::abort] {
        let (waker, unparker) = common::Unparker::new();
        let mut context = std::task::Context::from_waker(&waker);
        let mut waiting = std::pin::pin!(barrier.wait_async());
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        break_it(&barrier);
        assert_eq!(unparker.wakes(), 1);
        assert_eq!(
            waiting.as_mut().poll(&mut context),
            std::task::Poll::Ready(Err(BarrierError::Broken))
        );
        assert_eq!(barrier.n_waiting(), 0);
    }
    assert!(barrier.is_broken(), "the abort came last");
    let arriving = std::pin::pin!(barrier.wait_async());
    assert_eq!(
        arriving.poll(&mut std::task::Context::from_waker(std::task::Waker::noop())),
        std::task::Poll::Ready(Err(BarrierError::Broken))
    );
}

/// A task arriving while a reset round's waiters are still leaving waits
/// for them, then starts the next round, as a thread does.
#[test]
fn a_task_arriving_during_a_reset_waits_for_the_next_round() {
    let barrier = Barrier::new(2).unwrap();
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let mut first = std::pin::pin!(barrier.wait_async());
    assert!(first.as_mut().poll(&mut context).is_pending());
    barrier.reset(); // `first` has not left yet
    let (waker, unparker) = common::Unparker::new();
    let mut late_context = std::task::Context::from_waker(&waker);
    let mut late = std::pin::pin!(barrier.wait_async());
    assert!(late.as_mut().poll(&mut late_context).is_pending());
    assert_eq!(
        barrier.n_waiting(),
        0,
        "the late task is not counted in yet"
    );
    assert!(first.as_mut().poll(&mut context).is_ready()); // leaves: Broken
    assert_eq!(unparker.wakes(), 1, "the reset's end woke the late task");
    assert!(late.as_mut().poll(&mut late_context).is_pending());
    assert_eq!(barrier.n_waiting(), 1, "counted in the new round");
    assert!(barrier.wait_timeout(Duration::ZERO).unwrap().is_leader());
    assert_eq!(
        late.as_mut()
            .poll(&mut late_context)
            .map(|r| r.map(|r| r.index())),
        std::task::Poll::Ready(Ok(0))
    );
}

/// The barrier's action panics: on a thread (the last party), a waiting
/// task is woken with `Broken`; on a task (its poll runs the action), the
/// panic comes out of that poll and a waiting thread gets `Broken`.
#[test]
fn a_panicking_action_breaks_the_barrier_for_tasks_too() {
    within(PATIENCE, "the parties of a broken round", || {
        let barrier = Arc::new(
            Barrier::new(2)
                .unwrap()
                .with_action(|| panic!("the action fails")),
        );
        let (waker, unparker) = common::Unparker::new();
        let mut context = std::task::Context::from_waker(&waker);
        let mut waiting = std::pin::pin!(barrier.wait_async());
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        let leader = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait())
        };
        assert!(
            leader.join().is_err(),
            "the action's panic reached its thread"
        );
        assert_eq!(unparker.wakes(), 1);
        assert_eq!(
            waiting.as_mut().poll(&mut context),
            std::task::Poll::Ready(Err(BarrierError::Broken))
        );
        barrier.reset();
        let waiter = {
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || barrier.wait())
        };
        until_waiting(&barrier, 1);
        let mut leading = std::pin::pin!(barrier.wait_async());
        let polled = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            leading.as_mut().poll(&mut context)
        }));
        assert!(polled.is_err(), "the action's panic came out of the poll");
        assert_eq!(
            join_within("a thread whose round's action panicked", waiter),
            Err(BarrierError::Broken)
        );
        assert!(barrier.is_broken());
        assert_eq!(barrier.n_waiting(), 0);
    });
}

#[test]
#[should_panic = "BarrierWait polled after it resolved"]
fn a_barrier_wait_polled_after_it_resolved_panics() {
    let barrier = Barrier::new(1).unwrap();
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    let mut waiting = std::pin::pin!(barrier.wait_async());
    assert!(waiting.as_mut().poll(&mut context).is_ready());
    let _ = waiting.as_mut().poll(&mut context);
}

#[test]
fn a_barrier_wait_says_where_it_is() {
    let barrier = Barrier::new(2).unwrap();
    let mut waiting = std::pin::pin!(barrier.wait_async());
    assert_eq!(
        format!("{waiting:?}"),
        "BarrierWait { stage: Arriving, .. }"
    );
    let _ = waiting
        .as_mut()
        .poll(&mut std::task::Context::from_waker(std::task::Waker::noop()));
    assert_eq!(
        format!("{waiting:?}"),
        "BarrierWait { stage: Inside { index: 0 }, .. }"
    );
}

/// A task dropped while its round fills, or while it waits for a closing
/// round to end, takes its waker with it: the next phase change wakes the
/// tasks still waiting, not the dropped ones.
#[test]
fn a_dropped_wait_leaves_no_waker_behind() {
    let barrier = Barrier::new(3).unwrap();
    let (dropped_waker, dropped) = common::Unparker::new();
    let (kept_waker, kept) = common::Unparker::new();
    let mut dropped_context = std::task::Context::from_waker(&dropped_waker);
    let mut kept_context = std::task::Context::from_waker(&kept_waker);
    let mut kept_wait = std::pin::pin!(barrier.wait_async());
    assert!(kept_wait.as_mut().poll(&mut kept_context).is_pending());
    // Inside the filling round.
    let mut inside = Box::pin(barrier.wait_async());
    assert!(inside.as_mut().poll(&mut dropped_context).is_pending());
    drop(inside);
    barrier.reset(); // `kept_wait` is inside: the barrier is resetting
    assert_eq!((dropped.wakes(), kept.wakes()), (0, 1));
    // Arriving while the reset round is closing.
    let mut arriving = Box::pin(barrier.wait_async());
    assert!(arriving.as_mut().poll(&mut dropped_context).is_pending());
    drop(arriving);
    assert!(kept_wait.as_mut().poll(&mut kept_context).is_ready()); // leaves
    assert_eq!(dropped.wakes(), 0, "the reopening woke a dropped task");
    assert_eq!(barrier.n_waiting(), 0);
    assert!(!barrier.is_broken());
}
