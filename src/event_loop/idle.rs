//! What the loop does when no task is ready: sleep in its selector until a
//! socket is ready, a waker on another thread rings, or the earliest timer
//! is due; then wake the tasks waiting for the sockets that are ready.
//! asyncio's `BaseEventLoop._run_once`, the half between "nothing to run"
//! and "run what is ready".
//!
//! Three pieces, all on the loop's thread but the doorbell:
//! - the selector (`selector.rs`: epoll and its eventfd);
//! - the registry: for each registered socket (by token), the wakers of
//!   the tasks waiting to read and to write it;
//! - the doorbell, which every task's waker holds: after putting its task
//!   in the ready queue, a waker rings (writes the eventfd) only if the
//!   loop is asleep or about to be (`sleep_flag.rs` has the argument).
//!
//! Without a selector (not Linux, or the system refused one: out of file
//! descriptors) the loop waits on its ready queue itself, as before
//! sockets: a blocking `get` with the earliest timer as deadline, which a
//! waker's `put` ends. Timers and wakers work the same; sockets report
//! the error.

#[cfg(target_os = "linux")]
use core::cell::{Cell, RefCell};
#[cfg(target_os = "linux")]
use core::task::Waker;
#[cfg(target_os = "linux")]
use std::collections::HashMap;
#[cfg(target_os = "linux")]
use std::io;
#[cfg(target_os = "linux")]
use std::os::fd::RawFd;
use std::time::Instant;

use super::super::facade::Arc;
use super::super::lockdep;
use super::super::queue::FifoQueue;
#[cfg(target_os = "linux")]
use super::super::sleep_flag::SleepFlag;
#[cfg(target_os = "linux")]
use super::super::wakers::Wakers;
#[cfg(target_os = "linux")]
use super::selector::{Interest, Selector, Wake};

/// How a waker on any thread rouses a sleeping loop.
pub(super) struct Doorbell {
    #[cfg(target_os = "linux")]
    flag: SleepFlag,
    /// The selector's eventfd; `None` when the loop waits on its queue.
    #[cfg(target_os = "linux")]
    wake: Option<Arc<Wake>>,
}

impl Doorbell {
    /// Called by a waker just after it put its task in the ready queue:
    /// rings the loop awake if it sleeps in its selector. A loop waiting
    /// on its queue instead was woken by the put itself.
    pub(super) fn ring_if_asleep(&self) {
        #[cfg(target_os = "linux")]
        if let Some(wake) = &self.wake {
            if self.flag.must_ring() {
                wake.wake();
            }
        }
    }
}

/// A direction a task waits for a socket in.
#[cfg(target_os = "linux")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Direction {
    Read,
    Write,
}

/// The tasks waiting on one registered socket.
#[cfg(target_os = "linux")]
struct Waiting {
    read: Wakers,
    write: Wakers,
}

#[cfg(target_os = "linux")]
impl Waiting {
    fn side(&mut self, direction: Direction) -> &mut Wakers {
        match direction {
            Direction::Read => &mut self.read,
            Direction::Write => &mut self.write,
        }
    }
}

/// The loop's idle wait and its socket registry.
pub(super) struct Idle {
    /// The selector, or why there is none (kept as text: `io::Error` is
    /// not `Clone`, and every socket call reports it again).
    #[cfg(target_os = "linux")]
    selector: Result<RefCell<Selector>, String>,
    /// Waiting tasks by socket token. Tokens are never reused within a
    /// loop, so a report for a socket closed meanwhile finds nothing.
    #[cfg(target_os = "linux")]
    registry: RefCell<HashMap<u64, Waiting>>,
    #[cfg(target_os = "linux")]
    next_token: Cell<u64>,
    doorbell: Arc<Doorbell>,
}

impl Idle {
    pub(super) fn new() -> Self {
        #[cfg(target_os = "linux")]
        {
            let selector = Selector::new()
                .map_err(|error| format!("the event loop has no selector (epoll): {error}"));
            let wake = selector.as_ref().ok().map(Selector::waker);
            Self {
                selector: selector.map(RefCell::new),
                registry: RefCell::new(HashMap::new()),
                next_token: Cell::new(0),
                doorbell: Arc::new(Doorbell {
                    flag: SleepFlag::new(),
                    wake,
                }),
            }
        }
        #[cfg(not(target_os = "linux"))]
        Self {
            doorbell: Arc::new(Doorbell {}),
        }
    }

    /// The doorbell, for a task's waker.
    pub(super) fn doorbell(&self) -> Arc<Doorbell> {
        Arc::clone(&self.doorbell)
    }

