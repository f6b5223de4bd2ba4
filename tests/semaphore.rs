//! Ordinary tests of `Semaphore` and `BoundedSemaphore` on real threads:
//! timeouts (which loom cannot show), permits, errors and a stress run.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::{SLACK, Unparker, block_on};
use turnstile::{
    AcquireTimeoutError, BoundedSemaphore, ExceedsBound, OverRelease, Semaphore, TryAcquireError,
};

#[test]
fn smoke() {
    let semaphore = Semaphore::new(2);
    let a = semaphore.acquire();
    let b = semaphore.try_acquire().expect("a second permit");
    assert!(semaphore.try_acquire().is_none(), "only two permits");
    assert_eq!(semaphore.available_permits(), 0);
    drop(a);
    assert_eq!(semaphore.available_permits(), 1);
    assert_eq!(b.count(), 1);
    drop(b);
    assert_eq!(
        format!("{semaphore:?}"),
        "Semaphore { available_permits: 2 }"
    );
    assert_eq!(Semaphore::default().available_permits(), 1);
}

#[test]
fn acquire_many_takes_all_or_nothing() {
    let semaphore = Semaphore::new(3);
    assert!(semaphore.try_acquire_many(4).is_none());
    assert_eq!(
        semaphore.available_permits(),
        3,
        "a refused try takes nothing"
    );
    let three = semaphore.acquire_many(3);
    assert_eq!(three.count(), 3);
    assert_eq!(semaphore.acquire_many(0).count(), 0);
    drop(three);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn forget_and_release_on_another_path() {
    let semaphore = Semaphore::new(1);
    assert_eq!(semaphore.acquire().forget(), 1);
    assert_eq!(semaphore.available_permits(), 0);
    semaphore.release(1);
    semaphore.release(2);
    assert_eq!(semaphore.available_permits(), 3);
}

#[test]
fn acquire_really_blocks_until_release() {
    let semaphore = Arc::new(Semaphore::new(0));
    let waiter = {
        let semaphore = Arc::clone(&semaphore);
        thread::spawn(move || semaphore.acquire().forget())
    };
    thread::sleep(Duration::from_millis(50));
    assert!(
        !waiter.is_finished(),
        "acquire returned with no permit free"
    );
    semaphore.release(1);
    common::join_within(
        "an acquire blocked on an empty semaphore, after a release",
        waiter,
    );
    assert_eq!(semaphore.available_permits(), 0);
}

#[test]
fn acquire_timeout_waits_then_gives_up() {
    common::within(
        common::PATIENCE,
        "timed acquires of an empty semaphore, to give up",
        acquire_timeout_waits_then_gives_up_body,
    );
}

fn acquire_timeout_waits_then_gives_up_body() {
    let semaphore = Semaphore::new(0);
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert!(semaphore.acquire_timeout(timeout).is_err());
    let waited = start.elapsed();
    assert!(waited >= timeout, "gave up after {waited:?}");
    assert!(waited < timeout + SLACK, "gave up only after {waited:?}");
    assert!(
        semaphore
            .acquire_many_timeout(2, Duration::from_millis(10))
            .is_err()
    );
}

#[test]
fn zero_and_max_timeouts() {
    common::within(
        common::PATIENCE,
        "zero and unlimited acquire_timeouts of a semaphore",
        zero_and_max_timeouts_body,
    );
}

fn zero_and_max_timeouts_body() {
    let semaphore = Arc::new(Semaphore::new(1));
    let held = semaphore
        .acquire_timeout(Duration::ZERO)
        .expect("a free permit");
    let start = Instant::now();
    assert!(semaphore.acquire_timeout(Duration::ZERO).is_err());
    assert!(start.elapsed() < SLACK);
    // A permit borrows its semaphore; another thread gives it back by count.
    held.forget();
    let releaser = {
        let semaphore = Arc::clone(&semaphore);
        thread::spawn(move || {
            thread::sleep(Duration::from_millis(20));
            semaphore.release(1);
        })
    };
    assert!(semaphore.acquire_timeout(Duration::MAX).is_ok());
    releaser.join().unwrap();
}

#[test]
#[should_panic(expected = "would pass Semaphore::MAX_PERMITS")]
fn release_past_max_permits_panics_clearly() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS - 1);
    semaphore.release(2);
}

