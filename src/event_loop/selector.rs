//! The loop's selector: epoll, the call the notes' `select.select` lesson
//! leads to, written straight on the system calls (`libc`), so that this
//! file is the whole of what asyncio's `selectors.EpollSelector` does for
//! its loop.
//!
//! ```python
//! sel = selectors.EpollSelector()          # Selector::new: epoll_create1
//! sel.register(sock, EVENT_READ, data)     # register: epoll_ctl(ADD)
//! for key, events in sel.select(timeout):  # select: epoll_wait
//!     ...
//! ```
//!
//! The selector owns two file descriptors: the epoll instance, and an
//! *eventfd*, a counter in the kernel that is readable while it is not
//! zero. The eventfd is registered like a socket, so a thread that writes
//! it ([`Wake::wake`]) ends an `epoll_wait` on the loop's thread: that is
//! how a waker on a pool worker rouses a loop asleep in the kernel
//! (asyncio uses a self-pipe, a socket pair, for the same job).
//!
//! **Edge-triggered** for sockets (`EPOLLET`): epoll reports a socket when
//! it *becomes* readable or writable, once, not on every wait while it
//! stays so. A socket is registered once, for both directions, when it is
//! made, and never modified again: a task that waits for it leaves its
//! waker in the loop's registry, and an event wakes whoever is there. With
//! level triggering a socket nobody is reading would be reported on every
//! wait (the loop would spin), so each wait would need an `epoll_ctl` to
//! add the interest and another to remove it: two system calls per
//! `.await`. The price of edges is one rule, kept by `net.rs`: an
//! operation is always *tried* first, and a task waits only after the
//! socket said `WouldBlock`; the next byte to arrive is then a new edge.
//! The eventfd is edge-triggered too: each write that makes it readable
//! is reported once, and the loop reads it back to zero whenever it is
//! reported, so the next write is a new edge. (Miri, which runs the
//! event loop's tests, models edge-triggered epoll only.)
//!
//! Linux only (`epoll` and `eventfd` are Linux's); elsewhere the loop
//! waits on its ready queue as before and has no sockets.

use core::time::Duration;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Instant;

use super::super::deadline;
use super::super::facade::Arc;

/// What a registration asks to hear about (`selectors.EVENT_READ` and
/// `EVENT_WRITE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Interest {
    pub(super) read: bool,
    pub(super) write: bool,
}

impl Interest {
    /// Both directions: what a socket of `net.rs` is registered for.
    pub(super) const BOTH: Self = Self {
        read: true,
        write: true,
    };

    /// The epoll bits for this interest, edge-triggered. `EPOLLRDHUP`
    /// reports a peer's shutdown of its sending side as a read event.
    fn bits(self) -> u32 {
        let mut bits = libc::EPOLLET as u32;
        if self.read {
            bits |= (libc::EPOLLIN | libc::EPOLLRDHUP) as u32;
        }
        if self.write {
            bits |= libc::EPOLLOUT as u32;
        }
        bits
    }
}

/// One readiness report: the registration's token and what it may now do.
/// An error or a hang-up counts as both: the next read or write will not
/// block (it returns the error, or 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Event {
    pub(super) token: u64,
    pub(super) readable: bool,
    pub(super) writable: bool,
}

impl Event {
    fn from_bits(token: u64, bits: u32) -> Self {
        let failed = bits & (libc::EPOLLERR | libc::EPOLLHUP) as u32 != 0;
        Self {
            token,
            readable: failed || bits & (libc::EPOLLIN | libc::EPOLLRDHUP) as u32 != 0,
            writable: failed || bits & libc::EPOLLOUT as u32 != 0,
        }
    }
}

/// The token the selector gives its own eventfd; `register` refuses it.
const WAKE_TOKEN: u64 = u64::MAX;

/// How many reports one `epoll_wait` may return; more wait for the next.
const BATCH: usize = 256;

/// An epoll instance and the eventfd that wakes it. Dropping it closes
/// both descriptors (the eventfd only once every [`Wake`] is gone too).
pub(super) struct Selector {
    epoll: OwnedFd,
    wake: Arc<Wake>,
    /// Where `epoll_wait` writes its reports; reused by every `select`.
    reports: Vec<libc::epoll_event>,
}

/// A handle other threads use to end the selector's wait: a write to its
/// eventfd. Keeps the eventfd open as long as it lives.
pub(super) struct Wake {
    eventfd: OwnedFd,
}

