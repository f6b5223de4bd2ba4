//! The notes' fourth I/O model: **coroutines** on a selector. The code of
//! each connection reads like the blocking server's — read a line, send it
//! back, until the client hangs up — but every read and write is an
//! `.await`: where the blocking server's thread would sleep in `recv`,
//! the task hands its waker to the loop and returns, and the loop runs
//! another task, or, with none ready, sleeps in epoll until a socket is.
//! One thread, like the epoll server, without its hand-written state
//! machine of connections and interests.
//!
//! The Python original (asyncio's streams):
//!
//! ```python
//! async def handle(reader, writer):
//!     while data := await reader.read(4096):   # the loop runs others meanwhile
//!         writer.write(data)
//!         await writer.drain()
//!     writer.close()
//!
//! async def main():
//!     server = await asyncio.start_server(handle, "127.0.0.1", 8888)
//!     async with server:
//!         await server.serve_forever()
//!
//! asyncio.run(main())
//! ```
//!
//! Here the loop is turnstile's `event_loop` (`run`, `spawn`) and the
//! sockets are `event_loop::net`'s, which wait in the loop's epoll
//! selector (`src/event_loop/selector.rs`, edge-triggered).
//!
//! `cargo run --example echo_async`; `echo_bench` can run it beside the
//! other three servers.

use std::cell::Cell;
use std::net::TcpListener;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use turnstile::event_loop::net::{TcpListener as Listener, TcpStream};
use turnstile::event_loop::{run as run_loop, spawn};

#[path = "common/echo.rs"]
mod echo;

pub use echo::{Clients, Outcome, Served};

/// What the connection tasks count together (all on the loop's thread).
#[derive(Default)]
struct Counts {
    /// Connections that sent something (the stop signal's does not).
    spoke: Cell<usize>,
    open: Cell<usize>,
    most_at_once: Cell<usize>,
}

/// One connection: echo everything until the client hangs up (or the
/// connection fails, which ends this task only).
async fn handle(mut connection: TcpStream, counts: Rc<Counts>) {
    counts.open.set(counts.open.get() + 1);
    counts
        .most_at_once
        .set(counts.most_at_once.get().max(counts.open.get()));
    let mut buffer = [0u8; 4096];
    let mut spoke = false;
    while let Ok(read) = connection.read(&mut buffer).await {
        if read == 0 {
            break; // the client hung up
        }
        if !spoke {
            spoke = true;
            counts.spoke.set(counts.spoke.get() + 1);
        }
        if connection.write_all(&buffer[..read]).await.is_err() {
            break;
        }
    }
    counts.open.set(counts.open.get() - 1);
}

/// The server: one thread, one event loop, a task per connection. Ends
/// when `stop` is set (`echo::run` then connects once more, which wakes
/// the accepting task).
pub fn serve(listener: TcpListener, stop: &AtomicBool) -> Result<Served, String> {
    let cpu_at_start = echo::thread_cpu();
    let failed = |what: &str, error: std::io::Error| format!("{what}: {error}");
    let counts = Rc::new(Counts::default());
    run_loop(async {
        let listener = Listener::from_std(listener)
            .map_err(|error| failed("cannot serve the listener", error))?;
        loop {
            let (connection, _) = listener
                .accept()
                .await
                .map_err(|error| failed("accept failed", error))?;
            if stop.load(Ordering::SeqCst) {
                return Ok::<(), String>(());
            }
            connection
                .set_nodelay(true)
                .map_err(|error| failed("cannot set up a connection", error))?;
            // Detached: it runs on by itself, as asyncio's `start_server`
            // runs each `handle` (dropping the handle would cancel it).
            spawn(handle(connection, Rc::clone(&counts)))
                .map_err(|error| error.to_string())?
                .detach();
        }
    })?;
    Ok(Served {
        connections: counts.spoke.get(),
        most_at_once: counts.most_at_once.get(),
        threads: 1,
        cpu: echo::cpu_since(cpu_at_start),
        // The loop's wakes are its own business; this server never looks.
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
                "server: one thread, at most {} connections at once, each a task",
                outcome.served.most_at_once
            );
            println!("VERDICT: {}", echo::verdict(&clients, &outcome));
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo_async: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
