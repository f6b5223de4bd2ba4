//! `TcpStream`: a connection whose reads and writes wait as tasks, not
//! threads (asyncio's `StreamReader`/`StreamWriter` pair, or the low-level
//! `loop.sock_recv` / `loop.sock_sendall`, in one type).

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, ToSocketAddrs};
use std::os::fd::AsRawFd;

use super::super::idle::Direction;
use super::connect;
use super::io::{Registration, no_running_loop};

/// A TCP connection served by the running event loop: `read`, `write` and
/// `write_all` are `async`, and while one waits the loop runs other tasks
/// (Python's `reader, writer = await asyncio.open_connection(host, port)`,
/// `await reader.read(n)`, `writer.write(data); await writer.drain()`).
///
/// Made by [`connect`](Self::connect) or
/// [`TcpListener::accept`](super::TcpListener::accept), inside
/// [`run`](crate::event_loop::run), and used in the same loop: elsewhere
/// every call returns an error (`ErrorKind::Other`, "no running event
/// loop"). Dropping it closes the connection.
///
/// ```
/// use turnstile::event_loop::net::{TcpListener, TcpStream};
/// use turnstile::event_loop::{run, spawn};
///
/// let echoed = run(async {
///     let listener = TcpListener::bind("127.0.0.1:0")?;
///     let address = listener.local_addr()?;
///     let server = spawn(async move {
///         let (mut connection, _) = listener.accept().await?;
///         let mut buffer = [0; 16];
///         let n = connection.read(&mut buffer).await?;
///         connection.write_all(&buffer[..n]).await
///     })
///     .unwrap();
///     let mut client = TcpStream::connect(address).await?;
///     client.write_all(b"hello").await?;
///     let mut buffer = [0; 16];
///     let n = client.read(&mut buffer).await?;
///     server.await.unwrap()?;
///     Ok::<_, std::io::Error>(buffer[..n].to_vec())
/// })
/// .unwrap();
/// assert_eq!(echoed, b"hello");
/// ```
pub struct TcpStream {
    // First: deregistered before the socket below is closed.
    registration: Registration,
    socket: std::net::TcpStream,
}

impl TcpStream {
    /// Adopts a connected socket: non-blocking, registered with the
    /// running loop.
    pub(super) fn adopt(socket: std::net::TcpStream) -> io::Result<Self> {
        socket.set_nonblocking(true)?;
        Ok(Self {
            registration: Registration::new(socket.as_raw_fd())?,
            socket,
        })
    }

