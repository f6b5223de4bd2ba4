//! The notes' `multiprocessing.Pool`, and what processes cost and buy next
//! to threads. A parent hands tasks to worker processes over pipes, one
//! JSON line per task and one per result, and collects the results; then
//! the same work runs on a `turnstile::ThreadPool`. One task aborts the
//! process that runs it: the parent reports that task as failed, starts a
//! new worker, and carries on.
//!
//! The Python original:
//!
//! ```python
//! from multiprocessing import Pool
//!
//! def count_primes(below): ...
//!
//! with Pool(2) as pool:
//!     results = pool.map(count_primes, [20_000, 40_000, 60_000])
//! ```
//!
//! Python's `Pool` pickles each task into a pipe to a worker process, which
//! unpickles it, runs it and pickles the result back. Here the pipe is the
//! worker's stdin and stdout and the pickle is a line of JSON:
//! `{"id":3,"job":"primes","below":60000}` out, `{"id":3,"result":6057,"pid":4242}`
//! back. Rust has no `fork`-and-carry-on, so a worker is this same program
//! started again with `--child worker`.
//!
//! What each costs: a process is started (a new address space, the program
//! loaded and linked: milliseconds), and every task and result is encoded,
//! copied into the kernel and out again, and decoded. A thread shares the
//! parent's memory: a task is a pointer. What a process buys: isolation. A
//! task that aborts (or corrupts its memory) takes down its own process
//! only; the same abort on a pool thread would end the whole program.
//!
//! `cargo run --example process_pool`. Options: `--workers N` (2),
//! `--tasks N` (8 tasks of prime counting, plus the one that aborts).

use std::fmt;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, ExitCode, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use turnstile::{FifoQueue, Mutex, ThreadPool};

/// One piece of work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Count the primes below this number (by trial division: CPU work).
    Primes(u64),
    /// Abort the process that runs it, as a crashing native library would.
    Abort,
}

/// A job with its number, as the parent hands it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Task {
    pub id: u64,
    pub job: Job,
}

/// What became of one task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The result, and the process that computed it.
    Done { result: u64, pid: u32 },
    /// The worker died, or answered nonsense.
    Failed(String),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Done { result, pid } => write!(f, "{result} (process {pid})"),
            Outcome::Failed(why) => write!(f, "FAILED: {why}"),
        }
    }
}

/// The work itself, the same in a worker process and on a pool thread.
pub fn count_primes(below: u64) -> u64 {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as u64
}

/// Builds the command that starts one worker process: a command whose
/// process calls [`worker_process`]. The example runs its own executable
/// with `--child worker`; a test, its own test binary.
pub type Launch<'a> = &'a (dyn Fn() -> Command + Sync);

/// What a process-pool run did.
#[derive(Debug)]
pub struct ProcessRun {
    /// Each task's outcome, by task id.
    pub outcomes: Vec<(u64, Outcome)>,
    /// Worker processes started, the replacements for dead ones included.
    pub processes_started: usize,
    /// Time spent starting processes, until each answered its first (empty)
    /// task, summed over the parent's threads.
    pub spawning: Duration,
    /// Bytes of JSON sent through the pipes, both ways.
    pub bytes_piped: usize,
    pub elapsed: Duration,
}

/// One worker process, seen from the parent: its pipes.
struct Worker {
    child: Child,
    /// `None` once closed, which tells the worker to stop.
    to: Option<ChildStdin>,
    from: BufReader<ChildStdout>,
}

impl Worker {
    /// Starts a worker and waits for its answer to an empty task, so the
    /// time this takes is the whole cost of a new process: created,
    /// loaded, and ready to work.
    fn start(launch: Launch<'_>) -> Result<Worker, String> {
        let mut child = launch()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start a worker process: {error}"))?;
        let to = child.stdin.take().expect("stdin is piped");
        let from = BufReader::new(child.stdout.take().expect("stdout is piped"));
        let mut worker = Worker {
            child,
            to: Some(to),
            from,
        };
        let ready = Task {
            id: u64::MAX,
            job: Job::Primes(0),
        };
        worker.run(ready, &mut 0)?;
        Ok(worker)
    }

