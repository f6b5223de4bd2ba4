//! The notes' gevent lesson, the "crawler": three downloads one after
//! another, then the same three as tasks at once. Each download spends
//! nearly all its time waiting for the server; a task that waits gives the
//! thread to the others, so the concurrent run takes about as long as the
//! longest single download, not the sum.
//!
//! The Python original (gevent patches the socket module so that a socket
//! that would block switches to another greenlet):
//!
//! ```python
//! from gevent import monkey; monkey.patch_all()
//! import gevent, time, urllib.request
//!
//! def download(url):
//!     return urllib.request.urlopen(url).read()
//!
//! start = time.time()
//! for url in urls:                                   # one after another
//!     download(url)
//! print('sequential', time.time() - start)
//!
//! start = time.time()
//! gevent.joinall([gevent.spawn(download, url) for url in urls])
//! print('concurrent', time.time() - start)          # about the slowest one
//! ```
//!
//! There is no internet here, so the example starts its own slow web
//! server on loopback (127.0.0.1, a port the OS picks): it answers each
//! request after a delay (200 ms), on a thread per connection, and stops
//! when the example is done. The downloads are coroutines on
//! `turnstile::event_loop`, their sockets `event_loop::net::TcpStream`:
//! `connect`, `write_all` and `read` each give the loop's thread away
//! while the socket is not ready, as gevent's patched sockets do.
//!
//! A third run shows why gevent needs `monkey.patch_all()`: the same tasks
//! with `std::net::TcpStream`, whose `read` blocks the thread, so the loop
//! cannot run another task meanwhile and the "concurrent" crawl takes as
//! long as the sequential one.
//!
//! `cargo run --example crawler`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use turnstile::event_loop::net::TcpStream;
use turnstile::event_loop::{gather, run, spawn};

/// No server socket operation may wait longer than this: nothing can hang.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);

/// The pages the crawler fetches.
pub const PAGES: [&str; 3] = ["/news", "/weather", "/sport"];

/// A web server that answers every `GET` after `delay`, each connection on
/// a thread of its own, so that slow answers overlap. Stops (and joins its
/// threads) on [`stop`](SlowServer::stop) or when dropped.
pub struct SlowServer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    served: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl SlowServer {
    /// Listens on 127.0.0.1 at a port the OS picks.
    pub fn start(delay: Duration) -> Result<Self, String> {
        let listener =
            TcpListener::bind("127.0.0.1:0").map_err(|error| format!("cannot listen: {error}"))?;
        let address = listener.local_addr().map_err(|error| error.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let served = Arc::new(AtomicUsize::new(0));
        let thread = thread::Builder::new()
            .name("slow server".into())
            .spawn({
                let (stop, served) = (Arc::clone(&stop), Arc::clone(&served));
                move || accept_loop(&listener, delay, &stop, &served)
            })
            .map_err(|error| format!("cannot start the server thread: {error}"))?;
        Ok(Self {
            address,
            stop,
            served,
            thread: Some(thread),
        })
    }

    /// Where it listens.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops the server once the answers under way are sent; returns how
    /// many requests it answered.
    pub fn stop(mut self) -> usize {
        self.shut_down();
        self.served.load(Ordering::SeqCst)
    }

    /// Sets the flag, wakes `accept` with one more connection, and joins
    /// the server thread (which has joined its connection threads).
    fn shut_down(&mut self) {
        if let Some(thread) = self.thread.take() {
            self.stop.store(true, Ordering::SeqCst);
            let _ = std::net::TcpStream::connect(self.address);
            let _ = thread.join();
        }
    }
}

impl Drop for SlowServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// The server thread: a thread per connection, all joined before it ends.
fn accept_loop(listener: &TcpListener, delay: Duration, stop: &AtomicBool, served: &AtomicUsize) {
    thread::scope(|scope| {
        for stream in listener.incoming() {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            match stream {
                Ok(stream) => {
                    scope.spawn(move || {
                        if answer_slowly(stream, delay).is_ok() {
                            served.fetch_add(1, Ordering::SeqCst);
                        }
                    });
                }
                Err(error) => eprintln!("slow server: accept failed: {error}"),
            }
        }
    });
}

/// Reads one request (up to its blank line), waits `delay`, then sends a
/// page naming the path asked for and closes the connection.
fn answer_slowly(mut stream: std::net::TcpStream, delay: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(SOCKET_TIMEOUT))?;
    stream.set_write_timeout(Some(SOCKET_TIMEOUT))?;
    let mut request = Vec::new();
    let mut buffer = [0u8; 1024];
    while !request.ends_with(b"\r\n\r\n") {
        match stream.read(&mut buffer) {
            Ok(0) => return Err(ErrorKind::UnexpectedEof.into()),
            Ok(read) => request.extend_from_slice(&buffer[..read]),
            Err(error) if error.kind() == ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
        if request.len() > 8192 {
            return Err(ErrorKind::InvalidData.into());
        }
    }
    let request = String::from_utf8_lossy(&request);
    let path = request.split_whitespace().nth(1).unwrap_or("/");
    thread::sleep(delay); // the slow part: a busy server, a long way off
    let body = format!("<h1>{path}</h1>\n");
    write!(
        stream,
        "HTTP/1.0 200 OK\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    stream.flush()
}

/// One page as the crawler got it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    /// The response's body (after the headers).
    pub body: String,
    /// From connecting to the last byte.
    pub took: Duration,
}

/// Python's `urlopen(url).read()` for HTTP/1.0 on loopback: connects, sends
/// the request, reads until the server closes, and returns the body.
pub async fn download(server: SocketAddr, path: &str) -> Result<Page, String> {
    let start = Instant::now();
    let failed = |what: &str, error: std::io::Error| format!("{path}: {what}: {error}");
    let mut stream = TcpStream::connect(server)
        .await
        .map_err(|error| failed("cannot connect", error))?;
    let request = format!("GET {path} HTTP/1.0\r\nHost: {server}\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|error| failed("cannot send the request", error))?;
    let mut response = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        let read = stream
            .read(&mut buffer)
            .await
            .map_err(|error| failed("cannot read the answer", error))?;
        if read == 0 {
            break; // HTTP/1.0: the server closes after the page
        }
        response.extend_from_slice(&buffer[..read]);
    }
    let response = String::from_utf8_lossy(&response);
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("{path}: the answer has no end of headers: {response:?}"))?;
    if !head.starts_with("HTTP/1.0 200") {
        return Err(format!("{path}: the server answered {head:?}"));
    }
    Ok(Page {
        path: path.to_string(),
        body: body.to_string(),
        took: start.elapsed(),
    })
}

