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
//! holds exactly the failing schedule, which [`render`] lays out as one
//! column per thread.
//!
//! Nothing here exists in normal builds: the normal facade has no recorder,
//! and this module is compiled only with the `model` feature.

use std::cell::RefCell;
use std::fmt::Write as _;
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
    /// The last value written to each atomic in this schedule, by id.
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

fn record_as(thread: usize, what: What, at: Site) {
    RECORDER.with(|recorder| {
        if let Ok(mut recorder) = recorder.try_borrow_mut() {
            recorder.current = thread;
            recorder.steps.push(Step { thread, what, at });
        }
    });
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

/// Installs (once per process) the panic hook that records a panic inside
/// a run as the panicking thread's last step, instead of printing it with
/// a backtrace into loom's scheduler. Outside a run, and with
/// `TURNSTILE_MODEL_BACKTRACE=1`, the previous hook runs as before.
///
/// A deadlock is the one failure the hook prints itself: loom reports it
/// from inside its scheduler, where the unwind cannot get out, and the
/// process ends right after the hook returns.
pub(crate) fn install_panic_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !is_active() {
                previous(info);
                return;
            }
            let message = panic_message(info.payload());
            let deadlock = message.starts_with("deadlock;");
            // A panic raised by loom itself (a race on a cell, a deadlock)
            // comes from inside its scheduler, where asking loom which
            // thread runs would panic again; the thread of the latest step
            // is the one: loom checks a cell access without switching.
            let from_loom = info.location().is_some_and(|at| is_loom_file(at.file()));
            let thread = if from_loom {
                RECORDER.with(|recorder| recorder.try_borrow().map_or(0, |r| r.current))
            } else {
                loom_thread_index()
            };
            let at = info.location().map_or(
                Site {
                    file: std::borrow::Cow::Borrowed("?"),
                    line: 0,
                },
                |at| Site {
                    file: std::borrow::Cow::Owned(at.file().to_owned()),
                    line: at.line(),
                },
            );
            if !deadlock {
                record_as(thread, What::Panicked(message.clone()), at);
            } else {
                let (steps, schedules) = snapshot();
                eprintln!("{}", render(&steps, schedules, &message));
            }
            if std::env::var_os("TURNSTILE_MODEL_BACKTRACE").is_some_and(|v| v == "1") {
                previous(info);
            }
        }));
    });
}

fn is_loom_file(file: &str) -> bool {
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

/// Widest a column may get; a longer step's text is cut (never its line).
const COLUMN: usize = 50;

/// The failing schedule as a timeline: a header, one column per thread,
/// one row per step in the order loom ran them, the source lines the steps
/// name, and a last line saying what loom caught.
///
/// Folded: the main thread's steps before it spawned its first thread (the
/// model's setup), repeats of one step by one thread (a spin that changed
/// nothing), and whatever ran after the failure (the unwinding).
pub(crate) fn render(steps: &[Step], schedules: usize, failure: &str) -> String {
    let last_panic = steps
        .iter()
        .rposition(|step| matches!(step.what, What::Panicked(_)));
    let steps = &steps[..last_panic.map_or(steps.len(), |at| at + 1)];
    let setup = steps
        .iter()
        .position(|step| matches!(step.what, What::Spawn { .. }))
        .unwrap_or(0);
    let (folded_setup, steps) = steps.split_at(setup);

    let names = Names::of(steps.iter().map(|step| &step.at));
    let short = |at: &Site| names.short(&at.file, at.line);

    // Rows, with repeats folded.
    let mut rows: Vec<(usize, String, &Site, usize)> = Vec::new();
    for step in steps {
        // (Nested, not a let chain: the crate builds with Rust 1.85.)
        let note_of_the_last_row = match (&step.what, rows.last_mut()) {
            (What::Note(label), Some((thread, text, _, 1))) if *thread == step.thread => {
                Some((*label, text))
            }
            _ => None,
        };
        if let Some((label, text)) = note_of_the_last_row {
            // A note follows its step at once: loom cannot switch threads
            // between them (a note is not one of loom's operations).
            // The meaning first, so a cut keeps it: "locked: cas 0 → 1".
            *text = format!("{label}: {text}");
            continue;
        }
        let text = step.what.to_string();
        match rows.last_mut() {
            Some((thread, last, at, times))
                if *thread == step.thread && *last == text && **at == step.at =>
            {
                *times += 1;
            }
            _ => rows.push((step.thread, text, &step.at, 1)),
        }
    }
    let folded_repeats: usize = rows.iter().map(|(.., times)| times - 1).sum();

    let mut threads: Vec<usize> = rows.iter().map(|(thread, ..)| *thread).collect();
    threads.sort_unstable();
    threads.dedup();
    let column = |thread: usize| threads.iter().position(|&t| t == thread).unwrap_or(0);
    let cells: Vec<String> = rows
        .iter()
        .map(|(_, text, at, times)| {
            let times = if *times > 1 {
                format!(" ×{times}")
            } else {
                String::new()
            };
            let at = if is_loom_file(&at.file) {
                String::new()
            } else {
                short(at)
            };
            let room = COLUMN.saturating_sub(at.chars().count() + 2).max(12);
            format!("{}  {at}", cut(&format!("{text}{times}"), room))
                .trim_end()
                .to_owned()
        })
        .collect();
    let width = cells
        .iter()
        .map(|cell| cell.chars().count())
        .chain(threads.iter().map(|&t| name(t).len()))
        .max()
        .unwrap_or(0)
        + 2;

    let mut out = String::new();
    let what = failure.lines().next().unwrap_or_default();
    let _ = writeln!(
        out,
        "loom found a failing schedule (the {}):",
        ordinal(schedules)
    );
    let header: String = threads
        .iter()
        .map(|&t| pad(&name(t), width))
        .collect::<String>();
    let _ = writeln!(out, "  {}", header.trim_end());
    let rule: String = threads
        .iter()
        .map(|_| pad(&"─".repeat(width - 2), width))
        .collect();
    let _ = writeln!(out, "  {}", rule.trim_end());
    if !folded_setup.is_empty() {
        let _ = writeln!(
            out,
            "  ({} setup steps on main, before it spawned a thread, folded)",
            folded_setup.len()
        );
    }
    for ((thread, ..), cell) in rows.iter().zip(&cells) {
        let indent = " ".repeat(column(*thread) * width);
        let _ = writeln!(out, "  {indent}{cell}");
    }
    if folded_repeats > 0 {
        let _ = writeln!(
            out,
            "  ({folded_repeats} repeated steps folded into the ×N rows)"
        );
    }
    let lines = source_lines(rows.iter().map(|(_, _, at, _)| *at), &names);
    if !lines.is_empty() {
        let _ = writeln!(out, "  where:");
        for line in lines {
            let _ = writeln!(out, "    {line}");
        }
    }
    if what.starts_with("deadlock;") {
        let _ = writeln!(
            out,
            "✗ loom caught a deadlock: no thread can run. Where each one stopped:"
        );
        for &thread in &threads {
            let last = rows
                .iter()
                .rev()
                .find(|(t, ..)| *t == thread)
                .map(|(_, text, at, _)| format!("{text}  {}", short(at)))
                .unwrap_or_default();
            let _ = writeln!(out, "    {:<10}{last}", name(thread));
        }
    } else {
        let _ = writeln!(out, "✗ loom caught: {}", failure.trim());
    }
    out
}

/// "1st schedule it ran", "22nd schedule it ran", ...
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix} schedule it ran")
}

