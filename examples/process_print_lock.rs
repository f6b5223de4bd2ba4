//! The notes' process `Lock` around printing: ten processes each print a
//! line, and a lock keeps the lines whole.
//!
//! The Python original:
//!
//! ```python
//! from multiprocessing import Process, Lock
//!
//! def f(l, i):
//!     l.acquire()
//!     try:
//!         print('hello world', i)
//!     finally:
//!         l.release()
//!
//! if __name__ == '__main__':
//!     lock = Lock()
//!     for num in range(10):
//!         Process(target=f, args=(lock, num)).start()
//! ```
//!
//! A line here is written in three pieces with a pause between them, as a
//! long `print` can be, to give other processes the chance to cut in. The
//! lock lives in shared memory and every child inherits it, so while one
//! process holds it the others wait, in whichever process they are. To
//! check the lines, each process also appends its pieces to one log file,
//! which the parent reads back at the end. `--no-lock` runs the same
//! without the lock, and the lines in the log come out cut into each other.
//!
//! What differs from Python: the guard unlocks when it goes out of scope
//! (no `finally`), and `acquire` tells the next taker if a holder died
//! holding the lock (Python's would stay locked forever).
//!
//! `cargo run --example process_print_lock`. Options: `--processes N` (10),
//! `--no-lock`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use turnstile::process::{Lock, Process};

/// What each child gets: the lock (or none), its number, the log's path.
pub type Job = (Option<Lock>, u32, PathBuf);

/// Writes one line in three pieces, to stdout and to the log.
pub fn child(job: Job) {
    let (lock, i, log) = job;
    let _held = lock.as_ref().map(|lock| match lock.acquire() {
        Ok(guard) => guard,
        // A holder died mid-line: its line may be cut, ours is still whole.
        Err(died) => died.into_inner(),
    });
    let mut file = OpenOptions::new()
        .append(true)
        .open(&log)
        .expect("the parent made the log");
    let mut out = std::io::stdout();
    for piece in ["hello ", "world ", &format!("{i}\n")] {
        // One write call per piece, each appended whole.
        file.write_all(piece.as_bytes()).expect("the log takes it");
        out.write_all(piece.as_bytes()).expect("stdout takes it");
        out.flush().expect("stdout takes it");
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// What the log held at the end.
#[derive(Debug)]
pub struct Report {
    /// Lines of the form `hello world N`.
    pub whole: usize,
    /// Every other line.
    pub cut: usize,
    /// The children's exit codes.
    pub exitcodes: Vec<i32>,
}

/// Starts `processes` children, with or without the lock, waits for them
/// and reads the log.
pub fn run(processes: u32, locked: bool) -> Result<Report, String> {
    let log = std::env::temp_dir().join(format!(
        "turnstile-print-lock-{}-{}.log",
        std::process::id(),
        if locked { "locked" } else { "unlocked" }
    ));
    std::fs::write(&log, "").map_err(|e| format!("cannot make {}: {e}", log.display()))?;
    let lock = if locked {
        Some(Lock::new().map_err(|e| format!("no lock: {e}"))?)
    } else {
        None
    };
    let mut children = Vec::new();
    for i in 0..processes {
        let started = Process::start(child, (lock.clone(), i, log.clone()));
        match started {
            Ok(process) => children.push(process),
            Err(e) => {
                for mut started in children {
                    let _ = started.kill();
                    let _ = started.join();
                }
                return Err(e.to_string());
            }
        }
    }
    let mut exitcodes = Vec::new();
    for mut process in children {
        exitcodes.push(process.join().map_err(|e| e.to_string())?);
    }
    let text = std::fs::read_to_string(&log).map_err(|e| e.to_string());
    let _ = std::fs::remove_file(&log);
    let text = text?;
    let whole = text
        .lines()
        .filter(|line| {
            line.strip_prefix("hello world ")
                .is_some_and(|n| n.parse::<u32>().is_ok())
        })
        .count();
    Ok(Report {
        whole,
        cut: text.lines().count() - whole,
        exitcodes,
    })
}

fn parse_args(args: &[String]) -> Result<(u32, bool), String> {
    let mut processes = 10;
    let mut locked = true;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--no-lock" => locked = false,
            "--processes" => {
                processes = args
                    .next()
                    .and_then(|n| n.parse().ok())
                    .filter(|&n| n > 0)
                    .ok_or("--processes takes a number above 0")?;
            }
            other => return Err(format!("unknown option {other:?}")),
        }
    }
    Ok((processes, locked))
}

fn main() -> ExitCode {
    turnstile::process::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (processes, locked) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(why) => {
            eprintln!("process_print_lock: {why}");
            return ExitCode::from(2);
        }
    };
    let report = match run(processes, locked) {
        Ok(report) => report,
        Err(why) => {
            eprintln!("process_print_lock: {why}");
            return ExitCode::FAILURE;
        }
    };
    let all_ok = report.exitcodes.iter().all(|&code| code == 0);
    println!(
        "VERDICT: {processes} processes {} the lock: {} whole lines and {} cut ones in the log{}",
        if locked {
            "printing under"
        } else {
            "printing without"
        },
        report.whole,
        report.cut,
        if all_ok { "" } else { " (a child failed)" }
    );
    if all_ok && (!locked || report.whole == processes as usize) {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
