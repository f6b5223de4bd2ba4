//! The notes' second I/O model: **non-blocking** sockets, all served by one
//! thread that asks each socket in turn "anything for me?" and never waits.
//! A call that has nothing to do returns `WouldBlock` at once, so the
//! thread can go on to the next socket; the price is that it asks all the
//! time, and most answers are "no". The example counts the passes over
//! every socket and how many of them found nothing: that share is CPU
//! spent on asking.
//!
//! The Python original:
//!
//! ```python
//! server.setblocking(False)
//! conns = []
//! while True:
//!     try:
//!         conn, addr = server.accept()
//!         conn.setblocking(False)
//!         conns.append(conn)
//!     except BlockingIOError:
//!         pass                        # nobody new
//!     for conn in list(conns):
//!         try:
//!             data = conn.recv(1024)
//!         except BlockingIOError:
//!             continue                # nothing from this one yet
//!         if data:
//!             conn.send(data)
//!         else:
//!             conn.close()
//!             conns.remove(conn)
//! ```
//!
//! Unlike the notes' version, this one keeps what it could not send yet
//! (a non-blocking `write` may take only part of the data) and sends it on
//! a later pass.
//!
//! `cargo run --example echo_nonblocking`; `echo_bench` compares it with the
//! blocking and the epoll server.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[path = "common/echo.rs"]
mod echo;

pub use echo::{Clients, Outcome, Served};

/// One client's socket, and what it sent that is not echoed yet.
struct Connection {
    stream: TcpStream,
    unsent: Vec<u8>,
    /// Has sent something (the connection that wakes a stopping server
    /// sends nothing and is not counted).
    spoke: bool,
}

/// What one look at a connection did.
enum Step {
    /// Nothing: it had nothing for us, and we had nothing it would take.
    Idle,
    /// Read or wrote something.
    Busy,
    /// The client hung up (or the socket failed): drop it.
    Closed,
}

impl Connection {
    /// Sends what it can, then reads what there is; never waits.
    fn step(&mut self, buffer: &mut [u8]) -> Step {
        let mut step = Step::Idle;
        if !self.unsent.is_empty() {
            match self.stream.write(&self.unsent) {
                Ok(sent) => {
                    self.unsent.drain(..sent);
                    step = Step::Busy;
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => {}
                Err(_) => return Step::Closed,
            }
        }
        match self.stream.read(buffer) {
            Ok(0) => Step::Closed,
            Ok(read) => {
                self.unsent.extend_from_slice(&buffer[..read]);
                self.spoke = true;
                Step::Busy
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => step,
            Err(error) if error.kind() == ErrorKind::Interrupted => step,
            Err(_) => Step::Closed,
        }
    }
}

/// The server: one thread, a loop over the listener and every connection.
/// Ends when `stop` is set.
pub fn serve(listener: TcpListener, stop: &AtomicBool) -> Result<Served, String> {
    let cpu_at_start = echo::thread_cpu();
    listener
        .set_nonblocking(true)
        .map_err(|error| format!("cannot make the listener non-blocking: {error}"))?;
    let mut connections: Vec<Connection> = Vec::new();
    let mut served = Served {
        threads: 1,
        ..Served::default()
    };
    let mut buffer = [0u8; 4096];
    while !stop.load(Ordering::Relaxed) {
        served.looks += 1;
        let mut busy = false;
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(true)
                    .and_then(|()| stream.set_nodelay(true))
                    .map_err(|error| format!("cannot set up a connection: {error}"))?;
                connections.push(Connection {
                    stream,
                    unsent: Vec::new(),
                    spoke: false,
                });
                busy = true;
            }
            Err(error) if error.kind() == ErrorKind::WouldBlock => {} // nobody new
            Err(error) => return Err(format!("accept failed: {error}")),
        }
        let mut index = 0;
        while index < connections.len() {
            let spoke = connections[index].spoke;
            match connections[index].step(&mut buffer) {
                Step::Idle => index += 1,
                Step::Busy => {
                    if !spoke && connections[index].spoke {
                        served.connections += 1;
                    }
                    busy = true;
                    index += 1;
                }
                Step::Closed => {
                    connections.swap_remove(index);
                    busy = true;
                }
            }
        }
        served.most_at_once = served.most_at_once.max(connections.len());
        if !busy {
            served.idle_looks += 1;
        }
    }
    served.cpu = echo::cpu_since(cpu_at_start);
    Ok(served)
}

/// Runs the lesson once: server, clients, shutdown.
pub fn run(clients: &Clients) -> Result<Outcome, String> {
    echo::run(clients, serve)
}

/// The share of looks that found nothing to do, in percent.
pub fn idle_percent(served: &Served) -> f64 {
    if served.looks == 0 {
        0.0
    } else {
        100.0 * served.idle_looks as f64 / served.looks as f64
    }
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
            let served = &outcome.served;
            println!(
                "server: {} passes over every socket, {} of them ({:.1}%) found nothing to do",
                served.looks,
                served.idle_looks,
                idle_percent(served)
            );
            println!(
                "VERDICT: {}; one thread, busy the whole {:?} asking sockets that had nothing",
                echo::verdict(&clients, &outcome),
                outcome.elapsed
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo_nonblocking: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
