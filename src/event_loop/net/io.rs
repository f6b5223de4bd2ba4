//! What every socket of `net` shares: its registration with the loop that
//! made it, and the one future all their operations are, "try it; if it
//! would block, leave the waker for the selector and try again when
//! woken".
//!
//! The rule that makes edge-triggered epoll safe (see `selector.rs`) lives
//! here, in [`Io::poll`]: an operation is always tried before the task
//! waits, and the task waits only after the socket said `WouldBlock`. The
//! next readiness after that is a new edge, reported by the next
//! `epoll_wait`, which finds the waker left here.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::io;
use std::os::fd::RawFd;
use std::rc::Rc;

use super::super::idle::Direction;
use super::super::run::{Loop, current};

/// The error of a socket call outside a running event loop (Python's
/// `RuntimeError: no running event loop`, as an `io::Error` so that `?`
/// passes it on with the socket errors).
pub(super) fn no_running_loop() -> io::Error {
    io::Error::other("no running event loop: use event_loop::net inside event_loop::run")
}

/// A socket's place in its loop's selector. Dropped before the socket is
/// closed (it is the socket types' first field), so the descriptor number
/// it removes is still this socket's.
pub(super) struct Registration {
    fd: RawFd,
    token: u64,
    /// The loop it is registered with (its number, see `run.rs`).
    loop_number: usize,
}

impl Registration {
    /// Registers `fd` (already non-blocking) with the running loop.
    pub(super) fn new(fd: RawFd) -> io::Result<Self> {
        let running = current().ok_or_else(no_running_loop)?;
        let token = running.idle.register(fd)?;
        Ok(Self {
            fd,
            token,
            loop_number: running.number,
        })
    }

    /// The loop this socket belongs to, if it is the one running here.
    fn running(&self) -> io::Result<Rc<Loop>> {
        Loop::current_numbered(self.loop_number).ok_or_else(|| match current() {
            None => no_running_loop(),
            Some(_) => io::Error::other(
                "this socket belongs to another event loop (one that was running when it was made)",
            ),
        })
    }

    /// The future of `operation` on this socket, waiting in `direction`
    /// each time it would block.
    pub(super) fn io<T, F>(&self, direction: Direction, operation: F) -> Io<'_, F>
    where
        F: FnMut() -> io::Result<T> + Unpin,
    {
        Io {
            registration: self,
            direction,
            key: None,
            operation,
        }
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        // Outside its loop (dropped after `run` returned, or on another
        // thread) there is nothing to remove: a closed epoll forgets its
        // descriptors, and closing the socket removes it from a live one.
        if let Some(running) = Loop::current_numbered(self.loop_number) {
            running.idle.deregister(self.fd, self.token);
        }
    }
}

/// A socket operation retried until it does not block. Dropping it
/// (cancelling the task that awaits it) removes its waker from the loop.
#[must_use = "a socket operation does nothing until it is awaited"]
pub(super) struct Io<'a, F> {
    registration: &'a Registration,
    direction: Direction,
    /// The waker's key in the loop's registry, once it has waited.
    key: Option<u64>,
    operation: F,
}

impl<F> Io<'_, F> {
    fn stop_waiting(&mut self) {
        if let Some(key) = self.key.take() {
            if let Ok(running) = self.registration.running() {
                let registration = self.registration;
                running
                    .idle
                    .stop_waiting(registration.token, self.direction, key);
            }
        }
    }
}

impl<T, F> Future for Io<'_, F>
where
    F: FnMut() -> io::Result<T> + Unpin,
{
    type Output = io::Result<T>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<io::Result<T>> {
        let this = self.get_mut();
        let running = match this.registration.running() {
            Ok(running) => running,
            Err(error) => return Poll::Ready(Err(error)),
        };
        loop {
            match (this.operation)() {
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                done => {
                    drop(running);
                    this.stop_waiting();
                    return Poll::Ready(done);
                }
            }
        }
        let token = this.registration.token;
        let key = match this.key {
            Some(key) => key,
            None => {
                let Some(key) = running.idle.new_key(token, this.direction) else {
                    // Registered when the socket was made, removed only
                    // when it is dropped: never seen while it is borrowed.
                    return Poll::Ready(Err(io::Error::other("socket not registered")));
                };
                this.key = Some(key);
                key
            }
        };
        running
            .idle
            .wait_for(token, this.direction, key, context.waker());
        Poll::Pending
    }
}

impl<F> Drop for Io<'_, F> {
    fn drop(&mut self) {
        self.stop_waiting();
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::super::facade::{run_test, thread};
    use super::super::super::run::run;
    use super::*;
    use core::pin::pin;
    use core::task::Waker;
    use std::os::fd::AsRawFd;

    #[test]
    #[cfg_attr(miri, ignore = "sockets: Miri has no network")]
    fn a_wait_that_ends_or_is_dropped_leaves_no_waker_behind() {
        run_test(|| {
            run(async {
                let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                listener.set_nonblocking(true).unwrap();
                let registration = Registration::new(listener.as_raw_fd()).unwrap();
                let running = current().unwrap();
                let waiting = || running.idle.is_waiting(registration.token, Direction::Read);
                let mut context = Context::from_waker(Waker::noop());
                {
                    let mut accept = pin!(registration.io(Direction::Read, || listener.accept()));
                    assert!(accept.as_mut().poll(&mut context).is_pending());
                    assert!(waiting());
                    assert!(accept.as_mut().poll(&mut context).is_pending());
                } // dropped: a cancel
                assert!(!waiting());

                let mut accept = pin!(registration.io(Direction::Read, || listener.accept()));
                assert!(accept.as_mut().poll(&mut context).is_pending());
                let _client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
                // Polled again before the loop saw the socket's report: the
                // accept succeeds and takes its own waker back.
                let mut polled = accept.as_mut().poll(&mut context);
                while polled.is_pending() {
                    thread::yield_now(); // the handshake, on loopback
                    polled = accept.as_mut().poll(&mut context);
                }
                assert!(matches!(polled, Poll::Ready(Ok(_))));
                assert!(!waiting());
            });
        });
    }
}
