//! loom models of `Mutex` and `RawMutex`, and of their broken twins.
//!
//! Each property is written once, generic over the lock, and run on the real
//! lock (loom must find nothing) and on a broken twin (loom must find the
//! bug). `cargo test --test model_mutex -- --show-output` prints loom's
//! reports.

mod common;

use common::{
    Branches, DEFAULT_PREEMPTIONS, Guarded, assert_timeline, catch_failure,
    expect_deadlock_in_child, expect_loom_to_catch, model,
};
use loom::sync::Arc;
use std::time::{Duration, Instant};
use turnstile::model::broken::{CheckThenStoreLock, ForgetfulLock, RelaxedLock};
use turnstile::model::thread;
use turnstile::model::{Mutex, RawMutex};

/// What the properties need from a lock.
trait RawLock: Send + Sync + 'static {
    fn new() -> Self;
    fn lock(&self);
    fn try_lock(&self) -> bool;
    /// # Safety
    /// The calling thread holds the lock.
    unsafe fn unlock(&self);
}

macro_rules! raw_lock {
    ($($lock:ty),*) => {$(
        impl RawLock for $lock {
            fn new() -> Self { <$lock>::new() }
            fn lock(&self) { <$lock>::lock(self) }
            fn try_lock(&self) -> bool { <$lock>::try_lock(self) }
            unsafe fn unlock(&self) { unsafe { <$lock>::unlock(self) } }
        }
    )*};
}
raw_lock!(RawMutex, CheckThenStoreLock, RelaxedLock, ForgetfulLock);

/// Property: two threads that add to a counter under the lock never overlap
/// (loom would report a race on the cell) and lose no update.
fn mutual_exclusion<L: RawLock>() {
    let shared = Guarded::new(L::new());
    let other = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            shared.lock.lock();
            shared.bump();
            unsafe { shared.lock.unlock() };
        })
    };
    shared.lock.lock();
    shared.bump();
    unsafe { shared.lock.unlock() };
    other.join().unwrap();
    assert_eq!(shared.total(), 2, "an update was lost");
}

/// Property: a thread parked on a held lock is woken when it is released.
/// Two waiters, so the "someone may still be parked" mark must survive one
/// waiter's wake-up. A lost wake-up leaves a waiter asleep forever, which loom
/// reports as a deadlock.
fn no_lost_wakeup<L: RawLock>() {
    let lock = Arc::new(L::new());
    lock.lock();
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.lock();
                unsafe { lock.unlock() };
            })
        })
        .collect();
    unsafe { lock.unlock() };
    for waiter in waiters {
        waiter.join().unwrap();
    }
}

/// Property: `try_lock` never succeeds while another thread holds the lock.
fn try_lock_never_enters_while_held<L: RawLock>() {
    let shared = Guarded::new(L::new());
    let holder = {
        let shared = Arc::clone(&shared);
        thread::spawn(move || {
            shared.lock.lock();
            shared.bump();
            unsafe { shared.lock.unlock() };
        })
    };
    if shared.lock.try_lock() {
        shared.bump();
        unsafe { shared.lock.unlock() };
    }
    holder.join().unwrap();
}

#[test]
fn raw_mutex_mutual_exclusion() {
    model(mutual_exclusion::<RawMutex>);
}

#[test]
fn raw_mutex_no_lost_wakeup() {
    model(no_lost_wakeup::<RawMutex>);
}

#[test]
fn raw_mutex_try_lock_never_enters_while_held() {
    model(try_lock_never_enters_while_held::<RawMutex>);
}