/// The return value of a system call that returns -1 on failure, as an
/// `io::Result` (the error from `errno`).
fn check(returned: libc::c_int) -> io::Result<libc::c_int> {
    if returned == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(returned)
    }
}

/// Takes ownership of a descriptor a system call just returned.
fn owned(fd: RawFd) -> OwnedFd {
    // SAFETY:
    // - `fd` was just returned by a successful epoll_create1 or eventfd
    //   (`check` turned -1 into an error), so it is open;
    // - nothing else owns it: it was made for this call alone.
    unsafe { OwnedFd::from_raw_fd(fd) }
}

impl Selector {
    /// A new epoll instance with its eventfd registered. Both descriptors
    /// are close-on-exec (a child process does not inherit them) and the
    /// eventfd is non-blocking.
    pub(super) fn new() -> io::Result<Self> {
        // SAFETY: epoll_create1 takes no pointer; any flags are safe to pass.
        let epoll = owned(check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?);
        // SAFETY: eventfd takes no pointer; any flags are safe to pass.
        let eventfd = owned(check(unsafe {
            libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK)
        })?);
        let selector = Self {
            epoll,
            wake: Arc::new(Wake { eventfd }),
            reports: Vec::with_capacity(BATCH),
        };
        // Edge-triggered; `select` reads it back to zero when reported.
        selector.control(
            libc::EPOLL_CTL_ADD,
            selector.wake.eventfd.as_raw_fd(),
            (libc::EPOLLIN | libc::EPOLLET) as u32,
            WAKE_TOKEN,
        )?;
        Ok(selector)
    }

    /// A handle that wakes this selector from any thread.
    pub(super) fn waker(&self) -> Arc<Wake> {
        Arc::clone(&self.wake)
    }

    /// Starts watching `fd` for `interest`; its reports carry `token`
    /// (`selectors`' `register`). The caller keeps `fd` open until it
    /// deregisters it.
    pub(super) fn register(&self, fd: RawFd, interest: Interest, token: u64) -> io::Result<()> {
        if token == WAKE_TOKEN {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "selector: token u64::MAX is the selector's own",
            ));
        }
        self.control(libc::EPOLL_CTL_ADD, fd, interest.bits(), token)
    }

    /// Changes what `fd` is watched for, or its token (`modify`). The
    /// loop never needs it (edge-triggered, a socket is registered once
    /// for both directions); it completes the lesson, and the tests use it.
    #[cfg_attr(not(test), expect(dead_code, reason = "the lesson's third call"))]
    pub(super) fn modify(&self, fd: RawFd, interest: Interest, token: u64) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_MOD, fd, interest.bits(), token)
    }

    /// Stops watching `fd` (`unregister`). Closing a descriptor also
    /// removes it, once no duplicate of it is left open; this says so at
    /// once.
    pub(super) fn deregister(&self, fd: RawFd) -> io::Result<()> {
        self.control(libc::EPOLL_CTL_DEL, fd, 0, 0)
    }

    fn control(&self, operation: libc::c_int, fd: RawFd, bits: u32, token: u64) -> io::Result<()> {
        let mut event = libc::epoll_event {
            events: bits,
            u64: token,
        };
        // SAFETY:
        // - `self.epoll` is an open epoll descriptor (owned by `self`);
        // - `event` is a valid epoll_event for the call's duration (DEL
        //   ignores it; kernels before 2.6.9 wanted it non-null anyway);
        // - a bad `fd` is an error the kernel reports (EBADF), not
        //   undefined behaviour.
        check(unsafe { libc::epoll_ctl(self.epoll.as_raw_fd(), operation, fd, &mut event) })
            .map(drop)
    }

    /// Waits until a registered descriptor is ready, the selector is woken
    /// through a [`Wake`], or `timeout` passes (`None`: no limit), and
    /// returns the reports (`selectors`' `select`). Empty when it timed
    /// out or was only woken. A signal that interrupts the wait (`EINTR`)
    /// restarts it with the time that is left.
    pub(super) fn select(
        &mut self,
        timeout: Option<Duration>,
    ) -> io::Result<impl Iterator<Item = Event> + '_> {
        let deadline = timeout.and_then(deadline::after);
        self.reports.clear();
        let found = loop {
            let wait = deadline.map(|deadline| deadline.saturating_duration_since(Instant::now()));
            // SAFETY:
            // - `self.epoll` is an open epoll descriptor;
            // - `reports` has room for `BATCH` (its capacity) epoll_events,
            //   and the kernel writes at most `maxevents` = BATCH of them.
            let returned = unsafe {
                libc::epoll_wait(
                    self.epoll.as_raw_fd(),
                    self.reports.as_mut_ptr(),
                    BATCH as libc::c_int,
                    milliseconds(wait),
                )
            };
            match check(returned) {
                Ok(found) => break found as usize,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        };
        // SAFETY: the kernel initialised the first `found` reports, and
        // `found` <= BATCH <= capacity.
        unsafe { self.reports.set_len(found) };
        if self.reports.iter().any(|report| report.u64 == WAKE_TOKEN) {
            self.wake.drain();
        }
        Ok(self
            .reports
            .iter()
            .filter(|report| report.u64 != WAKE_TOKEN)
            .map(|report| Event::from_bits(report.u64, report.events)))
    }
}

