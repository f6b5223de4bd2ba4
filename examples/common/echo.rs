//! What the echo-server examples (`echo_server`, `echo_nonblocking`,
//! `echo_epoll`, `echo_async`, `echo_tokio`) and `echo_bench` share: one protocol (a client sends a
//! line, the server sends it back), the clients that check every echo, a
//! run that starts a server, its clients and then stops it, and a thread's
//! CPU time. Each example includes this file with `#[path]`; it is not an
//! example of its own.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// No client socket operation may wait longer than this: nothing can hang.
pub const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);

/// How the clients behave.
#[derive(Debug, Clone)]
pub struct Clients {
    pub count: usize,
    pub messages_each: usize,
    /// A client's pause between messages, so connections overlap.
    pub pause: Duration,
    /// Print a line per client.
    pub verbose: bool,
}

/// A server's own account of a run.
#[derive(Debug, Default, Clone)]
pub struct Served {
    pub connections: usize,
    /// The most connections being served at the same moment.
    pub most_at_once: usize,
    /// Threads the server ran on.
    pub threads: usize,
    /// CPU time the server's threads used (`None` where the OS does not say).
    pub cpu: Option<Duration>,
    /// Times the server looked for work: loop passes (non-blocking) or
    /// returns from the readiness wait (epoll). Zero for the blocking server,
    /// which never looks: the OS wakes it.
    pub looks: u64,
    /// Of those, the ones that found nothing to do.
    pub idle_looks: u64,
}

/// What a run did, seen from both sides.
#[derive(Debug)]
pub struct Outcome {
    pub port: u16,
    pub served: Served,
    /// Echoes that came back exactly as sent.
    pub echoes_ok: usize,
    /// From the first client's start to the last client's end.
    pub elapsed: Duration,
}

/// Listens on loopback (a port the OS picks), runs `server` on its own
/// thread and the clients against it, then stops the server: sets the flag
/// it watches and connects once more, which wakes a server blocked in
/// `accept` (the others see the flag on their next look).
pub fn run<S>(clients: &Clients, server: S) -> Result<Outcome, String>
where
    S: FnOnce(TcpListener, &AtomicBool) -> Result<Served, String> + Send,
{
    let listener =
        TcpListener::bind("127.0.0.1:0").map_err(|error| format!("cannot listen: {error}"))?;
    let port = listener
        .local_addr()
        .map_err(|error| error.to_string())?
        .port();
    let stop = AtomicBool::new(false);
    thread::scope(|scope| {
        let server = scope.spawn(|| server(listener, &stop));
        let start = Instant::now();
        let handles: Vec<_> = (0..clients.count)
            .map(|n| scope.spawn(move || client(port, n, clients)))
            .collect();
        let mut echoes_ok = 0;
        let mut failure = None;
        for handle in handles {
            match handle.join() {
                Ok(Ok(ok)) => echoes_ok += ok,
                Ok(Err(error)) => failure = Some(error),
                Err(_) => failure = Some("a client panicked".into()),
            }
        }
        let elapsed = start.elapsed();
        stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", port));
        let served = server
            .join()
            .map_err(|_| "the server panicked".to_string())??;
        match failure {
            Some(error) => Err(error),
            None => Ok(Outcome {
                port,
                served,
                echoes_ok,
                elapsed,
            }),
        }
    })
}

/// One client: sends its messages one by one and checks each echo.
/// Returns how many came back right.
pub fn client(port: u16, n: usize, clients: &Clients) -> Result<usize, String> {
    let fail = |what: &str, error: std::io::Error| format!("client {n}: {what}: {error}");
    let stream =
        TcpStream::connect(("127.0.0.1", port)).map_err(|error| fail("cannot connect", error))?;
    stream
        .set_read_timeout(Some(SOCKET_TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(SOCKET_TIMEOUT)))
        .and_then(|()| stream.set_nodelay(true))
        .map_err(|error| fail("socket options", error))?;
    let mut writer = stream.try_clone().map_err(|error| fail("clone", error))?;
    let mut reader = BufReader::new(stream);
    let mut ok = 0;
    let mut echo = String::new();
    for m in 0..clients.messages_each {
        let sent = format!("client {n} says hello #{m}");
        // One write per line (see `set_nodelay` above: each goes out at once).
        writer
            .write_all(format!("{sent}\n").as_bytes())
            .map_err(|error| fail("send", error))?;
        echo.clear();
        reader
            .read_line(&mut echo)
            .map_err(|error| fail("no echo", error))?;
        if echo.trim_end() == sent {
            ok += 1;
        } else {
            eprintln!("client {n}: sent {sent:?}, got back {echo:?}");
        }
        if !clients.pause.is_zero() {
            thread::sleep(clients.pause);
        }
    }
    let _ = writer.shutdown(Shutdown::Both);
    if clients.verbose {
        println!(
            "client {n}: {ok} of {} echoes correct",
            clients.messages_each
        );
    }
    Ok(ok)
}

/// The CPU time the calling thread has used so far, where the OS says
/// (Linux: the first field of `/proc/thread-self/schedstat`, nanoseconds
/// on a CPU).
pub fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// `later - earlier` of two [`thread_cpu`] readings, if both were had.
pub fn cpu_since(earlier: Option<Duration>) -> Option<Duration> {
    Some(thread_cpu()?.saturating_sub(earlier?))
}

/// A verdict line for an example's `main`: ok when every echo came back and
/// every client was served.
pub fn verdict(clients: &Clients, outcome: &Outcome) -> String {
    let expected = clients.count * clients.messages_each;
    let ok = outcome.echoes_ok == expected && outcome.served.connections == clients.count;
    format!(
        "{}: {} of {expected} echoes correct from {} clients in {:?}, server on {} thread(s), \
         CPU {}",
        if ok { "ok" } else { "WRONG" },
        outcome.echoes_ok,
        outcome.served.connections,
        outcome.elapsed,
        outcome.served.threads,
        outcome
            .served
            .cpu
            .map_or("unknown".to_string(), |cpu| format!("{cpu:?}"))
    )
}
