//! `turnstile::process::Process` with real child processes: what a Python
//! user relies on from `multiprocessing.Process` (`_test_multiprocessing`'s
//! `_TestProcess`: exit codes, `is_alive`, `join(timeout)`, `terminate`,
//! `kill`, daemons), and the process `Mutex` used across them, a killed
//! holder included.
//!
//! Every child is reaped: each test holds its children in a [`Reap`]
//! guard, which kills and waits for any still running when the test ends,
//! passing or failing. Children are daemons unless the test is about a
//! non-daemon, so a test binary that dies takes them along.

turnstile::process_test_support!();

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::within;
use turnstile::process::{EntryNotRun, JoinTimeoutError, Mutex, Process, Shared, StartError};

const LIMIT: Duration = Duration::from_secs(30);

use common::{Reap, start_child as start};

fn returns(_: ()) {}

fn panics(message: String) {
    panic!("{message}");
}

fn exits(code: i32) {
    std::process::exit(code);
}

fn sleeps(seconds: u64) {
    std::thread::sleep(Duration::from_secs(seconds));
}

#[test]
fn exit_codes_are_pythons() {
    within(LIMIT, "children that exit at once", || {
        assert_eq!(start(returns, ()).join().unwrap(), 0);
        assert_eq!(
            start(panics, "on purpose".to_owned()).join().unwrap(),
            1,
            "a panic is exit code 1, as an exception is in Python"
        );
        assert_eq!(start(exits, 7).join().unwrap(), 7);
        assert_eq!(start(exits, 0).join().unwrap(), 0);
    });
}

#[test]
fn kill_and_terminate_give_minus_the_signal() {
    within(LIMIT, "children killed by signals", || {
        let mut killed = start(sleeps, 60);
        killed.kill().unwrap();
        assert_eq!(killed.join().unwrap(), -9);
        let mut terminated = start(sleeps, 60);
        terminated.terminate().unwrap();
        assert_eq!(terminated.join().unwrap(), -15);
        // Signals after the reap are no-ops, not a signal to a reused pid.
        terminated.terminate().unwrap();
        terminated.kill().unwrap();
        assert_eq!(terminated.exitcode(), Some(-15));
    });
}

#[test]
fn is_alive_and_exitcode_follow_the_child() {
    within(LIMIT, "a sleeping child, then its end", || {
        let mut child = start(sleeps, 60);
        assert!(child.is_alive());
        assert_eq!(child.exitcode(), None);
        assert!(child.pid() > 0);
        child.kill().unwrap();
        child.join().unwrap();
        assert!(!child.is_alive());
        assert_eq!(child.exitcode(), Some(-9));
        // join again gives the same answer.
        assert_eq!(child.join().unwrap(), -9);
    });
}

#[test]
fn join_timeout_times_out_on_a_running_child() {
    within(LIMIT, "join_timeout on a sleeping child", || {
        let mut child = start(sleeps, 60);
        let began = Instant::now();
        assert!(matches!(
            child.join_timeout(Duration::from_millis(200)),
            Err(JoinTimeoutError::Timeout)
        ));
        let waited = began.elapsed();
        assert!(waited >= Duration::from_millis(200), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");
        assert!(child.is_alive());
        child.kill().unwrap();
        assert_eq!(child.join_timeout(Duration::from_secs(10)).unwrap(), -9);
        let mut quick = start(returns, ());
        assert_eq!(quick.join_timeout(Duration::from_secs(10)).unwrap(), 0);
    });
}

#[test]
fn names_and_daemon_flags() {
    within(LIMIT, "named children", || {
        let mut named = Reap(Process::builder().name("cook").start(returns, ()).unwrap());
        assert_eq!(named.name(), "cook");
        assert!(!named.daemon());
        named.join().unwrap();
        let mut plain = start(returns, ());
        assert!(plain.name().starts_with("Process-"), "{}", plain.name());
        assert!(plain.daemon());
        plain.join().unwrap();
        assert!(format!("{:?}", *plain).contains("exitcode: Some(0)"));
    });
}

#[test]
fn a_handle_serialised_outside_a_start_is_a_clear_error() {
    let lock = Mutex::new(0_u64).unwrap();
    let error = postcard::to_allocvec(&lock).unwrap_err().to_string();
    // postcard keeps only its own error kind, so the message is generic;
    // serde_json keeps the handle's message.
    assert!(!error.is_empty());
    let error = serde_json::to_string(&lock).unwrap_err().to_string();
    assert!(
        error.contains("only be handed to a child process"),
        "{error}"
    );
}

/// An argument that serialises but refuses to be read back.
#[derive(Debug)]
struct Refuses;

impl serde::Serialize for Refuses {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_unit()
    }
}

