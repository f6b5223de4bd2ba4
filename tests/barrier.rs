//! Ordinary tests of `Barrier` on real threads: timeouts (which loom cannot
//! show), breaking, resetting and the error for zero parties.

mod common;

use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use common::SLACK;
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

/// Waits (bounded) until `n` threads wait at the barrier.
fn until_waiting(barrier: &Barrier, n: usize) {
    let start = Instant::now();
    while barrier.n_waiting() < n {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "threads never arrived"
        );
        thread::yield_now();
    }
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
    let barrier = Barrier::new(1).unwrap();
    for _ in 0..3 {
        let result = barrier.wait().unwrap();
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
            .map(|p| p.join().unwrap().unwrap())
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
    assert_eq!(barrier.wait().unwrap().index(), 1);
    for party in first {
        assert!(!party.join().unwrap().unwrap());
    }
}

#[test]
fn a_timeout_breaks_the_barrier_for_everyone() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let other = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert_eq!(barrier.wait_timeout(timeout), Err(BarrierError::Timeout));
    let waited = start.elapsed();
    assert!(
        waited >= timeout && waited < timeout + SLACK,
        "waited {waited:?}"
    );
    assert_eq!(
        other.into_iter().next().unwrap().join().unwrap(),
        Err(BarrierError::Broken)
    );
    assert!(barrier.is_broken());
    assert_eq!(barrier.wait(), Err(BarrierError::Broken), "stays broken");
}

#[test]
fn zero_and_max_timeouts() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    // A zero timeout with a party missing gives up at once (and breaks it).
    let start = Instant::now();
    assert_eq!(
        barrier.wait_timeout(Duration::ZERO),
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
    assert!(barrier.wait_timeout(Duration::MAX).is_ok());
    other.join().unwrap();
}

#[test]
fn abort_then_reset() {
    let barrier = Arc::new(Barrier::new(2).unwrap());
    let waiter = spawn_parties(&barrier, 1);
    until_waiting(&barrier, 1);
    barrier.abort();
    assert_eq!(
        waiter.into_iter().next().unwrap().join().unwrap(),
        Err(BarrierError::Broken)
    );
    assert!(barrier.is_broken());
    barrier.reset();
    assert!(!barrier.is_broken());
    let parties = spawn_parties(&barrier, 2);
    for party in parties {
        assert!(party.join().unwrap().is_ok(), "a reset barrier works again");
    }
}

#[test]
fn reset_with_waiters_breaks_them_and_reopens() {
    let barrier = Arc::new(Barrier::new(3).unwrap());
    let waiters = spawn_parties(&barrier, 2);
    until_waiting(&barrier, 2);
    barrier.reset();
    for waiter in waiters {
        assert_eq!(waiter.join().unwrap(), Err(BarrierError::Broken));
    }
    assert!(!barrier.is_broken());
    let parties = spawn_parties(&barrier, 3);
    for party in parties {
        assert!(party.join().unwrap().is_ok());
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
    let mine = barrier.wait().unwrap();
    assert!(mine.is_leader());
    assert_eq!(
        parties.into_iter().next().unwrap().join().unwrap(),
        Ok(false)
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [(thread::current().id(), 2, false)],
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
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| barrier.wait()));
    let payload = caught.expect_err("the action's panic reaches the last arrival");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the action failed"));
    for party in parties {
        assert_eq!(party.join().unwrap(), Err(BarrierError::Broken));
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
    started.wait();
    thread::sleep(Duration::from_millis(200)); // well past the 50 ms timeout
    barrier.abort();
    assert!(barrier.is_broken(), "broken, as soon as the round has left");
    finish.set();
    assert!(
        impatient.join().unwrap(),
        "its round completed before it gave up"
    );
    assert!(last.join().unwrap());
    assert_eq!(barrier.wait(), Err(BarrierError::Broken));
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
    started.wait();
    barrier.reset();
    finish.set();
    for party in waiting {
        assert_eq!(party.join().unwrap(), Ok(false), "released, not broken");
    }
    assert_eq!(last.join().unwrap(), Ok(true));
    assert!(!barrier.is_broken());
    let next = spawn_parties(&barrier, 1);
    assert!(barrier.wait().is_ok(), "the next round runs");
    assert!(next.into_iter().all(|party| party.join().unwrap().is_ok()));
}
