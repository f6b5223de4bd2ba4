//! The process lock with real threads: a thread that exits holding a
//! process lock is released by the kernel exactly as a killed process's
//! thread is (the robust list is walked at every thread's exit), so these
//! tests check the owner-died path without starting processes. The
//! cross-process cases (SIGKILL of a holder) are in tests/process.rs.

mod common;

use std::cell::UnsafeCell;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use common::within;
use turnstile::process::{
    Acquired, LockTimeoutError, Mutex, Plain, RawProcessLock, Shared, TryLockError,
};

const LIMIT: Duration = Duration::from_secs(10);

/// Runs `hold` on a new thread, which then exits without releasing what
/// it took (its guards are forgotten), and waits for the thread to end.
fn die_holding(hold: impl FnOnce() + Send + 'static) {
    thread::spawn(hold).join().expect("the holder thread ran");
}

#[test]
fn the_robust_list_is_shared_with_glibc_here() {
    assert!(
        RawProcessLock::supports_owner_death(),
        "Linux with glibc: the robust list must be usable"
    );
}

#[test]
fn a_holder_that_exits_is_reported_and_the_data_kept_until_repaired() {
    within(LIMIT, "locks after a dead holder", || {
        let tally = Mutex::new(5_u32).unwrap();
        let theirs = tally.clone();
        die_holding(move || {
            let mut held = theirs.lock().unwrap();
            *held = 6;
            std::mem::forget(held);
        });
        // Told, holding the lock, with the half-written data.
        let died = tally.lock().unwrap_err();
        assert_eq!(**died.get_ref(), 6);
        drop(died);
        // Still poisoned: nobody repaired it.
        let mut again = tally.lock().unwrap_err().into_inner();
        *again = 0;
        again.mark_consistent();
        drop(again);
        assert_eq!(*tally.lock().unwrap(), 0);
    });
}

#[test]
fn a_waiter_asleep_when_the_holder_dies_is_woken_and_told() {
    within(LIMIT, "a waiter asleep on a dead holder's lock", || {
        let lock = Mutex::new(()).unwrap();
        let theirs = lock.clone();
        let (held_tx, held_rx) = mpsc::channel();
        let holder = thread::spawn(move || {
            let guard = theirs.lock().unwrap();
            held_tx.send(()).unwrap();
            thread::sleep(Duration::from_millis(100));
            std::mem::forget(guard);
        });
        held_rx.recv().unwrap();
        // Asleep on the lock when the holder exits 100 ms later.
        assert!(lock.lock().is_err(), "the waiter must be told of the death");
        holder.join().unwrap();
    });
}

#[test]
fn try_lock_and_timeouts_report_a_held_lock() {
    within(LIMIT, "timed locks of a held lock", || {
        let lock = Mutex::new(1_u8).unwrap();
        let theirs = lock.clone();
        let (held_tx, held_rx) = mpsc::channel();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let holder = thread::spawn(move || {
            let _guard = theirs.lock().unwrap();
            held_tx.send(()).unwrap();
            let _ = done_rx.recv();
        });
        held_rx.recv().unwrap();
        assert!(matches!(lock.try_lock(), Err(TryLockError::WouldBlock)));
        let started = std::time::Instant::now();
        assert!(matches!(
            lock.lock_timeout(Duration::from_millis(30)),
            Err(LockTimeoutError::Timeout)
        ));
        assert!(started.elapsed() >= Duration::from_millis(30));
        assert!(lock.is_locked());
        done_tx.send(()).unwrap();
        holder.join().unwrap();
        assert_eq!(*lock.lock_timeout(Duration::from_secs(1)).unwrap(), 1);
    });
}

#[test]
fn threads_lose_no_update() {
    within(
        LIMIT,
        "4 threads incrementing under a process mutex",
        || {
            let total = Mutex::new(0_u64).unwrap();
            let threads: Vec<_> = (0..4)
                .map(|_| {
                    let total = total.clone();
                    thread::spawn(move || {
                        for _ in 0..10_000 {
                            *total.lock().unwrap() += 1;
                        }
                    })
                })
                .collect();
            for thread in threads {
                thread.join().unwrap();
            }
            assert_eq!(*total.lock().unwrap(), 40_000);
        },
    );
}

/// A robust, process-shared pthread mutex, to check that turnstile's locks
/// and glibc's share one robust list without corrupting it.
#[repr(C)]
struct PthreadRobust(UnsafeCell<libc::pthread_mutex_t>);
// SAFETY: a process-shared pthread mutex; no pointers into one process.
unsafe impl Plain for PthreadRobust {}
// SAFETY: pthread mutexes are made to be shared between threads.
unsafe impl Sync for PthreadRobust {}

fn robust_pthread_mutex() -> Shared<PthreadRobust> {
    // SAFETY: zeroed, then initialised in place before any use.
    let shared = Shared::new(PthreadRobust(UnsafeCell::new(unsafe {
        std::mem::zeroed()
    })))
    .unwrap();
    unsafe {
        let mut attr: libc::pthread_mutexattr_t = std::mem::zeroed();
        assert_eq!(libc::pthread_mutexattr_init(&mut attr), 0);
        assert_eq!(
            libc::pthread_mutexattr_setpshared(&mut attr, libc::PTHREAD_PROCESS_SHARED),
            0
        );
        assert_eq!(
            libc::pthread_mutexattr_setrobust(&mut attr, libc::PTHREAD_MUTEX_ROBUST),
            0
        );
        assert_eq!(libc::pthread_mutex_init(shared.0.get(), &attr), 0);
    }
    shared
}

