//! Tests of the event loop's sockets (`turnstile::event_loop::net`) and of
//! its selector-based idle wait, on loopback only. Every test runs under
//! the watchdog: a lost wake-up (a loop asleep in epoll that nobody rings)
//! ends the binary naming the wait, instead of hanging it.
#![cfg(target_os = "linux")]

mod common;

use std::io::{ErrorKind, Read as _, Write as _};
use std::net::{Shutdown, SocketAddr};
use std::os::fd::AsRawFd;
use std::rc::Rc;
use std::thread;
use std::time::{Duration, Instant};

use turnstile::event_loop::net::{TcpListener, TcpStream};
use turnstile::event_loop::{gather, run, sleep, spawn, wait_for};
use turnstile::{FifoQueue, TaskError};

/// A server task that echoes each connection until its peer hangs up;
/// returns the listener's address and the accepting task's handle.
async fn echo_one(mut connection: TcpStream) -> std::io::Result<usize> {
    let mut buffer = [0; 256];
    let mut echoed = 0;
    loop {
        let n = connection.read(&mut buffer).await?;
        if n == 0 {
            return Ok(echoed);
        }
        connection.write_all(&buffer[..n]).await?;
        echoed += n;
    }
}

/// Sends `text` and reads until the same number of bytes came back.
async fn round_trip(stream: &mut TcpStream, text: &[u8]) -> Vec<u8> {
    stream.write_all(text).await.unwrap();
    let mut got = Vec::new();
    let mut buffer = [0; 64];
    while got.len() < text.len() {
        let n = stream.read(&mut buffer).await.unwrap();
        assert_ne!(n, 0, "the server hung up before echoing everything");
        got.extend_from_slice(&buffer[..n]);
    }
    got
}

#[test]
fn accept_and_echo_round_trip() {
    common::within(common::PATIENCE, "an echo round trip on one loop", || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let server = spawn(async move {
                let (connection, from) = listener.accept().await?;
                assert_eq!(connection.peer_addr()?, from);
                echo_one(connection).await
            })
            .unwrap();
            let mut client = TcpStream::connect(address).await.unwrap();
            assert_eq!(round_trip(&mut client, b"hello").await, b"hello");
            assert_eq!(round_trip(&mut client, b"again").await, b"again");
            client.shutdown(Shutdown::Write).unwrap();
            assert_eq!(server.await.unwrap().unwrap(), 10);
        });
    });
}

#[test]
fn many_clients_on_one_loop_thread() {
    common::within(
        common::PATIENCE,
        "20 clients and their server on one loop",
        || {
            let loop_thread = thread::current().id();
            run(async move {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let address = listener.local_addr().unwrap();
                let server = spawn(async move {
                    let mut connections = Vec::new();
                    for _ in 0..20 {
                        let (connection, _) = listener.accept().await.unwrap();
                        connections.push(spawn(echo_one(connection)).unwrap());
                    }
                    let mut total = 0;
                    for connection in connections {
                        total += connection.await.unwrap().unwrap();
                    }
                    total
                })
                .unwrap();
                let clients = (0..20).map(|n| async move {
                    let mut stream = TcpStream::connect(address).await.unwrap();
                    for m in 0..3 {
                        let text = format!("client {n:02} line {m}");
                        assert_eq!(
                            round_trip(&mut stream, text.as_bytes()).await,
                            text.as_bytes()
                        );
                        assert_eq!(thread::current().id(), loop_thread);
                    }
                    stream.shutdown(Shutdown::Write).unwrap();
                });
                gather(clients).await;
                assert_eq!(server.await.unwrap(), 20 * 3 * "client 00 line 0".len());
            });
        },
    );
}

#[test]
fn a_peer_that_closes_early_reads_as_ok_zero() {
    common::within(common::PATIENCE, "a read from a peer that hung up", || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let reader = spawn(async move {
                let (mut connection, _) = listener.accept().await?;
                let mut buffer = [0; 8];
                let first = connection.read(&mut buffer).await?;
                let second = connection.read(&mut buffer).await?;
                Ok::<_, std::io::Error>((first, second))
            })
            .unwrap();
            let client = TcpStream::connect(address).await.unwrap();
            sleep(Duration::from_millis(20)).await; // the reader waits in epoll
            drop(client);
            assert_eq!(reader.await.unwrap().unwrap(), (0, 0));
        });
    });
}

/// Makes closing `stream` send a reset (RST) instead of an orderly end:
/// `SO_LINGER` on, with a zero timeout.
fn reset_on_close(stream: &TcpStream) {
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: the descriptor is the open socket `stream` owns; `linger`
    // is a valid `struct linger` of the size passed, alive for the call.
    let returned = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    assert_eq!(
        returned,
        0,
        "setsockopt(SO_LINGER): {}",
        std::io::Error::last_os_error()
    );
}