#[test]
fn a_refused_release_releases_nothing_and_the_limit_counts_held_permits() {
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS - 3);
    let held = semaphore.acquire_many(2);
    // Free + held = MAX - 3: room for 3, not 4, though only MAX - 5 are free.
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| semaphore.release(4)));
    assert!(refused.is_err());
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS - 5);
    semaphore.release(3);
    drop(held);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
    // Forgetting a many-permit guard makes room for as many again.
    semaphore.acquire_many(2).forget();
    semaphore.release(2);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS);
}

#[test]
fn max_permits_leaves_half_the_range_for_uncounted_releases() {
    // The margin the implementation notes rely on: single releases, which
    // are not counted, would need more than 2^63 calls to wrap the count.
    // isize::MAX leaves 2^63 between the limit and usize::MAX.
    assert_eq!(Semaphore::MAX_PERMITS, isize::MAX as usize);
}

#[test]
#[should_panic(expected = "more permits than Semaphore::MAX_PERMITS")]
fn more_than_max_permits_at_the_start_is_refused() {
    let _ = Semaphore::new(Semaphore::MAX_PERMITS + 1);
}

#[test]
fn single_releases_are_not_counted_against_the_limit_but_cannot_wrap() {
    // Python's bare release(): added without the room check (the
    // implementation notes in semaphore/counting.rs say why that is safe).
    let semaphore = Semaphore::new(Semaphore::MAX_PERMITS);
    semaphore.release(1);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS + 1);
    let permit = semaphore.acquire();
    drop(permit);
    assert_eq!(semaphore.available_permits(), Semaphore::MAX_PERMITS + 1);
}

#[test]
fn bounded_semaphore_refuses_over_release() {
    let semaphore = BoundedSemaphore::new(2);
    assert_eq!(semaphore.bound(), 2);
    assert_eq!(
        semaphore.release(1),
        Err(OverRelease {
            bound: 2,
            available: 2,
            held: 0,
            released: 1
        })
    );
    let permit = semaphore.acquire();
    assert_eq!(permit.forget(), 1);
    assert_eq!(
        semaphore.release(2),
        Err(OverRelease {
            bound: 2,
            available: 1,
            held: 0,
            released: 2
        }),
        "a refused release releases nothing"
    );
    assert_eq!(semaphore.available_permits(), 1);
    assert_eq!(semaphore.release(1), Ok(()));
    assert_eq!(semaphore.available_permits(), 2);
    let error = semaphore.release(1).unwrap_err();
    assert_eq!(
        error.to_string(),
        "semaphore released too many times: releasing 1 with 2 of 2 permits free \
         and 0 held by permits that give them back on drop"
    );
}

#[test]
fn bounded_semaphore_refuses_a_wait_that_could_never_end() {
    common::within(
        common::PATIENCE,
        "acquires past a bounded semaphore's bound, to be refused at once",
        bounded_semaphore_refuses_a_wait_that_could_never_end_body,
    );
}

fn bounded_semaphore_refuses_a_wait_that_could_never_end_body() {
    let semaphore = BoundedSemaphore::new(2);
    let error = semaphore.acquire_many(3).unwrap_err();
    assert_eq!(
        error,
        ExceedsBound {
            bound: 2,
            requested: 3
        }
    );
    assert!(error.to_string().contains("would never end"));
    assert_eq!(
        semaphore.try_acquire_many(3).unwrap_err(),
        TryAcquireError::ExceedsBound(error)
    );
    assert_eq!(
        semaphore
            .acquire_many_timeout(3, Duration::from_secs(3600))
            .unwrap_err(),
        AcquireTimeoutError::ExceedsBound(error),
        "refused at once, not after an hour"
    );
    assert_eq!(semaphore.acquire_many(2).unwrap().count(), 2);
    assert!(semaphore.try_acquire().is_some());
    assert!(semaphore.acquire_timeout(Duration::ZERO).is_ok());
}