/// `epoll_wait`'s timeout: milliseconds, rounded *up* (a wait that ends
/// before the timer is due would only turn the loop to wait again), -1
/// for no limit; at most `c_int::MAX` (about 24 days; the loop then waits
/// again).
fn milliseconds(wait: Option<Duration>) -> libc::c_int {
    match wait {
        None => -1,
        Some(wait) => {
            let rounded_up = wait.as_nanos().div_ceil(1_000_000);
            libc::c_int::try_from(rounded_up).unwrap_or(libc::c_int::MAX)
        }
    }
}

impl Wake {
    /// Ends the selector's current or next wait: adds 1 to the eventfd's
    /// count, which makes it readable. Safe from any thread, any number
    /// of times.
    pub(super) fn wake(&self) {
        let one: u64 = 1;
        // SAFETY:
        // - `self.eventfd` is an open eventfd, owned by `self`;
        // - the buffer is `one`, 8 readable bytes, the size an eventfd
        //   write takes.
        // The result is not needed: a non-blocking eventfd never sleeps, so
        // it is never interrupted (EINTR), and its one failure, EAGAIN,
        // means the count is at its maximum: readable already.
        unsafe {
            libc::write(
                self.eventfd.as_raw_fd(),
                (&raw const one).cast(),
                size_of::<u64>(),
            )
        };
    }

