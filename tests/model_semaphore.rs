//! loom models of `Semaphore` and `BoundedSemaphore`, and of the semaphore
//! that checks and takes in two steps.
//! `cargo test --test model_semaphore -- --show-output` prints loom's report.

mod common;

use std::future::Future as _;
use std::task::Context;

use common::{
    Branches, CountingWaker, DEFAULT_PREEMPTIONS, assert_timeline, catch_failure, model,
    ready_after_at_most_one_wake,
};
use loom::sync::Arc;
use turnstile::model::broken::CheckThenTakeSemaphore;
use turnstile::model::sync::atomic::{AtomicUsize, Ordering};
use turnstile::model::thread;
use turnstile::model::{BoundedSemaphore, Semaphore};

/// What the holder-count property needs from a semaphore.
trait Permits: Send + Sync + 'static {
    fn with_permits(n: usize) -> Self;
    fn acquire(&self);
    fn release(&self);
}

impl Permits for Semaphore {
    fn with_permits(n: usize) -> Self {
        Semaphore::new(n)
    }
    fn acquire(&self) {
        Semaphore::acquire(self).forget();
    }
    fn release(&self) {
        Semaphore::release(self, 1);
    }
}

impl Permits for CheckThenTakeSemaphore {
    fn with_permits(n: usize) -> Self {
        CheckThenTakeSemaphore::new(n as isize)
    }
    fn acquire(&self) {
        CheckThenTakeSemaphore::acquire(self);
    }
    fn release(&self) {
        CheckThenTakeSemaphore::release(self);
    }
}

/// Property: with N permits, never more than N threads hold one at once.
/// Here N = 1 and two threads: a semaphore of one is a lock.
fn never_more_than_n_holders<S: Permits>() {
    const N: usize = 1;
    let shared = Arc::new((S::with_permits(N), AtomicUsize::new(0)));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let shared = Arc::clone(&shared);
            thread::spawn(move || {
                let (semaphore, inside) = &*shared;
                semaphore.acquire();
                let holders = inside.fetch_add(1, Ordering::SeqCst) + 1;
                assert!(holders <= N, "{holders} holders of {N} permit(s)");
                inside.fetch_sub(1, Ordering::SeqCst);
                semaphore.release();
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
}

#[test]
fn semaphore_never_more_than_n_holders() {
    model(never_more_than_n_holders::<Semaphore>);
}

#[test]
fn broken_check_then_take_semaphore_is_caught() {
    let failure = catch_failure(
        DEFAULT_PREEMPTIONS,
        "two holders of one permit (check and take in two steps)",
        never_more_than_n_holders::<CheckThenTakeSemaphore>,
    );
    assert_timeline(
        &failure,
        &["main", "thread 1", "thread 2"],
        (
            "check_then_take_semaphore.rs",
            include_str!("../src/model/broken/check_then_take_semaphore.rs"),
            "CheckThenTakeSemaphore",
        ),
        "2 holders of 1 permit",
    );
}

/// Property: a release wakes a thread waiting for a permit. A lost wake-up
/// leaves it asleep: loom reports a deadlock.
#[test]
fn semaphore_release_wakes_a_waiter() {
    model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let waiter = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || semaphore.acquire().forget())
        };
        semaphore.release(1);
        waiter.join().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    });
}

/// Property: with a waiter for two permits and a waiter for one, releasing
/// one permit reaches the waiter for one. (Waking just one waiter could
/// wake the greedy one, which sleeps again beside the free permit.)
#[test]
fn semaphore_small_waiter_not_stranded_behind_a_greedy_one() {
    model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let greedy = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || semaphore.acquire_many(2).forget())
        };
        let small = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || semaphore.acquire().forget())
        };
        semaphore.release(1);
        small.join().unwrap();
        semaphore.release(2);
        greedy.join().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    });
}

/// Property: a bounded semaphore never accepts more releases than permits
/// were taken out, however releases race. One permit is taken and forgotten;
/// two threads each try to release one: exactly one must succeed.
#[test]
fn bounded_semaphore_over_release_is_refused() {
    model(|| {
        let semaphore = Arc::new(BoundedSemaphore::new(1));
        semaphore.acquire().forget();
        let releasers: Vec<_> = (0..2)
            .map(|_| {
                let semaphore = Arc::clone(&semaphore);
                thread::spawn(move || semaphore.release(1).is_ok())
            })
            .collect();
        let accepted = releasers
            .into_iter()
            .map(|releaser| releaser.join().unwrap())
            .filter(|&ok| ok)
            .count();
        assert_eq!(
            accepted, 1,
            "one permit was out; {accepted} releases were accepted"
        );
        assert_eq!(semaphore.available_permits(), 1);
    });
}

