//! The notes' I/O models side by side: the same clients (100 by default,
//! each sending its lines one at a time and waiting for each echo) against
//! the blocking server on a thread per client (`echo_server`), the
//! non-blocking server that polls every socket in a loop on one thread
//! (`echo_nonblocking`), the multiplexed server that sleeps in epoll on one
//! thread (`echo_epoll`), and the coroutine server, a task per connection
//! on one thread's event loop (`echo_async`, on turnstile's loop; and
//! `echo_tokio`, the same server on tokio's current-thread runtime, for
//! scale). For each it prints the throughput, the threads the server used,
//! the CPU time they took, and that time per round trip.
//!
//! Each client pauses between lines (10 ms by default), as real clients
//! think, type or compute. What to look for: the blocking server needs a
//! thread per client; the non-blocking one needs one thread but keeps a CPU
//! busy the whole run asking sockets that have nothing (its idle share);
//! epoll needs one thread and only the CPU its work takes, because the OS
//! wakes it only for sockets that are ready; the coroutine servers sleep
//! in epoll too, with each connection written as straight-line code. With
//! `--pause-ms 0` every socket always has work, and the models come out
//! close.
//!
//! `cargo run --release --example echo_bench` (a debug build measures the
//! debug build). Options: `--clients N` (100), `--messages N` (30 per
//! client), `--pause-ms N` (10).

// Each echo example includes `common/echo.rs` for itself, so including
// several of them loads it once per example: separate modules, on purpose.
#![allow(clippy::duplicate_mod)]

use std::process::ExitCode;
use std::time::Duration;

#[path = "echo_async.rs"]
#[allow(dead_code)]
mod echo_async;
#[path = "echo_epoll.rs"]
#[allow(dead_code)]
mod echo_epoll;
#[path = "echo_nonblocking.rs"]
#[allow(dead_code)]
mod echo_nonblocking;
#[path = "echo_server.rs"]
#[allow(dead_code)]
mod echo_server;
#[path = "echo_tokio.rs"]
#[allow(dead_code)]
mod echo_tokio;

/// One model's results.
#[derive(Debug, Clone)]
pub struct Row {
    pub model: &'static str,
    pub echoes_ok: usize,
    pub connections: usize,
    pub elapsed: Duration,
    pub threads: usize,
    pub cpu: Option<Duration>,
    pub looks: u64,
    pub idle_looks: u64,
    /// Whether the server counts its looks (the coroutine servers' loops
    /// do not say how often they wake from their readiness wait).
    pub looks_counted: bool,
}

impl Row {
    /// Round trips (a line out, its echo back) per second.
    pub fn per_second(&self) -> f64 {
        self.echoes_ok as f64 / self.elapsed.as_secs_f64()
    }
}

/// Each example has its own copy of the shared client code, so each has its
/// own `Clients` and `Outcome` types: this builds the one and reads the
/// other for any of them.
macro_rules! measure {
    ($model:expr, $module:ident, $setup:expr, $run:expr) => {{
        let clients = $module::Clients {
            count: $setup.clients,
            messages_each: $setup.messages,
            pause: $setup.pause,
            verbose: false,
        };
        let run: fn(&$module::Clients) -> Result<$module::Outcome, String> = $run;
        let outcome = run(&clients)?;
        Row {
            model: $model,
            echoes_ok: outcome.echoes_ok,
            connections: outcome.served.connections,
            elapsed: outcome.elapsed,
            threads: outcome.served.threads,
            cpu: outcome.served.cpu,
            looks: outcome.served.looks,
            idle_looks: outcome.served.idle_looks,
            looks_counted: true,
        }
    }};
}

/// The clients every model is measured with.
#[derive(Debug, Clone, Copy)]
pub struct Setup {
    pub clients: usize,
    /// Lines each client sends.
    pub messages: usize,
    /// A client's pause after each echo.
    pub pause: Duration,
}

impl Default for Setup {
    fn default() -> Self {
        Self {
            clients: 100,
            messages: 30,
            pause: Duration::from_millis(10),
        }
    }
}

/// Runs the models one after another with the same clients.
pub fn run(setup: Setup) -> Result<Vec<Row>, String> {
    if setup.clients == 0 || setup.messages == 0 {
        return Err("--clients and --messages must be at least 1".into());
    }
    Ok(vec![
        measure!("blocking, a thread per client", echo_server, setup, |c| {
            echo_server::run(&echo_server::Config {
                clients: c.clone(),
                max_served: c.count,
            })
        }),
        measure!(
            "non-blocking, one polling thread",
            echo_nonblocking,
            setup,
            |c| { echo_nonblocking::run(c) }
        ),
        measure!("epoll (mio), one thread", echo_epoll, setup, |c| {
            echo_epoll::run(c)
        }),
        Row {
            looks_counted: false,
            ..measure!(
                "coroutines (turnstile event_loop), one thread",
                echo_async,
                setup,
                |c| { echo_async::run(c) }
            )
        },
        Row {
            looks_counted: false,
            ..measure!(
                "coroutines on tokio's current-thread runtime",
                echo_tokio,
                setup,
                |c| { echo_tokio::run(c) }
            )
        },
    ])
}

/// The rows as a table.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| model | server threads | round trips/s | server CPU (share of the run) | CPU per round trip | looks (found nothing) |\n\
         |---|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let cpu = row.cpu.map_or("unknown".to_string(), |cpu| {
            let share = 100.0 * cpu.as_secs_f64() / row.elapsed.as_secs_f64();
            format!("{cpu:.1?} ({share:.0}%)")
        });
        let per_trip = row.cpu.map_or("unknown".to_string(), |cpu| {
            format!("{:.1?}", cpu / row.echoes_ok.max(1) as u32)
        });
        let looks = if !row.looks_counted {
            "not counted".to_string()
        } else if row.looks == 0 {
            "none: the OS wakes it".to_string()
        } else {
            format!(
                "{} ({:.0}%)",
                row.looks,
                100.0 * row.idle_looks as f64 / row.looks as f64
            )
        };
        out += &format!(
            "| {} | {} | {:.0} | {cpu} | {per_trip} | {looks} |\n",
            row.model,
            row.threads,
            row.per_second()
        );
    }
    out
}

fn parse_args(args: &[String]) -> Result<Setup, String> {
    let mut setup = Setup::default();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        let mut number = || -> Result<usize, String> {
            let text = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            text.parse()
                .map_err(|_| format!("{flag} wants a whole number, not {text:?}"))
        };
        match flag.as_str() {
            "--clients" => setup.clients = number()?,
            "--messages" => setup.messages = number()?,
            "--pause-ms" => setup.pause = Duration::from_millis(number()? as u64),
            other => {
                return Err(format!(
                    "unknown option {other:?}; usage: echo_bench [--clients N] [--messages N] \
                     [--pause-ms N]"
                ));
            }
        }
    }
    Ok(setup)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let setup = match parse_args(&args) {
        Ok(parsed) => parsed,
        Err(error) => {
            eprintln!("echo_bench: {error}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} clients, {} lines each with {:?} between them, against each I/O model ({} CPUs here):",
        setup.clients,
        setup.messages,
        setup.pause,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
    match run(setup) {
        Ok(rows) => {
            print!("{}", table(&rows));
            let all = rows.iter().all(|row| {
                row.echoes_ok == setup.clients * setup.messages && row.connections == setup.clients
            });
            println!(
                "VERDICT: {}",
                if all {
                    "ok: every model echoed every line of every client"
                } else {
                    "WRONG: some echoes went missing"
                }
            );
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo_bench: {error}");
            ExitCode::FAILURE
        }
    }
}
