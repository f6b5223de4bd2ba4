//! `turnstile::process::Pool` with real worker processes: results and
//! their order, a panicking task, the initializer, `max_tasks_per_child`,
//! a worker killed mid-task, the three ways to stop a pool, and the
//! futures' callbacks, `wait` and `as_completed`.
//!
//! Python's own tests of the same behaviours (`_TestPool` in
//! `test/_test_multiprocessing.py`: `test_apply`, `test_map`, `test_imap`,
//! `test_async`, `test_terminate`, `test_pool_worker_lifetime`,
//! `test_maxtasksperchild`, the initializer tests) restated in Rust, plus
//! what Python does not do: a worker killed mid-task fails its task
//! instead of leaving its `get()` waiting forever.
//!
//! Every test runs under the watchdog (`within`), and checks at the end
//! that every worker process it saw was reaped: `kill(pid, 0)` fails with
//! ESRCH only once a process has exited *and* its parent has waited for
//! it (a zombie still answers).

mod common;

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use common::within;
use turnstile::pool::{self, TaskError, WaitFor};
use turnstile::process::{ApplyError, Pool, Shared, StillRunning};

turnstile::process_test_support!();

const LIMIT: Duration = Duration::from_secs(60);

// ---- functions the workers run (each is found by its place in the binary)

fn square(n: u64) -> u64 {
    n * n
}

fn pid(_: ()) -> u32 {
    std::process::id()
}

/// Sleeps `ms` then returns `n`: later items finish first when `ms` falls.
fn slow_echo((n, ms): (u32, u64)) -> u32 {
    thread::sleep(Duration::from_millis(ms));
    n
}

fn sleep_ms(ms: u64) -> u32 {
    thread::sleep(Duration::from_millis(ms));
    std::process::id()
}

fn refuse(word: String) -> u32 {
    if word == "boom" {
        panic!("refused {word}");
    }
    std::process::id()
}

/// In a worker: the shared word its initializer was handed.
static SLOT: OnceLock<Shared<AtomicU32>> = OnceLock::new();

/// An initializer: counts itself in the shared word, and keeps it for
/// the tasks.
fn count_init(counter: Shared<AtomicU32>) {
    counter.fetch_add(1, Ordering::SeqCst);
    let _ = SLOT.set(counter);
}

/// An initializer: keeps the shared word, for [`report_and_sleep`].
fn keep_slot(slot: Shared<AtomicU32>) {
    let _ = SLOT.set(slot);
}

/// Whether this worker's initializer ran before the task.
fn initialized(_: ()) -> bool {
    SLOT.get().is_some()
}

/// Writes this worker's pid where the parent can read it, then sleeps.
fn report_and_sleep(ms: u64) -> u32 {
    if let Some(slot) = SLOT.get() {
        slot.store(std::process::id(), Ordering::SeqCst);
    }
    thread::sleep(Duration::from_millis(ms));
    std::process::id()
}

/// A result that cannot be encoded (Python's `unpickleable_result`).
#[derive(Debug)]
struct Unencodable;

impl serde::Serialize for Unencodable {
    fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom(
            "this value refuses to be encoded",
        ))
    }
}

impl<'de> serde::Deserialize<'de> for Unencodable {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Ok(Unencodable)
    }
}

fn unencodable(_: ()) -> Unencodable {
    Unencodable
}

fn exiting_init(_: ()) {
    std::process::exit(3);
}

fn failing_init(_: ()) {
    panic!("no database");
}

// ---- helpers

/// Whether `pid` is gone for good: exited and reaped.
fn reaped(pid: u32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    let answer = unsafe { libc::kill(pid as libc::pid_t, 0) };
    answer == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

/// Whether worker `pid` (a child of this test process) has ended as a
/// whole, ready to be reaped, without reaping it (`WNOWAIT`). Its
/// `/proc/<pid>/stat` says `Z` earlier than that: a worker of a test binary
/// has two threads (libtest runs the child's one test on a thread of its
/// own), and the group leader is a zombie while the other thread is still
/// exiting, its descriptors (the worker's end of its pipe) still open.
/// Only once `waitid` can report it are they closed.
fn ended(pid: u32) -> bool {
    // SAFETY: a zeroed siginfo_t is a valid out-parameter; waitid only
    // looks at this process's own child `pid` and, with WNOWAIT, leaves it
    // to be reaped by the pool.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    let result = unsafe {
        libc::waitid(
            libc::P_PID,
            pid as libc::id_t,
            &mut info,
            libc::WEXITED | libc::WNOHANG | libc::WNOWAIT,
        )
    };
    // ECHILD: reaped already (by the pool).
    result == -1 || unsafe { info.si_pid() } != 0
}

