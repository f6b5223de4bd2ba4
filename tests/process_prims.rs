//! turnstile::process's RLock, Semaphore, BoundedSemaphore, Event,
//! Condition and Barrier, with threads standing in for processes: the
//! primitives are per-thread robust, so a thread that exits holding one is
//! reported exactly as a killed process is (tests/process_prims_fork.rs
//! kills real processes). The Condition tests restate CPython's
//! `test_notify` and issue 32's "no spurious wake-up" promise.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

mod common;

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::thread;
use std::time::{Duration, Instant};

use common::within;
use turnstile::BarrierError;
use turnstile::process::{
    AcquireError, Barrier, BoundedSemaphore, Condition, Event, Lock, RLock, Semaphore, Shared,
    WAITER_SLOTS, WaitError,
};

const LIMIT: Duration = Duration::from_secs(20);

/// Polls `done` until it holds (bounded): for "the other thread is now
/// waiting" without sleeping a guessed time.
fn eventually(what: &str, done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "never: {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

// ---- RLock ----

#[test]
fn rlock_is_reentrant_and_exclusive() {
    within(LIMIT, "rlock reentry", || {
        let lock = RLock::new().unwrap();
        let a = lock.acquire().unwrap();
        let b = lock.try_acquire().unwrap();
        assert_eq!(lock.hold_count(), 2);
        let other = lock.clone();
        let refused =
            thread::spawn(move || other.try_acquire().is_err() && other.hold_count() == 0)
                .join()
                .unwrap();
        assert!(refused, "another thread must not get in");
        drop(b);
        assert!(lock.locked());
        drop(a);
        assert!(!lock.locked());
    });
}

#[test]
fn rlock_counts_with_four_threads_lose_nothing() {
    within(LIMIT, "rlock counting", || {
        let lock = RLock::new().unwrap();
        let count = Shared::new(AtomicU64::new(0)).unwrap();
        let threads: Vec<_> = (0..4)
            .map(|_| {
                let (lock, count) = (lock.clone(), count.clone());
                thread::spawn(move || {
                    for _ in 0..2000 {
                        let _outer = lock.acquire().unwrap();
                        let _inner = lock.acquire().unwrap();
                        // Not an atomic increment: only the lock keeps it whole.
                        let n = count.load(Ordering::Relaxed);
                        count.store(n + 1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(count.load(Ordering::Relaxed), 8000);
    });
}

#[test]
fn rlock_holder_that_dies_is_reported_to_a_blocked_waiter() {
    within(LIMIT, "rlock owner died", || {
        let lock = RLock::new().unwrap();
        let (holder, go) = (lock.clone(), Event::new().unwrap());
        let go2 = go.clone();
        let t = thread::spawn(move || {
            let guard = holder.acquire().unwrap();
            let again = holder.acquire().unwrap();
            std::mem::forget((guard, again)); // exits holding two levels
            go2.wait();
        });
        eventually("the holder holds it", || lock.locked());
        go.set();
        let died = lock.acquire().expect_err("a dead holder must be reported");
        let guard = died.into_inner();
        assert_eq!(
            lock.hold_count(),
            1,
            "the dead owner's levels are not inherited"
        );
        guard.mark_consistent();
        drop(guard);
        t.join().unwrap();
        assert!(
            lock.acquire().is_ok(),
            "consistent again after mark_consistent"
        );
    });
}

// ---- Semaphore / BoundedSemaphore ----

#[test]
fn semaphore_counts_permits_and_takes_them_back() {
    within(LIMIT, "semaphore counting", || {
        let sem = Semaphore::new(2).unwrap();
        let a = sem.acquire().unwrap();
        let b = sem.acquire().unwrap();
        assert!(matches!(sem.try_acquire(), Err(AcquireError::WouldBlock)));
        assert!(matches!(
            sem.acquire_timeout(Duration::from_millis(20)),
            Err(AcquireError::Timeout)
        ));
        drop(a);
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(b.forget(), 1);
        assert_eq!(sem.available_permits(), 1, "a forgotten permit stays out");
        sem.release(1).unwrap();
        assert_eq!(sem.available_permits(), 2);
        assert_eq!(sem.acquire_many(2).unwrap().count(), 2);
    });
}

#[test]
fn semaphore_never_lets_more_than_its_permits_in() {
    within(LIMIT, "semaphore exclusion", || {
        let sem = Semaphore::new(2).unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let threads: Vec<_> = (0..6)
            .map(|_| {
                let (sem, inside, most) = (sem.clone(), inside.clone(), most.clone());
                thread::spawn(move || {
                    for _ in 0..200 {
                        let _permit = sem.acquire().unwrap();
                        let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        thread::yield_now();
                        inside.fetch_sub(1, Ordering::SeqCst);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(sem.available_permits(), 2);
    });
}

#[test]
fn a_dead_holders_permit_comes_back_to_a_blocked_waiter() {
    within(LIMIT, "semaphore permit of a dead holder", || {
        let sem = Semaphore::new(1).unwrap();
        let holder = sem.clone();
        let go = Event::new().unwrap();
        let go2 = go.clone();
        let t = thread::spawn(move || {
            std::mem::forget(holder.acquire().unwrap()); // dies holding it
            go2.wait();
        });
        eventually("the holder has the permit", || sem.available_permits() == 0);
        let waiter = {
            let sem = sem.clone();
            thread::spawn(move || match sem.acquire() {
                Err(AcquireError::OwnerDied(died)) => died.reclaimed(),
                other => panic!("expected OwnerDied, got {other:?}"),
            })
        };
        thread::sleep(Duration::from_millis(30)); // the waiter sleeps first
        go.set();
        t.join().unwrap();
        assert_eq!(waiter.join().unwrap(), 1);
        assert_eq!(sem.reclaimed(), 1);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn reclaim_finds_a_dead_holder_without_waiting() {
    within(LIMIT, "semaphore reclaim", || {
        let sem = BoundedSemaphore::new(3).unwrap();
        let holder = sem.clone();
        thread::spawn(move || std::mem::forget(holder.acquire_many(2).unwrap()))
            .join()
            .unwrap();
        assert_eq!(sem.available_permits(), 1);
        assert_eq!(sem.reclaim(), 2);
        assert_eq!(sem.available_permits(), 3);
        assert!(sem.release(1).is_err(), "the bound holds after a reclaim");
    });
}

#[test]
fn bounded_semaphore_refuses_over_release_and_impossible_asks() {
    let sem = BoundedSemaphore::new(2).unwrap();
    let error = sem.release(1).unwrap_err();
    assert_eq!((error.bound, error.released), (2, 1));
    assert!(matches!(
        sem.acquire_many(3),
        Err(AcquireError::ExceedsBound(_))
    ));
    assert!(BoundedSemaphore::new(0).is_err());
    // A held permit comes back by itself: releasing it by hand too would
    // pass the bound once it does.
    let held = sem.acquire().unwrap();
    let error = sem.release(1).unwrap_err();
    assert_eq!((error.available, error.held), (1, 1));
    drop(held);
    assert_eq!(sem.available_permits(), 2);
    sem.acquire().unwrap().forget();
    sem.release(1).unwrap(); // a forgotten one may be released
    assert_eq!(sem.available_permits(), 2);
}

#[test]
fn more_holders_than_slots_still_count_right() {
    within(LIMIT, "unnamed permits", || {
        let sem = Semaphore::new(100).unwrap();
        let permits: Vec<_> = (0..70).map(|_| sem.acquire().unwrap()).collect();
        let named = permits.iter().filter(|p| p.is_named()).count();
        assert_eq!(named, turnstile::process::HOLDER_SLOTS);
        assert_eq!(sem.available_permits(), 30);
        drop(permits);
        assert_eq!(sem.available_permits(), 100);
    });
}

// ---- Event ----

#[test]
fn event_set_wakes_every_waiter() {
    within(LIMIT, "event wakes all", || {
        let event = Event::new().unwrap();
        let waiters: Vec<_> = (0..3)
            .map(|_| {
                let event = event.clone();
                thread::spawn(move || event.wait())
            })
            .collect();
        thread::sleep(Duration::from_millis(20));
        event.set();
        waiters.into_iter().for_each(|t| t.join().unwrap());
        assert!(event.is_set());
        event.clear();
        assert!(event.wait_timeout(Duration::from_millis(20)).is_err());
    });
}

#[test]
fn a_set_then_clear_still_wakes_a_sleeping_waiter() {
    within(LIMIT, "event set+clear", || {
        let event = Event::new().unwrap();
        let waiter = {
            let event = event.clone();
            thread::spawn(move || event.wait_timeout(Duration::from_secs(5)))
        };
        thread::sleep(Duration::from_millis(50));
        event.set();
        event.clear();
        assert_eq!(waiter.join().unwrap(), Ok(()), "it was set while it waited");
    });
}

// ---- Condition ----

/// Starts `n` waiters on `cond` one after another (each registered before
/// the next starts, so arrival order is known); each logs its number when
/// it wakes with Ok.
fn waiters(
    cond: &Condition,
    n: usize,
    woke: &Arc<StdMutex<Vec<usize>>>,
) -> Vec<thread::JoinHandle<()>> {
    (0..n)
        .map(|i| {
            let (mine, woke) = (cond.clone(), woke.clone());
            let before = cond.n_waiting();
            let t = thread::spawn(move || {
                let mut held = mine.acquire().unwrap();
                mine.wait(&mut held).unwrap();
                woke.lock().unwrap().push(i);
            });
            eventually("the waiter is registered", || {
                cond.n_waiting() == before + 1
            });
            t
        })
        .collect()
}

#[test]
fn notify_n_wakes_exactly_n_in_arrival_order() {
    // CPython's test_notify: notify(1), then notify(3), then notify_all.
    within(LIMIT, "condition notify(n)", || {
        let cond = Condition::new().unwrap();
        let woke = Arc::new(StdMutex::new(Vec::new()));
        let threads = waiters(&cond, 5, &woke);
        let settle = || thread::sleep(Duration::from_millis(100));
        assert_eq!(cond.notify(1), 1);
        eventually("one woke", || woke.lock().unwrap().len() == 1);
        settle();
        assert_eq!(*woke.lock().unwrap(), [0], "exactly the oldest, no more");
        assert_eq!(cond.notify(3), 3);
        eventually("three more woke", || woke.lock().unwrap().len() == 4);
        settle();
        let mut first_four = woke.lock().unwrap().clone();
        first_four.sort_unstable();
        assert_eq!(first_four, [0, 1, 2, 3]);
        assert_eq!(cond.notify_all(), 1);
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(cond.notify_all(), 0);
    });
}

#[test]
fn a_waiter_between_letting_go_and_sleeping_gets_only_its_own_notify() {
    // Issue 32 part 1: 4 threads enter wait(); as soon as all have let go
    // of the lock, notify_one wakes exactly one, and says so.
    within(LIMIT, "notify_one while waiters fall asleep", || {
        for _ in 0..50 {
            let cond = Condition::new().unwrap();
            let woke = Arc::new(AtomicUsize::new(0));
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let (cond, woke) = (cond.clone(), woke.clone());
                    thread::spawn(move || {
                        let mut held = cond.acquire().unwrap();
                        if cond.wait_timeout(&mut held, Duration::from_secs(2)).is_ok() {
                            woke.fetch_add(1, Ordering::SeqCst);
                        }
                    })
                })
                .collect();
            eventually("all four registered", || cond.n_waiting() == 4);
            assert!(cond.notify_one());
            thread::sleep(Duration::from_millis(10));
            assert_eq!(woke.load(Ordering::SeqCst), 1);
            assert_eq!(cond.notify_all(), 3);
            threads.into_iter().for_each(|t| t.join().unwrap());
            assert_eq!(woke.load(Ordering::SeqCst), 4);
        }
    });
}

#[test]
fn no_wake_without_a_notify_and_no_notify_kept_for_later() {
    within(LIMIT, "condition: no spurious wake-up", || {
        let cond = Condition::new().unwrap();
        assert_eq!(cond.notify_all(), 0, "nobody waits: nothing to keep");
        let mut held = cond.acquire().unwrap();
        let start = Instant::now();
        let waited = cond.wait_timeout(&mut held, Duration::from_millis(300));
        assert_eq!(waited, Err(WaitError::Timeout));
        assert!(start.elapsed() >= Duration::from_millis(300));
    });
}

#[test]
fn a_timed_out_waiter_does_not_swallow_a_notify() {
    // A notify(1) aimed at the oldest waiter just as its timeout runs out:
    // whichever way the race goes, every notify counted by its return value
    // ends one wait with Ok, and a waiter that reports a timeout was not
    // counted.
    within(LIMIT, "condition timeout vs notify", || {
        for round in 0..40_u64 {
            let cond = Condition::new().unwrap();
            let oks = Arc::new(AtomicUsize::new(0));
            let spawn = |timeout: Duration| {
                let (cond, oks) = (cond.clone(), oks.clone());
                thread::spawn(move || {
                    let mut held = cond.acquire().unwrap();
                    if cond.wait_timeout(&mut held, timeout).is_ok() {
                        oks.fetch_add(1, Ordering::SeqCst);
                    }
                })
            };
            let started = Instant::now();
            let short = spawn(Duration::from_millis(30));
            eventually("the short waiter registered", || cond.n_waiting() == 1);
            let long = spawn(Duration::from_secs(10));
            eventually("the long waiter registered", || {
                cond.n_waiting() == 2 || short.is_finished()
            });
            let aim = Duration::from_micros(29_000 + 50 * round);
            if let Some(left) = aim.checked_sub(started.elapsed()) {
                thread::sleep(left);
            }
            let notified = cond.notify(1);
            short.join().unwrap();
            let rest = cond.notify_all();
            long.join().unwrap();
            assert!(notified <= 1);
            assert_eq!(
                oks.load(Ordering::SeqCst),
                notified + rest,
                "each counted notify ended exactly one wait"
            );
        }
    });
}

#[test]
fn wait_for_rechecks_the_predicate_and_rlock_levels_come_back() {
    within(LIMIT, "condition wait_for", || {
        let cond = Condition::new().unwrap();
        let value = Shared::new(AtomicU64::new(0)).unwrap();
        let (c, v) = (cond.clone(), value.clone());
        let setter = thread::spawn(move || {
            for n in 1..=3 {
                thread::sleep(Duration::from_millis(10));
                let _held = c.acquire().unwrap();
                v.store(n, Ordering::Relaxed);
                c.notify_all();
            }
        });
        let outer = cond.acquire().unwrap();
        let mut inner = cond.acquire().unwrap();
        cond.wait_for(&mut inner, || value.load(Ordering::Relaxed) == 3)
            .unwrap();
        assert_eq!(cond.lock().hold_count(), 2, "both levels restored");
        drop((inner, outer));
        setter.join().unwrap();
        let never = cond.wait_for_timeout(
            &mut cond.acquire().unwrap(),
            Duration::from_millis(20),
            || false,
        );
        assert_eq!(never, Err(WaitError::Timeout));
    });
}

#[test]
fn condition_over_a_plain_lock_and_a_wrong_guard() {
    within(LIMIT, "condition over Lock", || {
        let cond = Condition::with_lock(Lock::new().unwrap()).unwrap();
        let c = cond.clone();
        let t = thread::spawn(move || {
            let mut held = c.acquire().unwrap();
            c.wait(&mut held).unwrap();
        });
        eventually("registered", || cond.n_waiting() == 1);
        assert!(cond.notify_one());
        t.join().unwrap();
        let other = Lock::new().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut wrong = other.acquire().unwrap();
            let _ = cond.wait(&mut wrong);
        }));
        assert!(caught.is_err(), "a guard of another lock is refused");
    });
}

#[test]
fn one_waiter_too_many_is_told_at_once() {
    within(LIMIT, "condition table full", || {
        let cond = Condition::new().unwrap();
        let threads: Vec<_> = (0..WAITER_SLOTS)
            .map(|_| {
                let c = cond.clone();
                thread::spawn(move || {
                    let mut held = c.acquire().unwrap();
                    c.wait(&mut held).unwrap();
                })
            })
            .collect();
        eventually("the table is full", || cond.n_waiting() == WAITER_SLOTS);
        let mut held = cond.acquire().unwrap();
        assert_eq!(cond.wait(&mut held), Err(WaitError::TooManyWaiters));
        drop(held);
        assert_eq!(cond.notify_all(), WAITER_SLOTS);
        threads.into_iter().for_each(|t| t.join().unwrap());
    });
}

// ---- Barrier ----

#[test]
fn barrier_rounds_give_each_party_an_index_and_one_leader() {
    within(LIMIT, "barrier rounds", || {
        let barrier = Barrier::new(3).unwrap();
        let threads: Vec<_> = (0..3)
            .map(|_| {
                let b = barrier.clone();
                thread::spawn(move || (0..5).map(|_| b.wait().unwrap()).collect::<Vec<_>>())
            })
            .collect();
        let results: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        for round in 0..5 {
            let mut indices: Vec<_> = results.iter().map(|r| r[round].index()).collect();
            indices.sort_unstable();
            assert_eq!(indices, [0, 1, 2]);
            assert_eq!(results.iter().filter(|r| r[round].is_leader()).count(), 1);
        }
    });
}

#[test]
fn a_timeout_breaks_the_barrier_for_everyone_until_reset() {
    within(LIMIT, "barrier timeout", || {
        let barrier = Barrier::new(3).unwrap();
        let b = barrier.clone();
        let patient = thread::spawn(move || b.wait());
        eventually("one waits", || barrier.n_waiting() == 1);
        assert_eq!(
            barrier.wait_timeout(Duration::from_millis(20)),
            Err(BarrierError::Timeout)
        );
        assert_eq!(patient.join().unwrap(), Err(BarrierError::Broken));
        assert!(barrier.broken());
        assert_eq!(barrier.wait(), Err(BarrierError::Broken));
        barrier.reset();
        assert!(!barrier.broken());
        let b = barrier.clone();
        let t = thread::spawn(move || b.wait().map(|r| r.index()));
        let c = barrier.clone();
        let u = thread::spawn(move || c.wait().map(|r| r.index()));
        let mine = barrier.wait().unwrap().index();
        let all = mine + t.join().unwrap().unwrap() + u.join().unwrap().unwrap();
        assert_eq!(all, 3, "a fresh round after reset");
    });
}

#[test]
fn abort_and_reset_send_waiters_away_broken() {
    within(LIMIT, "barrier abort", || {
        let barrier = Barrier::new(3).unwrap();
        let spawn = || {
            let b = barrier.clone();
            thread::spawn(move || b.wait())
        };
        let (a, b) = (spawn(), spawn());
        eventually("two wait", || barrier.n_waiting() == 2);
        barrier.abort();
        assert_eq!(a.join().unwrap(), Err(BarrierError::Broken));
        assert_eq!(b.join().unwrap(), Err(BarrierError::Broken));
        barrier.reset();
        let c = spawn();
        eventually("one waits", || barrier.n_waiting() == 1);
        barrier.reset();
        assert_eq!(c.join().unwrap(), Err(BarrierError::Broken));
        assert!(!barrier.broken(), "reset leaves it open");
        assert!(Barrier::new(0).is_err());
        assert!(Barrier::new(turnstile::process::MAX_PARTIES + 1).is_err());
    });
}
