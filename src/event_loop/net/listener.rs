//! `TcpListener`: a listening socket whose `accept` waits as a task.

use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;

use super::super::idle::Direction;
use super::super::run::current;
use super::io::{Registration, no_running_loop};
use super::stream::TcpStream;

/// A listening TCP socket served by the running event loop (Python's
/// `await asyncio.start_server(handler, host, port)`, or a non-blocking
/// socket and `await loop.sock_accept(sock)`): [`accept`](Self::accept)
/// waits as a task, so one thread serves the listener and every
/// connection.
///
/// Made inside [`run`](crate::event_loop::run) and used in the same loop;
/// elsewhere every call returns an error (`ErrorKind::Other`, "no running
/// event loop"). Dropping it stops listening.
///
/// ```
/// use turnstile::event_loop::net::{TcpListener, TcpStream};
/// use turnstile::event_loop::{run, spawn};
///
/// run(async {
///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
///     let address = listener.local_addr().unwrap();
///     let client = spawn(async move { TcpStream::connect(address).await.map(drop) }).unwrap();
///     let (_connection, from) = listener.accept().await.unwrap();
///     assert!(from.ip().is_loopback());
///     client.await.unwrap().unwrap();
/// });
/// ```
pub struct TcpListener {
    // First: deregistered before the socket below is closed.
    registration: Registration,
    socket: std::net::TcpListener,
}

impl TcpListener {
    /// Listens on `address` (Python's `sock.bind(address);
    /// sock.listen()`). Port 0 lets the system pick a free port;
    /// [`local_addr`](Self::local_addr) says which. Binding does not
    /// wait, so this is not `async`; it must still be called inside a
    /// running loop, which will serve the socket.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use turnstile::event_loop::net::TcpListener;
    /// use turnstile::event_loop::run;
    ///
    /// let port = run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     listener.local_addr().unwrap().port()
    /// });
    /// assert_ne!(port, 0);
    /// // Outside a loop: an error, not a panic.
    /// let refused = TcpListener::bind("127.0.0.1:0").unwrap_err();
    /// assert_eq!(refused.kind(), ErrorKind::Other);
    /// assert!(refused.to_string().starts_with("no running event loop"));
    /// ```
    pub fn bind(address: impl ToSocketAddrs) -> io::Result<Self> {
        if current().is_none() {
            return Err(no_running_loop());
        }
        Self::from_std(std::net::TcpListener::bind(address)?)
    }

    /// Serves a listener made with std (the echo examples hand their
    /// servers one): makes it non-blocking and registers it with the
    /// running loop. An error outside a running loop.
    ///
    /// ```
    /// use turnstile::event_loop::net::TcpListener;
    /// use turnstile::event_loop::run;
    ///
    /// let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    /// let address = std_listener.local_addr().unwrap();
    /// run(async move {
    ///     let listener = TcpListener::from_std(std_listener).unwrap();
    ///     assert_eq!(listener.local_addr().unwrap(), address);
    /// });
    /// ```
    pub fn from_std(socket: std::net::TcpListener) -> io::Result<Self> {
        socket.set_nonblocking(true)?;
        Ok(Self {
            registration: Registration::new(socket.as_raw_fd())?,
            socket,
        })
    }

    /// The address it listens on (Python's `sock.getsockname()`).
    ///
    /// ```
    /// use turnstile::event_loop::net::TcpListener;
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     assert!(listener.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Waits (as a task) for the next connection and returns it with the
    /// peer's address (Python's `conn, address = await
    /// loop.sock_accept(sock)`). Several tasks may wait on one listener;
    /// each connection goes to one of them. Dropping the future (cancelling
    /// the task) stops the wait and loses no connection: a connection is
    /// taken only by an accept that returns it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use turnstile::event_loop::net::TcpListener;
    /// use turnstile::event_loop::{run, wait_for};
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     // Nobody connects: the wait is cancelled by its timeout.
    ///     let waited = wait_for(Duration::from_millis(20), listener.accept()).await;
    ///     assert!(waited.is_err());
    /// });
    /// ```
    pub async fn accept(&self) -> io::Result<(TcpStream, SocketAddr)> {
        let socket = &self.socket;
        let (connection, address) = self
            .registration
            .io(Direction::Read, || socket.accept())
            .await?;
        Ok((TcpStream::adopt(connection)?, address))
    }
}

/// The socket's descriptor, for socket options std does not offer.
impl AsRawFd for TcpListener {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.socket.as_raw_fd()
    }
}

impl std::fmt::Debug for TcpListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpListener")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}
