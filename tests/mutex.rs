//! Ordinary tests of `Mutex`, `Lock` and `RawMutex` on real threads: what
//! loom cannot show (timeouts, panics, real blocking), and the API's edges.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

mod common;

use common::{Holder, SLACK, hold_elsewhere};
use turnstile::{Lock, Mutex, MutexGuard, RawMutex};

/// Holds `mutex` on another thread until the holder is released.
fn hold_mutex_elsewhere<T: Send + 'static>(mutex: &Arc<Mutex<T>>) -> Holder {
    let mutex = Arc::clone(mutex);
    hold_elsewhere(move |wait| {
        let _guard = mutex.lock();
        wait();
    })
}

#[test]
fn smoke() {
    let mutex = Mutex::new(1);
    {
        let mut guard = mutex.lock();
        *guard += 1;
        assert!(mutex.is_locked());
    }
    assert!(!mutex.is_locked());
    assert_eq!(*mutex.lock(), 2);
}

#[test]
fn static_mutex_is_const_constructible() {
    static G_NUM: Mutex<u64> = Mutex::new(0);
    static LOCK: Lock = Lock::new();
    static RAW: RawMutex = RawMutex::new();
    *G_NUM.lock() += 5;
    assert_eq!(*G_NUM.lock(), 5);
    assert!(!LOCK.locked());
    assert!(!RAW.is_locked());
}

#[test]
fn try_lock() {
    let mutex = Mutex::new(());
    let guard = mutex.try_lock().expect("a free mutex");
    assert!(mutex.try_lock().is_none(), "try_lock entered a held mutex");
    drop(guard);
    assert!(mutex.try_lock().is_some());
}

#[test]
fn try_lock_fails_while_another_thread_holds_it() {
    let mutex = Arc::new(Mutex::new(0));
    let holder = hold_mutex_elsewhere(&mutex);
    assert!(mutex.try_lock().is_none());
    assert!(mutex.is_locked());
    holder.release();
    assert!(mutex.try_lock().is_some());
}

#[test]
fn lock_really_blocks_until_release() {
    let mutex = Arc::new(Mutex::new(0));
    let holder = hold_mutex_elsewhere(&mutex);
    let entered = Arc::new(AtomicBool::new(false));
    let waiter = {
        let mutex = Arc::clone(&mutex);
        let entered = Arc::clone(&entered);
        thread::spawn(move || {
            *mutex.lock() += 1;
            entered.store(true, Ordering::SeqCst);
        })
    };
    // Give the waiter ample time to (wrongly) get in; it must still be out.
    thread::sleep(Duration::from_millis(50));
    assert!(
        !entered.load(Ordering::SeqCst),
        "lock() entered a held mutex"
    );
    holder.release();
    common::join_within(
        "a lock() blocked on a held mutex, after its release",
        waiter,
    );
    assert!(entered.load(Ordering::SeqCst));
    assert_eq!(*mutex.lock(), 1);
}

#[test]
fn lots_and_lots() {
    const THREADS: usize = 4;
    const ITERS: usize = if cfg!(miri) { 200 } else { 20_000 };
    let counter = Arc::new(Mutex::new(0usize));
    let workers: Vec<_> = (0..THREADS)
        .map(|_| {
            let counter = Arc::clone(&counter);
            thread::spawn(move || {
                for _ in 0..ITERS {
                    *counter.lock() += 1;
                }
            })
        })
        .collect();
    for worker in workers {
        common::join_within("a thread's locks of a contended counter", worker);
    }
    assert_eq!(*counter.lock(), THREADS * ITERS);
}

#[test]
fn contended_lock_timeout_waits_then_gives_up() {
    common::within(
        common::PATIENCE,
        "a 100 ms lock_timeout of a mutex held elsewhere",
        contended_lock_timeout_waits_then_gives_up_body,
    );
}

fn contended_lock_timeout_waits_then_gives_up_body() {
    let mutex = Arc::new(Mutex::new(()));
    let holder = hold_mutex_elsewhere(&mutex);
    let timeout = Duration::from_millis(100);
    let start = Instant::now();
    assert!(mutex.lock_timeout(timeout).is_err());
    let waited = start.elapsed();
    assert!(
        waited >= timeout,
        "gave up after {waited:?}, before {timeout:?}"
    );
    assert!(waited < timeout + SLACK, "gave up only after {waited:?}");
    holder.release();
}

