//! A test binary WITHOUT `turnstile::process_test_support!()`: what a user
//! who forgot the opt-in sees. Its children run libtest with a filter that
//! matches no test, so they exit 0 without running their entry; the parent
//! must say so rather than report a success. And a run of the program that
//! was started as a child but never ran `init()` must refuse to start
//! children of its own (else a `main` without `init` would start itself
//! again and again).

mod common;

use std::process::Command;
use std::time::Duration;

use common::within;
use turnstile::process::{EntryNotRun, Process, StartError};

const LIMIT: Duration = Duration::from_secs(30);

fn never_runs(_: ()) {
    unreachable!("this binary has no process_test_support!()");
}

#[test]
fn a_child_that_never_runs_its_entry_is_reported() {
    within(LIMIT, "a child of a binary without the opt-in", || {
        let mut child = Process::start(never_runs, ()).unwrap();
        let error = child.join().unwrap_err();
        let not_run = error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<EntryNotRun>())
            .expect("an EntryNotRun inside the error");
        assert_eq!(not_run.exitcode, 0, "libtest ran no test and exited 0");
        assert!(
            not_run.reason.contains("process_test_support!()"),
            "the message names the opt-in: {}",
            not_run.reason
        );
        assert_eq!(child.exitcode(), Some(0));
    });
}

/// Run by the test below in a child that looks like a turnstile child
/// whose init never ran; returns at once in a normal run.
#[test]
fn probe_start_in_a_child_without_init() {
    if std::env::var_os("TURNSTILE_TEST_PROBE").is_none() {
        return;
    }
    match Process::start(never_runs, ()) {
        Err(StartError::InitNotCalled) => println!("REFUSED"),
        Err(other) => println!("OTHER ERROR {other}"),
        Ok(mut child) => {
            let _ = child.kill();
            let _ = child.join();
            println!("STARTED");
        }
    }
}

#[test]
fn a_child_without_init_may_not_start_children() {
    within(LIMIT, "a probe run of this test binary", || {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "probe_start_in_a_child_without_init",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("TURNSTILE_PROCESS_CHILD", "v1 left by a parent")
            .env("TURNSTILE_TEST_PROBE", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{stdout}");
        assert!(stdout.contains("REFUSED"), "{stdout}");
        let message = StartError::InitNotCalled.to_string();
        assert!(message.contains("init()"), "{message}");
    });
}