/// Eight threads share three permits many times over: never more than three
/// inside at once, and every permit comes back.
#[test]
fn lots_and_lots() {
    const PERMITS: usize = 3;
    let semaphore = Arc::new(Semaphore::new(PERMITS));
    let inside = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (semaphore, inside, most) = (
                Arc::clone(&semaphore),
                Arc::clone(&inside),
                Arc::clone(&most),
            );
            thread::spawn(move || {
                for _ in 0..if cfg!(miri) { 50 } else { 2_000 } {
                    let _permit = semaphore.acquire();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    inside.fetch_sub(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for thread in threads {
        common::join_within("a thread's acquires of three shared permits", thread);
    }
    assert!(most.load(Ordering::SeqCst) <= PERMITS);
    assert_eq!(semaphore.available_permits(), PERMITS);
}

/// A wait that times out takes nothing, so it must give nothing back. (Issue
/// 10, defect 1: the timed path built a permit even when it gave up, and
/// that permit's drop released one that was never taken.)
#[test]
fn a_timed_out_acquire_creates_no_permit() {
    common::within(
        common::PATIENCE,
        "10 ms acquires of held permits, to give up",
        a_timed_out_acquire_creates_no_permit_body,
    );
}

fn a_timed_out_acquire_creates_no_permit_body() {
    let bounded = BoundedSemaphore::new(1);
    let plain = Semaphore::new(2);
    let held = bounded.acquire();
    let held_plain = plain.acquire_many(2);
    thread::scope(|scope| {
        scope.spawn(|| {
            for attempt in 0..2 {
                assert!(
                    bounded.acquire_timeout(Duration::from_millis(10)).is_err(),
                    "attempt {attempt}: the one permit is held elsewhere"
                );
                assert!(
                    plain
                        .acquire_many_timeout(2, Duration::from_millis(10))
                        .is_err(),
                    "attempt {attempt}: both permits are held elsewhere"
                );
            }
        });
    });
    assert_eq!(
        bounded.available_permits(),
        0,
        "a timeout gave a permit back"
    );
    assert_eq!(plain.available_permits(), 0, "a timeout gave permits back");
    drop((held, held_plain));
    assert_eq!(bounded.available_permits(), 1);
    assert_eq!(plain.available_permits(), 2);
}

/// Only permits that were forgotten can be released into a bounded
/// semaphore: one still held by a permit comes back when that permit drops.
/// (Issue 10, defect 2: the release was accepted, the drop then pushed the
/// count past the bound, and the next release underflowed.)
#[test]
fn a_bounded_semaphore_refuses_a_release_while_the_permit_is_held() {
    let semaphore = BoundedSemaphore::new(1);
    let permit = semaphore.acquire();
    assert_eq!(
        semaphore.release(1),
        Err(OverRelease {
            bound: 1,
            available: 0,
            held: 1,
            released: 1
        }),
        "the permit is held, not forgotten: releasing it is one release too many"
    );
    drop(permit);
    assert_eq!(semaphore.available_permits(), 1);
    assert_eq!(
        semaphore.release(1),
        Err(OverRelease {
            bound: 1,
            available: 1,
            held: 0,
            released: 1
        })
    );
    assert_eq!(semaphore.available_permits(), 1, "never above the bound");

    // Mixed: two of three held by a permit, one forgotten.
    let semaphore = BoundedSemaphore::new(3);
    let two = semaphore.acquire_many(2).unwrap();
    let forgotten = semaphore.acquire().forget();
    assert!(semaphore.release(2).is_err(), "only one was forgotten");
    assert_eq!(semaphore.release(forgotten), Ok(()));
    drop(two);
    assert_eq!(semaphore.available_permits(), 3);
}

/// The bounded semaphore's own entry points take permits as the plain
/// one's do (each is a thin layer, and each needs its own test).
#[test]
fn bounded_semaphore_takes_permits_like_the_plain_one() {
    common::within(
        common::PATIENCE,
        "5 ms acquires of a bounded semaphore's last permits",
        bounded_semaphore_takes_permits_like_the_plain_one_body,
    );
}

fn bounded_semaphore_takes_permits_like_the_plain_one_body() {
    let semaphore = BoundedSemaphore::new(3);
    let two = semaphore
        .try_acquire_many(2)
        .expect("two of three are free");
    assert_eq!(two.count(), 2);
    assert_eq!(
        semaphore.try_acquire_many(2).unwrap_err(),
        TryAcquireError::NoPermits,
        "only one is left"
    );
    let one = semaphore.try_acquire().expect("one is left");
    assert!(semaphore.try_acquire().is_none());
    assert!(semaphore.acquire_timeout(Duration::from_millis(5)).is_err());
    drop((two, one));
    assert_eq!(
        semaphore
            .acquire_timeout(Duration::from_millis(5))
            .map(|permit| permit.count()),
        Ok(1)
    );
    assert_eq!(semaphore.available_permits(), 3);
    assert_eq!(
        format!("{:?}", semaphore.acquire_many(2).unwrap()),
        "SemaphorePermit { count: 2 }"
    );
    assert_eq!(
        format!("{semaphore:?}"),
        "BoundedSemaphore { available_permits: 3, bound: 3 }"
    );
}

/// Owned permits, from both semaphores: they move to another thread and
/// give back there, count what they hold, `forget` keeps them taken (and a
/// bounded semaphore then accepts exactly that many releases), and they know
/// their semaphore.
#[test]
fn owned_permits_move_count_forget_and_give_back() {
    common::within(
        common::PATIENCE,
        "timed acquires of owned permits, and their return from another thread",
        owned_permits_move_count_forget_and_give_back_body,
    );
}

fn owned_permits_move_count_forget_and_give_back_body() {
    use std::time::Duration;
    let plain = Arc::new(Semaphore::new(2));
    let first = plain.acquire_owned();
    let second = plain.try_acquire_owned().expect("one of two is left");
    assert!(plain.try_acquire_owned().is_none());
    assert!(
        plain
            .acquire_timeout_owned(Duration::from_millis(5))
            .is_err()
    );
    assert_eq!((first.count(), second.count()), (1, 1));
    assert!(Arc::ptr_eq(first.semaphore(), &plain));
    assert_eq!(format!("{first:?}"), "OwnedSemaphorePermit { count: 1 }");
    thread::spawn(move || drop(first)).join().unwrap();
    assert_eq!(
        plain.available_permits(),
        1,
        "given back on the other thread"
    );
    assert_eq!(second.forget(), 1);
    assert_eq!(
        plain.available_permits(),
        1,
        "a forgotten permit stays taken"
    );
    let third = plain
        .acquire_timeout_owned(Duration::ZERO)
        .expect("one is free");
    drop(third);
    assert_eq!(plain.available_permits(), 1);

    let bounded = Arc::new(BoundedSemaphore::new(1));
    let permit = bounded.try_acquire_owned().expect("free");
    assert!(bounded.try_acquire_owned().is_none());
    assert!(bounded.acquire_timeout_owned(Duration::ZERO).is_err());
    assert!(Arc::ptr_eq(permit.semaphore(), &bounded));
    assert!(
        bounded.release(1).is_err(),
        "a live owned permit's permit is spoken for"
    );
    assert_eq!(permit.forget(), 1);
    assert_eq!(bounded.release(1), Ok(()), "forgotten, so releasable once");
    assert!(bounded.release(1).is_err());
    let again = bounded.acquire_owned();
    drop(again);
    assert_eq!(bounded.available_permits(), 1);

    let many = Arc::new(Semaphore::new(3));
    let two = many.acquire_many_owned(2);
    assert_eq!((two.count(), many.available_permits()), (2, 1));
    assert_eq!(two.forget(), 2);
    let wide = Arc::new(BoundedSemaphore::new(3));
    assert!(
        wide.acquire_many_owned(4).is_err(),
        "past the bound: at once"
    );
    let three = wide.acquire_many_owned(3).unwrap();
    assert_eq!(three.count(), 3);
    drop(three);
    assert_eq!(wide.available_permits(), 3);
}

/// The errors of the bounded semaphore's `*_many` forms say what happened.
#[test]
fn bounded_many_errors_display_what_happened() {
    let exceeds = ExceedsBound {
        bound: 2,
        requested: 3,
    };
    assert_eq!(
        TryAcquireError::ExceedsBound(exceeds).to_string(),
        exceeds.to_string()
    );
    assert_eq!(
        TryAcquireError::NoPermits.to_string(),
        "too few permits are free"
    );
    assert_eq!(
        AcquireTimeoutError::ExceedsBound(exceeds).to_string(),
        exceeds.to_string()
    );
    assert_eq!(AcquireTimeoutError::Timeout.to_string(), "timed out");
}

#[test]
fn acquire_async_takes_a_free_permit_at_once_and_waits_for_a_release_otherwise() {
    let sem = Semaphore::new(1);
    let (permit, wakes) = block_on(sem.acquire_async());
    assert_eq!((permit.count(), wakes, sem.available_permits()), (1, 0, 0));
    thread::scope(|scope| {
        scope.spawn(move || {
            thread::sleep(Duration::from_millis(20));
            drop(permit);
        });
        let (second, wakes) = block_on(sem.acquire_async());
        assert_eq!((second.count(), wakes), (1, 1));
    });
    assert_eq!(sem.available_permits(), 1);
}

#[test]
fn threads_and_async_tasks_share_the_permits_and_none_is_lost() {
    // Python's parking lot, half the cars as tasks: 5 spaces, never more
    // than 5 parked, and every car parks.
    let sem = Arc::new(Semaphore::new(5));
    let parked = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let park = {
        let (parked, most) = (Arc::clone(&parked), Arc::clone(&most));
        move || {
            let now = parked.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            thread::sleep(Duration::from_micros(200));
            parked.fetch_sub(1, Ordering::SeqCst);
        }
    };
    let cars: Vec<_> = (0..12)
        .map(|car| {
            let (sem, park) = (Arc::clone(&sem), park.clone());
            thread::spawn(move || {
                for _ in 0..20 {
                    if car % 2 == 0 {
                        let _space = sem.acquire();
                        park();
                    } else {
                        let (_space, _) = block_on(sem.acquire_async());
                        park();
                    }
                }
            })
        })
        .collect();
    for car in cars {
        common::join_within("a car's acquires (by thread or task) of five spaces", car);
    }
    assert!(most.load(Ordering::SeqCst) <= 5);
    assert_eq!(sem.available_permits(), 5, "every permit came back");
}

#[test]
fn a_cancelled_async_acquire_takes_nothing_and_leaves_no_waker() {
    let sem = Semaphore::new(0);
    let (waker, unparker) = Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    {
        let mut waiting = std::pin::pin!(sem.acquire_many_async(2));
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        assert!(waiting.as_mut().poll(&mut context).is_pending());
        assert_eq!(std::sync::Arc::strong_count(&unparker), 3);
    } // cancelled
    assert_eq!(
        std::sync::Arc::strong_count(&unparker),
        2,
        "no waker left behind"
    );
    sem.release(2);
    assert_eq!(
        sem.available_permits(),
        2,
        "the cancelled wait took nothing"
    );
    assert_eq!(unparker.wakes(), 0);
    // A plain thread wait afterwards takes the permits without waiting.
    assert_eq!(sem.acquire_many(2).count(), 2);
}

#[test]
fn bounded_semaphore_acquire_async_gives_its_permit_back_within_the_bound() {
    let sem = BoundedSemaphore::new(1);
    let (permit, _) = block_on(sem.acquire_async());
    assert_eq!(sem.available_permits(), 0);
    drop(permit);
    assert_eq!(
        sem.release(1),
        Err(OverRelease {
            bound: 1,
            available: 1,
            held: 0,
            released: 1
        }),
        "the async permit went back to the count, and a release would exceed the bound"
    );
    let pair = BoundedSemaphore::new(2);
    assert_eq!(
        pair.acquire_many_async(3).unwrap_err(),
        ExceedsBound {
            bound: 2,
            requested: 3
        }
    );
    let (two, _) = block_on(pair.acquire_many_async(2).unwrap());
    assert_eq!((two.count(), pair.available_permits()), (2, 0));
}

#[test]
fn a_re_polled_async_acquire_wakes_the_latest_waker_and_prints_its_state() {
    let sem = Semaphore::new(0);
    let (first, first_count) = Unparker::new();
    let (second, second_count) = Unparker::new();
    let mut waiting = std::pin::pin!(sem.acquire_async());
    assert_eq!(
        format!("{waiting:?}"),
        "SemaphoreAcquire { permits: 1, waiting: false }"
    );
    assert!(
        waiting
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&first))
            .is_pending()
    );
    assert!(
        waiting
            .as_mut()
            .poll(&mut std::task::Context::from_waker(&second))
            .is_pending()
    );
    assert_eq!(
        format!("{waiting:?}"),
        "SemaphoreAcquire { permits: 1, waiting: true }"
    );
    sem.release(1);
    assert_eq!((first_count.wakes(), second_count.wakes()), (0, 1));
}

// CPython's asyncio `SemaphoreTests` (Lib/test/test_asyncio/test_locks.py,
// 3.11), restated for `acquire_async` on turnstile's event loop: one test
// per CPython test, named after it. asyncio's `sem.locked()` (no permit
// free, or a task in line) reads here as "no permit free" (a
// `try_acquire` that fails), and its `task.cancel()` as
// `JoinHandle::cancel`, which drops the task's future at its next turn.

/// Runs `main` on a new event loop under the watchdog.
fn on_loop<T: Send + 'static, F: std::future::Future<Output = T>>(
    what: &str,
    main: impl FnOnce() -> F + Send + 'static,
) -> T {
    common::within(common::PATIENCE, what, move || {
        turnstile::event_loop::run(main())
    })
}

/// Lets every ready task run, as CPython's tests do with
/// `await asyncio.sleep(0)`: `turns` turns of the loop.
async fn turns(turns: usize) {
    for _ in 0..turns {
        turnstile::event_loop::yield_now().await;
    }
}

#[test]
fn asyncio_test_acquire() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use turnstile::event_loop::spawn;
    on_loop("asyncio's test_acquire", || async {
        let sem = Rc::new(Semaphore::new(3));
        let result = Rc::new(RefCell::new(Vec::new()));
        sem.acquire_async().await.forget();
        sem.acquire_async().await.forget();
        assert_eq!(sem.available_permits(), 1);
        let task = |tag: u32| {
            let (sem, result) = (Rc::clone(&sem), Rc::clone(&result));
            spawn(async move {
                sem.acquire_async().await.forget();
                result.borrow_mut().push(tag);
            })
            .unwrap()
        };
        let (t1, t2, t3) = (task(1), task(2), task(3));
        turns(1).await;
        assert_eq!(*result.borrow(), [1]);
        assert!(sem.try_acquire().is_none());
        let t4 = task(4);
        sem.release(1);
        sem.release(1);
        turns(1).await;
        assert_eq!(result.borrow().len(), 3);
        assert!(t1.is_finished());
        // asyncio asserts two of t2, t3, t4 done; in arrival order, t2 and t3.
        assert_eq!(*result.borrow(), [1, 2, 3]);
        assert!(!t4.is_finished());
        sem.release(1);
        for task in [t1, t2, t3, t4] {
            task.await.unwrap();
        }
        assert_eq!(sem.available_permits(), 0);
    });
}