#[test]
fn turnstile_and_glibc_locks_share_the_robust_list() {
    within(LIMIT, "locks after a thread died holding several", || {
        let a = Mutex::new(0_u8).unwrap();
        let b = Mutex::new(0_u8).unwrap();
        let c = Mutex::new(0_u8).unwrap();
        let p = robust_pthread_mutex();
        let (a2, b2, c2, p2) = (a.clone(), b.clone(), c.clone(), p.clone());
        die_holding(move || {
            // Interleave turnstile's and glibc's links, then unlink from
            // the middle both ways, then die holding one of each.
            let guard_a = a2.lock().unwrap();
            assert_eq!(unsafe { libc::pthread_mutex_lock(p2.0.get()) }, 0);
            let guard_b = b2.lock().unwrap();
            let guard_c = c2.lock().unwrap();
            drop(guard_b);
            drop(guard_a);
            std::mem::forget(guard_c);
        });
        assert!(a.lock().is_ok(), "a was released normally");
        assert!(b.lock().is_ok(), "b was released normally");
        assert!(c.lock().is_err(), "c's holder died holding it");
        // SAFETY: an initialised robust mutex.
        assert_eq!(
            unsafe { libc::pthread_mutex_lock(p.0.get()) },
            libc::EOWNERDEAD,
            "glibc's own record survived"
        );
        unsafe {
            libc::pthread_mutex_consistent(p.0.get());
            libc::pthread_mutex_unlock(p.0.get());
        }
    });
}

#[test]
fn a_raw_lock_in_shared_memory_reports_its_dead_owner() {
    within(LIMIT, "a raw process lock after its owner died", || {
        let raw = Shared::new(RawProcessLock::new()).unwrap();
        let theirs = raw.clone();
        // SAFETY (each lock below): the lock is in a `Shared` region.
        die_holding(move || assert_eq!(unsafe { theirs.lock() }, Acquired::Consistent));
        assert_eq!(unsafe { raw.lock() }, Acquired::OwnerDied);
        raw.mark_consistent();
        // SAFETY: this thread took it just above.
        unsafe { raw.unlock() };
        assert_eq!(unsafe { raw.try_lock() }, Some(Acquired::Consistent));
        unsafe { raw.unlock() };
    });
}

#[test]
fn a_handle_serialised_outside_a_process_start_is_a_clear_error() {
    let lock = Mutex::new(0_u32).unwrap();
    assert!(postcard::to_allocvec(&lock).is_err());
    // A format that keeps messages shows why.
    let text = serde_json::to_string(&lock).unwrap_err().to_string();
    assert!(text.contains("only be handed to a child process"), "{text}");
}

#[test]
#[should_panic(expected = "already holds this process lock")]
fn relocking_on_the_holding_thread_panics_instead_of_hanging() {
    let lock = RawProcessLock::new();
    // SAFETY: `lock` outlives the test's thread, which ends in the panic.
    let _ = unsafe { lock.lock() };
    let _ = unsafe { lock.lock() };
}

/// A guard forgotten (safe Rust), then the lock's last handle dropped:
/// the lock stays linked into the thread's robust list, which the next
/// lock on the thread writes through. Those writes must not land in memory
/// handed out again: a dropped region's addresses are never reused. (With
/// `munmap`, the next region of the same size came back at the same
/// address, and the next lock wrote into it.)
#[test]
fn a_forgotten_guard_of_a_dropped_lock_writes_into_no_one_elses_memory() {
    within(LIMIT, "locks after a forgotten guard", || {
        thread::spawn(|| {
            let lost = Mutex::new(0_u64).unwrap();
            let lost_at = std::ptr::from_ref(&*lost.lock().unwrap()) as usize;
            std::mem::forget(lost.lock().unwrap());
            drop(lost);
            let fresh: Vec<Shared<[u8; 64]>> =
                (0..64).map(|_| Shared::new([0xAA; 64]).unwrap()).collect();
            for region in &fresh {
                let at = region.as_ptr() as usize;
                assert!(
                    at.abs_diff(lost_at) >= 4096,
                    "a dropped lock's page was handed out again"
                );
            }
            // The stale node is at the front of this thread's list: this
            // lock writes through it.
            let other = Mutex::new(1_u8).unwrap();
            assert_eq!(*other.lock().unwrap(), 1);
            for region in &fresh {
                assert!(
                    region.iter().all(|&byte| byte == 0xAA),
                    "a region was written into"
                );
            }
        })
        .join()
        .expect("the thread ran");
    });
}

/// A child made by a plain `fork()` (not `Process`) is a new thread with an
/// id of its own: a lock it dies holding is released by the kernel and
/// reported to the parent. (Before, the child kept its parent's cached id,
/// wrote it into the word, and the parent's next lock panicked, taking the
/// lock for its own.)
#[test]
fn a_forked_child_locks_under_its_own_id() {
    within(LIMIT, "a lock after a forked child died holding it", || {
        let lock = Mutex::new(0_u32).unwrap();
        // This thread's id and list are cached by its first lock.
        *lock.lock().unwrap() += 1;
        // SAFETY: the child only locks (a CAS, a thread-local, the robust
        // list: no allocation) and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork failed");
        if pid == 0 {
            let held = lock.lock();
            let code = if held.is_ok() { 0 } else { 2 };
            std::mem::forget(held);
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
        let died = lock.lock().expect_err("the child died holding the lock");
        assert_eq!(**died.get_ref(), 1);
    });
}