#[test]
fn lock_timeout_succeeds_when_released_in_time() {
    common::within(
        common::PATIENCE,
        "a lock_timeout of a mutex released in time",
        lock_timeout_succeeds_when_released_in_time_body,
    );
}

fn lock_timeout_succeeds_when_released_in_time_body() {
    let mutex = Arc::new(Mutex::new(7));
    let holder = hold_mutex_elsewhere(&mutex);
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(30));
        holder.release();
    });
    let guard = mutex.lock_timeout(Duration::from_secs(10));
    assert_eq!(guard.as_deref(), Ok(&7));
    drop(guard);
    releaser.join().unwrap();
}

#[test]
fn zero_timeout_behaves_like_try_lock() {
    common::within(
        common::PATIENCE,
        "zero-timeout locks of a held mutex, to fail at once",
        zero_timeout_behaves_like_try_lock_body,
    );
}

fn zero_timeout_behaves_like_try_lock_body() {
    let mutex = Arc::new(Mutex::new(()));
    assert!(mutex.lock_timeout(Duration::ZERO).is_ok(), "a free mutex");
    let holder = hold_mutex_elsewhere(&mutex);
    let start = Instant::now();
    assert!(mutex.lock_timeout(Duration::ZERO).is_err());
    assert!(mutex.lock_deadline(Instant::now()).is_err());
    assert!(
        start.elapsed() < SLACK,
        "a zero timeout waited {:?}",
        start.elapsed()
    );
    holder.release();
}

#[test]
fn deadline_in_the_past_behaves_like_try_lock() {
    common::within(
        common::PATIENCE,
        "a lock_deadline already past, of a held mutex",
        deadline_in_the_past_behaves_like_try_lock_body,
    );
}

fn deadline_in_the_past_behaves_like_try_lock_body() {
    let mutex = Mutex::new(());
    let past = Instant::now();
    thread::sleep(Duration::from_millis(1));
    assert!(mutex.lock_deadline(past).is_ok(), "a free mutex");
    let _held = mutex.lock();
    assert!(mutex.lock_deadline(past).is_err());
}

#[test]
fn max_timeout_neither_panics_nor_overflows() {
    common::within(
        common::PATIENCE,
        "a lock_timeout(MAX) of a mutex released later",
        max_timeout_neither_panics_nor_overflows_body,
    );
}

fn max_timeout_neither_panics_nor_overflows_body() {
    let mutex = Arc::new(Mutex::new(()));
    // Free: returns at once.
    assert!(mutex.lock_timeout(Duration::MAX).is_ok());
    // Held, then released: waits (without limit) and gets it.
    let holder = hold_mutex_elsewhere(&mutex);
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        holder.release();
    });
    assert!(mutex.lock_timeout(Duration::MAX).is_ok());
    releaser.join().unwrap();
}

#[test]
fn panic_while_holding_releases_without_poisoning() {
    common::within(
        common::PATIENCE,
        "a lock of a mutex whose holder panicked",
        panic_while_holding_releases_without_poisoning_body,
    );
}

fn panic_while_holding_releases_without_poisoning_body() {
    let mutex = Arc::new(Mutex::new(vec![1, 2, 3]));
    let result = {
        let mutex = Arc::clone(&mutex);
        thread::spawn(move || {
            let mut guard = mutex.lock();
            guard.push(4);
            panic!("the holder fails halfway");
        })
        .join()
    };
    assert!(result.is_err());
    assert!(
        !mutex.is_locked(),
        "the panicking holder's guard released the lock"
    );
    // No poisoning: the next lock works and sees what the holder left.
    assert_eq!(*mutex.lock(), [1, 2, 3, 4]);
}

#[test]
fn get_mut_and_into_inner_need_no_lock() {
    let mut mutex = Mutex::new(String::from("a"));
    mutex.get_mut().push('b');
    assert_eq!(mutex.into_inner(), "ab");
}

/// Counts drops, to show the mutex drops its data exactly once.
struct DropCounter<'a>(&'a AtomicUsize);

impl Drop for DropCounter<'_> {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn data_is_dropped_exactly_once() {
    let drops = AtomicUsize::new(0);
    let mutex = Mutex::new(DropCounter(&drops));
    drop(mutex.lock());
    assert_eq!(
        drops.load(Ordering::SeqCst),
        0,
        "unlocking dropped the data"
    );
    drop(mutex);
    assert_eq!(drops.load(Ordering::SeqCst), 1);

    let inner = Mutex::new(DropCounter(&drops)).into_inner();
    assert_eq!(
        drops.load(Ordering::SeqCst),
        1,
        "into_inner dropped the data"
    );
    drop(inner);
    assert_eq!(drops.load(Ordering::SeqCst), 2);
}

