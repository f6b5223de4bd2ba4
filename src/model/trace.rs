//! The schedule loom is running, step by step, for the timeline printed
//! when a model fails.
//!
//! The model facade's atomics, cells, futexes and threads call [`record`]
//! after each step with what they did and the `file:line` that asked for it
//! (they are `#[track_caller]`, so the line is the primitive's own, or the
//! test's). loom runs every thread of a model on the one OS thread that
//! called the runner, switching between them at its own operations, so a
//! plain thread-local log sees the steps in the order loom ran them. The
//! runner clears the log when each schedule starts; when one fails, the log
//! holds exactly the failing schedule, which `timeline.rs` lays out as one
//! column per thread.
//!
//! Nothing here exists in normal builds: the normal facade has no recorder,
//! and this module is compiled only with the `model` feature.

use std::cell::RefCell;
use std::panic::Location;

/// One step of one thread.
#[derive(Debug, Clone)]
pub(crate) struct Step {
    /// loom's number for the thread: 0 is the model's main thread.
    pub(crate) thread: usize,
    pub(crate) what: What,
    /// The line that asked for the step: `file.rs:line`.
    pub(crate) at: Site,
}

/// Where a step happened. Steps know their line as a `'static` location;
/// a panic's location lives only as long as its hook call, so it is copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Site {
    pub(crate) file: std::borrow::Cow<'static, str>,
    pub(crate) line: u32,
}

impl From<&'static Location<'static>> for Site {
    fn from(at: &'static Location<'static>) -> Self {
        Site {
            file: std::borrow::Cow::Borrowed(at.file()),
            line: at.line(),
        }
    }
}

/// A value an atomic held or was given, as the timeline prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Value {
    Bool(bool),
    Int(u64),
    Ptr { null: bool },
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Bool(value) => write!(f, "{value}"),
            Value::Int(value) => write!(f, "{value}"),
            Value::Ptr { null: true } => f.write_str("null"),
            Value::Ptr { null: false } => f.write_str("ptr"),
        }
    }
}

/// What a step did, in a learner's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum What {
    Load(Value),
    /// A load that returned an older value than `latest`, the last one
    /// stored.
    StaleLoad {
        value: Value,
        latest: Value,
    },
    /// A load of the latest value, which an older write also wrote: loom
    /// does not say which of them the load read, and without ordering it
    /// may be the older (the lock that excludes but does not publish).
    AmbiguousLoad(Value),
    Store(Value),
    Swap {
        new: Value,
        old: Value,
    },
    CompareExchange {
        expected: Value,
        new: Value,
        saw: Value,
    },
    FetchAdd {
        by: Value,
        old: Value,
    },
    FetchSub {
        by: Value,
        old: Value,
    },
    Fence,
    CellRead,
    CellWrite,
    /// A futex wait found the condition gone and did not sleep.
    NoSleep,
    Sleep,
    Woken,
    TimedOut,
    WakeOne {
        woke: bool,
    },
    WakeAll {
        woke: usize,
    },
    Spawn {
        child: usize,
    },
    JoinWait {
        child: usize,
    },
    Joined {
        child: usize,
    },
    Ends,
    Panicked(String),
    /// What the thread's previous step meant ("locked", "unlocked"); the
    /// timeline prints it on that step's row.
    Note(&'static str),
}

impl std::fmt::Display for What {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            What::Load(value) => write!(f, "load → {value}"),
            What::StaleLoad { value, latest } => {
                write!(f, "load → {value} (stale: {latest} is newer)")
            }
            What::AmbiguousLoad(value) => write!(f, "load → {value} (an older {value}?)"),
            What::Store(value) => write!(f, "store ← {value}"),
            What::Swap { new, old } => write!(f, "swap ← {new} (was {old})"),
            What::CompareExchange { expected, new, saw } if saw == expected => {
                write!(f, "cas {expected} → {new}")
            }
            What::CompareExchange { expected, new, saw } => {
                write!(f, "cas {expected} → {new} fails (saw {saw})")
            }
            What::FetchAdd { by, old } => write!(f, "add {by} (was {old})"),
            What::FetchSub { by, old } => write!(f, "sub {by} (was {old})"),
            What::Fence => f.write_str("fence"),
            What::CellRead => f.write_str("cell read"),
            What::CellWrite => f.write_str("cell write"),
            What::NoSleep => f.write_str("would sleep: changed"),
            What::Sleep => f.write_str("sleeps"),
            What::Woken => f.write_str("woken"),
            What::TimedOut => f.write_str("times out"),
            What::WakeOne { woke: true } => f.write_str("wake one → woke one"),
            What::WakeOne { woke: false } => f.write_str("wake one → nobody asleep"),
            What::WakeAll { woke } => write!(f, "wake all → woke {woke}"),
            What::Spawn { child } => write!(f, "spawns thread {child}"),
            What::JoinWait { child } => write!(f, "waits for thread {child}"),
            What::Joined { child } => write!(f, "joined thread {child}"),
            What::Ends => f.write_str("ends"),
            What::Note(label) => f.write_str(label),
            What::Panicked(message) => {
                write!(f, "✗ {}", message.lines().next().unwrap_or_default())
            }
        }
    }
}

