//! loom models of `Timer`, and of the timer whose cancel is only a flag.
//! `cargo test --test model_timer -- --show-output` prints loom's report.

mod common;

use std::time::Duration;

use common::{Branches, expect_loom_to_catch, model};
use loom::sync::Arc;
use turnstile::model::Timer;
use turnstile::model::broken::FlagTimer;
use turnstile::model::pool::TaskError;
use turnstile::model::sync::atomic::{AtomicUsize, Ordering};

/// Property: a cancel racing the timer's call says truly whether the call
/// will happen: `true` and the function never runs, or `false` and it runs
/// exactly once. loom lets the interval pass at any step; both outcomes
/// are seen.
#[test]
fn timer_cancel_racing_the_call_tells_the_truth() {
    static BRANCHES: Branches = Branches::new();
    model(|| {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = {
            let calls = Arc::clone(&calls);
            Timer::start(Duration::from_secs(3600), move || {
                calls.fetch_add(1, Ordering::SeqCst);
            })
            .unwrap()
        };
        let cancelled = timer.cancel();
        let outcome = timer.join();
        BRANCHES.record(!cancelled);
        if cancelled {
            assert_eq!(outcome, Err(TaskError::Cancelled));
            assert_eq!(calls.load(Ordering::SeqCst), 0, "called after a cancel");
        } else {
            assert_eq!(outcome, Ok(()));
            assert_eq!(calls.load(Ordering::SeqCst), 1);
        }
    });
    BRANCHES.assert_both_taken("a timer's cancel racing its call");
}

/// The flag-only twin: loom finds a schedule where `cancel` returned true
/// and the call still happened.
#[test]
fn broken_flag_timer_calls_after_a_cancel_is_caught() {
    let report = expect_loom_to_catch("a cancel that is only a flag", || {
        let calls = Arc::new(AtomicUsize::new(0));
        let timer = {
            let calls = Arc::clone(&calls);
            FlagTimer::start(Duration::from_secs(3600), move || {
                calls.fetch_add(1, Ordering::SeqCst);
            })
        };
        let cancelled = timer.cancel();
        timer.join();
        if cancelled {
            assert_eq!(calls.load(Ordering::SeqCst), 0, "called after a cancel");
        }
    });
    assert!(report.contains("called after a cancel"), "{report}");
}
