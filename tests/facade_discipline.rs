//! Every file in src/ except the two facades must reach atomics, cells,
//! threads and parking through `super::facade`. A primitive that names
//! `std::sync` directly would compile in the model build and then escape loom
//! (or hang it, for real OS blocking); a `crate::` path to the facade would
//! pick the *normal* facade from inside the model copy. This test reads the
//! source and fails on either.

mod common;

use std::fs;
use std::path::Path;

/// The files allowed to name the real things: the two facades, and the
/// model's own tooling (its runner, recorder and threads), which are not
/// primitives and exist only in the model build.
const FACADES: [&str; 7] = [
    "src/shared_futex.rs",
    "src/model/shared_futex.rs",
    "src/facade.rs",
    "src/model/facade.rs",
    "src/model/check.rs",
    "src/model/trace.rs",
    "src/model/thread.rs",
];

/// Paths a primitive file must not name, and why.
const FORBIDDEN: [(&str, &str); 8] = [
    ("std::sync", "atomics and locks come from super::facade"),
    ("core::sync", "atomics come from super::facade"),
    (
        "std::thread",
        "threads and thread ids come from super::facade",
    ),
    ("parking_lot", "parking goes through super::facade::Futex"),
    (
        "cell::UnsafeCell",
        "use super::facade::UnsafeCell, which loom checks",
    ),
    ("loom::", "loom is reached only through the model facade"),
    (
        "crate::facade",
        "a crate:: path picks the normal facade even in the model copy",
    ),
    (
        "crate::model::facade",
        "a crate:: path bypasses the module's own facade",
    ),
];

/// The forbidden names on one line of code, ignoring comments. Grouped
/// imports (`use std::{sync::Arc, thread}`) are caught too.
fn violations_in_line(line: &str) -> Vec<&'static str> {
    let code = line.trim_start();
    if code.starts_with("//") {
        return Vec::new();
    }
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut found: Vec<&'static str> = FORBIDDEN
        .iter()
        .filter(|(name, _)| code.contains(name))
        .map(|(name, _)| *name)
        .collect();
    for root in ["std::{", "core::{"] {
        if let Some(start) = code.find(root) {
            let group = &code[start..];
            for inner in ["sync", "thread"] {
                if group.contains(inner) {
                    found.push(if root == "std::{" {
                        "std::{sync|thread}"
                    } else {
                        "core::{sync}"
                    });
                }
            }
        }
    }
    found
}

/// Every `(file:line, forbidden name)` in the source files under `dir`.
fn violations_in_tree(dir: &Path, root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for path in common::rust_files(dir) {
        let relative = path
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if FACADES.contains(&relative.as_str()) {
            continue;
        }
        let source = fs::read_to_string(&path).expect("a readable source file");
        for (number, line) in source.lines().enumerate() {
            for name in violations_in_line(line) {
                found.push(format!(
                    "{relative}:{}: names `{name}`: {}",
                    number + 1,
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn primitives_reach_the_machine_only_through_the_facade() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let violations = violations_in_tree(&root.join("src"), root);
    let reasons: Vec<String> = FORBIDDEN
        .iter()
        .map(|(name, why)| format!("  {name}: {why}"))
        .collect();
    assert!(
        violations.is_empty(),
        "primitive files must go through super::facade:\n{}\nwhy:\n{}",
        violations.join("\n"),
        reasons.join("\n")
    );
}

#[test]
fn the_scan_sees_every_primitive_file() {
    // Guards against a scan that silently reads nothing (a wrong path, say).
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for file in [
        "src/raw_mutex.rs",
        "src/mutex.rs",
        "src/rlock.rs",
        "src/model/broken/relaxed.rs",
    ] {
        assert!(root.join(file).is_file(), "{file} moved: update this test");
    }
}

#[test]
fn the_scanner_catches_what_it_should() {
    let bad = [
        "use std::sync::atomic::AtomicU8;",
        "use core::sync::atomic::Ordering;",
        "    std::thread::yield_now();",
        "use parking_lot_core::park;",
        "data: core::cell::UnsafeCell<T>,",
        "use loom::sync::Mutex;",
        "use crate::facade::Futex;",
        "use crate::model::facade::Futex;",
        "use std::{sync::Arc, time::Duration};",
        "use std :: thread;",
        "use core::{sync::atomic::AtomicU8};",
    ];
    for line in bad {
        assert!(!violations_in_line(line).is_empty(), "missed: {line}");
    }
    let fine = [
        "use super::facade::{AtomicU8, Futex, Ordering};",
        "/// Differences from `std::sync::Mutex`",
        "//! loom::model explores interleavings",
        "    // parking_lot does not poison",
        "use std::time::{Duration, Instant};",
        "use core::cell::Cell;",
    ];
    for line in fine {
        assert!(violations_in_line(line).is_empty(), "false alarm: {line}");
    }
}
