//! The house a learner walks: the files of `src/` import one another in one
//! direction only, and each is short enough to read in one sitting.
//!
//! The test reads the source, as `facade_discipline.rs` does. Each file is a
//! node; an edge runs from a file to every other file that one of its paths
//! names an item of: a `use` (`pub use` re-exports included) or a path in the
//! code (`super::queue::FifoQueue`, `crate::x`, `self::child::y`). A `mod x;`
//! declaration is not an edge: it places a room in the house, it does not
//! lean on it. So a directory's `mod.rs` is a door: it declares and
//! re-exports its children, and they import each other directly
//! (`super::sibling::Item`), never through the door, or the door and the
//! room would lean on each other.
//!
//! What is checked:
//! - no cycle among the files (a cycle is printed with the line of each edge);
//! - the lock-order checker (`src/lockdep/`) reaches none of the primitives
//!   that call it: it sits one floor below them;
//! - a file over [`LONG`] lines says in its opening comment why it is "one
//!   idea" that splitting would cut in two.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::path::{Path, PathBuf};

use common::rust_files;

/// A file longer than this must say why it is one idea.
const LONG: usize = 500;

/// A module path, as segments below the crate root.
type ModPath = Vec<String>;

/// The module a file is in the normal build: `src/queue/fifo.rs` is
/// `queue::fifo`, `src/queue/mod.rs` is `queue`, `src/lib.rs` the root.
fn module_of(src: &Path, file: &Path) -> ModPath {
    let rel = file.strip_prefix(src).expect("a file under src/");
    let mut path: ModPath = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(path.last().map(String::as_str), Some("mod" | "lib")) {
        path.pop();
    }
    path
}

/// The source with comments removed and the insides of string and character
/// literals blanked, newlines kept (so line numbers still hold).
fn code_only(source: &str) -> String {
    let chars: Vec<char> = source.chars().collect();
    let mut out = String::with_capacity(source.len());
    let mut i = 0;
    let keep_newlines = |text: &[char], out: &mut String| {
        out.extend(text.iter().filter(|&&c| c == '\n'));
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let (start, mut depth) = (i, 0);
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            keep_newlines(&chars[start..i.min(chars.len())], &mut out);
        } else if c == 'r' && matches!(next, Some('"' | '#')) && !ident_before(&chars, i) {
            // A raw string: r"..." or r#"..."#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            let start = j;
            j += 1;
            'raw: while j < chars.len() {
                if chars[j] == '"' && (0..hashes).all(|k| chars.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break 'raw;
                }
                j += 1;
            }
            keep_newlines(&chars[start..j.min(chars.len())], &mut out);
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
            keep_newlines(&chars[start..i.min(chars.len())], &mut out);
            out.push_str("\"\"");
        } else if c == '\'' {
            // A character literal ('x', '\n', '\u{1F600}'), or a lifetime.
            let close = if next == Some('\\') {
                chars[i + 2..]
                    .iter()
                    .position(|&c| c == '\'')
                    .map(|p| i + 2 + p)
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(end) => {
                    out.push_str("' '");
                    i = end + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Ident(String),
    PathSep,
    Open,
    Close,
    Comma,
    Semi,
    Other(char),
}

/// The tokens of comment-free code, each with its line.
fn tokens(code: &str) -> Vec<(Token, usize)> {
    let chars: Vec<char> = code.chars().collect();
    let (mut out, mut line, mut i) = (Vec::new(), 1, 0);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            out.push((Token::Ident(word), line));
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((Token::PathSep, line));
            i += 2;
        } else {
            out.push((
                match c {
                    '{' => Token::Open,
                    '}' => Token::Close,
                    ',' => Token::Comma,
                    ';' => Token::Semi,
                    other => Token::Other(other),
                },
                line,
            ));
            i += 1;
        }
    }
    out
}

/// The paths a `use` tree names: `a::{b, c::{d as e}}` is `a::b`, `a::c::d`.
fn use_paths(tree: &[Token]) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    expand(tree, &mut Vec::new(), &mut paths);
    paths
}