/// The same download with a blocking `std::net::TcpStream`: gevent without
/// `monkey.patch_all()`. It is an `async fn`, but nothing in it awaits, so
/// the thread waits inside `read` and the loop runs nothing else.
pub async fn download_blocking(server: SocketAddr, path: &str) -> Result<Page, String> {
    let start = Instant::now();
    let failed = |what: &str, error: std::io::Error| format!("{path}: {what}: {error}");
    let mut stream =
        std::net::TcpStream::connect(server).map_err(|error| failed("cannot connect", error))?;
    stream
        .set_read_timeout(Some(SOCKET_TIMEOUT))
        .map_err(|error| failed("socket options", error))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {server}\r\n\r\n")
        .map_err(|error| failed("cannot send the request", error))?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|error| failed("cannot read the answer", error))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, body)| body);
    Ok(Page {
        path: path.to_string(),
        body: body.to_string(),
        took: start.elapsed(),
    })
}

/// A crawl's pages, in the order asked, and its time.
#[derive(Debug)]
pub struct Crawl {
    pub pages: Vec<Page>,
    pub took: Duration,
}

/// The three downloads one after another: each waits for the one before.
pub fn sequential(server: SocketAddr, paths: &[&str]) -> Result<Crawl, String> {
    let start = Instant::now();
    let pages = run(async {
        let mut pages = Vec::new();
        for path in paths {
            pages.push(download(server, path).await?);
        }
        Ok::<_, String>(pages)
    })?;
    Ok(Crawl {
        pages,
        took: start.elapsed(),
    })
}

/// The same downloads as tasks (gevent's `spawn` and `joinall`): while one
/// waits for its answer, the loop runs the others. `blocking`: with
/// [`download_blocking`], the mistake.
pub fn concurrent(server: SocketAddr, paths: &[&str], blocking: bool) -> Result<Crawl, String> {
    let start = Instant::now();
    let pages = run(async {
        let mut tasks = Vec::new();
        for path in paths {
            let path = path.to_string();
            let task = spawn(async move {
                if blocking {
                    download_blocking(server, &path).await
                } else {
                    download(server, &path).await
                }
            })
            .map_err(|error| error.to_string())?;
            tasks.push(task);
        }
        let mut pages = Vec::new();
        for outcome in gather(tasks).await {
            pages.push(outcome.map_err(|error| error.to_string())??);
        }
        Ok::<_, String>(pages)
    })?;
    Ok(Crawl {
        pages,
        took: start.elapsed(),
    })
}

/// The three crawls against one server answering after `delay`.
#[derive(Debug)]
pub struct Crawls {
    pub sequential: Crawl,
    pub concurrent: Crawl,
    /// Tasks with blocking sockets (the mistake).
    pub blocking_tasks: Crawl,
}

/// Runs the three crawls against one server answering after `delay`, then
/// stops the server.
pub fn crawl_all(delay: Duration) -> Result<Crawls, String> {
    let server = SlowServer::start(delay)?;
    let crawls = Crawls {
        sequential: sequential(server.address(), &PAGES)?,
        concurrent: concurrent(server.address(), &PAGES, false)?,
        blocking_tasks: concurrent(server.address(), &PAGES, true)?,
    };
    let answered = server.stop();
    if answered != 3 * PAGES.len() {
        return Err(format!(
            "the server answered {answered} requests, not {}",
            3 * PAGES.len()
        ));
    }
    Ok(crawls)
}

fn print(title: &str, crawl: &Crawl) {
    println!("{title}: {:.0?}", crawl.took);
    for page in &crawl.pages {
        println!(
            "  {:<10} {:>3} bytes in {:.0?}",
            page.path,
            page.body.len(),
            page.took
        );
    }
}

fn main() -> std::process::ExitCode {
    let delay = Duration::from_millis(200);
    println!(
        "{} pages from a local server that answers each after {delay:?}:",
        PAGES.len()
    );
    match crawl_all(delay) {
        Ok(crawls) => {
            print("sequential", &crawls.sequential);
            print("concurrent, as tasks", &crawls.concurrent);
            print(
                "tasks with blocking sockets (gevent without monkey.patch_all)",
                &crawls.blocking_tasks,
            );
            let longest = crawls.concurrent.pages.iter().map(|page| page.took).max();
            println!(
                "VERDICT: the concurrent crawl took {:.0?}, about its longest download \
                 ({:.0?}); one after another they took {:.0?}, and tasks whose sockets \
                 block took {:.0?}",
                crawls.concurrent.took,
                longest.unwrap_or_default(),
                crawls.sequential.took,
                crawls.blocking_tasks.took
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("crawler: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