#[test]
fn a_reset_mid_read_is_that_tasks_error_only() {
    common::within(common::PATIENCE, "a read on a reset connection", || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let address = listener.local_addr().unwrap();
            let server = spawn(async move {
                let (reset, _) = listener.accept().await.unwrap();
                let (healthy, _) = listener.accept().await.unwrap();
                let reset = spawn(echo_one(reset)).unwrap();
                let healthy = spawn(echo_one(healthy)).unwrap();
                (reset.await.unwrap(), healthy.await.unwrap())
            })
            .unwrap();
            let doomed = TcpStream::connect(address).await.unwrap();
            reset_on_close(&doomed);
            let mut other = TcpStream::connect(address).await.unwrap();
            assert_eq!(round_trip(&mut other, b"before").await, b"before");
            sleep(Duration::from_millis(20)).await; // both echo tasks wait in read
            drop(doomed); // RST
            sleep(Duration::from_millis(20)).await;
            // The loop, and the other connection's task, carry on.
            assert_eq!(round_trip(&mut other, b"after").await, b"after");
            other.shutdown(Shutdown::Write).unwrap();
            let (reset, healthy) = server.await.unwrap();
            assert_eq!(reset.unwrap_err().kind(), ErrorKind::ConnectionReset);
            assert_eq!(healthy.unwrap(), "before".len() + "after".len());
        });
    });
}

/// The lost-wake-up test: a loop with nothing to do but wait for another
/// thread sleeps in `epoll_wait` with no timeout (no timers, no sockets
/// ready), so only the eventfd ring can wake it. A ping-pong of many
/// rounds with a thread makes the wake land at every point of the loop's
/// going to sleep. Seen failing (the watchdog firing) with a doorbell that
/// never rings.
#[test]
fn a_wake_from_another_thread_reaches_a_loop_asleep_in_epoll() {
    common::within(common::PATIENCE, "a loop woken from another thread", || {
        let pings = std::sync::Arc::new(FifoQueue::<u32>::unbounded());
        let pongs = std::sync::Arc::new(FifoQueue::<u32>::unbounded());
        let player = {
            let (pings, pongs) = (pings.clone(), pongs.clone());
            thread::spawn(move || {
                for round in 0..200 {
                    if round % 50 == 0 {
                        // Long enough for the loop to be asleep in epoll.
                        thread::sleep(Duration::from_millis(20));
                    }
                    pings.put(round).unwrap();
                    assert_eq!(pongs.get().unwrap(), round);
                }
            })
        };
        run(async {
            for round in 0..200 {
                assert_eq!(pings.get_async().await.unwrap(), round);
                pongs.put(round).unwrap();
            }
        });
        common::join_within("the thread playing ping-pong with the loop", player);
    });
}

#[test]
fn a_pool_future_wakes_a_loop_asleep_in_epoll() {
    common::within(common::PATIENCE, "a loop awaiting a pool future", || {
        let pool = turnstile::ThreadPool::new(1).unwrap();
        let answer = run(async {
            // Sockets registered, none ready: the loop sleeps in epoll.
            let _listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let future = pool
                .submit(|| {
                    thread::sleep(Duration::from_millis(30));
                    42
                })
                .unwrap();
            future.await.unwrap()
        });
        assert_eq!(answer, 42);
        pool.shutdown();
    });
}

#[test]
fn timers_fire_on_time_while_sockets_idle() {
    common::within(common::PATIENCE, "a sleep beside idle sockets", || {
        run(async {
            let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
            let address = listener.local_addr().unwrap();
            let _client = TcpStream::connect(address).await.unwrap();
            let waiting = Rc::clone(&listener);
            // One accept takes the client; the second waits for nobody.
            let acceptor = spawn(async move {
                waiting.accept().await.unwrap();
                waiting.accept().await.map(drop)
            })
            .unwrap();
            let start = Instant::now();
            sleep(Duration::from_millis(50)).await;
            let took = start.elapsed();
            // A lower bound, and an upper one far from what a loop that
            // ignored its timer would give (the watchdog's 5 s).
            assert!(took >= Duration::from_millis(50), "{took:?}");
            assert!(took < Duration::from_secs(2), "{took:?}");
            assert!(!acceptor.is_finished());
            assert!(acceptor.cancel());
            assert!(matches!(acceptor.await, Err(TaskError::Cancelled)));
        });
    });
}

