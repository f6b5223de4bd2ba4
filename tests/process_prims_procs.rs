//! turnstile::process's RLock, Semaphore, Event, Condition and Barrier
//! across real processes: a child killed with SIGKILL while it holds an
//! RLock, a semaphore permit, a place at a barrier or on a condition is
//! reported to the others instead of leaving them waiting; an Event set in
//! one process wakes waiters in others; a Barrier works across three.
//!
//! Every child is a daemon held in a [`Reap`] guard, killed and reaped when
//! the test ends, passing or failing.

turnstile::process_test_support!();

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::within;
use turnstile::BarrierError;
use turnstile::process::{AcquireError, Barrier, Condition, Event, RLock, Semaphore, Shared};

const LIMIT: Duration = Duration::from_secs(30);

use common::{Reap, start_child as start};

fn kill(child: &mut Reap) {
    child.0.kill().unwrap();
    assert_eq!(child.0.join().unwrap(), -9);
}

fn forever() -> ! {
    loop {
        std::thread::sleep(Duration::from_secs(60));
    }
}

fn holds_rlock((lock, holding): (RLock, Event)) {
    let outer = lock.acquire().unwrap();
    let inner = lock.acquire().unwrap();
    holding.set();
    let _kept = (outer, inner);
    forever();
}

#[test]
fn an_rlock_holder_killed_is_reported_to_the_next_owner() {
    within(LIMIT, "rlock across processes", || {
        let (lock, holding) = (RLock::new().unwrap(), Event::new().unwrap());
        let mut child = start(holds_rlock, (lock.clone(), holding.clone()));
        holding.wait();
        assert!(lock.try_acquire().is_err(), "the child holds it");
        kill(&mut child);
        let guard = lock
            .acquire()
            .expect_err("the kill must be reported")
            .into_inner();
        assert_eq!(lock.hold_count(), 1);
        guard.mark_consistent();
        drop(guard);
        assert!(lock.acquire().is_ok());
    });
}

fn holds_permit((sem, holding): (Semaphore, Event)) {
    let _permit = sem.acquire().unwrap();
    holding.set();
    forever();
}

#[test]
fn a_permit_holder_killed_gives_its_permit_to_a_blocked_waiter() {
    within(LIMIT, "semaphore across processes", || {
        let (sem, holding) = (Semaphore::new(1).unwrap(), Event::new().unwrap());
        let mut child = start(holds_permit, (sem.clone(), holding.clone()));
        holding.wait();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            kill(&mut child);
        });
        // Blocks until the kill, then finds the dead holder's permit.
        match sem.acquire() {
            Err(AcquireError::OwnerDied(died)) => assert_eq!(died.reclaimed(), 1),
            other => panic!("expected OwnerDied, got {other:?}"),
        }
        killer.join().unwrap();
        assert_eq!(sem.reclaimed(), 1);
    });
}

fn waits_for_event((event, woke): (Event, Shared<AtomicU32>)) {
    event.wait();
    woke.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn an_event_set_in_one_process_wakes_waiters_in_others() {
    within(LIMIT, "event across processes", || {
        let event = Event::new().unwrap();
        let woke = Shared::new(AtomicU32::new(0)).unwrap();
        let mut children: Vec<_> = (0..2)
            .map(|_| start(waits_for_event, (event.clone(), woke.clone())))
            .collect();
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(
            woke.load(Ordering::SeqCst),
            0,
            "nobody passes before the set"
        );
        event.set();
        for child in &mut children {
            assert_eq!(child.0.join().unwrap(), 0);
        }
        assert_eq!(woke.load(Ordering::SeqCst), 2);
    });
}

fn barrier_rounds((barrier, leaders): (Barrier, Shared<AtomicU32>)) {
    for _ in 0..3 {
        if barrier.wait().unwrap().is_leader() {
            leaders.fetch_add(1, Ordering::SeqCst);
        }
    }
}

#[test]
fn a_barrier_across_three_processes_has_one_leader_a_round() {
    within(LIMIT, "barrier across processes", || {
        let barrier = Barrier::new(3).unwrap();
        let leaders = Shared::new(AtomicU32::new(0)).unwrap();
        let mut children: Vec<_> = (0..3)
            .map(|_| start(barrier_rounds, (barrier.clone(), leaders.clone())))
            .collect();
        for child in &mut children {
            assert_eq!(child.0.join().unwrap(), 0);
        }
        assert_eq!(leaders.load(Ordering::SeqCst), 3);
    });
}

fn waits_at_barrier(barrier: Barrier) {
    let _ = barrier.wait();
    forever();
}

#[test]
fn a_party_killed_at_the_barrier_breaks_it() {
    within(LIMIT, "barrier with a dead party", || {
        let barrier = Barrier::new(3).unwrap();
        let mut child = start(waits_at_barrier, barrier.clone());
        let start_wait = std::time::Instant::now();
        while barrier.n_waiting() != 1 {
            assert!(start_wait.elapsed() < Duration::from_secs(10));
            std::thread::sleep(Duration::from_millis(1));
        }
        kill(&mut child);
        // Two parties of three: only the dead one's absence can end this.
        assert_eq!(barrier.wait(), Err(BarrierError::Broken));
        assert!(barrier.broken());
    });
}

fn waits_on_condition((cond, woke): (Condition, Shared<AtomicU32>)) {
    let mut held = cond.acquire().unwrap();
    cond.wait(&mut held).unwrap();
    woke.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn notify_passes_over_a_waiter_killed_while_waiting() {
    within(LIMIT, "condition with a dead waiter", || {
        let cond = Condition::new().unwrap();
        let woke = Shared::new(AtomicU32::new(0)).unwrap();
        let registered = |n: usize| {
            let since = std::time::Instant::now();
            while cond.n_waiting() != n {
                assert!(since.elapsed() < Duration::from_secs(10));
                std::thread::sleep(Duration::from_millis(1));
            }
        };
        let mut first = start(waits_on_condition, (cond.clone(), woke.clone()));
        registered(1);
        let mut second = start(waits_on_condition, (cond.clone(), woke.clone()));
        registered(2);
        kill(&mut first); // the oldest waiter dies waiting
        assert_eq!(cond.notify(1), 1, "the one notify goes to the living");
        assert_eq!(second.0.join().unwrap(), 0);
        assert_eq!(woke.load(Ordering::SeqCst), 1);
        assert_eq!(cond.n_waiting(), 0);
    });
}

/// The child takes the lock it was handed on its own and waits on the
/// condition built over it (handed in the same argument): in the child the
/// two handles are two mappings of one region, at two addresses.
fn waits_with_the_separately_handed_lock(
    (lock, cond): (
        turnstile::process::Lock,
        Condition<turnstile::process::Lock>,
    ),
) {
    let mut held = lock.acquire().expect("the lock is free");
    let waited = cond.wait_timeout(&mut held, Duration::from_millis(20));
    std::process::exit(if waited == Err(turnstile::process::WaitError::Timeout) {
        0
    } else {
        3
    });
}

#[test]
fn a_condition_accepts_its_lock_handed_to_a_child_beside_it() {
    within(
        LIMIT,
        "a child waiting on a condition with its own handle of the lock",
        || {
            let lock = turnstile::process::Lock::new().unwrap();
            let cond = Condition::with_lock(lock.clone()).unwrap();
            let mut child = start(waits_with_the_separately_handed_lock, (lock, cond));
            assert_eq!(
                child.join().unwrap(),
                0,
                "1 is the panic of a guard taken for another lock"
            );
        },
    );
}
