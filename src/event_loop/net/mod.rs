//! TCP sockets whose waits are tasks' waits: the notes' fourth I/O model,
//! coroutines on a selector (asyncio's streams and `loop.sock_*` calls).
//! Linux only: the loop's selector is epoll.
//!
//! The notes' three earlier servers each answered "what does the thread do
//! while a socket has nothing for it?": it blocks (a thread per client),
//! it asks again and again (non-blocking), or it sleeps in `epoll` until
//! some socket is ready (multiplexed). Here the code reads like the first
//! — `let n = stream.read(&mut buffer).await?;` — and runs like the third:
//! a read that would block leaves the task's waker with the loop and
//! returns to it, and the loop, with no task ready, sleeps in epoll until
//! a socket is (see `event_loop`'s `selector.rs` and `idle.rs`).
//!
//! | Python (asyncio) | here |
//! |---|---|
//! | `sock.bind(addr); sock.listen()`, `asyncio.start_server` | [`TcpListener::bind`] |
//! | `conn, addr = await loop.sock_accept(sock)` | [`listener.accept().await`](TcpListener::accept) |
//! | `await asyncio.open_connection(host, port)`, `loop.sock_connect` | [`TcpStream::connect(addr).await`](TcpStream::connect) |
//! | `await reader.read(n)`, `await loop.sock_recv(sock, n)` | [`stream.read(&mut buffer).await`](TcpStream::read) |
//! | `writer.write(data); await writer.drain()`, `loop.sock_sendall` | [`stream.write_all(data).await`](TcpStream::write_all) |
//! | `writer.write_eof()`, `sock.shutdown(SHUT_WR)` | [`stream.shutdown(Shutdown::Write)`](TcpStream::shutdown) |
//!
//! Outside a running loop every call returns an `io::Error` of kind
//! `Other` ("no running event loop"), as asyncio raises `RuntimeError`;
//! nothing panics. A connection's error (a reset, say) is the error of the
//! task that read or wrote, and of no other.
//!
//! # Example
//!
//! The notes' echo server, as coroutines (see also
//! `examples/echo_async.rs`):
//!
//! ```
//! use turnstile::event_loop::net::{TcpListener, TcpStream};
//! use turnstile::event_loop::{gather, run, spawn};
//!
//! async fn handle(mut connection: TcpStream) -> std::io::Result<()> {
//!     let mut buffer = [0; 1024];
//!     loop {
//!         let n = connection.read(&mut buffer).await?;
//!         if n == 0 {
//!             return Ok(()); // the client hung up
//!         }
//!         connection.write_all(&buffer[..n]).await?;
//!     }
//! }
//!
//! async fn client(address: std::net::SocketAddr, text: &'static str) -> String {
//!     let mut stream = TcpStream::connect(address).await.unwrap();
//!     stream.write_all(text.as_bytes()).await.unwrap();
//!     let mut buffer = [0; 64];
//!     let n = stream.read(&mut buffer).await.unwrap();
//!     String::from_utf8_lossy(&buffer[..n]).into_owned()
//! }
//!
//! let echoes = run(async {
//!     let listener = TcpListener::bind("127.0.0.1:0").unwrap();
//!     let address = listener.local_addr().unwrap();
//!     // The server: a task that accepts, and a task per connection.
//!     let _server = spawn(async move {
//!         while let Ok((connection, _)) = listener.accept().await {
//!             spawn(handle(connection)).unwrap().detach(); // runs on by itself
//!         }
//!     })
//!     .unwrap();
//!     gather([client(address, "one"), client(address, "two")]).await
//! }); // the server task is cancelled when `run` ends
//! assert_eq!(echoes, ["one", "two"]);
//! ```

// The files behind this door:
// - io.rs: a socket's registration with its loop, and `Io`, the future
//   every operation is ("try; on WouldBlock leave the waker; retry");
// - listener.rs: `TcpListener`;
// - stream.rs: `TcpStream`;
// - connect.rs: the non-blocking `connect` std does not offer (libc).

mod connect;
mod io;
mod listener;
mod stream;

pub use listener::TcpListener;
pub use stream::TcpStream;