/// Property: a waiter whose deadline passes gives up without taking the
/// wake-up that another waiter needs. One waiter has a deadline, one has
/// none; the model facade lets the deadline pass at any step (loom has no
/// clock), racing the holder's unlock. The patient waiter must always get in.
#[test]
fn raw_mutex_timed_out_waiter_strands_no_one() {
    static BRANCHES: Branches = Branches::new();
    model(|| {
        let lock = Arc::new(RawMutex::new());
        lock.lock();
        let timed = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                let deadline = Instant::now() + Duration::from_secs(3600);
                if BRANCHES.record(lock.lock_deadline(deadline).is_ok()) {
                    unsafe { lock.unlock() };
                }
            })
        };
        let patient = {
            let lock = Arc::clone(&lock);
            thread::spawn(move || {
                lock.lock();
                unsafe { lock.unlock() };
            })
        };
        unsafe { lock.unlock() };
        timed.join().unwrap();
        patient.join().unwrap();
        assert!(!lock.is_locked());
    });
    BRANCHES.assert_both_taken("a timed lock racing an unlock");
}

/// Property: the safe `Mutex<T>` and its guard keep two threads' updates of
/// the data apart. The data lives in the facade's cell, so loom checks every
/// guard deref against the others.
#[test]
fn mutex_guard_mutual_exclusion() {
    model(|| {
        let counter = Arc::new(Mutex::new(0usize));
        let other = {
            let counter = Arc::clone(&counter);
            thread::spawn(move || *counter.lock() += 1)
        };
        *counter.lock() += 1;
        other.join().unwrap();
        assert_eq!(*counter.lock(), 2);
        assert!(!counter.is_locked());
    });
}

/// Property: `Mutex::try_lock` fails while a guard is alive on another
/// thread, and the data it sees afterwards is complete.
#[test]
fn mutex_try_lock_sees_whole_updates() {
    model(|| {
        let pair = Arc::new(Mutex::new((0u32, 0u32)));
        let writer = {
            let pair = Arc::clone(&pair);
            thread::spawn(move || {
                let mut guard = pair.lock();
                guard.0 += 1;
                guard.1 += 1;
            })
        };
        if let Some(guard) = pair.try_lock() {
            assert_eq!(guard.0, guard.1, "try_lock entered mid-update");
        }
        writer.join().unwrap();
        assert_eq!(*pair.lock(), (1, 1));
    });
}

// The broken twins: each test passes only when loom catches the bug.

#[test]
fn broken_check_then_store_lock_is_caught() {
    let failure = catch_failure(
        DEFAULT_PREEMPTIONS,
        "two threads inside a lock that checks, then stores",
        mutual_exclusion::<CheckThenStoreLock>,
    );
    assert_timeline(
        &failure,
        &["main", "thread 1"],
        (
            "check_then_store.rs",
            include_str!("../src/model/broken/check_then_store.rs"),
            "CheckThenStoreLock",
        ),
        "Causality violation",
    );
}

#[test]
fn broken_check_then_store_try_lock_is_caught() {
    let report = expect_loom_to_catch(
        "try_lock entering a held lock that checks, then stores",
        try_lock_never_enters_while_held::<CheckThenStoreLock>,
    );
    assert!(report.contains("Causality violation"), "{report}");
}

#[test]
fn broken_relaxed_lock_is_caught() {
    let report = expect_loom_to_catch(
        "a lock that excludes but does not publish (Relaxed orderings)",
        mutual_exclusion::<RelaxedLock>,
    );
    assert!(report.contains("Causality violation"), "{report}");
}

#[test]
fn broken_forgetful_unlock_is_caught() {
    expect_deadlock_in_child("child_forgetful_unlock");
}

/// Run by `broken_forgetful_unlock_is_caught` in a child process: loom ends
/// the process when it finds the deadlock.
#[test]
#[ignore = "run in a child process by broken_forgetful_unlock_is_caught"]
fn child_forgetful_unlock() {
    model(no_lost_wakeup::<ForgetfulLock>);
}

// ---------------------------------------------------------------------------
// The async lock (`mutex_async.rs`): tasks beside threads.

use common::CountingWaker;
use std::task::{Context, Poll};
use turnstile::model::sync::atomic::{AtomicBool, Ordering};