#[test]
fn unsized_data() {
    let mutex: &Mutex<[u8]> = &Mutex::new([1, 2, 3]);
    mutex.lock()[0] = 9;
    assert_eq!(&*mutex.lock(), &[9, 2, 3]);
}

#[test]
fn debug_default_and_from() {
    let mutex: Mutex<i32> = Mutex::default();
    assert_eq!(format!("{mutex:?}"), "Mutex { data: 0, .. }");
    let guard = mutex.lock();
    assert_eq!(format!("{mutex:?}"), "Mutex { data: <locked>, .. }");
    assert_eq!(format!("{guard:?} {guard}"), "0 0");
    drop(guard);
    assert_eq!(*Mutex::from(3).lock(), 3);
    assert_eq!(
        format!("{:?}", RawMutex::new()),
        "RawMutex { locked: false }"
    );
    assert_eq!(format!("{:?}", Lock::new()), "Lock { locked: false }");
}

#[test]
fn python_lock_api() {
    common::within(
        common::PATIENCE,
        "a 20 ms acquire_timeout of a held Lock",
        python_lock_api_body,
    );
}

fn python_lock_api_body() {
    let lock = Arc::new(Lock::new());
    let guard = lock.acquire();
    assert!(lock.locked());
    assert!(lock.try_acquire().is_none());
    let start = Instant::now();
    assert!(lock.acquire_timeout(Duration::from_millis(20)).is_err());
    assert!(start.elapsed() >= Duration::from_millis(20));
    drop(guard); // lock.release()
    assert!(!lock.locked());
    assert!(lock.try_acquire().is_some());
}

#[test]
fn raw_mutex_by_hand() {
    common::within(
        common::PATIENCE,
        "timed locks of a RawMutex this thread holds, to give up",
        raw_mutex_by_hand_body,
    );
}

fn raw_mutex_by_hand_body() {
    let raw = RawMutex::new();
    raw.lock();
    assert!(raw.is_locked());
    assert!(!raw.try_lock());
    assert!(
        raw.lock_deadline(Instant::now() + Duration::from_millis(5))
            .is_err()
    );
    // SAFETY: locked by this thread above.
    unsafe { raw.unlock() };
    assert!(
        raw.lock_deadline(Instant::now() + Duration::from_millis(5))
            .is_ok()
    );
    // SAFETY: taken by the lock_deadline above.
    unsafe { raw.unlock() };
    assert!(!raw.is_locked());
    assert_eq!(raw.lock_timeout(Duration::from_millis(5)), Ok(()));
    assert_eq!(
        raw.lock_timeout(Duration::from_millis(5)),
        Err(turnstile::Timeout),
        "held by this thread: the second times out"
    );
    // SAFETY: taken by the first lock_timeout.
    unsafe { raw.unlock() };
    assert_eq!(raw.lock_timeout(Duration::MAX), Ok(()), "no limit");
    // SAFETY: taken just above.
    unsafe { raw.unlock() };
}

#[test]
fn send_and_sync() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Mutex<i32>>();
    // Sync needs only `T: Send`: one thread at a time reaches the Cell.
    send_sync::<Mutex<Cell<i32>>>();
    send_sync::<Lock>();
    send_sync::<RawMutex>();
    fn sync<T: Sync>() {}
    // The guard is Sync (sharing it shares `&i32`); `guard_is_not_send`
    // shows it is not Send.
    sync::<MutexGuard<'static, i32>>();
}

/// A compile-time check: the guard must not be `Send`.
#[test]
fn guard_is_not_send() {
    assert_not_send!(MutexGuard<'static, i32>);

    // And the guard catches an unwind like any value: the lock is released.
    let mutex = Mutex::new(0);
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        let _guard = mutex.lock();
        panic!("unwinding through a guard");
    }));
    assert!(caught.is_err());
    assert!(!mutex.is_locked());
}

// ---------------------------------------------------------------------------
// The async lock: CPython's `test_asyncio/test_locks.py` LockTests, restated
// with futures stepped by hand (`common::Stepped`, CPython's `sleep(0)`), and
// the cases CPython has no need of: a thread and a task on one lock.

use common::{Stepped, block_on, join_within, within};

