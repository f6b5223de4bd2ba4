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
