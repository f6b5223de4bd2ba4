//! The waits asyncio users reach for, on the event loop: `TaskGroup`,
//! `try_gather` (gather's default), `wait` with `FirstException` and a
//! timeout, and what a panic inside any of them does (it ends that task,
//! never the loop). Orders are asserted with logs, not clocks.

mod common;

use std::rc::Rc;
use std::time::Duration;

use turnstile::event_loop::{
    GroupSpawnError, ReturnWhen, TaskGroup, run, sleep, spawn, try_gather, wait, wait_for,
    wait_timeout, yield_now,
};
use turnstile::{TaskError, Timeout};

use common::{log, note};

fn watched(body: fn()) {
    common::within(common::PATIENCE, "the event loop's run and its waits", body);
}

/// test_taskgroups.py's test_taskgroup_01: the group's end waits for every
/// member, and each handle has its member's output.
#[test]
fn a_group_joins_when_every_member_has_ended() {
    watched(|| {
        let log = log();
        let outputs = run({
            let log = Rc::clone(&log);
            async move {
                let group = TaskGroup::new().unwrap();
                let slow_log = Rc::clone(&log);
                let slow = group
                    .spawn(async move {
                        sleep(Duration::from_millis(20)).await;
                        note(&slow_log, "slow ended");
                        2
                    })
                    .unwrap();
                let quick = group.spawn(async { 1 }).unwrap();
                assert_eq!(group.running(), 2);
                group.join().await.unwrap();
                note(&log, "joined");
                (quick.await.unwrap(), slow.await.unwrap())
            }
        });
        assert_eq!(outputs, (1, 2));
        assert_eq!(*log.borrow(), ["slow ended", "joined"]);
    });
}

/// test_taskgroups.py's test_taskgroup_03 and _08: a member that fails
/// cancels its siblings; the group reports the failure once all have
/// ended; tasks outside the group, and the loop, are unharmed.
#[test]
fn a_panicking_member_cancels_its_siblings_and_join_reports_it() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let bystander_log = Rc::clone(&log);
                let bystander = spawn(async move {
                    sleep(Duration::from_millis(30)).await;
                    note(&bystander_log, "bystander ended");
                })
                .unwrap();
                let group = TaskGroup::new().unwrap();
                let sibling_log = Rc::clone(&log);
                let sibling = group
                    .spawn(async move {
                        sleep(Duration::from_secs(60)).await;
                        note(&sibling_log, "sibling ran on");
                    })
                    .unwrap();
                group
                    .spawn(async {
                        yield_now().await;
                        panic!("boom");
                    })
                    .unwrap()
                    .detach();
                let failed = group.join().await.unwrap_err();
                assert_eq!(failed.failures(), [TaskError::Panicked("boom".into())]);
                assert_eq!(sibling.await, Err(TaskError::Cancelled));
                let refused = group.spawn(async {}).unwrap_err();
                assert_eq!(refused, GroupSpawnError::Joined);
                assert_eq!(
                    refused.to_string(),
                    "the task group is finished: join has returned"
                );
                note(&log, "joined");
                bystander.await.unwrap();
            }
        });
        assert_eq!(*log.borrow(), ["joined", "bystander ended"]);
    });
}

/// A sibling that fails while it is being cancelled (its cleanup, here a
/// drop, panics) is a second failure, and both are reported, as asyncio's
/// ExceptionGroup holds an error raised during the cancellation
/// (test_taskgroups.py's test_taskgroup_07 idea). A member asked to stop
/// before its first turn never runs; and a shutting-down group takes no
/// new member (test_taskgroup_15's RuntimeError).
#[test]
fn every_panic_is_reported_and_a_shutting_down_group_takes_no_member() {
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("second, while cancelled");
        }
    }
    watched(|| {
        run(async {
            let group = TaskGroup::new().unwrap();
            group
                .spawn(async {
                    let _cleanup = PanicsOnDrop;
                    sleep(Duration::from_secs(60)).await;
                })
                .unwrap()
                .detach();
            yield_now().await; // it starts, and sleeps
            group.spawn(async { panic!("first") }).unwrap().detach();
            let never = group
                .spawn(async { unreachable!("asked to stop first") })
                .unwrap();
            yield_now().await; // "first" panics; "never" is cancelled at its turn
            let refused = group.spawn(async {}).unwrap_err();
            assert_eq!(refused, GroupSpawnError::ShuttingDown);
            assert_eq!(
                refused.to_string(),
                "the task group is shutting down: a member panicked"
            );
            let failed = group.join().await.unwrap_err();
            assert_eq!(
                failed.failures(),
                [
                    TaskError::Panicked("first".into()),
                    TaskError::Panicked("second, while cancelled".into())
                ]
            );
            assert_eq!(
                failed.to_string(),
                "2 tasks of the group failed: the task panicked: first; \
                 the task panicked: second, while cancelled"
            );
            assert!(never.is_cancelled());
        });
    });
}