/// Property: `release(2)` with two threads waiting for one permit each
/// wakes both. Waking one would leave the other asleep beside a free permit:
/// loom reports a deadlock.
#[test]
fn semaphore_release_many_wakes_as_many_waiters() {
    model(|| {
        let semaphore = Arc::new(Semaphore::new(0));
        let waiters: Vec<_> = (0..2)
            .map(|_| {
                let semaphore = Arc::clone(&semaphore);
                thread::spawn(move || semaphore.acquire().forget())
            })
            .collect();
        semaphore.release(2);
        for waiter in waiters {
            waiter.join().unwrap();
        }
        assert_eq!(semaphore.available_permits(), 0);
    });
}

/// Property: a bounded semaphore's release wakes a waiter, as the plain
/// one's does (it has its own release path).
#[test]
fn bounded_semaphore_release_wakes_a_waiter() {
    model(|| {
        let semaphore = Arc::new(BoundedSemaphore::new(1));
        semaphore.acquire().forget();
        let waiter = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || semaphore.acquire().forget())
        };
        semaphore.release(1).unwrap();
        waiter.join().unwrap();
        assert_eq!(semaphore.available_permits(), 0);
    });
}

/// Property: a timed acquire racing a release takes the permit or takes
/// nothing, and strands nobody. loom lets the deadline pass at any step, so
/// both outcomes are explored; a blocking acquirer beside it must get a
/// permit either way (the timed one gives its permit back if it got one).
/// At the end exactly the one permit is free: a timeout that gave back a
/// permit it never took (issue 10, defect 1) makes two.
#[test]
fn semaphore_timeout_racing_a_release_takes_all_or_nothing() {
    static BRANCHES: Branches = Branches::new();
    model(|| {
        let semaphore = Arc::new(BoundedSemaphore::new(1));
        semaphore.acquire().forget();
        let timed = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || {
                let permit = semaphore.acquire_timeout(std::time::Duration::from_secs(3600));
                BRANCHES.record(permit.is_ok())
            })
        };
        let blocking = {
            let semaphore = Arc::clone(&semaphore);
            thread::spawn(move || drop(semaphore.acquire()))
        };
        semaphore.release(1).unwrap();
        timed.join().unwrap();
        blocking.join().unwrap();
        assert_eq!(semaphore.available_permits(), 1, "one permit, and only one");
    });
    BRANCHES.assert_both_taken("acquire_timeout racing a release");
}

/// Property: an async acquire racing a release (its count-in and waker
/// registration against the release's look at the waiters) is woken when
/// it was left pending, and then takes the permit.
#[test]
fn semaphore_acquire_async_racing_release_is_woken() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release(1))
        };
        let (waker, wakes) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut waiting = Box::pin(sem.acquire_async());
        let first = waiting.as_mut().poll(&mut context);
        releaser.join().unwrap();
        let permit = ready_after_at_most_one_wake(first, &mut waiting, &mut context, &wakes);
        assert_eq!(permit.count(), 1);
        drop(permit);
        drop(waiting);
        assert_eq!(sem.available_permits(), 1);
    });
}

/// Property: a thread and an async task both waiting are both served by
/// the permits one release adds, under loom's executor for the task (a lost
/// wake-up leaves it parked, which loom reports).
#[test]
fn semaphore_thread_and_task_waiting_both_get_permits() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let thread_waiter = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || drop(sem.acquire()))
        };
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release(2))
        };
        drop(loom::future::block_on(sem.acquire_async()));
        thread_waiter.join().unwrap();
        releaser.join().unwrap();
        assert_eq!(sem.available_permits(), 2);
    });
}

/// Property: a pending async acquire dropped (cancelled) while a release
/// runs takes nothing and keeps no one from the permit: another task then
/// gets it.
#[test]
fn semaphore_acquire_async_cancelled_racing_release_loses_no_permit() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let (waker, _) = CountingWaker::new();
        let mut cancelled = Box::pin(sem.acquire_async());
        assert!(
            cancelled
                .as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release(1))
        };
        drop(cancelled);
        let permit = loom::future::block_on(sem.acquire_async());
        releaser.join().unwrap();
        assert_eq!((permit.count(), sem.available_permits()), (1, 0));
    });
}

