//! The notes' third I/O model: **multiplexed** I/O. One thread hands the
//! OS the whole list of sockets and sleeps in one call until some of them
//! are ready (`select`, `poll`, or on Linux `epoll`); the OS says which,
//! and the thread serves exactly those. No thread per client, as with
//! blocking I/O, and no asking in circles, as with non-blocking I/O: the
//! thread runs only when there is something to do.
//!
//! The Python original (with the `selectors` module, which picks epoll on
//! Linux):
//!
//! ```python
//! sel = selectors.DefaultSelector()
//! server.setblocking(False)
//! sel.register(server, selectors.EVENT_READ)
//! while True:
//!     for key, events in sel.select():    # sleeps until something is ready
//!         if key.fileobj is server:
//!             conn, addr = server.accept()
//!             conn.setblocking(False)
//!             sel.register(conn, selectors.EVENT_READ)
//!         else:
//!             data = key.fileobj.recv(1024)
//!             if data:
//!                 key.fileobj.send(data)
//!             else:
//!                 sel.unregister(key.fileobj)
//!                 key.fileobj.close()
//! ```
//!
//! Here the selector is `mio` (the readiness layer under tokio: epoll on
//! Linux, kqueue on the BSDs and macOS). Its readiness is *edge-triggered*:
//! the OS reports a socket once when it becomes readable, so the server
//! reads until `WouldBlock` each time, or it would never hear of the rest.
//!
//! `cargo run --example echo_epoll`; `echo_bench` compares it with the
//! blocking and the non-blocking server.

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use mio::net::{TcpListener as Listener, TcpStream};
use mio::{Events, Interest, Poll, Token};

#[path = "common/echo.rs"]
mod echo;

pub use echo::{Clients, Outcome, Served};

/// The listener's token; a connection's token is its number from 1 on.
const LISTENER: Token = Token(0);

/// How long one wait may last before the server looks at `stop` again.
const STOP_CHECK: Duration = Duration::from_millis(50);

/// One client's socket, and what it sent that is not echoed yet.
struct Connection {
    stream: TcpStream,
    unsent: Vec<u8>,
    spoke: bool,
}

impl Connection {
    /// Reads everything there is, then sends what the socket will take.
    /// `false` when the client has hung up (or the socket failed).
    fn serve(&mut self, buffer: &mut [u8]) -> bool {
        loop {
            match self.stream.read(buffer) {
                Ok(0) => return false,
                Ok(read) => {
                    self.unsent.extend_from_slice(&buffer[..read]);
                    self.spoke = true;
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        while !self.unsent.is_empty() {
            match self.stream.write(&self.unsent) {
                Ok(sent) => {
                    self.unsent.drain(..sent);
                }
                Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(_) => return false,
            }
        }
        true
    }

    /// What to be woken for next: readable always, writable while
    /// something waits to be sent.
    fn interest(&self) -> Interest {
        if self.unsent.is_empty() {
            Interest::READABLE
        } else {
            Interest::READABLE | Interest::WRITABLE
        }
    }
}

/// The server: one thread, one readiness wait for every socket. Ends when
/// `stop` is set.
pub fn serve(listener: TcpListener, stop: &AtomicBool) -> Result<Served, String> {
    let cpu_at_start = echo::thread_cpu();
    let failed = |what: &str, error: std::io::Error| format!("{what}: {error}");
    listener
        .set_nonblocking(true)
        .map_err(|error| failed("cannot make the listener non-blocking", error))?;
    let mut listener = Listener::from_std(listener);
    let mut poll = Poll::new().map_err(|error| failed("cannot create a poll", error))?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .map_err(|error| failed("cannot register the listener", error))?;
    let mut events = Events::with_capacity(256);
    let mut connections: HashMap<Token, Connection> = HashMap::new();
    let mut next_token = 1;
    let mut buffer = [0u8; 4096];
    let mut served = Served {
        threads: 1,
        ..Served::default()
    };
    while !stop.load(Ordering::Relaxed) {
        match poll.poll(&mut events, Some(STOP_CHECK)) {
            Ok(()) => {}
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) => return Err(failed("poll failed", error)),
        }
        served.looks += 1;
        if events.is_empty() {
            served.idle_looks += 1; // the wait timed out: a look at `stop`
        }
        for event in &events {
            if event.token() == LISTENER {
                // Edge-triggered: accept everyone who is waiting.
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next_token);
                            next_token += 1;
                            stream
                                .set_nodelay(true)
                                .map_err(|error| failed("cannot set up a connection", error))?;
                            poll.registry()
                                .register(&mut stream, token, Interest::READABLE)
                                .map_err(|error| failed("cannot register a connection", error))?;
                            connections.insert(
                                token,
                                Connection {
                                    stream,
                                    unsent: Vec::new(),
                                    spoke: false,
                                },
                            );
                        }
                        Err(error) if error.kind() == ErrorKind::WouldBlock => break,
                        Err(error) if error.kind() == ErrorKind::Interrupted => {}
                        Err(error) => return Err(failed("accept failed", error)),
                    }
                }
                served.most_at_once = served.most_at_once.max(connections.len());
                continue;
            }
            let token = event.token();
            let Some(connection) = connections.get_mut(&token) else {
                continue; // closed earlier in this batch
            };
            let spoke = connection.spoke;
            let open = connection.serve(&mut buffer);
            if !spoke && connection.spoke {
                served.connections += 1;
            }
            if open {
                let interest = connection.interest();
                poll.registry()
                    .reregister(&mut connection.stream, token, interest)
                    .map_err(|error| failed("cannot re-register a connection", error))?;
            } else if let Some(mut closed) = connections.remove(&token) {
                let _ = poll.registry().deregister(&mut closed.stream);
            }
        }
    }
    served.cpu = echo::cpu_since(cpu_at_start);
    Ok(served)
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
            let served = &outcome.served;
            println!(
                "server: woke {} times; {} of them were its own {STOP_CHECK:?} timeout \
                 (a look at the stop flag), every other wake had sockets ready",
                served.looks, served.idle_looks
            );
            println!("VERDICT: {}", echo::verdict(&clients, &outcome));
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("echo_epoll: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