/// test_taskgroups.py's test_taskgroup_04 (a member cancelled from
/// outside is not a failure) and test_taskgroup_cancel_children_on_exit's
/// idea in Rust: the group dropped, its members cancelled at once.
#[test]
fn a_cancelled_member_is_no_failure_and_a_dropped_group_cancels_its_members() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let group = TaskGroup::new().unwrap();
                let member = group.spawn(sleep(Duration::from_secs(60))).unwrap();
                member.cancel();
                assert_eq!(group.join().await, Ok(()));

                let dropped = TaskGroup::new().unwrap();
                let member_log = Rc::clone(&log);
                dropped
                    .spawn(async move {
                        sleep(Duration::from_secs(60)).await;
                        note(&member_log, "member ran on");
                    })
                    .unwrap()
                    .detach();
                yield_now().await;
                assert_eq!(dropped.running(), 1);
                drop(dropped);
                note(&log, "group dropped");
                sleep(Duration::from_millis(5)).await;
            }
        });
        assert_eq!(*log.borrow(), ["group dropped"]);
    });
}

/// TaskGroup::new outside a loop is an error, as asyncio's is.
#[test]
fn a_group_outside_a_loop_is_an_error() {
    assert!(TaskGroup::new().is_err());
    // Made in a loop that has ended since: refused, with the reason.
    let outlived = run(async { TaskGroup::new().unwrap() });
    let refused = outlived.spawn(async {}).unwrap_err();
    assert_eq!(refused, GroupSpawnError::NoRunningLoop);
    assert_eq!(
        refused.to_string(),
        "no running event loop: spawn from inside event_loop::run"
    );
}

/// test_tasks.py's GatherTests test_one_exception: the first error
/// reaches the awaiter at once, and the others are not cancelled: they run
/// on to their end.
#[test]
fn try_gather_raises_the_first_error_and_the_others_run_on() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let member = |name: &'static str, ms: u64, fails: bool| {
                    let log = Rc::clone(&log);
                    async move {
                        sleep(Duration::from_millis(ms)).await;
                        note(&log, format!("{name} ended"));
                        if fails { Err(name) } else { Ok(name) }
                    }
                };
                let first_error = try_gather([
                    member("a", 30, false),
                    member("b", 5, true),
                    member("c", 40, true),
                ])
                .await;
                assert_eq!(first_error, Err("b"));
                note(&log, "gather raised");
                sleep(Duration::from_millis(80)).await;
            }
        });
        assert_eq!(
            *log.borrow(),
            ["b ended", "gather raised", "a ended", "c ended"]
        );
    });
}

/// GatherTests' test_result and the handles' form: with no error, every
/// value, in the order given; task handles work as members (their error
/// is the task's).
#[test]
fn try_gather_of_handles_gives_every_value_or_the_tasks_failure() {
    watched(|| {
        run(async {
            let handles = vec![spawn(async { 1 }).unwrap(), spawn(async { 2 }).unwrap()];
            let gathering = try_gather(handles);
            assert_eq!(
                format!("{gathering:?}"),
                "TryGather(Gather { members: 2, done: 0 })"
            );
            assert_eq!(gathering.await, Ok(vec![1, 2]));
            let failing = vec![
                spawn(async { 1 }).unwrap(),
                spawn(async { panic!("lost") }).unwrap(),
            ];
            assert_eq!(
                try_gather(failing).await,
                Err(TaskError::Panicked("lost".into()))
            );
        });
    });
}