fn expand(tree: &[Token], prefix: &mut Vec<String>, paths: &mut Vec<Vec<String>>) {
    // Split at the commas outside braces.
    let mut depth = 0;
    let mut start = 0;
    let mut parts = Vec::new();
    for (i, token) in tree.iter().enumerate() {
        match token {
            Token::Open => depth += 1,
            Token::Close => depth -= 1,
            Token::Comma if depth == 0 => {
                parts.push(&tree[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&tree[start..]);
    for part in parts {
        let depth = prefix.len();
        let mut named = false;
        for (k, token) in part.iter().enumerate() {
            match token {
                Token::Ident(word) if word == "as" => break,
                Token::Ident(word) => {
                    prefix.push(word.clone());
                    named = true;
                }
                Token::Open => {
                    // `a::{..}`: the group ends with this part's last brace.
                    expand(&part[k + 1..part.len() - 1], prefix, paths);
                    named = false;
                    break;
                }
                _ => {}
            }
        }
        if named {
            paths.push(prefix.clone());
        }
        prefix.truncate(depth);
    }
}

/// Which files each module is: the normal tree, plus `#[path = "..."] mod x;`
/// declarations (the model copy's second compilation of the primitives and
/// lockdep's `off.rs`), whose submodules follow their target.
fn module_files(src: &Path, files: &[PathBuf]) -> BTreeMap<ModPath, BTreeSet<PathBuf>> {
    let mut map: BTreeMap<ModPath, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in files {
        map.entry(module_of(src, file))
            .or_default()
            .insert(file.clone());
    }
    let normal = map.clone();
    for file in files {
        let source = fs::read_to_string(file).expect("a readable source file");
        let lines: Vec<&str> = source.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let Some(target) = line
                .trim()
                .strip_prefix("#[path = \"")
                .and_then(|rest| rest.strip_suffix("\"]"))
            else {
                continue;
            };
            let Some(name) = lines[n + 1..]
                .iter()
                .find(|l| !l.trim_start().starts_with("#["))
                .and_then(|l| l.split("mod ").nth(1))
                .map(|rest| rest.trim_end_matches(';').trim().to_owned())
            else {
                continue;
            };
            let target = normalize(&file.parent().expect("a directory").join(target));
            let mut here = module_of(src, file);
            here.push(name);
            let target_module = module_of(src, &target);
            for (module, targets) in &normal {
                if let Some(rest) = module.strip_prefix(target_module.as_slice()) {
                    let mut alias = here.clone();
                    alias.extend(rest.iter().cloned());
                    let entry = map.entry(alias).or_default();
                    if rest.is_empty() {
                        entry.insert(target.clone());
                    } else {
                        entry.extend(targets.iter().cloned());
                    }
                }
            }
        }
    }
    map
}

/// `a/b/../c` as `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The files a path written in module `at` names an item of.
fn resolve<'m>(
    modules: &'m BTreeMap<ModPath, BTreeSet<PathBuf>>,
    at: &[String],
    path: &[String],
) -> Option<&'m BTreeSet<PathBuf>> {
    let (mut base, mut i): (ModPath, usize) = match path.first()?.as_str() {
        "crate" => (Vec::new(), 1),
        "self" => (at.to_vec(), 1),
        "super" => {
            let mut base = at.to_vec();
            let mut i = 0;
            while path.get(i).is_some_and(|s| s == "super") {
                base.pop();
                i += 1;
            }
            (base, i)
        }
        first => {
            // A path from a child module declared here (`pub use fifo::X`).
            let mut child = at.to_vec();
            child.push(first.to_owned());
            if !modules.contains_key(&child) {
                return None;
            }
            (at.to_vec(), 0)
        }
    };
    while let Some(segment) = path.get(i) {
        let mut deeper = base.clone();
        deeper.push(segment.clone());
        if !modules.contains_key(&deeper) {
            break;
        }
        base = deeper;
        i += 1;
    }
    // An inline module (`mod tests { .. }`) belongs to its file.
    while !modules.contains_key(&base) && base.pop().is_some() {}
    modules.get(&base)
}

/// For every file, the files it leans on, each with the first line that does.
type Graph = BTreeMap<PathBuf, BTreeMap<PathBuf, usize>>;

fn import_graph(src: &Path) -> Graph {
    let files = rust_files(src);
    let modules = module_files(src, &files);
    let mut graph = Graph::new();
    for file in &files {
        let edges = graph.entry(file.clone()).or_default();
        let code = code_only(&fs::read_to_string(file).expect("a readable source file"));
        let toks = tokens(&code);
        let base = module_of(src, file);
        // The inline modules the scan is inside: `Some(name)` for `mod name {`.
        let mut nesting: Vec<Option<String>> = Vec::new();
        let mut add = |at: &[String], path: &[String], line: usize| {
            if let Some(targets) = resolve(&modules, at, path) {
                for target in targets.iter().filter(|t| *t != file) {
                    edges.entry(target.clone()).or_insert(line);
                }
            }
        };
        let mut i = 0;
        while i < toks.len() {
            let here: ModPath = base
                .iter()
                .cloned()
                .chain(nesting.iter().flatten().cloned())
                .collect();
            let (token, line) = &toks[i];
            match token {
                Token::Ident(word) if word == "use" => {
                    let end = toks[i..]
                        .iter()
                        .position(|(t, _)| *t == Token::Semi)
                        .map_or(toks.len(), |p| i + p);
                    let tree: Vec<Token> =
                        toks[i + 1..end].iter().map(|(t, _)| t.clone()).collect();
                    for path in use_paths(&tree) {
                        add(&here, &path, *line);
                    }
                    i = end + 1;
                    continue;
                }
                Token::Ident(word)
                    if word == "mod" && matches!(toks.get(i + 2), Some((Token::Open, _))) =>
                {
                    if let Some((Token::Ident(name), _)) = toks.get(i + 1) {
                        nesting.push(Some(name.clone()));
                        i += 3;
                        continue;
                    }
                }
                // `pub(in super::super)` is a visibility, not a use of the
                // module it names.
                Token::Ident(word)
                    if word == "in"
                        && i >= 2
                        && matches!(&toks[i - 1].0, Token::Other('('))
                        && matches!(&toks[i - 2].0, Token::Ident(w) if w == "pub") =>
                {
                    i += 1;
                    while matches!(toks.get(i), Some((Token::Ident(_) | Token::PathSep, _))) {
                        i += 1;
                    }
                    continue;
                }
                Token::Ident(word)
                    if matches!(word.as_str(), "crate" | "super" | "self")
                        && matches!(toks.get(i + 1), Some((Token::PathSep, _))) =>
                {
                    let mut path = vec![word.clone()];
                    let mut j = i + 1;
                    while let (Some((Token::PathSep, _)), Some((Token::Ident(next), _))) =
                        (toks.get(j), toks.get(j + 1))
                    {
                        path.push(next.clone());
                        j += 2;
                    }
                    add(&here, &path, *line);
                    i = j;
                    continue;
                }
                Token::Open => nesting.push(None),
                Token::Close => {
                    nesting.pop();
                }
                _ => {}
            }
            i += 1;
        }
    }
    graph
}

/// The shortest cycle through `start`, if any, as the files in order.
fn cycle_through(graph: &Graph, start: &Path) -> Option<Vec<PathBuf>> {
    let mut came_from: BTreeMap<&Path, &Path> = BTreeMap::new();
    let mut queue: VecDeque<&Path> = VecDeque::from([start]);
    while let Some(file) = queue.pop_front() {
        for next in graph.get(file).into_iter().flat_map(BTreeMap::keys) {
            if next == start {
                let mut cycle = vec![file.to_path_buf()];
                let mut at = file;
                while at != start {
                    at = came_from[at];
                    cycle.push(at.to_path_buf());
                }
                cycle.reverse();
                return Some(cycle);
            }
            if !came_from.contains_key(next.as_path()) {
                came_from.insert(next, file);
                queue.push_back(next);
            }
        }
    }
    None
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn shown(path: &Path) -> String {
    path.strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")))
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn no_two_files_import_each_other_directly_or_through_others() {
    let graph = import_graph(&src());
    let mut cycles = Vec::new();
    let mut reported: BTreeSet<PathBuf> = BTreeSet::new();
    for file in graph.keys() {
        if reported.contains(file) {
            continue;
        }
        if let Some(cycle) = cycle_through(&graph, file) {
            let mut text = String::new();
            for (k, from) in cycle.iter().enumerate() {
                let to = &cycle[(k + 1) % cycle.len()];
                text += &format!(
                    "\n    {} (line {}) -> {}",
                    shown(from),
                    graph[from][to],
                    shown(to)
                );
            }
            reported.extend(cycle);
            cycles.push(text);
        }
    }
    assert!(
        cycles.is_empty(),
        "files that lean on each other (a door's children must import their \
         siblings directly, not through its re-exports):{}",
        cycles.concat()
    );
}

#[test]
fn the_lock_order_checker_sits_below_every_primitive_it_checks() {
    let graph = import_graph(&src());
    let lockdep = src().join("lockdep");
    let checked: BTreeSet<&PathBuf> = graph
        .iter()
        .filter(|(file, to)| {
            !file.starts_with(&lockdep) && to.keys().any(|t| t.starts_with(&lockdep))
        })
        .map(|(file, _)| file)
        .collect();
    assert!(
        checked.contains(&src().join("mutex.rs")),
        "the scan lost the mutex's hooks: it no longer sees mutex.rs import lockdep"
    );
    // Everything lockdep's files reach, transitively.
    let mut reached: BTreeSet<&PathBuf> = BTreeSet::new();
    let mut todo: Vec<&PathBuf> = graph.keys().filter(|f| f.starts_with(&lockdep)).collect();
    while let Some(file) = todo.pop() {
        for next in graph.get(file).into_iter().flat_map(BTreeMap::keys) {
            if reached.insert(next) {
                todo.push(next);
            }
        }
    }
    let above: Vec<String> = checked.intersection(&reached).map(|f| shown(f)).collect();
    assert!(
        above.is_empty(),
        "lockdep reaches primitives that call its hooks (it must sit below them): {above:?}"
    );
}

#[test]
fn every_long_file_says_why_it_is_one_idea() {
    let mut unexplained = Vec::new();
    for file in rust_files(&src()) {
        let source = fs::read_to_string(&file).expect("a readable source file");
        let lines = source.lines().count();
        if lines <= LONG {
            continue;
        }
        // The opening comment's words, without the `//!` and `//` markers.
        let opening: Vec<String> = source
            .lines()
            .map(str::trim)
            .take_while(|l| l.starts_with("//") || l.is_empty())
            .flat_map(|l| {
                l.trim_start_matches('/')
                    .trim_start_matches('!')
                    .split_whitespace()
            })
            .map(|w| {
                w.trim_matches(|c: char| !c.is_alphanumeric())
                    .to_lowercase()
            })
            .collect();
        if !opening.windows(2).any(|w| w == ["one", "idea"]) {
            unexplained.push(format!("{} ({lines} lines)", shown(&file)));
        }
    }
    assert!(
        unexplained.is_empty(),
        "files over {LONG} lines whose opening comment does not say why they are one idea \
         (split them along their ideas, or say why not): {unexplained:?}"
    );
}

/// The scan itself: a cycle through a door is found, with its lines, and
/// comments, strings and inline test modules do not count.
#[test]
fn the_scan_sees_a_cycle_through_a_door_and_ignores_comments() {
    let dir = std::env::temp_dir().join(format!("turnstile-layers-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(dir.join("room")).unwrap();
    fs::write(dir.join("lib.rs"), "mod room;\nmod other;\n").unwrap();
    fs::write(
        dir.join("room/mod.rs"),
        "mod a;\nmod b;\npub use a::A;\n// use super::other::X;\nconst S: &str = \"super::other::Y\";\n",
    )
    .unwrap();
    fs::write(
        dir.join("room/a.rs"),
        "use super::b::{B, self as _};\npub struct A;\npub(in super::super) fn f() {}\n",
    )
    .unwrap();
    fs::write(
        dir.join("room/b.rs"),
        "pub struct B;\nfn f() -> super::A { super::A }\nmod tests {\n    use super::B;\n}\n",
    )
    .unwrap();
    fs::write(dir.join("other.rs"), "mod tests { use super::*; }\n").unwrap();
    let graph = import_graph(&dir);
    let door = dir.join("room/mod.rs");
    let (a, b) = (dir.join("room/a.rs"), dir.join("room/b.rs"));
    assert_eq!(graph[&door].keys().collect::<Vec<_>>(), [&a]);
    assert_eq!(graph[&a].keys().collect::<Vec<_>>(), [&b]);
    assert_eq!(graph[&b].keys().collect::<Vec<_>>(), [&door]);
    assert_eq!(graph[&b][&door], 2, "the first line that leans on the door");
    assert!(graph[&dir.join("other.rs")].is_empty());
    assert_eq!(cycle_through(&graph, &door), Some(vec![door.clone(), a, b]));
    let _ = fs::remove_dir_all(&dir);
}

/// ARCHITECTURE.md maps the house: every file of `src/` is named there (a
/// directory of one kind of room, such as the broken twins, may be named
/// as `dir/*.rs`), so a new room cannot go in unmapped.
#[test]
fn architecture_md_names_every_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let map = fs::read_to_string(root.join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let unmapped: Vec<String> = rust_files(&src())
        .iter()
        .filter(|file| {
            let name = file.file_name().unwrap().to_string_lossy();
            let dir = file.parent().unwrap().strip_prefix(src()).unwrap();
            let all_in_dir = format!("src/{}/*.rs", dir.display());
            let dir_named = !dir.as_os_str().is_empty() && map.contains(&all_in_dir);
            !map.contains(&*name) && !dir_named
        })
        .map(|file| shown(file))
        .collect();
    assert!(
        unmapped.is_empty(),
        "files ARCHITECTURE.md does not name (add them to its map): {unmapped:?}"
    );
}