    /// Sends one task and reads its answer. `Err` means the process is gone
    /// (or talks nonsense) and must be replaced.
    fn run(&mut self, task: Task, bytes: &mut usize) -> Result<Outcome, String> {
        let line = match task.job {
            Job::Primes(below) => json!({ "id": task.id, "job": "primes", "below": below }),
            Job::Abort => json!({ "id": task.id, "job": "abort" }),
        }
        .to_string();
        *bytes += line.len() + 1;
        let pid = self.child.id();
        let sent = match &mut self.to {
            Some(to) => writeln!(to, "{line}"),
            None => Err(std::io::ErrorKind::BrokenPipe.into()),
        };
        sent.map_err(|error| self.died(pid, &error.to_string()))?;
        let mut answer = String::new();
        // A worker prints nothing else on stdout except the answer, but a
        // test binary that runs as one adds lines of its own: skip those.
        loop {
            answer.clear();
            match self.from.read_line(&mut answer) {
                Ok(0) => return Err(self.died(pid, "its output ended")),
                Err(error) => return Err(self.died(pid, &error.to_string())),
                Ok(n) if answer.starts_with('{') => {
                    *bytes += n;
                    break;
                }
                Ok(_) => {}
            }
        }
        let answer: Value = serde_json::from_str(&answer)
            .map_err(|error| format!("worker {pid} answered {answer:?}: {error}"))?;
        match (answer["id"].as_u64(), answer["result"].as_u64()) {
            (Some(id), Some(result)) if id == task.id => Ok(Outcome::Done { result, pid }),
            _ => Err(format!(
                "worker {pid} answered {answer} to task {}",
                task.id
            )),
        }
    }