/// Property: a task waiting in line is served by a release even when
/// another task arrives while the release runs (and joins the line, and
/// may serve it itself): once the release is over, the first task's next
/// poll is ready; it is woken exactly once; the other is served too, and
/// no permit is left over or lost.
#[test]
fn semaphore_acquire_async_arriving_during_a_release_serves_the_first_in_line() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let (waker, wakes) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut waiting = Box::pin(sem.acquire_async());
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        let other = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || loom::future::block_on(sem.acquire_async()).forget())
        };
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release(2))
        };
        releaser.join().unwrap();
        // Served (by the release, or by the other task), if perhaps not
        // woken yet: whoever served it wakes it after letting the lock go.
        let std::task::Poll::Ready(permit) = waiting.as_mut().poll(&mut context) else {
            panic!("the release is over, and the first in line not served");
        };
        permit.forget();
        other.join().unwrap();
        assert_eq!(wakes.wakes(), 1, "the first task in line not woken once");
        assert_eq!(sem.available_permits(), 0, "two permits, two tasks served");
    });
}

/// Property: a task chosen by a release and dropped (cancelled) before it
/// runs loses no permit: two tasks in line, one permit; the release races
/// the first task's drop. Once both are over, the second task has been
/// served and woken, whichever came first (the release handing the permit
/// to the first, whose drop gives it back and so on to the second; or the
/// drop, then the release serving the second).
#[test]
fn semaphore_acquire_async_cancel_racing_the_hand_off_loses_no_permit() {
    model(|| {
        let sem = Arc::new(Semaphore::new(0));
        let (first_waker, _) = CountingWaker::new();
        let (second_waker, second_wakes) = CountingWaker::new();
        let mut second_context = Context::from_waker(&second_waker);
        let mut first = Box::pin(sem.acquire_async());
        let mut second = Box::pin(sem.acquire_async());
        assert!(
            first
                .as_mut()
                .poll(&mut Context::from_waker(&first_waker))
                .is_pending()
        );
        assert!(second.as_mut().poll(&mut second_context).is_pending());
        let releaser = {
            let sem = Arc::clone(&sem);
            thread::spawn(move || sem.release(1))
        };
        drop(first);
        releaser.join().unwrap();
        let std::task::Poll::Ready(permit) = second.as_mut().poll(&mut second_context) else {
            panic!("the permit was lost: the second task in line is not served");
        };
        assert_eq!(second_wakes.wakes(), 1, "served, and not woken once");
        assert_eq!((permit.count(), sem.available_permits()), (1, 0));
        drop(permit);
        assert_eq!(sem.available_permits(), 1, "the permit came back");
    });
}

/// Property: a task that joins the line behind a task served and not yet
/// run (asyncio's order: it does not take the permit left free meanwhile)
/// is served when that task leaves, however the two race. Two permits
/// released to one task in line leave one free; a second task arrives on
/// another thread while the first leaves the line with its permit. (The
/// semaphore is leaked, once a schedule, so that the second task's future
/// can come back from its thread pending.)
#[test]
fn semaphore_acquire_async_joining_behind_a_served_task_is_served_when_it_leaves() {
    model(|| {
        let sem: &'static Semaphore = Box::leak(Box::new(Semaphore::new(0)));
        let (waker, _) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut first = Box::pin(sem.acquire_async());
        assert!(first.as_mut().poll(&mut context).is_pending());
        sem.release(2); // serves the first; one permit is left free
        let arriving = thread::spawn(move || {
            let (waker, wakes) = CountingWaker::new();
            let mut second = Box::pin(sem.acquire_async());
            let poll = second.as_mut().poll(&mut Context::from_waker(&waker));
            (second, poll, waker, wakes)
        });
        let std::task::Poll::Ready(permit) = first.as_mut().poll(&mut context) else {
            panic!("released to it, and not served");
        };
        permit.forget();
        let (mut second, poll, waker, wakes) = arriving.join().unwrap();
        let permit = ready_after_at_most_one_wake(
            poll,
            &mut second,
            &mut Context::from_waker(&waker),
            &wakes,
        );
        permit.forget();
        assert_eq!(sem.available_permits(), 0);
    });
}
