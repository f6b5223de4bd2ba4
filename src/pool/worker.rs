//! The workers' side of a [`ThreadPool`](super::ThreadPool): the loop each
//! worker thread runs, what breaks the pool when an initializer fails, and
//! the two things the pool shares with its workers (the roster of who is
//! still at work, and the pool's health). The pool itself is in
//! `thread_pool.rs`.

use std::panic::{self, AssertUnwindSafe};

use super::super::condvar::Condvar;
use super::super::facade::{Arc, AtomicBool, Ordering};
use super::super::lockdep;
use super::super::mutex::Mutex;
use super::super::queue::FifoQueue;
use super::future::{TaskError, panic_message};
use super::task::Queued;

/// Shared between the pool and its workers: how many workers are still at
/// work, so that every waiting shutdown can wait for them to leave (only one
/// caller gets the join handles).
pub(super) struct Roster {
    /// Workers started and not yet out of their loop.
    working: Mutex<usize>,
    /// Signalled when `working` reaches 0.
    all_left: Condvar,
}

/// One worker's place on the roster, from before its thread is spawned
/// until it leaves: moved into the worker's closure, it is dropped when the
/// worker's work ends, however it ends, or with the closure if the thread
/// could not be started at all.
pub(super) struct OnRoster(Arc<Roster>);

impl Roster {
    /// A roster with nobody on it yet.
    pub(super) fn new() -> Self {
        Roster {
            working: Mutex::untracked(0),
            all_left: Condvar::new(),
        }
    }

    /// Counts one more worker at work.
    pub(super) fn enlist(roster: &Arc<Self>) -> OnRoster {
        *roster.working.lock() += 1;
        OnRoster(Arc::clone(roster))
    }

    pub(super) fn wait_until_all_left(&self) {
        let mut working = self.working.lock();
        self.all_left
            .wait_while(&mut working, |working| **working > 0);
    }
}

impl Drop for OnRoster {
    fn drop(&mut self) {
        let mut working = self.0.working.lock();
        *working -= 1;
        if *working == 0 {
            self.0.all_left.notify_all();
        }
    }
}

/// Shared between the pool and its workers: set once if an initializer
/// failed.
pub(super) struct Health {
    broken: AtomicBool,
    reason: Mutex<Option<String>>,
}

impl Health {
    /// A pool not broken (yet).
    pub(super) fn new() -> Self {
        Health {
            broken: AtomicBool::new(false),
            reason: Mutex::untracked(None),
        }
    }

    pub(super) fn broken_reason(&self) -> Option<String> {
        // Acquire: pairs with the Release in `break_pool`, so the reason
        // written before the flag is seen with it.
        if self.broken.load(Ordering::Acquire) {
            self.reason.lock().clone()
        } else {
            None
        }
    }
}

/// A worker's life: initialize, then run jobs until the queue is closed and
/// drained. A failed initializer breaks the pool instead.
pub(super) fn work(
    jobs: &FifoQueue<Queued>,
    health: &Health,
    initializer: Option<&(dyn Fn() -> Result<(), String> + Send + Sync)>,
) {
    lockdep::enter_pool((jobs as *const FifoQueue<Queued>).cast());
    if let Some(init) = initializer {
        let outcome = panic::catch_unwind(AssertUnwindSafe(init)).unwrap_or_else(|payload| {
            Err(format!(
                "the initializer panicked: {}",
                panic_message(payload.as_ref())
            ))
        });
        if let Err(reason) = outcome {
            break_pool(jobs, health, reason);
            return;
        }
    }
    for job in jobs {
        if let Some(reason) = health.broken_reason() {
            job.abandon(TaskError::PoolBroken(reason));
            continue;
        }
        // The job itself contains task panics (see `Task::run`); this is
        // only a second line of defence so no panic can ever end a worker.
        let _ = panic::catch_unwind(AssertUnwindSafe(|| job.run()));
    }
}

/// Marks the pool broken (the first reason wins), refuses new submits by
/// closing the queue, and settles every queued task with `PoolBroken`.
fn break_pool(jobs: &FifoQueue<Queued>, health: &Health, reason: String) {
    // The first reason recorded wins; a later failing worker reports it too.
    let reason = health.reason.lock().get_or_insert(reason).clone();
    // Release: pairs with the Acquire in `broken_reason`.
    health.broken.store(true, Ordering::Release);
    jobs.close();
    while let Ok(job) = jobs.try_get() {
        job.abandon(TaskError::PoolBroken(reason.clone()));
    }
}