impl<'de> serde::Deserialize<'de> for Refuses {
    fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
        Err(serde::de::Error::custom("this argument never decodes"))
    }
}

fn takes_refuses(_: Refuses) {
    unreachable!("the argument cannot be decoded");
}

#[test]
fn an_argument_the_child_cannot_decode_is_entry_not_run() {
    within(LIMIT, "a child whose argument fails to decode", || {
        let mut child = start(takes_refuses, Refuses);
        let error = child.join().unwrap_err();
        let not_run = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<EntryNotRun>())
            .expect("an EntryNotRun inside the error");
        assert_eq!(not_run.exitcode, 1);
        assert!(not_run.reason.contains("decode"), "{}", not_run.reason);
        assert_eq!(child.exitcode(), Some(1));
    });
}

#[test]
fn an_argument_that_cannot_serialise_is_a_start_error() {
    /// A value whose serialisation fails.
    struct Fails;
    impl serde::Serialize for Fails {
        fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
            Err(serde::ser::Error::custom("no"))
        }
    }
    impl<'de> serde::Deserialize<'de> for Fails {
        fn deserialize<D: serde::Deserializer<'de>>(_: D) -> Result<Self, D::Error> {
            Ok(Fails)
        }
    }
    fn takes(_: Fails) {}
    let error = Process::start(takes, Fails).unwrap_err();
    assert!(matches!(error, StartError::Argument(_)), "{error}");
}

fn adds(arg: (Mutex<u64>, u32)) {
    let (counter, times) = arg;
    for _ in 0..times {
        *counter.lock().expect("nobody dies holding it") += 1;
    }
}

#[test]
fn four_processes_lose_no_increment() {
    const N: usize = 4;
    const M: u32 = 2000;
    within(LIMIT, "four children adding under one lock", || {
        let counter = Mutex::new(0_u64).unwrap();
        let mut children: Vec<Reap> = (0..N).map(|_| start(adds, (counter.clone(), M))).collect();
        for child in &mut children {
            assert_eq!(child.join().unwrap(), 0);
        }
        assert_eq!(*counter.lock().unwrap(), N as u64 * u64::from(M));
    });
}

/// Takes the lock, says so, and sleeps holding it until killed.
fn holds_until_killed(arg: (Mutex<u64>, Shared<AtomicU32>)) {
    let (lock, holding) = arg;
    let mut guard = lock.lock().expect("a fresh lock");
    *guard = 41;
    holding.store(1, Ordering::Release);
    std::mem::forget(guard);
    std::thread::sleep(Duration::from_secs(60));
}