/// Property: a task whose first poll races a thread's lock and unlock
/// (its registration against the unlock's look for waiters) is either
/// ready at once and never woken, or pending and woken exactly once, and
/// then ready. No update under the lock is lost.
#[test]
fn mutex_lock_async_registration_racing_a_thread_unlock_is_woken() {
    model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let thread_user = {
            let mutex = Arc::clone(&mutex);
            thread::spawn(move || *mutex.lock() += 1)
        };
        let (waker, wakes) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut waiting = mutex.lock_async();
        let first = match std::pin::Pin::new(&mut waiting).poll(&mut context) {
            Poll::Ready(mut guard) => {
                *guard += 1;
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        };
        thread_user.join().unwrap();
        if first.is_pending() {
            assert_eq!(
                wakes.wakes(),
                1,
                "pending, then woken {} times",
                wakes.wakes()
            );
            let Poll::Ready(mut guard) = std::pin::Pin::new(&mut waiting).poll(&mut context) else {
                panic!("woken, and the lock still not taken")
            };
            *guard += 1;
        } else {
            assert_eq!(wakes.wakes(), 0, "ready at once, and woken anyway");
        }
        drop(waiting);
        assert_eq!(*mutex.lock(), 2, "an update under the lock was lost");
    });
}

/// Property: a thread and a task both waiting for a lock a third thread
/// holds both get it: the "someone may wait" mark survives whichever of
/// them is served first (a lost wake-up leaves a thread parked or loom's
/// executor parked, which loom reports).
#[test]
fn mutex_thread_and_task_waiting_both_get_the_lock() {
    model(|| {
        let mutex = Arc::new(Mutex::new(0));
        let users: Vec<_> = (0..2)
            .map(|_| {
                let mutex = Arc::clone(&mutex);
                thread::spawn(move || *mutex.lock() += 1)
            })
            .collect();
        *loom::future::block_on(mutex.lock_async()) += 1;
        for user in users {
            user.join().unwrap();
        }
        assert_eq!(*mutex.lock(), 3);
    });
}

/// Property: a waiting task cancelled while a thread unlocks (the unlock
/// waking it, or not yet) costs the task behind it nothing: that one is
/// woken exactly once, either by the unlock or by the cancelled task
/// passing the wake-up on, and takes the lock.
#[test]
fn mutex_lock_async_cancel_racing_the_wake_passes_it_on() {
    model(|| {
        let mutex = Arc::new(Mutex::new(()));
        let held = Arc::new(AtomicBool::new(false));
        let registered = Arc::new(AtomicBool::new(false));
        let holder = {
            let (mutex, held, registered) = (
                Arc::clone(&mutex),
                Arc::clone(&held),
                Arc::clone(&registered),
            );
            thread::spawn(move || {
                let guard = mutex.lock();
                held.store(true, Ordering::SeqCst);
                while !registered.load(Ordering::SeqCst) {
                    thread::yield_now();
                }
                drop(guard);
            })
        };
        while !held.load(Ordering::SeqCst) {
            thread::yield_now();
        }
        let (waker, _) = CountingWaker::new();
        let mut cancelled = mutex.lock_async();
        let pending = std::pin::Pin::new(&mut cancelled)
            .poll(&mut Context::from_waker(&waker))
            .is_pending();
        assert!(pending);
        let (waker, wakes) = CountingWaker::new();
        let mut context = Context::from_waker(&waker);
        let mut behind = mutex.lock_async();
        assert!(
            std::pin::Pin::new(&mut behind)
                .poll(&mut context)
                .is_pending()
        );
        registered.store(true, Ordering::SeqCst);
        drop(cancelled); // races the holder's unlock
        holder.join().unwrap();
        assert_eq!(
            wakes.wakes(),
            1,
            "the task behind was woken {} times",
            wakes.wakes()
        );
        assert!(
            std::pin::Pin::new(&mut behind)
                .poll(&mut context)
                .is_ready(),
            "woken, and the free lock not taken"
        );
    });
}