#[test]
fn cancelling_a_task_blocked_in_read_loses_no_data() {
    common::within(common::PATIENCE, "reads around a cancelled one", || {
        run(async {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let mut client = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            let (mut server, _) = listener.accept().await.unwrap();
            let mut buffer = [0; 16];
            // The read waits, and is dropped by its timeout.
            let timed_out = wait_for(Duration::from_millis(20), server.read(&mut buffer)).await;
            assert!(timed_out.is_err());
            client.write_all(b"late").await.unwrap();
            let n = server.read(&mut buffer).await.unwrap();
            assert_eq!(&buffer[..n], b"late");

            // A task blocked in read, cancelled: it stops, and the stream
            // it owned is closed (the peer reads the end).
            let reader = spawn(async move {
                let mut buffer = [0; 16];
                server.read(&mut buffer).await
            })
            .unwrap();
            sleep(Duration::from_millis(20)).await;
            assert!(!reader.is_finished());
            assert!(reader.cancel());
            assert!(matches!(reader.await, Err(TaskError::Cancelled)));
            assert_eq!(client.read(&mut buffer).await.unwrap(), 0);
        });
    });
}

#[test]
fn sockets_outside_their_loop_are_a_clear_error() {
    common::within(common::PATIENCE, "sockets used outside their loop", || {
        let no_loop = TcpListener::bind("127.0.0.1:0").unwrap_err();
        assert_eq!(no_loop.kind(), ErrorKind::Other);
        assert!(
            no_loop.to_string().contains("no running event loop"),
            "{no_loop}"
        );
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = std_listener.local_addr().unwrap();
        assert!(TcpListener::from_std(std_listener).is_err());

        // Made in one loop, used after it and in another.
        let (mut stream, _listener) = run(async move {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let stream = TcpStream::connect(listener.local_addr().unwrap())
                .await
                .unwrap();
            (stream, listener)
        });
        let mut buffer = [0; 4];
        let outside = run_outside(stream.read(&mut buffer));
        assert!(
            outside
                .unwrap_err()
                .to_string()
                .contains("no running event loop")
        );
        let elsewhere = run(stream.read(&mut buffer)).unwrap_err();
        assert!(
            elsewhere.to_string().contains("another event loop"),
            "{elsewhere}"
        );
        let connect = run_outside(TcpStream::connect(address)).unwrap_err();
        assert_eq!(connect.kind(), ErrorKind::Other);
    });
}

/// Polls `future` once with a no-op waker, on no loop.
fn run_outside<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(output) => output,
        std::task::Poll::Pending => panic!("a socket call outside a loop waited"),
    }
}

#[test]
fn a_refused_connect_and_a_std_peer() {
    common::within(
        common::PATIENCE,
        "connects to nobody and to a std listener",
        || {
            // A port nobody listens on: bind one, note it, close it.
            let closed: SocketAddr = {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                listener.local_addr().unwrap()
            };
            let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            let address = std_listener.local_addr().unwrap();
            let peer = thread::spawn(move || {
                let (mut connection, _) = std_listener.accept().unwrap();
                connection.set_read_timeout(Some(common::PATIENCE)).unwrap();
                let mut text = String::new();
                connection.read_to_string(&mut text).unwrap();
                connection
                    .write_all(text.to_uppercase().as_bytes())
                    .unwrap();
            });
            run(async move {
                let refused = TcpStream::connect(closed).await.unwrap_err();
                assert_eq!(refused.kind(), ErrorKind::ConnectionRefused);
                let mut stream = TcpStream::connect(("127.0.0.1", address.port()))
                    .await
                    .unwrap();
                stream.write_all(b"shout").await.unwrap();
                stream.shutdown(Shutdown::Write).unwrap();
                let mut got = Vec::new();
                let mut buffer = [0; 3];
                loop {
                    match stream.read(&mut buffer).await.unwrap() {
                        0 => break,
                        n => got.extend_from_slice(&buffer[..n]),
                    }
                }
                assert_eq!(got, b"SHOUT");
            });
            common::join_within("the std peer", peer);
        },
    );
}

#[test]
fn a_write_larger_than_the_socket_buffers_waits_for_the_reader() {
    common::within(
        common::PATIENCE,
        "a write that fills the send buffer",
        || {
            run(async {
                let listener = TcpListener::bind("127.0.0.1:0").unwrap();
                let mut client = TcpStream::connect(listener.local_addr().unwrap())
                    .await
                    .unwrap();
                let (mut server, _) = listener.accept().await.unwrap();
                // Far more than loopback's buffers hold: write_all must wait
                // (as a task) for the reader, here another task.
                let size = 8 << 20;
                let reader = spawn(async move {
                    let mut buffer = vec![0; 64 << 10];
                    let mut total = 0;
                    loop {
                        match server.read(&mut buffer).await.unwrap() {
                            0 => return total,
                            n => {
                                assert!(buffer[..n].iter().all(|&byte| byte == 7));
                                total += n;
                            }
                        }
                    }
                })
                .unwrap();
                client.write_all(&vec![7; size]).await.unwrap();
                client.shutdown(Shutdown::Write).unwrap();
                assert_eq!(reader.await.unwrap(), size);
            });
        },
    );
}

