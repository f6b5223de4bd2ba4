//! The notes' folder copier: a `Pool` of worker processes copies every file
//! of a folder, and each worker reports each file it finished through a
//! process queue, so the parent can draw a progress line.
//!
//! The Python original:
//!
//! ```python
//! import os
//! from multiprocessing import Pool, Manager
//!
//! def copy_file(q, name, old, new):
//!     with open(os.path.join(old, name), "rb") as src, \
//!          open(os.path.join(new, name), "wb") as dst:
//!         dst.write(src.read())
//!     q.put(name)
//!
//! def main():
//!     old = input("folder to copy: ")
//!     new = old + "[copy]"
//!     os.mkdir(new)
//!     names = os.listdir(old)
//!     po = Pool(5)
//!     q = Manager().Queue()      # a proxy that can be pickled into tasks
//!     for name in names:
//!         po.apply_async(copy_file, (q, name, old, new))
//!     po.close()
//!     done = 0
//!     while done < len(names):
//!         q.get()
//!         done += 1
//!         print(f"\rcopied {done * 100 / len(names):.2f}%", end="")
//! ```
//!
//! What differs, and why. Python hands the queue to every *task*: a
//! `Manager().Queue()` is a proxy, a socket to a server process, and
//! pickles into the task. turnstile's [`Queue`] is shared memory that a
//! process can only *inherit* at its start (as a plain
//! `multiprocessing.Queue` can: pass one to `apply_async` and Python says
//! "Queue objects should only be shared between processes through
//! inheritance"). So the queue goes to each worker once, in the pool's
//! initializer argument, and the tasks find it there. No server process,
//! no socket per put: a put is a copy into shared memory.
//!
//! And a copy that fails still reports (with its error), so the parent's
//! count always reaches the end; in the Python lesson one unreadable file
//! would leave the progress loop waiting forever on `q.get()`.
//!
//! `cargo run --example folder_copier` makes a folder of test files in the
//! system's temporary directory, copies it, checks every copy and removes
//! both. Options: `--files N` (24), `--workers N` (5).

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use turnstile::process::{Pool, Queue};

/// One file to copy, as a task's argument.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CopyJob {
    /// The file's name in both folders.
    pub name: String,
    /// The folder it is in.
    pub from: PathBuf,
    /// The folder its copy goes to.
    pub to: PathBuf,
}

/// What a worker puts on the progress queue after each file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The file.
    pub name: String,
    /// The worker process that copied it.
    pub pid: u32,
    /// `Err` with the reason if the copy failed.
    pub copied: Result<u64, String>,
}

/// In each worker: the progress queue its initializer was handed.
static PROGRESS: OnceLock<Queue<Progress>> = OnceLock::new();

/// The pool's initializer: runs once in each worker, keeps the queue.
pub fn keep_progress_queue(queue: Queue<Progress>) {
    let _ = PROGRESS.set(queue);
}

/// The task: copies one file, then says so on the progress queue.
pub fn copy_file(job: CopyJob) -> Result<u64, String> {
    let copied = fs::copy(job.from.join(&job.name), job.to.join(&job.name))
        .map_err(|error| format!("{}: {error}", job.name));
    let report = Progress {
        name: job.name,
        pid: std::process::id(),
        copied: copied.clone(),
    };
    match PROGRESS.get() {
        Some(queue) => queue
            .put(report)
            .map_err(|error| format!("progress not reported: {error}"))?,
        None => {
            return Err(String::from(
                "no progress queue: the initializer did not run",
            ));
        }
    }
    copied
}

/// Fills `dir` with `files` files of different sizes (a few KiB to a few
/// hundred), each with its own bytes; returns their names.
pub fn make_source(dir: &Path, files: usize) -> io::Result<Vec<String>> {
    fs::create_dir_all(dir)?;
    (0..files)
        .map(|n| {
            let name = format!("file-{n:03}.dat");
            let len = 4096 + (n * 7919 % 61) * 4096;
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 + n * 17) as u8).collect();
            fs::write(dir.join(&name), bytes)?;
            Ok(name)
        })
        .collect()
}

