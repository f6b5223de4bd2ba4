//! What lockdep says and what happens then: the public [`Action`] and
//! [`Report`] types, the actions set for blocking and timed calls, and the
//! text of each kind of report. The hooks that find the problems are in
//! `hooks.rs`; the class names the texts use come from `class.rs`.

use core::fmt;

use super::super::facade::thread;
use super::class::{Site, label};
use super::graph::{ClassId, Step};
use super::lock::RawLocked;

/// What to do with a report.
///
/// ```
/// use turnstile::lockdep::{self, Action};
///
/// // In a test suite: make every inversion fail the test that caused it.
/// lockdep::set_action(Action::Panic);
/// // Or collect reports: a hook is a plain function.
/// lockdep::set_action(Action::Hook(|report| eprintln!("lockdep: {}", report.kind() as u8)));
/// ```
#[derive(Clone, Copy, Debug)]
pub enum Action {
    /// Panic in the thread that closed the cycle, before it takes the lock.
    Panic,
    /// Print the report to stderr and carry on (the default).
    Print,
    /// Call this function with the report and carry on. It runs before the
    /// lock is taken, with no lockdep state borrowed, so it may lock
    /// turnstile's locks itself (they are checked too).
    Hook(fn(&Report)),
}

/// Sets what happens to reports from blocking acquires and waits.
///
/// ```
/// turnstile::lockdep::set_action(turnstile::lockdep::Action::Print);
/// ```
pub fn set_action(action: Action) {
    ACTIONS.lock().0 = action;
}

/// Sets what happens to an inversion found on a *timed* acquire, which gives
/// up instead of hanging: [`Action::Print`] unless set.
///
/// ```
/// turnstile::lockdep::set_timed_action(turnstile::lockdep::Action::Print);
/// ```
pub fn set_timed_action(action: Action) {
    ACTIONS.lock().1 = action;
}

/// What a report is about.
///
/// ```
/// use turnstile::lockdep::{Report, ReportKind};
///
/// fn is_a_deadlock(report: &Report) -> bool {
///     matches!(report.kind(), ReportKind::Inversion | ReportKind::Recursive)
/// }
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportKind {
    /// Two (or more) classes taken in orders that form a cycle.
    Inversion,
    /// A thread takes a lock it already holds: it waits for itself forever.
    Recursive,
    /// A lock held across a blocking wait (a queue, a future, a barrier, an
    /// event): if the thread that would end the wait needs that lock, both
    /// wait forever. The most common way a thread pool deadlocks.
    HeldAcrossWait,
    /// A pool's worker waits for a future of its own pool.
    WaitOnOwnPool,
}

/// One problem found, with every place involved. `Display` writes it out.
///
/// ```
/// use turnstile::lockdep::{Report, ReportKind};
///
/// fn show(report: &Report) {
///     if report.kind() == ReportKind::Inversion {
///         eprintln!("{report}");
///     }
/// }
/// turnstile::lockdep::set_action(turnstile::lockdep::Action::Hook(show));
/// ```
#[derive(Clone, Debug)]
pub struct Report {
    kind: ReportKind,
    thread: String,
    text: String,
}

impl Report {
    /// What the report is about.
    ///
    /// ```
    /// # fn check(report: &turnstile::lockdep::Report) {
    /// let _ = report.kind();
    /// # }
    /// ```
    pub fn kind(&self) -> ReportKind {
        self.kind
    }

    /// The name of the thread whose call found it (`<unnamed>` if none).
    ///
    /// ```
    /// # fn check(report: &turnstile::lockdep::Report) {
    /// eprintln!("found on {}", report.thread());
    /// # }
    /// ```
    pub fn thread(&self) -> &str {
        &self.thread
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// How a lock call may wait.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    /// Without limit.
    Blocking,
    /// With a timeout: it gives up instead of hanging.
    Timed,
}

impl How {
    pub(super) fn timed_if(timed: bool) -> Self {
        if timed { Self::Timed } else { Self::Blocking }
    }
}

/// The actions for blocking and for timed calls.
static ACTIONS: RawLocked<(Action, Action)> = RawLocked::new((Action::Print, Action::Print));

pub(super) fn thread_name() -> String {
    thread::current().name().unwrap_or("<unnamed>").to_owned()
}

/// A thread takes a lock of class `class` at `at` that it took at `held_at`.
pub(super) fn recursive(class: ClassId, held_at: Site, at: Site) -> Report {
    Report {
        kind: ReportKind::Recursive,
        thread: thread_name(),
        text: format!(
            "lockdep: a thread takes a lock it already holds (it will wait for itself forever)\n  \
             thread '{}' takes {} at {at}\n  \
             but already holds it (taken at {})\n  \
             Use an RLock if re-entry is intended.\n",
            thread_name(),
            label(class),
            held_at,
        ),
    }
}

/// A thread calls the blocking wait `what` at `at` while holding a lock of
/// class `held`, taken at `held_at`.
pub(super) fn held_across_wait(what: &str, at: Site, held: ClassId, held_at: Site) -> Report {
    Report {
        kind: ReportKind::HeldAcrossWait,
        thread: thread_name(),
        text: format!(
            "lockdep: a lock is held across a blocking wait\n  \
             thread '{}' calls {what} at {at}\n  \
             while holding {} (taken at {held_at})\n  \
             If the thread that would end this wait needs that lock, both wait forever.\n",
            thread_name(),
            label(held),
        ),
    }
}

/// A pool's worker waits at `at` for a future of its own pool.
pub(super) fn wait_on_own_pool(at: Site) -> Report {
    Report {
        kind: ReportKind::WaitOnOwnPool,
        thread: thread_name(),
        text: format!(
            "lockdep: a task waits for a future of its own pool\n  \
             thread '{}' (a worker) waits at {at}\n  \
             If every worker does this, no worker is left to run the tasks they wait for.\n",
            thread_name(),
        ),
    }
}

/// Taking `now` closes a cycle with the `earlier` steps.
pub(super) fn inversion(now: &Step, earlier: &[Step]) -> Report {
    use fmt::Write as _;
    let mut text = String::from("lockdep: lock order inversion (possible deadlock)\n");
    let _ = writeln!(
        text,
        "  thread '{}' takes {}\n    at {}\n    while holding {}, taken at {}",
        now.thread,
        label(now.taken),
        now.taken_at,
        label(now.held),
        now.held_at,
    );
    for step in earlier {
        let _ = writeln!(
            text,
            "  but thread '{}' earlier took {}\n    at {}\n    while holding {}, taken at {}",
            step.thread,
            label(step.taken),
            step.taken_at,
            label(step.held),
            step.held_at,
        );
    }
    text.push_str(
        "  If these run at the same time, each can hold one lock and wait forever for the next.\n",
    );
    Report {
        kind: ReportKind::Inversion,
        thread: now.thread.clone(),
        text,
    }
}

/// Does what the action set for `how` says with each report found.
pub(super) fn act(found: Vec<Report>, how: How) {
    if found.is_empty() {
        return;
    }
    let (blocking, timed) = *ACTIONS.lock();
    let action = if how == How::Timed { timed } else { blocking };
    for report in found {
        match action {
            Action::Panic => panic!("{report}"),
            Action::Print => eprint!("{report}"),
            Action::Hook(hook) => hook(&report),
        }
    }
}