fn assert_all_reaped(pids: &[u32]) {
    for &pid in pids {
        assert!(
            reaped(pid),
            "worker process {pid} is still there (alive or unreaped)"
        );
    }
}

/// Polls `check` every 5 ms for up to 10 s.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        thread::sleep(Duration::from_millis(5));
    }
}

// ---- tests

#[test]
fn apply_async_returns_each_tasks_result_and_apply_waits_for_one() {
    within(LIMIT, "apply_async results", || {
        let pool = Pool::new(2).unwrap();
        let workers = pool.pids();
        assert_eq!(workers.len(), 2);
        let futures: Vec<_> = (1..=6)
            .map(|n| pool.apply_async(square, n).unwrap())
            .collect();
        let squares: Vec<u64> = futures.iter().map(|f| *f.result().unwrap()).collect();
        assert_eq!(squares, [1, 4, 9, 16, 25, 36]);
        assert_eq!(pool.apply(square, 12), Ok(144));
        // The work ran in the workers, not here.
        let ran_in = pool.apply(pid, ()).unwrap();
        assert_ne!(ran_in, std::process::id());
        assert!(workers.contains(&ran_in));
        pool.close();
        pool.join().unwrap();
        assert!(pool.pids().is_empty());
        assert_all_reaped(&workers);
    });
}

