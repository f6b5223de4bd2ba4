//! The notes' socket lesson: a TCP echo server that serves each connection
//! on a pool thread, with a semaphore bounding how many clients it serves at
//! once. The example starts its own clients, checks every echo, then shuts
//! the server down. Loopback only (127.0.0.1, a port the OS picks).
//!
//! The Python original:
//!
//! ```python
//! pool = ThreadPoolExecutor(4)
//! slots = threading.BoundedSemaphore(4)
//!
//! def serve(conn):
//!     with conn:
//!         while data := conn.recv(1024):
//!             conn.sendall(data)
//!     slots.release()
//!
//! server = socket.create_server(('127.0.0.1', 0))
//! while True:
//!     conn, addr = server.accept()
//!     slots.acquire()                 # at most 4 clients at once
//!     pool.submit(serve, conn)
//! ```
//!
//! In Rust the slot is an owned permit (`acquire_owned`): it moves into the
//! pool task with the connection and is given back when the task ends,
//! however it ends, so no `release` can be forgotten or doubled.
//!
//! This is the first of the notes' three I/O models: **blocking** I/O,
//! where a thread waits inside `read` until data comes, so serving many
//! clients at once takes as many threads. `echo_nonblocking` and
//! `echo_epoll` serve the same protocol the other two ways, and
//! `echo_bench` runs all three side by side.
//!
//! `cargo run --example echo_server`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use turnstile::{BoundedSemaphore, ThreadPool};

#[path = "common/echo.rs"]
mod echo;

pub use echo::{Clients, Outcome, Served};

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub clients: Clients,
    /// Clients served at once (the semaphore's permits and the pool's
    /// workers).
    pub max_served: usize,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            clients: Clients {
                count: 8,
                messages_each: 5,
                pause: Duration::from_millis(10),
                verbose: true,
            },
            max_served: 3,
        }
    }
}

/// Counts connections being served, the most there ever were, and the CPU
/// time spent serving them.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
    total: AtomicUsize,
    cpu_nanos: AtomicU64,
    cpu_known: AtomicBool,
}

/// Echoes lines until the client hangs up.
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(echo::SOCKET_TIMEOUT))?;
    stream.set_write_timeout(Some(echo::SOCKET_TIMEOUT))?;
    // Each echo goes out at once, in one write: a small second write (the
    // newline, say) would otherwise wait for the client's delayed ACK, tens
    // of milliseconds (Nagle's algorithm).
    stream.set_nodelay(true)?;
    let mut writer = stream.try_clone()?;
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    while reader.read_until(b'\n', &mut line)? > 0 {
        writer.write_all(&line)?;
        line.clear();
    }
    Ok(())
}

/// The server: an accept loop that takes a permit per connection, then the
/// pool serves it and gives the permit back. Ends when `stop` is set (and
/// one more connection wakes `accept`), once every connection is served.
pub fn accept_loop(
    listener: TcpListener,
    stop: &AtomicBool,
    max_served: usize,
) -> Result<Served, String> {
    if max_served == 0 {
        return Err("max_served must be at least 1".into());
    }
    let cpu_at_start = echo::thread_cpu();
    let pool = ThreadPool::builder()
        .workers(max_served)
        .thread_name("echo")
        .build()
        .map_err(|error| error.to_string())?;
    let slots = Arc::new(BoundedSemaphore::new(max_served));
    let gauge = Arc::new(Gauge::default());
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = stream.map_err(|error| format!("accept failed: {error}"))?;
        // Held until the pool has served this client: the permit moves into
        // the task (Python's acquire here, release in `serve`).
        let slot = slots.acquire_owned();
        let gauge = Arc::clone(&gauge);
        let task = move || {
            let cpu = echo::thread_cpu();
            let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
            gauge.most.fetch_max(now, Ordering::SeqCst);
            gauge.total.fetch_add(1, Ordering::SeqCst);
            if let Err(error) = serve(stream) {
                eprintln!("server: a connection failed: {error}");
            }
            gauge.now.fetch_sub(1, Ordering::SeqCst);
            // A task runs on one thread from start to end: its CPU time is
            // the difference of two readings there.
            if let Some(used) = echo::cpu_since(cpu) {
                gauge
                    .cpu_nanos
                    .fetch_add(used.as_nanos() as u64, Ordering::SeqCst);
                gauge.cpu_known.store(true, Ordering::SeqCst);
            }
            drop(slot); // the next client may come in
        };
        if let Err(refused) = pool.submit(task) {
            return Err(format!("the pool refused a connection: {refused}"));
        }
    }
    pool.shutdown(); // every connection served to the end
    let cpu = echo::cpu_since(cpu_at_start)
        .map(|accepting| accepting + Duration::from_nanos(gauge.cpu_nanos.load(Ordering::SeqCst)));
    Ok(Served {
        connections: gauge.total.load(Ordering::SeqCst),
        most_at_once: gauge.most.load(Ordering::SeqCst),
        threads: max_served + 1, // the pool's workers and the accepting thread
        cpu,
        looks: 0,
        idle_looks: 0,
    })
}

/// Runs the lesson once: server, clients, shutdown.
pub fn run(config: &Config) -> Result<Outcome, String> {
    let verbose = config.clients.verbose;
    echo::run(&config.clients, |listener, stop| {
        let port = listener.local_addr().map_or(0, |address| address.port());
        if verbose {
            println!("server: listening on 127.0.0.1:{port}");
        }
        let served = accept_loop(listener, stop, config.max_served)?;
        if verbose {
            println!(
                "server: served {} connections, at most {} at once",
                served.connections, served.most_at_once
            );
        }
        Ok(served)
    })
}

fn main() -> std::process::ExitCode {
    let config = Config::default();
    match run(&config) {
        Ok(outcome) => {
            println!(
                "VERDICT: {}; at most {} served at once (limit {}), server shut down",
                echo::verdict(&config.clients, &outcome),
                outcome.served.most_at_once,
                config.max_served
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo_server: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