#[test]
fn asyncio_test_acquire_cancel() {
    use turnstile::event_loop::spawn;
    on_loop("asyncio's test_acquire_cancel", || async {
        let sem = std::rc::Rc::new(Semaphore::new(1));
        sem.acquire_async().await.forget();
        let acquire = {
            let sem = std::rc::Rc::clone(&sem);
            spawn(async move { sem.acquire_async().await.forget() }).unwrap()
        };
        turns(1).await; // it waits
        assert!(acquire.cancel());
        assert_eq!(acquire.await, Err(turnstile::TaskError::Cancelled));
        // No waiter is left in line: a release's permit is free for anyone.
        sem.release(1);
        assert!(
            sem.try_acquire().is_some(),
            "the cancelled wait kept a place"
        );
    });
}

#[test]
fn asyncio_test_acquire_cancel_before_awoken() {
    use turnstile::event_loop::spawn;
    on_loop("asyncio's test_acquire_cancel_before_awoken", || async {
        let sem = std::rc::Rc::new(Semaphore::new(0));
        let task = || {
            let sem = std::rc::Rc::clone(&sem);
            spawn(async move { sem.acquire_async().await.forget() }).unwrap()
        };
        let (t1, t2, t3, t4) = (task(), task(), task(), task());
        turns(1).await;
        t1.cancel();
        t2.cancel();
        sem.release(1);
        turns(2).await;
        assert!(
            t3.is_finished(),
            "the permit passed the cancelled tasks to t3"
        );
        assert!(!t4.is_finished(), "one permit, one task served");
        assert_eq!(sem.available_permits(), 0);
        t3.cancel();
        t4.cancel();
        turns(1).await;
        assert_eq!(sem.available_permits(), 0, "t3 took it and forgot it");
    });
}

