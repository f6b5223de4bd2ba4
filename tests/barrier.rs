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