/// The column title of a thread.
fn name(thread: usize) -> String {
    if thread == 0 {
        String::from("main")
    } else {
        format!("thread {thread}")
    }
}

/// How the timeline names files: `file.rs:line`, with the directory kept
/// where the name alone would be ambiguous (two `lessons.rs`, or any
/// `mod.rs`).
struct Names {
    ambiguous: Vec<String>,
}

impl Names {
    fn of<'a>(sites: impl Iterator<Item = &'a Site>) -> Self {
        let mut files: Vec<&str> = sites.map(|at| at.file.as_ref()).collect();
        files.sort_unstable();
        files.dedup();
        let mut ambiguous: Vec<String> = Vec::new();
        for (i, file) in files.iter().enumerate() {
            let name = base(file);
            if name == "mod.rs" || files.iter().skip(i + 1).any(|other| base(other) == name) {
                ambiguous.push(name.to_owned());
            }
        }
        Names { ambiguous }
    }

    fn short(&self, file: &str, line: u32) -> String {
        let mut parts = file.rsplit(['/', '\\']);
        let name = parts.next().unwrap_or(file);
        match parts.next() {
            Some(dir) if self.ambiguous.iter().any(|a| a == name) => {
                format!("{dir}/{name}:{line}")
            }
            _ => format!("{name}:{line}"),
        }
    }
}

fn base(file: &str) -> &str {
    file.rsplit(['/', '\\']).next().unwrap_or(file)
}

fn pad(text: &str, width: usize) -> String {
    let len = text.chars().count();
    format!("{text}{}", " ".repeat(width.saturating_sub(len)))
}

fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let kept: String = text.chars().take(max - 1).collect();
        format!("{kept}…")
    }
}

/// Each distinct `file:line` the rows name, with that line of source when
/// the file can be read (from the working directory, as `cargo test` runs,
/// or from `CARGO_MANIFEST_DIR`), in order of first appearance; at most 16.
fn source_lines<'a>(locations: impl Iterator<Item = &'a Site>, names: &Names) -> Vec<String> {
    let mut seen: Vec<(String, u32)> = Vec::new();
    for at in locations.filter(|at| !is_loom_file(&at.file)) {
        let key = (at.file.to_string(), at.line);
        if !seen.contains(&key) {
            seen.push(key);
        }
    }
    let width = seen
        .iter()
        .map(|(file, line)| names.short(file, *line).chars().count())
        .max()
        .unwrap_or(0);
    seen.iter()
        .take(16)
        .filter_map(|(file, line)| {
            let code = read_line(file, *line)?;
            Some(format!(
                "{}  {}",
                pad(&names.short(file, *line), width),
                code.trim()
            ))
        })
        .collect()
}

fn read_line(file: &str, line: u32) -> Option<String> {
    let mut candidates = vec![std::path::PathBuf::from(file)];
    if let Some(root) = std::env::var_os("CARGO_MANIFEST_DIR") {
        candidates.push(std::path::Path::new(&root).join(file));
    }
    let text = candidates
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())?;
    text.lines()
        .nth(usize::try_from(line).ok()?.checked_sub(1)?)
        .map(str::to_owned)
}
