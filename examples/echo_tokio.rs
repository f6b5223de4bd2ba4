//! The coroutine echo server of `echo_async` once more, on tokio's
//! current-thread runtime instead of turnstile's event loop: the yardstick
//! `echo_bench` measures turnstile's loop against. The same protocol (the
//! server sends back whatever it reads), the same one thread, one task per
//! connection, and the same readiness wait underneath (epoll, through
//! `mio`, with edge-triggered registrations).
//!
//! The Python original is the asyncio server of `echo_async`:
//!
//! ```python
//! async def echo(reader, writer):
//!     while data := await reader.read(4096):
//!         writer.write(data)
//!         await writer.drain()
//!
//! server = await asyncio.start_server(echo, '127.0.0.1', 0)
//! ```
//!
//! `new_current_thread()` runs every task on the thread that calls
//! `block_on`, and `enable_io()` gives it the I/O driver it polls when
//! no task is ready; nothing else (no timers, no blocking pool) is started.
//!
//! `cargo run --example echo_tokio`; `echo_bench` runs it beside the others.

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[path = "common/echo.rs"]
mod echo;

pub use echo::{Clients, Outcome, Served};

/// Connections open now and the most there ever were.
#[derive(Default)]
struct Gauge {
    now: AtomicUsize,
    most: AtomicUsize,
}

/// One connection's task: echoes what it reads until the client hangs up
/// (or the socket fails). `true` if the client sent anything.
async fn echo_connection(mut stream: TcpStream, gauge: Arc<Gauge>) -> bool {
    let now = gauge.now.fetch_add(1, Ordering::Relaxed) + 1;
    gauge.most.fetch_max(now, Ordering::Relaxed);
    let mut buffer = [0u8; 4096];
    let mut spoke = false;
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(read) => {
                spoke = true;
                if stream.write_all(&buffer[..read]).await.is_err() {
                    break;
                }
            }
        }
    }
    gauge.now.fetch_sub(1, Ordering::Relaxed);
    spoke
}

/// The server: a runtime on this thread, an accept loop that spawns a task
/// per connection. Ends when `stop` is set (and one more connection wakes
/// `accept`), once every connection's task has finished.
pub fn serve(listener: TcpListener, stop: &AtomicBool) -> Result<Served, String> {
    let cpu_at_start = echo::thread_cpu();
    let failed = |what: &str, error: std::io::Error| format!("{what}: {error}");
    listener
        .set_nonblocking(true)
        .map_err(|error| failed("cannot make the listener non-blocking", error))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|error| failed("cannot start the runtime", error))?;
    let gauge = Arc::new(Gauge::default());
    let connections = runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|error| failed("cannot register the listener", error))?;
        let mut tasks = Vec::new();
        loop {
            let (stream, _) = listener
                .accept()
                .await
                .map_err(|error| failed("accept failed", error))?;
            if stop.load(Ordering::SeqCst) {
                break;
            }
            stream
                .set_nodelay(true)
                .map_err(|error| failed("cannot set up a connection", error))?;
            tasks.push(tokio::spawn(echo_connection(stream, Arc::clone(&gauge))));
        }
        let mut spoke = 0;
        for task in tasks {
            if task.await.map_err(|error| error.to_string())? {
                spoke += 1;
            }
        }
        Ok::<usize, String>(spoke)
    })?;
    drop(runtime);
    Ok(Served {
        connections,
        most_at_once: gauge.most.load(Ordering::Relaxed),
        threads: 1,
        cpu: echo::cpu_since(cpu_at_start),
        looks: 0,
        idle_looks: 0,
    })
}

/// Runs the lesson once: server, clients, shutdown.
pub fn run(clients: &Clients) -> Result<Outcome, String> {
    echo::run(clients, serve)
}

fn main() -> std::process::ExitCode {
    let clients = Clients {
        count: 8,
        messages_each: 5,
        pause: Duration::from_millis(10),
        verbose: true,
    };
    match run(&clients) {
        Ok(outcome) => {
            println!(
                "server: at most {} connections open at once",
                outcome.served.most_at_once
            );
            println!("VERDICT: {}", echo::verdict(&clients, &outcome));
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo_tokio: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