    /// Reads the count back to zero, so that the next `wake` is a new
    /// edge.
    fn drain(&self) {
        let mut count: u64 = 0;
        // SAFETY:
        // - `self.eventfd` is an open eventfd, owned by `self`;
        // - the buffer is `count`, 8 writable bytes, the size an eventfd
        //   read needs.
        // One read takes the whole count. Its one failure, EAGAIN, means
        // the count is zero already; it never sleeps, so no EINTR.
        unsafe {
            libc::read(
                self.eventfd.as_raw_fd(),
                (&raw mut count).cast(),
                size_of::<u64>(),
            )
        };
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::facade::{run_test, thread};
    use super::*;
    use std::io::Write as _;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn milliseconds_round_up_and_saturate() {
        assert_eq!(milliseconds(None), -1);
        assert_eq!(milliseconds(Some(Duration::ZERO)), 0);
        assert_eq!(milliseconds(Some(Duration::from_nanos(1))), 1);
        assert_eq!(milliseconds(Some(Duration::from_millis(7))), 7);
        assert_eq!(milliseconds(Some(Duration::from_micros(7_001))), 8);
        assert_eq!(milliseconds(Some(Duration::MAX)), libc::c_int::MAX);
    }

    #[test]
    fn a_timeout_with_nothing_ready_reports_nothing() {
        let mut selector = Selector::new().unwrap();
        let start = Instant::now();
        assert_eq!(
            selector
                .select(Some(Duration::from_millis(20)))
                .unwrap()
                .count(),
            0
        );
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn a_wake_from_another_thread_ends_a_wait_without_limit() {
        run_test(a_wake_from_another_thread_ends_a_wait_without_limit_body);
    }

    fn a_wake_from_another_thread_ends_a_wait_without_limit_body() {
        let mut selector = Selector::new().unwrap();
        let wake = selector.waker();
        let waker = thread::spawn(move || wake.wake());
        // No timeout: only the wake can end it (the unit tests' watchdog
        // names this test if it never does).
        assert_eq!(selector.select(None).unwrap().count(), 0);
        waker.join().unwrap();
        // Drained: the next wait times out instead of returning at once.
        assert_eq!(selector.select(Some(Duration::ZERO)).unwrap().count(), 0);
        let start = Instant::now();
        selector
            .select(Some(Duration::from_millis(10)))
            .unwrap()
            .for_each(drop);
        assert!(start.elapsed() >= Duration::from_millis(10));
    }

    #[test]
    #[cfg_attr(miri, ignore = "sockets: Miri has no network")]
    fn a_socket_is_reported_by_its_token_once_per_edge() {
        run_test(a_socket_is_reported_by_its_token_once_per_edge_body);
    }

    fn a_socket_is_reported_by_its_token_once_per_edge_body() {
        let mut selector = Selector::new().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        server.set_nonblocking(true).unwrap();
        selector
            .register(
                server.as_raw_fd(),
                Interest {
                    read: true,
                    write: false,
                },
                7,
            )
            .unwrap();
        client.write_all(b"x").unwrap();
        let events: Vec<Event> = selector.select(None).unwrap().collect();
        assert_eq!(
            events,
            [Event {
                token: 7,
                readable: true,
                writable: false
            }]
        );
        // Edge-triggered: the byte is still unread, but no new edge came.
        assert_eq!(selector.select(Some(Duration::ZERO)).unwrap().count(), 0);
        // Modified to watch writes too: reported writable, under the new token.
        selector
            .modify(server.as_raw_fd(), Interest::BOTH, 8)
            .unwrap();
        let events: Vec<Event> = selector.select(None).unwrap().collect();
        assert_eq!(events.len(), 1);
        assert_eq!((events[0].token, events[0].writable), (8, true));
        selector.deregister(server.as_raw_fd()).unwrap();
        client.write_all(b"y").unwrap();
        assert_eq!(
            selector
                .select(Some(Duration::from_millis(10)))
                .unwrap()
                .count(),
            0
        );
    }

    /// A signal handler that does nothing: its delivery interrupts a
    /// sleeping system call (EINTR) and nothing else.
    extern "C" fn ignore(_: libc::c_int) {}

    #[test]
    #[cfg_attr(miri, ignore = "signals: Miri does not deliver them")]
    fn a_signal_during_the_wait_restarts_it_for_the_time_left() {
        run_test(a_signal_during_the_wait_restarts_it_for_the_time_left_body);
    }

    fn a_signal_during_the_wait_restarts_it_for_the_time_left_body() {
        // SAFETY: a zeroed sigaction is a valid value (no flags, an empty
        // mask); the handler is an `extern "C" fn(c_int)` that touches
        // nothing, so it is safe to run at any point of any thread.
        unsafe {
            let mut action: libc::sigaction = core::mem::zeroed();
            action.sa_sigaction = ignore as extern "C" fn(libc::c_int) as libc::sighandler_t;
            assert_eq!(
                libc::sigaction(libc::SIGURG, &action, core::ptr::null_mut()),
                0
            );
        }
        let mut selector = Selector::new().unwrap();
        // SAFETY: pthread_self takes nothing and always succeeds.
        let waiting = unsafe { libc::pthread_self() };
        let signaller = thread::spawn(move || {
            for _ in 0..5 {
                thread::sleep(Duration::from_millis(10));
                // SAFETY: `waiting` is alive: it joins this thread below,
                // after its wait.
                unsafe { libc::pthread_kill(waiting, libc::SIGURG) };
            }
        });
        let start = Instant::now();
        let reported = selector.select(Some(Duration::from_millis(100)));
        let took = start.elapsed();
        signaller.join().unwrap();
        assert_eq!(reported.unwrap().count(), 0);
        assert!(took >= Duration::from_millis(100), "{took:?}");
    }

    #[test]
    #[cfg_attr(miri, ignore = "sockets: Miri has no network")]
    fn the_wake_token_and_bad_descriptors_are_refused() {
        let selector = Selector::new().unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let refused = selector
            .register(listener.as_raw_fd(), Interest::BOTH, WAKE_TOKEN)
            .unwrap_err();
        assert_eq!(refused.kind(), io::ErrorKind::InvalidInput);
        assert!(selector.register(-1, Interest::BOTH, 1).is_err());
        assert!(selector.deregister(listener.as_raw_fd()).is_err()); // never registered
    }

    #[test]
    fn a_hang_up_is_readable_and_writable() {
        let event = Event::from_bits(3, libc::EPOLLHUP as u32);
        assert!(event.readable && event.writable);
        let event = Event::from_bits(3, libc::EPOLLOUT as u32);
        assert!(!event.readable && event.writable);
        let event = Event::from_bits(3, libc::EPOLLRDHUP as u32);
        assert!(event.readable && !event.writable);
    }
}