/// test_tasks.py's test_wait_first_exception and
/// test_wait_first_exception_in_wait: FIRST_EXCEPTION resolves at the
/// first failure, and with none, once all have ended.
#[test]
fn wait_first_exception_resolves_at_a_panic_or_when_all_end() {
    watched(|| {
        run(async {
            let slow = spawn(async {
                sleep(Duration::from_secs(60)).await;
            })
            .unwrap();
            let failing = spawn(async {
                sleep(Duration::from_millis(5)).await;
                panic!("bad");
            })
            .unwrap();
            let (done, pending) = wait(vec![slow, failing], ReturnWhen::FirstException).await;
            assert_eq!((done.len(), pending.len()), (1, 1));
            assert!(matches!(
                done.into_iter().next().unwrap().await,
                Err(TaskError::Panicked(_))
            ));

            let a = spawn(sleep(Duration::from_millis(5))).unwrap();
            let b = spawn(sleep(Duration::from_millis(10))).unwrap();
            let (done, pending) = wait(vec![a, b], ReturnWhen::FirstException).await;
            assert_eq!((done.len(), pending.len()), (2, 0));

            // A cancel is not an exception.
            let cancelled = spawn(sleep(Duration::from_secs(60))).unwrap();
            cancelled.cancel();
            let running = spawn(sleep(Duration::from_millis(10))).unwrap();
            let (done, pending) = wait(vec![cancelled, running], ReturnWhen::FirstException).await;
            assert_eq!((done.len(), pending.len()), (2, 0));
        });
    });
}

/// test_tasks.py's test_wait_with_timeout: on the timeout, `(done,
/// pending)` as they are, no error, and the pending task still running.
#[test]
fn wait_timeout_hands_back_done_and_pending_and_the_pending_run_on() {
    watched(|| {
        let log = log();
        run({
            let log = Rc::clone(&log);
            async move {
                let quick = spawn(async {}).unwrap();
                let slow_log = Rc::clone(&log);
                let slow = spawn(async move {
                    sleep(Duration::from_millis(40)).await;
                    note(&slow_log, "slow ended");
                })
                .unwrap();
                let (done, pending) = wait_timeout(
                    vec![quick, slow],
                    Duration::from_millis(10),
                    ReturnWhen::AllCompleted,
                )
                .await;
                assert_eq!((done.len(), pending.len()), (1, 1));
                note(&log, "wait timed out");
                for handle in pending {
                    handle.await.unwrap();
                }
            }
        });
        assert_eq!(*log.borrow(), ["wait timed out", "slow ended"]);
    });
}

/// Bad input: a `wait_for` whose future panics fails the task awaiting it,
/// with the panic's message; the loop and the other tasks run on.
#[test]
fn a_panic_inside_wait_for_fails_that_task_only() {
    watched(|| {
        let outputs = run(async {
            let other = spawn(async {
                sleep(Duration::from_millis(10)).await;
                "other"
            })
            .unwrap();
            let failing = spawn(async {
                let _: Result<(), Timeout> = wait_for(Duration::from_secs(5), async {
                    yield_now().await;
                    panic!("inside wait_for");
                })
                .await;
            })
            .unwrap();
            (failing.await, other.await)
        });
        assert_eq!(
            outputs,
            (
                Err(TaskError::Panicked("inside wait_for".into())),
                Ok("other")
            )
        );
    });
}

/// Bad input: a task whose drop panics while it is cancelled ends as
/// panicked, whether the cancel was asked for or came from a dropped
/// handle; the loop runs on.
#[test]
fn a_drop_that_panics_while_cancelled_fails_that_task_only() {
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    watched(|| {
        let survived = run(async {
            let asked = spawn(async {
                let _bomb = PanicsOnDrop;
                sleep(Duration::from_secs(60)).await;
            })
            .unwrap();
            let dropped = spawn(async {
                let _bomb = PanicsOnDrop;
                sleep(Duration::from_secs(60)).await;
            })
            .unwrap();
            yield_now().await;
            asked.cancel();
            assert_eq!(asked.await, Err(TaskError::Panicked("drop failed".into())));
            drop(dropped); // its drop's panic is caught, not raised here
            spawn(async { "still running" }).unwrap().await
        });
        assert_eq!(survived, Ok("still running"));
    });
}