    /// Waits for a worker whose pipe broke and says how it ended.
    fn died(&mut self, pid: u32, what: &str) -> String {
        match self.child.wait() {
            Ok(status) => format!("worker process {pid} died ({status}; {what})"),
            Err(error) => format!("worker process {pid} is gone ({what}; wait: {error})"),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The end of its stdin is the worker's signal to stop; reap it so
        // no process is left behind.
        drop(self.to.take());
        let _ = self.child.wait();
    }
}

/// Runs `tasks` on `workers` worker processes: the parent keeps one thread
/// per worker, and each thread takes the next task from a shared
/// `turnstile::FifoQueue`, pipes it to its worker and waits for the answer
/// (Python's `Pool` runs the same kind of handler threads). A worker that
/// dies fails the task it was running and is replaced.
pub fn run_processes(
    workers: usize,
    tasks: &[Task],
    launch: Launch<'_>,
) -> Result<ProcessRun, String> {
    if workers == 0 {
        return Err("--workers must be at least 1".into());
    }
    let start = Instant::now();
    let queue = FifoQueue::unbounded();
    for &task in tasks {
        queue.put(task).map_err(|error| error.to_string())?;
    }
    queue.close(); // the handlers stop when it is empty
    let outcomes = Mutex::new(Vec::with_capacity(tasks.len()));
    let handlers: Vec<Result<(usize, Duration, usize), String>> = thread::scope(|scope| {
        let handlers: Vec<_> = (0..workers)
            .map(|_| {
                let (queue, outcomes) = (&queue, &outcomes);
                scope.spawn(move || {
                    let (mut started, mut spawning, mut bytes) = (0, Duration::ZERO, 0);
                    let mut worker: Option<Worker> = None;
                    while let Ok(task) = queue.get() {
                        let mut current = match worker.take() {
                            Some(worker) => worker,
                            None => {
                                let at = Instant::now();
                                let new = Worker::start(launch)?;
                                spawning += at.elapsed();
                                started += 1;
                                new
                            }
                        };
                        let outcome = match current.run(task, &mut bytes) {
                            Ok(outcome) => {
                                worker = Some(current);
                                outcome
                            }
                            // The worker is dead: the next task gets a new one.
                            Err(why) => Outcome::Failed(why),
                        };
                        outcomes.lock().push((task.id, outcome));
                    }
                    Ok((started, spawning, bytes))
                })
            })
            .collect();
        handlers
            .into_iter()
            .map(|handler| {
                handler
                    .join()
                    .unwrap_or_else(|_| Err("a handler thread panicked".into()))
            })
            .collect()
    });
    let mut run = ProcessRun {
        outcomes: outcomes.into_inner(),
        processes_started: 0,
        spawning: Duration::ZERO,
        bytes_piped: 0,
        elapsed: start.elapsed(),
    };
    for handler in handlers {
        let (started, spawning, bytes) = handler?;
        run.processes_started += started;
        run.spawning += spawning;
        run.bytes_piped += bytes;
    }
    run.outcomes.sort_by_key(|(id, _)| *id);
    Ok(run)
}

/// A worker process's whole life: read a task per line from stdin, answer
/// with a line on stdout, stop at the end of stdin. Returns the exit status.
pub fn worker_process() -> u8 {
    let pid = std::process::id();
    let stdout = std::io::stdout();
    for line in std::io::stdin().lock().lines() {
        let Ok(line) = line else { return 1 };
        let task: Value = match serde_json::from_str(&line) {
            Ok(task) => task,
            Err(error) => {
                eprintln!("worker {pid}: not a task: {line:?}: {error}");
                return 1;
            }
        };
        let answer = match (task["job"].as_str(), task["below"].as_u64()) {
            (Some("primes"), Some(below)) => {
                json!({ "id": task["id"], "result": count_primes(below), "pid": pid })
            }
            (Some("abort"), _) => {
                eprintln!("worker {pid}: task {} aborts this process", task["id"]);
                std::process::abort();
            }
            _ => {
                eprintln!("worker {pid}: unknown task {task}");
                return 1;
            }
        };
        if writeln!(stdout.lock(), "{answer}").is_err() {
            return 1; // the parent has gone
        }
    }
    0
}

/// The same tasks on a `turnstile::ThreadPool` (the abort left out: on a
/// thread it would end this whole program). Returns each result by id and
/// the time taken, the pool's start included.
pub fn run_threads(workers: usize, tasks: &[Task]) -> Result<(Vec<(u64, u64)>, Duration), String> {
    let start = Instant::now();
    let pool = ThreadPool::new(workers).map_err(|error| error.to_string())?;
    let futures: Vec<_> = tasks
        .iter()
        .filter_map(|task| match task.job {
            Job::Primes(below) => Some((task.id, below)),
            Job::Abort => None,
        })
        .map(|(id, below)| {
            pool.submit(move || count_primes(below))
                .map(|future| (id, future))
                .map_err(|error| error.to_string())
        })
        .collect::<Result<_, _>>()?;
    let mut results = Vec::with_capacity(futures.len());
    for (id, future) in futures {
        results.push((id, future.into_result().map_err(|error| error.to_string())?));
    }
    pool.shutdown();
    Ok((results, start.elapsed()))
}

/// The example's tasks: `count` prime counts of growing size, and the abort
/// third in line.
pub fn tasks(count: u64, size: u64) -> Vec<Task> {
    let mut tasks: Vec<Task> = (0..count)
        .map(|i| Task {
            id: i,
            job: Job::Primes(size * (i + 1)),
        })
        .collect();
    tasks.insert(
        tasks.len().min(2),
        Task {
            id: count,
            job: Job::Abort,
        },
    );
    tasks
}

fn parse_args(args: &[String]) -> Result<(usize, u64), String> {
    let (mut workers, mut count) = (2, 8);
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut number = || -> Result<u64, String> {
            let text = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            text.parse()
                .map_err(|_| format!("{flag} wants a whole number, not {text:?}"))
        };
        match flag.as_str() {
            "--workers" => workers = number()? as usize,
            "--tasks" => count = number()?,
            other => {
                return Err(format!(
                    "unknown option {other:?}; usage: process_pool [--workers N] [--tasks N]"
                ));
            }
        }
    }
    Ok((workers, count))
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|arg| arg == "--child") {
        return ExitCode::from(worker_process());
    }
    let (workers, count) = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("process_pool: {error}");
            return ExitCode::from(2);
        }
    };
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("process_pool: cannot find my own executable: {error}");
            return ExitCode::FAILURE;
        }
    };
    let launch = || {
        let mut command = Command::new(&exe);
        command.args(["--child", "worker"]);
        command
    };
    let tasks = tasks(count, 20_000);
    println!(
        "{} tasks on {workers} worker processes (one aborts its process):",
        tasks.len()
    );
    let processes = match run_processes(workers, &tasks, &launch) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("process_pool: {error}");
            return ExitCode::FAILURE;
        }
    };
    for (id, outcome) in &processes.outcomes {
        println!("  task {id}: {outcome}");
    }
    println!(
        "processes: {:?} in all; {} processes started and ready ({:?} of it), {} bytes of JSON through pipes",
        processes.elapsed, processes.processes_started, processes.spawning, processes.bytes_piped
    );
    let threads = match run_threads(workers, &tasks) {
        Ok((_, elapsed)) => elapsed,
        Err(error) => {
            eprintln!("process_pool: {error}");
            return ExitCode::FAILURE;
        }
    };
    println!(
        "threads:   {threads:?} in all for the same work less the abort, nothing started or copied"
    );
    let failed = processes
        .outcomes
        .iter()
        .filter(|(_, outcome)| matches!(outcome, Outcome::Failed(_)))
        .count();
    println!(
        "VERDICT: {} of {} tasks done, {failed} failed with its process, and the parent carried on",
        processes.outcomes.len() - failed,
        processes.outcomes.len()
    );
    ExitCode::SUCCESS
}