/// What the parent saw.
#[derive(Debug)]
pub struct Report {
    /// The files in the source folder.
    pub files: usize,
    /// The progress messages, in the order they arrived.
    pub progress: Vec<Progress>,
    /// The progress lines the parent drew (percentages).
    pub percent: Vec<String>,
    /// Files whose copy has the same bytes as the original.
    pub identical: usize,
    /// The pool's worker processes.
    pub workers: Vec<u32>,
}

/// Copies every file of `source` into `source[copy]` with a pool of
/// `workers` processes, drawing progress from the queue.
pub fn run(
    source: &Path,
    workers: usize,
    chatty: bool,
) -> Result<Report, Box<dyn std::error::Error>> {
    let mut target = source.as_os_str().to_owned();
    target.push("[copy]");
    let target = PathBuf::from(target);
    fs::create_dir(&target)?;
    let mut names: Vec<String> = fs::read_dir(source)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<io::Result<_>>()?;
    names.sort();

    let queue = Queue::<Progress>::new(0)?;
    let pool = Pool::builder()
        .processes(workers)
        .initializer(keep_progress_queue, queue.clone())
        .build()?;
    let pids = pool.pids();
    let futures = names
        .iter()
        .map(|name| {
            let job = CopyJob {
                name: name.clone(),
                from: source.to_path_buf(),
                to: target.clone(),
            };
            pool.apply_async(copy_file, job)
        })
        .collect::<Result<Vec<_>, _>>()?;
    pool.close();

    let mut progress = Vec::with_capacity(names.len());
    let mut percent = Vec::with_capacity(names.len());
    while progress.len() < names.len() {
        match queue.get_timeout(Duration::from_millis(200)) {
            Ok(report) => {
                progress.push(report);
                let line = format!("{:.2}%", progress.len() as f64 * 100.0 / names.len() as f64);
                if chatty {
                    print!("\rcopied {line}   ");
                    use std::io::Write as _;
                    let _ = io::stdout().flush();
                }
                percent.push(line);
            }
            // Nothing for a while: if every task is done, nothing more
            // is coming (a task that could not even report); stop.
            Err(_) if futures.iter().all(|f| f.is_done()) => break,
            Err(_) => {}
        }
    }
    if chatty {
        println!();
    }
    pool.join()?;
    for (name, future) in names.iter().zip(&futures) {
        if let Err(error) = future.result() {
            eprintln!("{name}: {error}");
        }
    }
    let identical = names
        .iter()
        .filter(
            |name| match (fs::read(source.join(name)), fs::read(target.join(name))) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            },
        )
        .count();
    fs::remove_dir_all(&target)?;
    Ok(Report {
        files: names.len(),
        progress,
        percent,
        identical,
        workers: pids,
    })
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    turnstile::process::init();
    let (files, workers) = (arg("--files", 24), arg("--workers", 5));
    let root = std::env::temp_dir().join(format!("turnstile-folder-copier-{}", std::process::id()));
    let source = root.join("photos");
    make_source(&source, files)?;
    println!(
        "copying {} ({files} files) with Pool({workers}):",
        source.display()
    );
    let report = run(&source, workers, true);
    let _ = fs::remove_dir_all(&root);
    let report = report?;
    let by: std::collections::BTreeSet<u32> = report.progress.iter().map(|p| p.pid).collect();
    let bytes: u64 = report
        .progress
        .iter()
        .filter_map(|p| p.copied.as_ref().ok())
        .sum();
    println!(
        "VERDICT: {} of {} files copied byte for byte ({bytes} bytes) by {} worker processes {:?}; every \
         file reported on the process queue ({} messages, last line {}), which reached each worker \
         once, in the initializer's argument, as shared memory is inherited, not pickled into tasks",
        report.identical,
        report.files,
        by.len(),
        by,
        report.progress.len(),
        report.percent.last().map_or("none", String::as_str),
    );
    Ok(())
}
