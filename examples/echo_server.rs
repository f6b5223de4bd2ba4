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
//! `cargo run --example echo_server`.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use turnstile::{BoundedSemaphore, ThreadPool};

/// No socket operation may wait longer than this: nothing can hang.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(5);

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub clients: usize,
    pub messages_each: usize,
    /// Clients served at once (the semaphore's permits and the pool's
    /// workers).
    pub max_served: usize,
    /// A client's pause between messages, so connections overlap.
    pub pause: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            clients: 8,
            messages_each: 5,
            max_served: 3,
            pause: Duration::from_millis(10),
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub port: u16,
    /// Echoes that came back exactly as sent.
    pub echoes_ok: usize,
    pub connections_served: usize,
    /// The most connections being served at the same moment.
    pub most_at_once: usize,
}

/// Counts connections being served, and the most there ever were.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
    total: AtomicUsize,
}

/// Echoes lines until the client hangs up.
fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_read_timeout(Some(SOCKET_TIMEOUT))?;
    stream.set_write_timeout(Some(SOCKET_TIMEOUT))?;
    let mut writer = stream.try_clone()?;
    for line in BufReader::new(stream).lines() {
        writeln!(writer, "{}", line?)?;
    }
    Ok(())
}

/// The accept loop: a permit per connection, then the pool serves it and
/// gives the permit back. Ends when `stop` is set (and one more connection
/// wakes `accept`).
fn accept_loop(
    listener: TcpListener,
    stop: &AtomicBool,
    max_served: usize,
) -> Result<Served, String> {
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
            let now = gauge.now.fetch_add(1, Ordering::SeqCst) + 1;
            gauge.most.fetch_max(now, Ordering::SeqCst);
            gauge.total.fetch_add(1, Ordering::SeqCst);
            if let Err(error) = serve(stream) {
                eprintln!("server: a connection failed: {error}");
            }
            gauge.now.fetch_sub(1, Ordering::SeqCst);
            drop(slot); // the next client may come in
        };
        if let Err(refused) = pool.submit(task) {
            return Err(format!("the pool refused a connection: {refused}"));
        }
    }
    pool.shutdown(); // every connection served to the end
    let served = Served {
        total: gauge.total.load(Ordering::SeqCst),
        most_at_once: gauge.most.load(Ordering::SeqCst),
    };
    println!(
        "server: served {} connections, at most {} at once",
        served.total, served.most_at_once
    );
    Ok(served)
}

/// The server's own account.
struct Served {
    total: usize,
    most_at_once: usize,
}

/// One client: sends its messages one by one and checks each echo.
fn client(port: u16, n: usize, config: &Config) -> Result<usize, String> {
    let stream = TcpStream::connect(("127.0.0.1", port))
        .map_err(|error| format!("client {n}: cannot connect: {error}"))?;
    stream
        .set_read_timeout(Some(SOCKET_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(SOCKET_TIMEOUT)))
        .map_err(|error| format!("client {n}: {error}"))?;
    let mut writer = stream
        .try_clone()
        .map_err(|error| format!("client {n}: {error}"))?;
    let mut reader = BufReader::new(stream);
    let mut ok = 0;
    for m in 0..config.messages_each {
        let sent = format!("client {n} says hello #{m}");
        writeln!(writer, "{sent}").map_err(|error| format!("client {n}: send: {error}"))?;
        let mut echo = String::new();
        reader
            .read_line(&mut echo)
            .map_err(|error| format!("client {n}: no echo: {error}"))?;
        if echo.trim_end() == sent {
            ok += 1;
        } else {
            eprintln!("client {n}: sent {sent:?}, got back {echo:?}");
        }
        thread::sleep(config.pause);
    }
    let _ = writer.shutdown(Shutdown::Both);
    println!(
        "client {n}: {ok} of {} echoes correct",
        config.messages_each
    );
    Ok(ok)
}

/// Runs the lesson once: server, clients, shutdown.
pub fn run(config: &Config) -> Result<Report, String> {
    if config.max_served == 0 {
        return Err("max_served must be at least 1".into());
    }
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|error| format!("cannot listen: {error}"))?;
    let port = listener
        .local_addr()
        .map_err(|error| error.to_string())?
        .port();
    println!("server: listening on 127.0.0.1:{port}");
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let server = scope.spawn(|| accept_loop(listener, &stop, config.max_served));
        let clients: Vec<_> = (0..config.clients)
            .map(|n| scope.spawn(move || client(port, n, config)))
            .collect();
        let mut echoes_ok = 0;
        let mut failure = None;
        for handle in clients {
            match handle.join() {
                Ok(Ok(ok)) => echoes_ok += ok,
                Ok(Err(error)) => failure = Some(error),
                Err(_) => failure = Some("a client panicked".into()),
            }
        }
        // Stop the server: raise the flag, then wake `accept` with one last
        // connection that it will not serve.
        stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", port));
        let served = server
            .join()
            .map_err(|_| "the server panicked".to_string())??;
        if let Some(error) = failure {
            return Err(error);
        }
        Ok(Report {
            port,
            echoes_ok,
            connections_served: served.total,
            most_at_once: served.most_at_once,
        })
    })
}

fn main() -> std::process::ExitCode {
    let config = Config::default();
    match run(&config) {
        Ok(report) => {
            let expected = config.clients * config.messages_each;
            let ok = report.echoes_ok == expected
                && report.connections_served == config.clients
                && report.most_at_once <= config.max_served;
            println!(
                "VERDICT: {}: {} of {expected} echoes correct from {} clients, at most {} served at once \
                 (limit {}), server shut down",
                if ok { "ok" } else { "WRONG" },
                report.echoes_ok,
                report.connections_served,
                report.most_at_once,
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
