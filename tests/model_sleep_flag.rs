//! loom model of the event loop's sleep flag (`src/sleep_flag.rs`), the
//! protocol that decides whether a waker on another thread must ring a
//! loop asleep in epoll: with the real ready queue (a `FifoQueue`), and
//! with the twin that leaves out the fences.
//! `cargo test --test model_sleep_flag -- --show-output` prints loom's
//! report for the twin.
//!
//! The selector's sleep is a model `Event` here (epoll cannot run under
//! loom): `wait` for `epoll_wait`, `set` for the eventfd write. The
//! property: the loop never sleeps beside a ready task with no ring on
//! its way. A lost wake-up is a loom deadlock.

mod common;

use common::{expect_deadlock_in_child, model};
use loom::sync::Arc;
use turnstile::model::broken::UnfencedSleepFlag;
use turnstile::model::sleep_flag::SleepFlag;
use turnstile::model::{Event, FifoQueue, thread};

/// What the scenario needs from a flag.
trait Flag: Send + Sync + 'static {
    fn awake() -> Self;
    fn sleep_unless(&self, anything_ready: &dyn Fn() -> bool, sleep: &dyn Fn()) -> bool;
    fn must_ring(&self) -> bool;
}

impl Flag for SleepFlag {
    fn awake() -> Self {
        SleepFlag::new()
    }
    fn sleep_unless(&self, anything_ready: &dyn Fn() -> bool, sleep: &dyn Fn()) -> bool {
        SleepFlag::sleep_unless(self, anything_ready, sleep).is_some()
    }
    fn must_ring(&self) -> bool {
        SleepFlag::must_ring(self)
    }
}

impl Flag for UnfencedSleepFlag {
    fn awake() -> Self {
        UnfencedSleepFlag::new()
    }
    fn sleep_unless(&self, anything_ready: &dyn Fn() -> bool, sleep: &dyn Fn()) -> bool {
        UnfencedSleepFlag::sleep_unless(self, anything_ready, sleep).is_some()
    }
    fn must_ring(&self) -> bool {
        UnfencedSleepFlag::must_ring(self)
    }
}

/// The loop (this thread) goes idle while a waker (another thread) makes
/// task 1 ready; the loop then finds the task, whether it saw it before
/// sleeping or was rung awake.
fn a_wake_reaches_the_idle_loop<F: Flag>() {
    let flag = Arc::new(F::awake());
    let ready = Arc::new(FifoQueue::<u64>::unbounded());
    let bell = Arc::new(Event::new());
    let waker = {
        let (flag, ready, bell) = (Arc::clone(&flag), Arc::clone(&ready), Arc::clone(&bell));
        thread::spawn(move || {
            ready.put(1).unwrap();
            if flag.must_ring() {
                bell.set(); // the eventfd write
            }
        })
    };
    flag.sleep_unless(&|| !ready.is_empty(), &|| bell.wait());
    waker.join().unwrap();
    assert_eq!(
        ready.try_get().ok(),
        Some(1),
        "the loop runs the task it woke for"
    );
}

/// Property: the waker's task is never left beside a sleeping loop.
#[test]
fn loop_sleep_flag_loses_no_wake_up() {
    model(a_wake_reaches_the_idle_loop::<SleepFlag>);
}

#[test]
fn broken_sleep_flag_without_fences_is_caught() {
    expect_deadlock_in_child("child_sleep_flag_without_fences");
}

/// Run in a child process by `broken_sleep_flag_without_fences_is_caught`.
#[test]
#[ignore = "run in a child process by broken_sleep_flag_without_fences_is_caught"]
fn child_sleep_flag_without_fences() {
    model(a_wake_reaches_the_idle_loop::<UnfencedSleepFlag>);
}