#[test]
fn asyncio_test_acquire_hang() {
    use turnstile::event_loop::spawn;
    on_loop("asyncio's test_acquire_hang", || async {
        let sem = std::rc::Rc::new(Semaphore::new(0));
        let task = || {
            let sem = std::rc::Rc::clone(&sem);
            spawn(async move { sem.acquire_async().await.forget() }).unwrap()
        };
        let (t1, t2) = (task(), task());
        turns(1).await;
        t1.cancel();
        sem.release(1);
        turns(2).await;
        assert!(sem.try_acquire().is_none(), "t2 holds the permit");
        assert!(t2.is_finished(), "the cancelled t1 passed it on to t2");
    });
}

#[test]
fn asyncio_test_acquire_no_hang() {
    use std::time::Duration;
    use turnstile::event_loop::{spawn, wait_for};
    on_loop("asyncio's test_acquire_no_hang", || async {
        let sem = std::rc::Rc::new(Semaphore::new(1));
        let t2_cell = std::rc::Rc::new(std::cell::RefCell::new(None));
        let t1 = {
            let (sem, t2_cell) = (std::rc::Rc::clone(&sem), std::rc::Rc::clone(&t2_cell));
            spawn(async move {
                {
                    let _held = sem.acquire_async().await;
                    turns(1).await;
                } // released: to t2, which waits
                let t2: &Option<turnstile::event_loop::JoinHandle<()>> = &t2_cell.borrow();
                t2.as_ref().unwrap().cancel();
            })
            .unwrap()
        };
        let t2 = {
            let sem = std::rc::Rc::clone(&sem);
            spawn(async move {
                let _held = sem.acquire_async().await;
                panic!("t2 was cancelled before it could run with the permit");
            })
            .unwrap()
        };
        *t2_cell.borrow_mut() = Some(t2);
        assert_eq!(t1.await, Ok(()));
        let t2 = t2_cell.borrow_mut().take().unwrap();
        assert_eq!(t2.await, Err(turnstile::TaskError::Cancelled));
        let again = wait_for(Duration::from_secs(1), sem.acquire_async()).await;
        assert!(
            again.is_ok(),
            "the permit handed to the cancelled t2 came back"
        );
    });
}