    /// Waits until a task is ready, a socket is, or `earliest` (the
    /// earliest timer) passes, and returns the ids then ready (possibly
    /// none: a timer is due, or the wake-up was spurious; the loop turns
    /// again). Shown to the lock-order checker as the wait `what` at `at`.
    pub(super) fn wait<T>(
        &self,
        ready: &FifoQueue<T>,
        what: &'static str,
        at: lockdep::Site,
        earliest: Option<Instant>,
    ) -> Vec<T> {
        #[cfg(target_os = "linux")]
        if let Ok(selector) = &self.selector {
            lockdep::before_wait(what, at, earliest.is_some());
            let timeout = earliest.map(|due| due.saturating_duration_since(Instant::now()));
            let reports = self.doorbell.flag.sleep_unless(
                || !ready.is_empty(),
                || {
                    selector
                        .borrow_mut()
                        .select(timeout)
                        .map(Iterator::collect::<Vec<_>>)
                },
            );
            match reports {
                None => {}
                Some(Ok(reports)) => self.wake_waiting(reports),
                // epoll_wait fails only on a bad descriptor or argument,
                // which this file never passes; if it does, this turn
                // waits on the queue, so the loop neither spins nor stops.
                Some(Err(_)) => return wait_on_queue(ready, what, at, earliest),
            }
            return ready.try_iter().take(ready.len()).collect();
        }
        wait_on_queue(ready, what, at, earliest)
    }

    /// Wakes the tasks waiting for the sockets in `reports`.
    #[cfg(target_os = "linux")]
    fn wake_waiting(&self, reports: Vec<super::selector::Event>) {
        let mut woken = Vec::new();
        {
            let mut registry = self.registry.borrow_mut();
            for report in reports {
                let Some(waiting) = registry.get_mut(&report.token) else {
                    continue; // deregistered since
                };
                if report.readable {
                    woken.push(waiting.read.take_all());
                }
                if report.writable {
                    woken.push(waiting.write.take_all());
                }
            }
        }
        // Woken with the registry free: a waker only queues a number, but
        // keep the rule of waking with nothing borrowed.
        for wakers in woken {
            wakers.wake();
        }
    }

    /// Registers `fd` with the selector, edge-triggered for both
    /// directions, and returns its token.
    #[cfg(target_os = "linux")]
    pub(super) fn register(&self, fd: RawFd) -> io::Result<u64> {
        let selector = self
            .selector
            .as_ref()
            .map_err(|why| io::Error::other(why.clone()))?;
        let token = self.next_token.get();
        selector.borrow().register(fd, Interest::BOTH, token)?;
        self.next_token.set(token + 1);
        self.registry.borrow_mut().insert(
            token,
            Waiting {
                read: Wakers::new(),
                write: Wakers::new(),
            },
        );
        Ok(token)
    }

    /// Stops watching `fd` (registered as `token`) and forgets its waiters.
    #[cfg(target_os = "linux")]
    pub(super) fn deregister(&self, fd: RawFd, token: u64) {
        if let Ok(selector) = &self.selector {
            // An error means the kernel already forgot it; nothing to undo.
            let _ = selector.borrow().deregister(fd);
        }
        self.registry.borrow_mut().remove(&token);
    }

    /// A key for one waiting future on `token`, or `None` if the token is
    /// not registered here.
    #[cfg(target_os = "linux")]
    pub(super) fn new_key(&self, token: u64, direction: Direction) -> Option<u64> {
        let mut registry = self.registry.borrow_mut();
        Some(registry.get_mut(&token)?.side(direction).new_key())
    }

    /// Leaves `waker` to be woken when `token`'s socket is next ready in
    /// `direction`.
    #[cfg(target_os = "linux")]
    pub(super) fn wait_for(&self, token: u64, direction: Direction, key: u64, waker: &Waker) {
        if let Some(waiting) = self.registry.borrow_mut().get_mut(&token) {
            waiting.side(direction).register(key, waker);
        }
    }

    /// Removes a waiting future's waker (it finished, or was dropped).
    #[cfg(target_os = "linux")]
    pub(super) fn stop_waiting(&self, token: u64, direction: Direction, key: u64) {
        if let Some(waiting) = self.registry.borrow_mut().get_mut(&token) {
            waiting.side(direction).remove(key);
        }
    }

    /// Whether any task waits on `token` in `direction` (for tests).
    #[cfg(all(test, target_os = "linux"))]
    pub(super) fn is_waiting(&self, token: u64, direction: Direction) -> bool {
        let mut registry = self.registry.borrow_mut();
        registry
            .get_mut(&token)
            .is_some_and(|waiting| !waiting.side(direction).is_empty())
    }
}

/// The wait without a selector: a blocking `get` on the ready queue with
/// the earliest timer as deadline. Without a deadline it may come back
/// empty early; the loop then simply turns again.
fn wait_on_queue<T>(
    ready: &FifoQueue<T>,
    what: &'static str,
    at: lockdep::Site,
    earliest: Option<Instant>,
) -> Vec<T> {
    ready
        .get_reported_as(what, at, earliest)
        .ok()
        .into_iter()
        .collect()
}