/// The log of the schedule being run.
#[derive(Default)]
struct Recorder {
    /// Set by the runner for the length of a run; nothing is recorded, and
    /// the panic hook stays out of the way, without it.
    active: bool,
    /// Schedules started in this run.
    schedules: usize,
    steps: Vec<Step>,
    /// Every value written to each atomic of this schedule (by [`Id`]),
    /// oldest first.
    latest: Vec<Vec<Value>>,
    /// The thread of the latest step: the one loom is running, unless it
    /// switched since at an operation this log does not see.
    current: usize,
}

thread_local! {
    static RECORDER: RefCell<Recorder> = RefCell::new(Recorder::default());
}

/// Appends a step by the calling loom thread, during a run.
pub(crate) fn record(what: What, at: &'static Location<'static>) {
    if !is_active() {
        return;
    }
    let thread = loom_thread_index();
    record_as(thread, what, at.into());
}

/// Appends a step by loom thread `thread` (the panic hook's, which cannot
/// always ask loom which thread runs).
pub(crate) fn record_as(thread: usize, what: What, at: Site) {
    RECORDER.with(|recorder| {
        if let Ok(mut recorder) = recorder.try_borrow_mut() {
            recorder.current = thread;
            recorder.steps.push(Step { thread, what, at });
        }
    });
}

/// The thread of the latest step recorded (0 before any).
pub(crate) fn latest_thread() -> usize {
    RECORDER.with(|recorder| recorder.try_borrow().map_or(0, |r| r.current))
}

/// Names one atomic for the timeline's bookkeeping, for its whole life
/// (an address could be reused by the next atomic): its index in the
/// schedule's list of atomics. loom objects live no longer than the
/// schedule that made them, so the list starts empty with each schedule.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Id(usize);

impl Id {
    pub(crate) fn new() -> Self {
        RECORDER.with(|recorder| {
            let Ok(mut recorder) = recorder.try_borrow_mut() else {
                return Id(usize::MAX);
            };
            if !recorder.active {
                return Id(usize::MAX);
            }
            recorder.latest.push(Vec::new());
            Id(recorder.latest.len() - 1)
        })
    }
}

/// Notes that atomic `id` now holds `value`, its latest in loom's
/// modification order (loom orders the writes to one atomic as it runs
/// them).
pub(crate) fn written(id: Id, value: Value) {
    RECORDER.with(|recorder| {
        let Ok(mut recorder) = recorder.try_borrow_mut() else {
            return;
        };
        if !recorder.active {
            return;
        }
        if let Some(history) = recorder.latest.get_mut(id.0) {
            history.push(value);
        }
    });
}

/// Records a load of atomic `id` that returned `value`, marked stale if a
/// newer value had been written.
pub(crate) fn loaded(id: Id, value: Value, at: &'static Location<'static>) {
    let what = RECORDER.with(|recorder| {
        let recorder = recorder.try_borrow().ok()?;
        let (&latest, older) = recorder.latest.get(id.0)?.split_last()?;
        Some(if latest != value {
            What::StaleLoad { value, latest }
        } else if older.contains(&value) {
            What::AmbiguousLoad(value)
        } else {
            What::Load(value)
        })
    });
    let what = what.unwrap_or(What::Load(value));
    record(what, at);
}

/// Whether a run is recording.
pub(crate) fn is_active() -> bool {
    RECORDER.with(|recorder| recorder.try_borrow().is_ok_and(|recorder| recorder.active))
}

/// loom's number for the calling thread (0 for the model's main thread).
pub(crate) fn loom_thread_index() -> usize {
    loom::thread_local! {
        static INDEX: usize = index_of(loom::thread::current().id());
    }
    INDEX.with(|index| *index)
}

/// loom's number for `id`, which loom shows only through `Debug`
/// (`ThreadId(2)`).
pub(crate) fn index_of(id: loom::thread::ThreadId) -> usize {
    let shown = format!("{id:?}");
    shown
        .trim_start_matches("ThreadId(")
        .trim_end_matches(')')
        .parse()
        .unwrap_or(usize::MAX)
}

/// Starts or ends a run.
pub(crate) fn set_active(active: bool) {
    RECORDER.with(|recorder| {
        let mut recorder = recorder.borrow_mut();
        recorder.active = active;
        recorder.schedules = 0;
        recorder.steps.clear();
        recorder.latest.clear();
    });
}

/// Starts a new schedule: the log keeps only the one being run.
pub(crate) fn begin_schedule() {
    RECORDER.with(|recorder| {
        let mut recorder = recorder.borrow_mut();
        recorder.schedules += 1;
        recorder.steps.clear();
        recorder.latest.clear();
        recorder.current = 0;
    });
}

/// What the log holds now: the steps and the number of schedules run.
pub(crate) fn snapshot() -> (Vec<Step>, usize) {
    RECORDER.with(|recorder| {
        let recorder = recorder.borrow();
        (recorder.steps.clone(), recorder.schedules)
    })
}

/// Whether a source file is loom's own.
pub(crate) fn is_loom_file(file: &str) -> bool {
    file.contains("/loom-") || file.contains("\\loom-")
}

/// The text of a panic's payload.
pub(crate) fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| String::from("a panic without a message"))
}