#[test]
fn asyncio_test_release_no_waiters() {
    on_loop("asyncio's test_release_no_waiters", || async {
        let sem = Semaphore::new(1);
        sem.acquire_async().await.forget();
        assert_eq!(sem.available_permits(), 0);
        sem.release(1);
        assert_eq!(sem.available_permits(), 1);
    });
}

#[test]
fn asyncio_test_acquire_fifo_order() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use std::time::Duration;
    use turnstile::event_loop::{sleep, spawn};
    let result = on_loop("asyncio's test_acquire_fifo_order", || async {
        let sem = Rc::new(Semaphore::new(1));
        let result = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = ["c1", "c2", "c3"]
            .into_iter()
            .map(|tag| {
                let (sem, result) = (Rc::clone(&sem), Rc::clone(&result));
                spawn(async move {
                    for round in 1..=2 {
                        let _held = sem.acquire_async().await;
                        result.borrow_mut().push(format!("{tag}_{round}"));
                        sleep(Duration::from_millis(10)).await;
                    }
                })
                .unwrap()
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        Rc::try_unwrap(result).unwrap().into_inner()
    });
    assert_eq!(result, ["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
}

#[test]
fn asyncio_test_acquire_fifo_order_2() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use turnstile::event_loop::spawn;
    let result = on_loop("asyncio's test_acquire_fifo_order_2", || async {
        let sem = Rc::new(Semaphore::new(1));
        let result = Rc::new(RefCell::new(Vec::new()));
        let (s1, r1) = (Rc::clone(&sem), Rc::clone(&result));
        let t1 = spawn(async move {
            s1.acquire_async().await.forget();
            r1.borrow_mut().push(1);
        });
        let (s2, r2) = (Rc::clone(&sem), Rc::clone(&result));
        let t2 = spawn(async move {
            s2.acquire_async().await.forget();
            r2.borrow_mut().push(2);
            s2.release(1);
            s2.acquire_async().await.forget();
            r2.borrow_mut().push(4);
        });
        let (s3, r3) = (Rc::clone(&sem), Rc::clone(&result));
        let t3 = spawn(async move {
            s3.acquire_async().await.forget();
            r3.borrow_mut().push(3);
        });
        turns(1).await;
        sem.release(1);
        sem.release(1);
        for task in [t1, t2, t3] {
            task.unwrap().await.unwrap();
        }
        Rc::try_unwrap(result).unwrap().into_inner()
    });
    assert_eq!(result, [1, 2, 3, 4]);
}

#[test]
fn asyncio_test_acquire_fifo_order_3() {
    use std::cell::RefCell;
    use std::rc::Rc;
    use turnstile::event_loop::spawn;
    let result = on_loop("asyncio's test_acquire_fifo_order_3", || async {
        let sem = Rc::new(Semaphore::new(0));
        let result = Rc::new(RefCell::new(Vec::new()));
        let tasks: Vec<_> = (1..=3)
            .map(|tag| {
                let (sem, result) = (Rc::clone(&sem), Rc::clone(&result));
                spawn(async move {
                    sem.acquire_async().await.forget();
                    result.borrow_mut().push(tag);
                })
                .unwrap()
            })
            .collect();
        turns(1).await;
        tasks[0].cancel();
        turns(1).await;
        sem.release(1);
        sem.release(1);
        let outcomes: Vec<_> = turnstile::event_loop::gather(tasks).await;
        assert_eq!(outcomes[0], Err(turnstile::TaskError::Cancelled));
        Rc::try_unwrap(result).unwrap().into_inner()
    });
    assert_eq!(result, [2, 3]);
}

/// Beyond asyncio's tests: a release hands its permit to the oldest
/// waiting task at once, so a thread (or a task) that arrives after the
/// release finds no permit free; the task then needs no second look.
#[test]
fn a_release_hands_its_permit_to_the_oldest_waiting_task() {
    let sem = Semaphore::new(0);
    let (first, first_wakes) = Unparker::new();
    let (second, second_wakes) = Unparker::new();
    let mut oldest = std::pin::pin!(sem.acquire_async());
    let mut younger = std::pin::pin!(sem.acquire_async());
    let mut first_context = std::task::Context::from_waker(&first);
    let mut second_context = std::task::Context::from_waker(&second);
    assert!(oldest.as_mut().poll(&mut first_context).is_pending());
    assert!(younger.as_mut().poll(&mut second_context).is_pending());
    sem.release(1);
    assert!(
        sem.try_acquire().is_none(),
        "the permit went to a waiting task"
    );
    assert_eq!((first_wakes.wakes(), second_wakes.wakes()), (1, 0));
    assert!(younger.as_mut().poll(&mut second_context).is_pending());
    let std::task::Poll::Ready(permit) = oldest.as_mut().poll(&mut first_context) else {
        panic!("the oldest task was handed the permit")
    };
    drop(permit); // on to the younger one
    assert_eq!(second_wakes.wakes(), 1);
    assert!(younger.as_mut().poll(&mut second_context).is_ready());
}

/// A task waiting for more permits than are free keeps the tasks behind it
/// waiting, even one that wants fewer (strict arrival order, as tokio's
/// semaphore); when it leaves the line, cancelled, the one behind is
/// served with what is free.
#[test]
fn acquire_many_async_keeps_the_tasks_behind_it_waiting() {
    let sem = Semaphore::new(0);
    let (waker, _) = Unparker::new();
    let (behind_waker, behind_wakes) = Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut behind_context = std::task::Context::from_waker(&behind_waker);
    let mut two = Box::pin(sem.acquire_many_async(2));
    let mut one = std::pin::pin!(sem.acquire_async());
    assert!(two.as_mut().poll(&mut context).is_pending());
    assert!(one.as_mut().poll(&mut behind_context).is_pending());
    sem.release(1);
    assert_eq!(
        sem.available_permits(),
        1,
        "not enough for the first in line"
    );
    assert!(
        one.as_mut().poll(&mut behind_context).is_pending(),
        "served past the first"
    );
    assert_eq!(behind_wakes.wakes(), 0);
    drop(two); // cancelled: the line moves on
    assert_eq!(behind_wakes.wakes(), 1);
    assert_eq!(
        sem.available_permits(),
        0,
        "the free permit went to the task behind"
    );
    assert!(one.as_mut().poll(&mut behind_context).is_ready());
}