#[test]
fn a_killed_holder_is_reported_and_its_waiter_woken() {
    within(LIMIT, "a waiter on a lock whose holder is killed", || {
        let lock = Mutex::new(0_u64).unwrap();
        let holding = Shared::new(AtomicU32::new(0)).unwrap();
        let mut holder = start(holds_until_killed, (lock.clone(), holding.clone()));
        let began = Instant::now();
        while holding.load(Ordering::Acquire) == 0 {
            assert!(
                holder.is_alive() && began.elapsed() < Duration::from_secs(20),
                "the holder never took the lock"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        assert!(lock.try_lock().is_err(), "the child holds it");
        let waiting = lock.clone();
        let waiter = std::thread::spawn(move || match waiting.lock() {
            Ok(_) => panic!("the waiter was not told the holder died"),
            Err(died) => *died.into_inner(),
        });
        // Let the waiter reach its futex wait before the holder dies.
        std::thread::sleep(Duration::from_millis(100));
        holder.kill().unwrap();
        assert_eq!(holder.join().unwrap(), -9);
        assert_eq!(waiter.join().unwrap(), 41, "the waiter sees the data");
        // Nobody marked it consistent: the next taker is told too.
        let guard = lock.lock().unwrap_err().into_inner();
        guard.mark_consistent();
        drop(guard);
        assert!(lock.lock().is_ok());
    });
}

/// Starts a daemon grandchild that sleeps, publishes its pid, and sleeps.
fn starts_a_daemon(pid: Shared<AtomicU32>) {
    let grandchild = Process::builder()
        .daemon(true)
        .start(sleeps, 60)
        .expect("the grandchild starts");
    pid.store(grandchild.pid(), Ordering::Release);
    std::thread::sleep(Duration::from_secs(60));
}

/// Whether process `pid` is gone or a zombie (dead, waiting to be reaped by
/// whoever adopted it).
fn dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => {
            // The state follows the parenthesised name.
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            state.starts_with('Z') || state.starts_with('X')
        }
    }
}

#[test]
fn a_daemon_dies_when_its_parent_is_killed() {
    within(
        LIMIT,
        "a daemon grandchild after its parent's death",
        || {
            let pid = Shared::new(AtomicU32::new(0)).unwrap();
            let mut parent = start(starts_a_daemon, pid.clone());
            let began = Instant::now();
            let grandchild = loop {
                match pid.load(Ordering::Acquire) {
                    0 => {
                        assert!(
                            parent.is_alive() && began.elapsed() < Duration::from_secs(20),
                            "the grandchild never started"
                        );
                        std::thread::sleep(Duration::from_millis(2));
                    }
                    pid => break pid,
                }
            };
            assert!(!dead(grandchild), "the grandchild runs");
            parent.kill().unwrap();
            assert_eq!(parent.join().unwrap(), -9);
            let began = Instant::now();
            while !dead(grandchild) {
                assert!(
                    began.elapsed() < Duration::from_secs(10),
                    "the daemon outlived its parent"
                );
                std::thread::sleep(Duration::from_millis(5));
            }
        },
    );
}

/// A non-daemon child outlives the thread that started it: the parent of
/// the `within` body's thread is gone, the child still runs.
#[test]
fn a_non_daemon_child_outlives_its_starting_thread() {
    within(LIMIT, "a child started by a thread that ended", || {
        let child = std::thread::spawn(|| Process::start(sleeps, 60).unwrap())
            .join()
            .unwrap();
        let mut child = Reap(child);
        std::thread::sleep(Duration::from_millis(100));
        assert!(child.is_alive());
        child.kill().unwrap();
        assert_eq!(child.join().unwrap(), -9);
    });
}

#[path = "../examples/process_print_lock.rs"]
#[allow(dead_code)]
mod print_lock_lesson;

#[test]
fn the_print_lock_lesson_keeps_every_line_whole() {
    within(LIMIT, "examples/process_print_lock.rs", || {
        let report = print_lock_lesson::run(4, true).unwrap();
        assert_eq!(report.exitcodes, [0; 4]);
        assert_eq!((report.whole, report.cut), (4, 0));
    });
}

fn naps_then_exits(ms: u64) {
    std::thread::sleep(Duration::from_millis(ms));
}

/// Linux ties a daemon child's death signal to the *thread* that started
/// it; a daemon started from a thread that then ends must live on while
/// its parent process does, as Python's do. (Before, it was killed with
/// SIGKILL as soon as that thread returned.)
#[test]
fn a_daemon_started_from_a_short_lived_thread_lives_on() {
    within(LIMIT, "a daemon child started from an ended thread", || {
        let child = std::thread::spawn(|| {
            Process::builder()
                .daemon(true)
                .start(naps_then_exits, 400)
                .expect("the child starts")
        })
        .join()
        .expect("the starting thread ran");
        let mut child = Reap(child);
        std::thread::sleep(Duration::from_millis(150));
        assert!(
            child.is_alive(),
            "killed when the thread that started it ended"
        );
        assert_eq!(child.join().unwrap(), 0);
    });
}