/// A task that takes the lock, notes `name` in `order`, and hands back its
/// guard (the caller releases it, as CPython's test releases for its tasks).
async fn take_and_note<'a>(
    lock: &'a Lock,
    order: &std::cell::RefCell<Vec<u32>>,
    name: u32,
) -> turnstile::LockGuard<'a> {
    let guard = lock.acquire_async().await;
    order.borrow_mut().push(name);
    guard
}

#[test]
fn asyncio_lock_test_acquire_serves_waiting_tasks_in_arrival_order() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            let lock = Lock::new();
            let order = std::cell::RefCell::new(Vec::new());
            let held = lock.acquire();
            let mut t1 = Stepped::new(take_and_note(&lock, &order, 1));
            let mut t2 = Stepped::new(take_and_note(&lock, &order, 2));
            assert!(t1.step().is_none() && t2.step().is_none());
            assert_eq!(*order.borrow(), []);

            drop(held);
            assert!(
                t1.woken() && !t2.woken(),
                "one release wakes the first task only"
            );
            let g1 = t1.step().expect("the first task takes the lock");
            assert_eq!(*order.borrow(), [1]);
            assert!(t2.step().is_none());

            let mut t3 = Stepped::new(take_and_note(&lock, &order, 3));
            assert!(t3.step().is_none());
            drop(g1);
            assert!(t2.woken() && !t3.woken());
            let g2 = t2.step().expect("the second task is next");
            drop(g2);
            assert!(t3.woken());
            drop(t3.step().expect("then the third"));
            assert_eq!(*order.borrow(), [1, 2, 3]);
            assert!(!lock.locked());
        },
    );
}

#[test]
fn asyncio_lock_test_acquire_cancel_leaves_no_waiter() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            let lock = Lock::new();
            let held = lock.acquire();
            let mut task = Stepped::new(lock.acquire_async());
            assert!(task.step().is_none());
            assert_eq!(task.wakers_kept(), 1, "the lock keeps the task's waker");
            let mut behind = Stepped::new(lock.acquire_async());
            assert!(behind.step().is_none());
            drop(task); // cancelled before any wake-up
            assert!(
                !behind.woken(),
                "a cancel with no wake-up to pass on wakes nobody"
            );
            assert!(
                lock.locked(),
                "cancelling a wait does not touch the holder's lock"
            );
            drop(held);
            assert!(behind.woken(), "the task behind is first now");
            assert!(behind.step().is_some());
        },
    );
}

#[test]
fn asyncio_lock_test_cancel_race_passes_the_wake_to_the_next_task() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            // A holds; B and C wait. A releases (waking B) and B is cancelled before
            // it runs: C must be woken in B's place and take the lock.
            let lock = Lock::new();
            let a = lock.acquire();
            let mut b = Stepped::new(lock.acquire_async());
            let mut c = Stepped::new(lock.acquire_async());
            assert!(b.step().is_none() && c.step().is_none());
            drop(a);
            assert!(b.woken() && !c.woken());
            drop(b); // cancelled after its wake-up
            assert!(c.woken(), "the cancelled task's wake-up went to the next");
            let held = c.step().expect("C takes the free lock");
            assert!(lock.locked());
            drop(held);
        },
    );
}

#[test]
fn asyncio_lock_test_cancel_release_race_lets_one_task_in() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            // Held; t1, t2, t3 wait. t1 is cancelled, then the lock released: one
            // task, t2, takes it; t3 is not even woken.
            let lock = Lock::new();
            let held = lock.acquire();
            let mut tasks: Vec<_> = (0..3).map(|_| Stepped::new(lock.acquire_async())).collect();
            assert!(tasks.iter_mut().all(|task| task.step().is_none()));
            let t1 = tasks.remove(0);
            drop(t1);
            drop(held);
            let (t2, t3) = tasks.split_at_mut(1);
            assert!(t2[0].woken() && !t3[0].woken());
            let taken = t2[0].step().expect("t2 takes it");
            assert!(t3[0].step().is_none(), "only one task holds the lock");
            drop(taken);
            assert!(t3[0].step().is_some());
        },
    );
}

#[test]
fn asyncio_lock_test_finished_waiter_cancelled_with_a_newcomer_behind() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            // tb waits; tc comes later; tb is woken and cancelled: tc is woken.
            let lock = Lock::new();
            let held = lock.acquire();
            let mut tb = Stepped::new(lock.acquire_async());
            assert!(tb.step().is_none());
            let mut tc = Stepped::new(lock.acquire_async());
            assert!(tc.step().is_none());
            drop(held);
            drop(tb);
            assert!(tc.woken());
            assert!(tc.step().is_some() && !lock.locked());
        },
    );
}

