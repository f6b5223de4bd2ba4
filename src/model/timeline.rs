//! The failing schedule laid out for a reader: one column per thread, one
//! row per step in the order loom ran them, and the source lines the steps
//! name. The steps come from the recorder in `trace.rs`; the runner in
//! `check.rs` calls [`render`] when a model fails.

use std::fmt::Write as _;

use super::trace::{Site, Step, What, is_loom_file};

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