#[test]
fn a_pool_built_on_a_thread_that_ends_keeps_its_workers() {
    // Workers are daemons, and Linux kills a daemon when the *thread*
    // that started it ends: the pool's own threads start them.
    within(LIMIT, "a pool outliving the thread that built it", || {
        let pool = thread::spawn(|| Pool::new(2).unwrap()).join().unwrap();
        let workers = pool.pids();
        thread::sleep(Duration::from_millis(100));
        let ran: Vec<u32> = (0..6).map(|_| pool.apply(pid, ()).unwrap()).collect();
        assert!(
            ran.iter().all(|pid| workers.contains(pid)),
            "the first workers died with the building thread: {workers:?} then {ran:?}"
        );
        assert_eq!(pool.pids(), workers);
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn map_and_imap_give_results_in_item_order_whatever_order_they_finish_in() {
    within(LIMIT, "map and imap", || {
        let pool = Pool::new(3).unwrap();
        let workers = pool.pids();
        // The first items sleep longest, so they finish last.
        let items: Vec<(u32, u64)> = (0..9).map(|n| (n, 90 - 10 * u64::from(n))).collect();
        assert_eq!(pool.map(slow_echo, items.clone()), Ok((0..9).collect()));
        let mut imap = pool.imap(slow_echo, items).unwrap();
        assert_eq!(imap.len(), 9);
        assert_eq!(imap.next(), Some(Ok(0)));
        let rest: Vec<u32> = imap.map(Result::unwrap).collect();
        assert_eq!(rest, (1..9).collect::<Vec<_>>());
        assert_eq!(pool.map(square, Vec::<u64>::new()), Ok(vec![]));
        drop(pool);
        assert_all_reaped(&workers);
    });
}

#[test]
fn a_panicking_task_fails_with_its_message_and_its_worker_serves_on() {
    within(LIMIT, "a panicking task", || {
        let pool = Pool::new(1).unwrap();
        let worker = pool.pids()[0];
        let failed = pool.apply_async(refuse, "boom".to_string()).unwrap();
        match failed.result() {
            Err(TaskError::Panicked(message)) => {
                assert!(message.contains("refused boom"), "{message}")
            }
            other => panic!("expected a panic's message, got {other:?}"),
        }
        // The same process runs the next task: a panic does not kill it.
        assert_eq!(pool.apply(refuse, "fine".to_string()), Ok(worker));
        assert_eq!(pool.pids(), [worker]);
        // map reports the first failure in item order.
        let words = ["a", "boom", "c"].map(String::from);
        assert!(matches!(
            pool.map(refuse, words),
            Err(ApplyError::Task(TaskError::Panicked(_)))
        ));
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&[worker]);
    });
}

#[test]
fn the_initializer_runs_once_in_each_worker_before_its_tasks() {
    within(LIMIT, "the initializer", || {
        let counter = Shared::new(AtomicU32::new(0)).unwrap();
        let pool = Pool::builder()
            .processes(3)
            .initializer(count_init, counter.clone())
            .build()
            .unwrap();
        let workers = pool.pids();
        let ran = pool.map(initialized, vec![(); 12]).unwrap();
        assert!(
            ran.iter().all(|&yes| yes),
            "a task ran before its worker's initializer"
        );
        pool.close();
        pool.join().unwrap();
        assert_eq!(counter.load(Ordering::SeqCst), 3, "once per worker");
        assert_all_reaped(&workers);
    });
}

#[test]
fn a_failing_initializer_breaks_the_pool_instead_of_restarting_workers_forever() {
    within(LIMIT, "a broken pool", || {
        let pool = Pool::builder()
            .processes(2)
            .initializer(failing_init, ())
            .build()
            .unwrap();
        let workers = pool.pids();
        // Queued before or refused after the pool broke: it never runs.
        match pool.apply_async(square, 3) {
            Ok(future) => match future.result() {
                Err(TaskError::PoolBroken(reason)) => {
                    assert!(reason.contains("no database"), "{reason}")
                }
                other => panic!("expected PoolBroken, got {other:?}"),
            },
            Err(ApplyError::Broken(reason)) => assert!(reason.contains("no database"), "{reason}"),
            Err(other) => panic!("expected Broken, got {other:?}"),
        }
        eventually("the pool to say it is broken", || {
            matches!(pool.apply_async(square, 1), Err(ApplyError::Broken(_)))
        });
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn workers_that_die_before_they_are_ready_break_the_pool_after_a_few_tries() {
    within(LIMIT, "workers dying in their initializer", || {
        let pool = Pool::builder()
            .processes(1)
            .initializer(exiting_init, ())
            .build()
            .unwrap();
        let first = pool.pids();
        let failed = pool.apply_async(square, 2).unwrap();
        match failed.result() {
            Err(TaskError::PoolBroken(reason)) => {
                assert!(reason.contains("exit code 3"), "{reason}");
                assert!(reason.contains("3 times in a row"), "{reason}");
            }
            other => panic!("expected PoolBroken, got {other:?}"),
        }
        assert!(matches!(
            pool.apply_async(square, 1),
            Err(ApplyError::Broken(_))
        ));
        pool.close();
        pool.join().unwrap();
        assert!(pool.pids().is_empty());
        assert_all_reaped(&first);
    });
}

#[test]
fn a_result_that_cannot_be_encoded_fails_its_task_and_loses_no_worker() {
    within(LIMIT, "unencodable results", || {
        let pool = Pool::new(2).unwrap();
        let workers = pool.pids();
        for _ in 0..20 {
            let future = pool.apply_async(unencodable, ()).unwrap();
            match future.result() {
                Err(TaskError::Transfer(why)) => {
                    assert!(why.contains("result could not be encoded"), "{why}")
                }
                other => panic!("expected Transfer, got {other:?}"),
            }
        }
        assert_eq!(pool.pids(), workers, "no worker was lost or replaced");
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn result_timeout_gives_up_on_a_slow_task_and_asks_again_later() {
    within(LIMIT, "result_timeout", || {
        let pool = Pool::new(1).unwrap();
        let workers = pool.pids();
        let slow = pool.apply_async(sleep_ms, 300).unwrap();
        let started = Instant::now();
        assert_eq!(
            slow.result_timeout(Duration::from_millis(50)),
            Err(turnstile::Timeout)
        );
        assert!(started.elapsed() >= Duration::from_millis(50));
        assert!(
            slow.result_timeout(Duration::from_secs(20))
                .unwrap()
                .is_ok()
        );
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn closing_early_a_pool_of_short_lived_workers_still_runs_every_task() {
    // Python's issue #10332: join hung here.
    within(LIMIT, "early close with max_tasks_per_child", || {
        let pool = Pool::builder()
            .processes(3)
            .max_tasks_per_child(1)
            .build()
            .unwrap();
        let futures: Vec<_> = (0..6u32)
            .map(|n| pool.apply_async(slow_echo, (n, 30)).unwrap())
            .collect();
        pool.close();
        pool.join().unwrap();
        let results: Vec<u32> = futures.iter().map(|f| *f.result().unwrap()).collect();
        assert_eq!(results, [0, 1, 2, 3, 4, 5]);
        assert!(pool.pids().is_empty());
    });
}

#[test]
fn max_tasks_per_child_one_runs_each_task_in_a_new_process() {
    within(LIMIT, "max_tasks_per_child", || {
        let pool = Pool::builder()
            .processes(1)
            .max_tasks_per_child(1)
            .build()
            .unwrap();
        let mut seen: Vec<u32> = (0..4).map(|_| pool.apply(pid, ()).unwrap()).collect();
        let ran = seen.clone();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 4, "each task in its own process: {ran:?}");
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&seen);
    });
}

#[test]
fn a_worker_killed_mid_task_fails_that_task_and_is_replaced() {
    within(LIMIT, "a killed worker", || {
        let slot = Shared::new(AtomicU32::new(0)).unwrap();
        let pool = Pool::builder()
            .processes(2)
            .initializer(keep_slot, slot.clone())
            .build()
            .unwrap();
        let mut seen = pool.pids();
        let doomed = pool.apply_async(report_and_sleep, 30_000).unwrap();
        eventually("the task to report its worker", || {
            slot.load(Ordering::SeqCst) != 0
        });
        let victim = slot.load(Ordering::SeqCst);
        let others: Vec<_> = (1..=4)
            .map(|n| pool.apply_async(square, n).unwrap())
            .collect();
        // SAFETY: a signal to our own pool's worker process.
        assert_eq!(
            unsafe { libc::kill(victim as libc::pid_t, libc::SIGKILL) },
            0
        );
        let error = doomed.result().unwrap_err();
        assert_eq!(
            error,
            TaskError::WorkerDied {
                pid: victim,
                exitcode: Some(-libc::SIGKILL)
            }
        );
        assert_eq!(
            error.to_string(),
            format!(
                "worker process {victim} died (killed by signal 9 (SIGKILL)) while running this task"
            )
        );
        let squares: Vec<u64> = others.iter().map(|f| *f.result().unwrap()).collect();
        assert_eq!(squares, [1, 4, 9, 16]);
        // Replaced: two workers again, the victim not among them.
        eventually("a new worker", || {
            let now = pool.pids();
            now.len() == 2 && !now.contains(&victim)
        });
        seen.extend(pool.pids());
        assert!(reaped(victim), "the killed worker is reaped");
        assert_eq!(pool.apply(square, 5), Ok(25));
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&seen);
    });
}

#[test]
fn a_worker_killed_while_idle_is_replaced_without_failing_the_next_task() {
    within(LIMIT, "an idle worker killed", || {
        let pool = Pool::new(1).unwrap();
        let victim = pool.pids()[0];
        assert_eq!(pool.apply(pid, ()), Ok(victim)); // ready, and idle now
        // SAFETY: a signal to our own pool's worker process.
        assert_eq!(
            unsafe { libc::kill(victim as libc::pid_t, libc::SIGKILL) },
            0
        );
        // Let it die before the task is handed over (a zombie: exited,
        // its descriptors closed, not reaped yet): the minder must see
        // the death first, not blame the task for it.
        eventually("the killed worker to end", || ended(victim));
        let ran_in = pool.apply(pid, ()).expect("the task runs on a new worker");
        assert_ne!(ran_in, victim);
        assert!(reaped(victim));
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&[ran_in]);
    });
}

#[test]
fn a_worker_killed_as_it_starts_is_replaced_and_the_pool_goes_on() {
    within(LIMIT, "a starting worker killed", || {
        let pool = Pool::new(1).unwrap();
        let victim = pool.pids()[0];
        // Most likely before it said it was ready (it was just started).
        // SAFETY: a signal to our own pool's worker process.
        assert_eq!(
            unsafe { libc::kill(victim as libc::pid_t, libc::SIGKILL) },
            0
        );
        eventually("the killed worker to end", || ended(victim));
        let ran_in = pool
            .apply(pid, ())
            .unwrap_or_else(|e| panic!("the task runs on a new worker (victim {victim}): {e:?}"));
        assert_ne!(ran_in, victim);
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&[victim, ran_in]);
    });
}

#[test]
fn close_refuses_new_tasks_and_join_waits_for_the_queued_ones() {
    within(LIMIT, "close and join", || {
        let pool = Pool::new(2).unwrap();
        let workers = pool.pids();
        assert_eq!(
            pool.join(),
            Err(StillRunning),
            "join before close is refused"
        );
        let futures: Vec<_> = (0..6)
            .map(|_| pool.apply_async(sleep_ms, 50).unwrap())
            .collect();
        pool.close();
        pool.close(); // twice is harmless
        assert_eq!(pool.apply_async(square, 1).unwrap_err(), ApplyError::Closed);
        pool.join().unwrap();
        for future in &futures {
            assert!(future.is_done(), "join returned before a queued task ran");
            assert!(workers.contains(future.result().unwrap()));
        }
        assert_all_reaped(&workers);
        pool.join().unwrap(); // again: nothing left to wait for
    });
}

#[test]
fn two_threads_joining_both_return_only_once_every_worker_is_reaped() {
    within(LIMIT, "two joiners", || {
        let pool = std::sync::Arc::new(Pool::new(2).unwrap());
        let workers = pool.pids();
        let _busy: Vec<_> = (0..4)
            .map(|_| pool.apply_async(sleep_ms, 100).unwrap())
            .collect();
        pool.close();
        let joiners: Vec<_> = (0..2)
            .map(|_| {
                let pool = std::sync::Arc::clone(&pool);
                let workers = workers.clone();
                thread::spawn(move || {
                    pool.join().unwrap();
                    assert_all_reaped(&workers);
                })
            })
            .collect();
        for joiner in joiners {
            joiner.join().unwrap();
        }
    });
}

#[test]
fn a_done_callback_may_close_join_and_drop_the_pool_without_a_deadlock() {
    within(LIMIT, "join from a callback", || {
        let pool = std::sync::Arc::new(Pool::new(1).unwrap());
        let workers = pool.pids();
        let (tell, told) = mpsc::channel();
        let future = pool.apply_async(square, 3).unwrap();
        let mine = std::sync::Arc::clone(&pool);
        future.add_done_callback(move |_| {
            mine.close();
            // On the minder thread: returns at once instead of waiting
            // for itself.
            let _ = tell.send(mine.join());
            drop(mine);
        });
        assert_eq!(told.recv_timeout(Duration::from_secs(20)), Ok(Ok(())));
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn terminate_kills_the_workers_and_fails_unfinished_tasks_clearly() {
    within(LIMIT, "terminate", || {
        let pool = Pool::new(1).unwrap();
        let workers = pool.pids();
        let running = pool.apply_async(sleep_ms, 30_000).unwrap();
        let queued: Vec<_> = (0..3)
            .map(|n| pool.apply_async(square, n).unwrap())
            .collect();
        eventually("the long task to start", || running.is_running());
        let started = Instant::now();
        pool.terminate();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "terminate waited for the task"
        );
        assert_eq!(running.result(), Err(TaskError::Terminated));
        for future in &queued {
            assert_eq!(future.result(), Err(TaskError::Terminated));
        }
        assert_eq!(
            pool.apply_async(square, 1).unwrap_err(),
            ApplyError::Terminated
        );
        assert!(pool.pids().is_empty());
        assert_all_reaped(&workers);
        pool.join().unwrap(); // after terminate: returns at once
    });
}

#[test]
fn dropping_a_pool_terminates_it() {
    within(LIMIT, "drop", || {
        let pool = Pool::new(2).unwrap();
        let workers = pool.pids();
        let running = pool.apply_async(sleep_ms, 30_000).unwrap();
        eventually("the long task to start", || running.is_running());
        drop(pool);
        assert_eq!(running.result(), Err(TaskError::Terminated));
        assert_all_reaped(&workers);
    });
}

#[test]
fn a_done_callback_fires_with_the_outcome() {
    within(LIMIT, "a done-callback", || {
        let pool = Pool::new(1).unwrap();
        let workers = pool.pids();
        let (tell, told) = mpsc::channel();
        let future = pool.apply_async(square, 9).unwrap();
        let failing = pool.apply_async(refuse, "boom".to_string()).unwrap();
        let tell_too = tell.clone();
        future.add_done_callback(move |outcome| {
            let _ = tell.send(outcome.as_ref().map(|n| *n as u32).map_err(Clone::clone));
        });
        failing.add_done_callback(move |outcome| {
            let _ = tell_too.send(outcome.as_ref().copied().map_err(Clone::clone));
        });
        let mut outcomes = [
            told.recv_timeout(Duration::from_secs(20)).unwrap(),
            told.recv_timeout(Duration::from_secs(20)).unwrap(),
        ];
        outcomes.sort_by_key(Result::is_err);
        assert_eq!(outcomes[0], Ok(81));
        assert!(matches!(outcomes[1], Err(TaskError::Panicked(_))));
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn wait_and_as_completed_work_over_process_futures() {
    within(LIMIT, "wait and as_completed", || {
        let pool = Pool::new(2).unwrap();
        let workers = pool.pids();
        let quick = pool.apply_async(slow_echo, (1, 0)).unwrap();
        let slow = pool.apply_async(slow_echo, (2, 30_000)).unwrap();
        let first = pool::wait([&quick, &slow], WaitFor::FirstCompleted);
        assert!(first.done.iter().any(|f| std::ptr::eq(*f, &quick)));
        assert!(first.pending.iter().any(|f| std::ptr::eq(*f, &slow)));
        eventually("the slow task to start", || slow.is_running());
        assert!(!slow.cancel(), "a running task cannot be cancelled");
        let futures: Vec<_> = (0..5u32)
            .map(|n| {
                pool.apply_async(slow_echo, (n, 10 * u64::from(5 - n)))
                    .unwrap()
            })
            .collect();
        let mut arrived: Vec<u32> = pool::as_completed(&futures)
            .map(|f| *f.result().unwrap())
            .collect();
        arrived.sort_unstable();
        assert_eq!(arrived, [0, 1, 2, 3, 4]);
        let all = pool::wait(&futures, WaitFor::AllCompleted);
        assert_eq!((all.done.len(), all.pending.len()), (5, 0));
        pool.terminate();
        assert_eq!(slow.result(), Err(TaskError::Terminated));
        assert_all_reaped(&workers);
    });
}

#[test]
fn a_task_queued_and_cancelled_never_runs() {
    within(LIMIT, "cancel", || {
        let pool = Pool::new(1).unwrap();
        let workers = pool.pids();
        let busy = pool.apply_async(sleep_ms, 200).unwrap();
        let waiting = pool.apply_async(square, 2).unwrap();
        assert!(waiting.cancel());
        assert_eq!(waiting.result(), Err(TaskError::Cancelled));
        assert!(busy.result().is_ok());
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn a_process_handle_in_a_task_argument_is_refused_with_a_clear_error() {
    within(LIMIT, "a handle in a task", || {
        let pool = Pool::new(1).unwrap();
        let workers = pool.pids();
        let shared = Shared::new(AtomicU32::new(0)).unwrap();
        match pool.apply_async(keep_slot, shared) {
            Err(ApplyError::Encode(why)) => assert!(why.contains("initializer"), "{why}"),
            other => panic!("expected Encode, got {other:?}"),
        }
        pool.close();
        pool.join().unwrap();
        assert_all_reaped(&workers);
    });
}

#[test]
fn bad_builds_are_refused_before_anything_starts() {
    use turnstile::process::PoolError;
    assert!(matches!(Pool::new(0), Err(PoolError::ZeroWorkers)));
    assert!(matches!(
        Pool::builder().processes(1).max_tasks_per_child(0).build(),
        Err(PoolError::ZeroMaxTasks)
    ));
}