#[test]
fn asyncio_lock_test_release_no_waiters() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            let lock = Lock::new();
            let (held, wakes) = block_on(lock.acquire_async());
            assert!(lock.locked() && wakes == 0);
            drop(held);
            assert!(!lock.locked());
        },
    );
}

#[test]
fn asyncio_lock_test_context_manager_on_the_event_loop() {
    let lock = Lock::new();
    let count = std::cell::Cell::new(0);
    within(
        common::PATIENCE,
        "two tasks taking turns with one lock",
        move || {
            turnstile::event_loop::run(async {
                let bump = || async {
                    for _ in 0..3 {
                        let _held = lock.acquire_async().await; // `async with lock:`
                        let before = count.get();
                        turnstile::event_loop::yield_now().await; // the other task runs
                        count.set(before + 1);
                    }
                };
                turnstile::event_loop::gather([bump(), bump()]).await;
            });
            assert_eq!(
                count.get(),
                6,
                "no update lost: the lock was held across .await"
            );
            assert!(!lock.locked());
        },
    );
}

#[test]
fn a_woken_task_that_loses_to_a_barging_thread_keeps_its_place() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            let lock = Lock::new();
            let held = lock.acquire();
            let mut first = Stepped::new(lock.acquire_async());
            let mut second = Stepped::new(lock.acquire_async());
            assert!(first.step().is_none() && second.step().is_none());
            drop(held);
            assert!(first.woken());
            let barged = lock.acquire(); // a thread takes it before the task runs
            assert!(first.step().is_none(), "the lock is held again");
            drop(barged);
            assert!(
                first.woken() && !second.woken(),
                "the first task is still first"
            );
            assert!(first.step().is_some());
        },
    );
}

#[test]
fn a_task_waiting_for_a_lock_a_thread_holds_is_woken_by_its_unlock() {
    let mutex = Arc::new(Mutex::new(0));
    let holder = hold_mutex_elsewhere(&mutex);
    let releaser = thread::spawn(move || {
        thread::sleep(Duration::from_millis(20));
        holder.release();
    });
    let (mut guard, _) = block_on(mutex.lock_async());
    *guard += 1;
    drop(guard);
    join_within("the thread that released the lock", releaser);
    assert_eq!(*mutex.lock(), 1);
}

#[test]
fn a_thread_waiting_for_a_lock_a_task_holds_is_woken_by_the_task_unlock() {
    let mutex = Arc::new(Mutex::new(0));
    let (guard, _) = block_on(mutex.lock_async());
    let waiting = {
        let mutex = Arc::clone(&mutex);
        thread::spawn(move || *mutex.lock() += 1)
    };
    thread::sleep(Duration::from_millis(10)); // let it park, usually
    drop(guard); // the task's unlock
    join_within("the thread waiting for the task's lock", waiting);
    assert_eq!(*mutex.lock(), 1);
}

#[test]
fn threads_and_tasks_on_one_lock_lose_no_update() {
    let mutex = Arc::new(Mutex::new(0u64));
    let workers: Vec<_> = (0..4)
        .map(|worker| {
            let mutex = Arc::clone(&mutex);
            thread::spawn(move || {
                for _ in 0..500 {
                    if worker % 2 == 0 {
                        *mutex.lock() += 1;
                    } else {
                        *block_on(mutex.lock_async()).0 += 1;
                    }
                }
            })
        })
        .collect();
    for worker in workers {
        join_within("a worker (thread or task) adding under the lock", worker);
    }
    assert_eq!(*mutex.lock(), 2000);
}

#[test]
fn an_async_lock_prints_whether_it_waits() {
    common::within(
        common::PATIENCE,
        "the lock and the tasks stepped by hand",
        || {
            use std::task::{Context, Waker};
            let mutex = Mutex::new(());
            let held = mutex.lock();
            let mut waiting = Box::pin(mutex.lock_async());
            assert_eq!(format!("{waiting:?}"), "MutexLock { waiting: false }");
            assert!(
                waiting
                    .as_mut()
                    .poll(&mut Context::from_waker(Waker::noop()))
                    .is_pending()
            );
            assert_eq!(format!("{waiting:?}"), "MutexLock { waiting: true }");
            drop(held);
        },
    );
}