/// The thread's voluntary context switches so far: how many times it
/// blocked in the kernel (Linux's `/proc/thread-self/status`).
fn times_blocked() -> u64 {
    let status = std::fs::read_to_string("/proc/thread-self/status").unwrap();
    status
        .lines()
        .find_map(|line| line.strip_prefix("voluntary_ctxt_switches:"))
        .expect("a voluntary_ctxt_switches line")
        .trim()
        .parse()
        .unwrap()
}

/// An idle loop sleeps in the kernel (epoll) until its timer is due; it
/// does not turn in circles. A loop that spun would never block: its
/// thread would make no voluntary context switch during the sleep.
#[test]
#[cfg_attr(miri, ignore = "reads /proc, which Miri's isolation hides")]
fn an_idle_loop_sleeps_in_the_kernel_instead_of_spinning() {
    common::within(common::PATIENCE, "a loop sleeping 100 ms", || {
        run(async {
            let _listener = TcpListener::bind("127.0.0.1:0").unwrap(); // an idle socket
            let before = times_blocked();
            sleep(Duration::from_millis(100)).await;
            let blocked = times_blocked() - before;
            // Once for the timer; a few more at most (a spurious wake).
            assert!((1..=10).contains(&blocked), "blocked {blocked} times");
        });
    });
}

#[test]
fn tasks_waiting_on_one_listener_each_get_a_connection_and_a_cancelled_one_none() {
    common::within(
        common::PATIENCE,
        "three tasks accepting on one listener",
        || {
            run(async {
                let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
                let address = listener.local_addr().unwrap();
                let acceptor = |listener: &Rc<TcpListener>| {
                    let listener = Rc::clone(listener);
                    spawn(async move { listener.accept().await.map(|(_, from)| from) }).unwrap()
                };
                let (first, cancelled, second) = (
                    acceptor(&listener),
                    acceptor(&listener),
                    acceptor(&listener),
                );
                sleep(Duration::from_millis(20)).await; // all three wait in epoll
                assert!(cancelled.cancel());
                assert!(matches!(cancelled.await, Err(TaskError::Cancelled)));
                let one = TcpStream::connect(address).await.unwrap();
                let two = TcpStream::connect(address).await.unwrap();
                let mut accepted = vec![
                    first.await.unwrap().unwrap(),
                    second.await.unwrap().unwrap(),
                ];
                accepted.sort();
                let mut connected = vec![one.local_addr().unwrap(), two.local_addr().unwrap()];
                connected.sort();
                assert_eq!(accepted, connected);
            });
        },
    );
}

/// The small things a user reaches for: `TCP_NODELAY` set and read back
/// both ways, each socket's own descriptor (the one its address belongs
/// to), and a `Debug` that names the socket.
#[test]
fn nodelay_descriptors_and_debug_are_the_sockets_own() {
    common::within(
        common::PATIENCE,
        "a connect and an accept on loopback",
        || {
            run(async {
                let listener = Rc::new(TcpListener::bind("127.0.0.1:0").unwrap());
                let address = listener.local_addr().unwrap();
                let accepting = {
                    let listener = Rc::clone(&listener);
                    spawn(async move { listener.accept().await.unwrap().0 }).unwrap()
                };
                let client = TcpStream::connect(address).await.unwrap();
                let accepted = accepting.await.unwrap();
                for on in [true, false, true] {
                    client.set_nodelay(on).unwrap();
                    assert_eq!(client.nodelay().unwrap(), on);
                }
                // The descriptors are the sockets' own: asking the system for
                // each one's address gives that socket's address.
                let local_of = |fd: std::os::fd::RawFd| {
                    // SAFETY: the descriptor belongs to a socket that lives
                    // past this call; the borrow only duplicates it (dup), and
                    // the duplicate is closed when the std socket drops.
                    let borrowed = unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) };
                    let owned = borrowed.try_clone_to_owned().unwrap();
                    std::net::TcpStream::from(owned).local_addr().unwrap()
                };
                assert_eq!(local_of(listener.as_raw_fd()), address);
                assert_eq!(local_of(accepted.as_raw_fd()), address);
                assert_eq!(local_of(client.as_raw_fd()), client.local_addr().unwrap());
                let printed = format!("{listener:?} {client:?}");
                assert!(
                    printed.starts_with("TcpListener { socket: ")
                        && printed.contains("TcpStream { socket: ")
                        && printed.contains(&address.to_string()),
                    "{printed}"
                );
            });
        },
    );
}