    /// Connects to `address` without blocking the loop (Python's `await
    /// asyncio.open_connection(host, port)`, or `await
    /// loop.sock_connect(sock, address)`). Tries each address `address`
    /// names in turn, as std's `connect` does, and returns the last error
    /// if none answers. A host *name* is looked up first with the system
    /// resolver, which blocks the loop meanwhile (asyncio hands
    /// `getaddrinfo` to a thread); an address such as `127.0.0.1:8080`
    /// needs no lookup.
    ///
    /// An error (`ErrorKind::Other`) outside a running event loop.
    ///
    /// ```
    /// use std::io::ErrorKind;
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let address = listener.local_addr().unwrap();
    ///     let stream = TcpStream::connect(address).await.unwrap();
    ///     assert_eq!(stream.peer_addr().unwrap(), address);
    ///     drop(listener);
    ///     // Nobody listens there now.
    ///     let refused = TcpStream::connect(address).await.unwrap_err();
    ///     assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
    /// });
    /// ```
    pub async fn connect(address: impl ToSocketAddrs) -> io::Result<Self> {
        let mut last_error = None;
        for address in address.to_socket_addrs()? {
            match Self::connect_one(&address).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = Some(error),
            }
        }
        Err(last_error.unwrap_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "could not resolve to any address",
            )
        }))
    }

    async fn connect_one(address: &SocketAddr) -> io::Result<Self> {
        if super::super::run::current().is_none() {
            return Err(no_running_loop());
        }
        let (socket, in_progress) = connect::start(address)?;
        let stream = Self {
            registration: Registration::new(socket.as_raw_fd())?,
            socket,
        };
        if in_progress {
            // Writable once the handshake is over, either way: then the
            // socket's pending error says which way (SO_ERROR).
            let socket = &stream.socket;
            stream
                .registration
                .io(Direction::Write, || match socket.take_error()? {
                    Some(error) => Err(error),
                    None => match socket.peer_addr() {
                        Ok(_) => Ok(()),
                        Err(error) if error.kind() == io::ErrorKind::NotConnected => {
                            Err(io::ErrorKind::WouldBlock.into())
                        }
                        Err(error) => Err(error),
                    },
                })
                .await?;
        }
        Ok(stream)
    }

    /// Reads what has arrived into `buffer`, waiting (as a task) until
    /// something has; returns how many bytes were read (Python's `await
    /// reader.read(n)`, `await loop.sock_recv(sock, n)`). `Ok(0)`: the
    /// peer closed its side, or `buffer` is empty. An error of the
    /// connection (reset by the peer, say) is this task's error only.
    ///
    /// Dropping the future (cancelling the task) stops the wait; nothing
    /// is lost, since bytes are taken only by a read that returns them.
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (server, _) = listener.accept().await.unwrap();
    ///     drop(server); // the peer hangs up
    ///     let mut buffer = [0; 8];
    ///     assert_eq!(client.read(&mut buffer).await.unwrap(), 0);
    /// });
    /// ```
    pub async fn read(&mut self, buffer: &mut [u8]) -> io::Result<usize> {
        let socket = &self.socket;
        self.registration
            .io(Direction::Read, || (&*socket).read(buffer))
            .await
    }

    /// Writes some of `buffer`, waiting (as a task) while the connection's
    /// send buffer is full; returns how many bytes were written, which may
    /// be fewer than `buffer.len()` (Python's `await loop.sock_send`). See
    /// [`write_all`](Self::write_all) to write everything.
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let written = client.write(b"ping").await.unwrap();
    ///     assert!(written > 0 && written <= 4);
    /// });
    /// ```
    pub async fn write(&mut self, buffer: &[u8]) -> io::Result<usize> {
        let socket = &self.socket;
        self.registration
            .io(Direction::Write, || (&*socket).write(buffer))
            .await
    }

    /// Writes all of `buffer`, waiting (as a task) whenever the send
    /// buffer is full (Python's `writer.write(data); await
    /// writer.drain()`, or `await loop.sock_sendall(sock, data)`). An
    /// error if the connection fails first (`ErrorKind::WriteZero` if it
    /// stops taking bytes). Cancelled midway, some prefix of `buffer` has
    /// been sent.
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (mut server, _) = listener.accept().await.unwrap();
    ///     client.write_all(b"twelve bytes").await.unwrap();
    ///     let mut got = Vec::new();
    ///     let mut buffer = [0; 4];
    ///     while got.len() < 12 {
    ///         let n = server.read(&mut buffer).await.unwrap();
    ///         got.extend_from_slice(&buffer[..n]);
    ///     }
    ///     assert_eq!(got, b"twelve bytes");
    /// });
    /// ```
    pub async fn write_all(&mut self, mut buffer: &[u8]) -> io::Result<()> {
        while !buffer.is_empty() {
            match self.write(buffer).await? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                written => buffer = &buffer[written..],
            }
        }
        Ok(())
    }

    /// The address of the other end (Python's `sock.getpeername()`).
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (server, from) = listener.accept().await.unwrap();
    ///     assert_eq!(server.peer_addr().unwrap(), from);
    ///     assert_eq!(from, client.local_addr().unwrap());
    /// });
    /// ```
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.socket.peer_addr()
    }

    /// This end's address (Python's `sock.getsockname()`).
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert!(client.local_addr().unwrap().ip().is_loopback());
    /// });
    /// ```
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Shuts down the reading side, the writing side or both (Python's
    /// `sock.shutdown(socket.SHUT_WR)`, or `writer.write_eof()`): after
    /// `Shutdown::Write` the peer reads `Ok(0)` once it has read the rest.
    /// Does not wait.
    ///
    /// ```
    /// use std::net::Shutdown;
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let mut client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     let (mut server, _) = listener.accept().await.unwrap();
    ///     client.write_all(b"bye").await.unwrap();
    ///     client.shutdown(Shutdown::Write).unwrap();
    ///     let mut got = Vec::new();
    ///     let mut buffer = [0; 8];
    ///     loop {
    ///         match server.read(&mut buffer).await.unwrap() {
    ///             0 => break, // the end the shutdown sent
    ///             n => got.extend_from_slice(&buffer[..n]),
    ///         }
    ///     }
    ///     assert_eq!(got, b"bye");
    /// });
    /// ```
    pub fn shutdown(&self, how: Shutdown) -> io::Result<()> {
        self.socket.shutdown(how)
    }

    /// Turns Nagle's algorithm off (`true`) or on (Python's
    /// `sock.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)`): small writes go
    /// out at once instead of waiting to be combined.
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     client.set_nodelay(true).unwrap();
    ///     assert!(client.nodelay().unwrap());
    /// });
    /// ```
    pub fn set_nodelay(&self, nodelay: bool) -> io::Result<()> {
        self.socket.set_nodelay(nodelay)
    }

    /// Whether Nagle's algorithm is off (see [`set_nodelay`](Self::set_nodelay)).
    ///
    /// ```
    /// use turnstile::event_loop::net::{TcpListener, TcpStream};
    /// use turnstile::event_loop::run;
    ///
    /// run(async {
    ///     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    ///     let client = TcpStream::connect(listener.local_addr().unwrap()).await.unwrap();
    ///     assert!(!client.nodelay().unwrap()); // on, as the system sets it
    /// });
    /// ```
    pub fn nodelay(&self) -> io::Result<bool> {
        self.socket.nodelay()
    }
}

/// The socket's descriptor, for socket options std does not offer
/// (`SO_LINGER`, say). Leave reading, writing and closing to the stream.
impl AsRawFd for TcpStream {
    fn as_raw_fd(&self) -> std::os::fd::RawFd {
        self.socket.as_raw_fd()
    }
}

impl std::fmt::Debug for TcpStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TcpStream")
            .field("socket", &self.socket)
            .finish_non_exhaustive()
    }
}
