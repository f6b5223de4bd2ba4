//! The notes' `Pool(3)` lesson: ten tasks handed to three worker processes
//! with `apply_async`, then `close()` and `join()`.
//!
//! The Python original:
//!
//! ```python
//! from multiprocessing import Pool
//! import os, random, time
//!
//! def worker(msg):
//!     start = time.time()
//!     print(f"{msg} starts in process {os.getpid()}")
//!     time.sleep(random.random() * 2)
//!     print(f"{msg} done after {time.time() - start:.2f} s")
//!
//! po = Pool(3)
//! for i in range(10):
//!     po.apply_async(worker, (i,))   # queued; returns at once
//! print("----start----")
//! po.close()   # no more tasks
//! po.join()    # wait for the workers to finish them (after close!)
//! print("-----end-----")
//! ```
//!
//! What it teaches: the pool starts three processes once and reuses them
//! (the same three pids come back again and again), never more than three
//! tasks run at a time, `apply_async` returns before its task runs, and
//! `join` waits for all of it only after `close` (Python raises
//! `ValueError` otherwise; turnstile returns `Err(StillRunning)`).
//!
//! turnstile's `apply_async` returns a future, so the parent can also read
//! each task's result, which the Python lesson drops. Here each task
//! reports when it ran and in which process, and the parent draws the
//! timeline.
//!
//! `cargo run --example process_pool_apply`. Options: `--tasks N` (10),
//! `--workers N` (3).

use std::collections::BTreeSet;
use std::thread;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use turnstile::process::Pool;

/// What one task says about itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ran {
    /// The task's number.
    pub msg: u32,
    /// The worker process it ran in.
    pub pid: u32,
    /// When it started and stopped, in microseconds since the epoch.
    pub start_us: u64,
    /// See `start_us`.
    pub stop_us: u64,
}

/// A task's argument: its number, and whether to print (the example does;
/// the test, whose workers share its terminal, does not).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Msg {
    /// The task's number.
    pub n: u32,
    /// Print "starts" and "done" lines from the worker.
    pub chatty: bool,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_micros() as u64)
}

/// The task, run in a worker process: sleeps a while that depends on its
/// number (Python's `random.random()`, made repeatable).
pub fn worker(msg: Msg) -> Ran {
    let start_us = now_us();
    let pid = std::process::id();
    if msg.chatty {
        println!("  {} starts in process {pid}", msg.n);
    }
    thread::sleep(Duration::from_millis(u64::from(msg.n * 7 % 10) * 15 + 20));
    let stop_us = now_us();
    if msg.chatty {
        println!(
            "  {} done after {:.2} s",
            msg.n,
            (stop_us - start_us) as f64 / 1e6
        );
    }
    Ran {
        msg: msg.n,
        pid,
        start_us,
        stop_us,
    }
}

/// What the parent saw.
#[derive(Debug)]
pub struct Report {
    /// Every task's report, in task order.
    pub ran: Vec<Ran>,
    /// The pool's workers when it started.
    pub workers: Vec<u32>,
    /// How many futures were done when `apply_async` had queued them all
    /// (the calls return before the work is done).
    pub done_when_queued: usize,
    /// The most tasks running at one moment.
    pub most_at_once: usize,
    /// What `join` said before `close`.
    pub join_before_close: String,
}

/// The lesson: `tasks` tasks on `workers` processes.
pub fn run(tasks: u32, workers: usize, chatty: bool) -> Result<Report, Box<dyn std::error::Error>> {
    let pool = Pool::new(workers)?;
    let pids = pool.pids();
    let futures = (0..tasks)
        .map(|n| pool.apply_async(worker, Msg { n, chatty }))
        .collect::<Result<Vec<_>, _>>()?;
    let done_when_queued = futures.iter().filter(|f| f.is_done()).count();
    if chatty {
        println!("----start----");
    }
    let join_before_close = match pool.join() {
        Ok(()) => String::from("joined a running pool?"),
        Err(refused) => refused.to_string(),
    };
    pool.close();
    pool.join().map_err(|e| e.to_string())?;
    if chatty {
        println!("-----end-----");
    }
    let ran = futures
        .into_iter()
        .map(|f| f.into_result())
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Report {
        most_at_once: most_at_once(&ran),
        ran,
        workers: pids,
        done_when_queued,
        join_before_close,
    })
}

/// The most intervals overlapping at one instant.
pub fn most_at_once(ran: &[Ran]) -> usize {
    let mut edges: Vec<(u64, i32)> = ran
        .iter()
        .flat_map(|r| [(r.start_us, 1), (r.stop_us, -1)])
        .collect();
    // At a tie, a stop before a start: touching is not overlapping.
    edges.sort_unstable();
    let (mut now, mut most) = (0_i32, 0_i32);
    for (_, step) in edges {
        now += step;
        most = most.max(now);
    }
    most as usize
}

/// One line per worker: when each of its tasks ran, 20 ms a column.
fn timeline(report: &Report) -> Vec<String> {
    let origin = report.ran.iter().map(|r| r.start_us).min().unwrap_or(0);
    let column = |us: u64| ((us - origin) / 20_000) as usize;
    let pids: BTreeSet<u32> = report.ran.iter().map(|r| r.pid).collect();
    pids.iter()
        .map(|&pid| {
            let mut line = vec![
                b' ';
                1 + report
                    .ran
                    .iter()
                    .map(|r| column(r.stop_us))
                    .max()
                    .unwrap_or(0)
            ];
            for r in report.ran.iter().filter(|r| r.pid == pid) {
                let mark = b"0123456789abcdefghijklmnopqrstuvwxyz"[r.msg as usize % 36];
                for cell in
                    &mut line[column(r.start_us)..column(r.stop_us).max(column(r.start_us) + 1)]
                {
                    *cell = mark;
                }
            }
            format!("  process {pid:>7} |{}|", String::from_utf8_lossy(&line))
        })
        .collect()
}

fn arg(name: &str, default: u32) -> u32 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    turnstile::process::init();
    let (tasks, workers) = (arg("--tasks", 10), arg("--workers", 3) as usize);
    println!("Pool({workers}), {tasks} tasks with apply_async, then close() and join():");
    let report = run(tasks, workers, true)?;
    println!("join() before close(): {}", report.join_before_close);
    println!("who ran what, and when (one column = 20 ms; the digit is the task):");
    for line in timeline(&report) {
        println!("{line}");
    }
    let used: BTreeSet<u32> = report.ran.iter().map(|r| r.pid).collect();
    println!(
        "VERDICT: {tasks} tasks ran in {} worker processes started once and reused (pids {:?}), at most \
         {} at a time; apply_async returned before the work ({} of {tasks} done when all were queued); \
         join() waited only after close()",
        used.len(),
        used,
        report.most_at_once,
        report.done_when_queued
    );
    Ok(())
}
