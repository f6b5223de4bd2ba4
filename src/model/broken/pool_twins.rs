//! Broken pieces of a thread pool: a future whose callback list is read
//! without its lock, a future whose cancel and start can both win, a future
//! whose awaiting task can miss its wake-up, and a pool whose workers can
//! miss the stop signal.

use std::collections::VecDeque;
use std::task::Waker;

use super::super::condvar::Condvar;
use super::super::facade::{Arc, AtomicBool, AtomicU8, Ordering};
use super::super::mutex::Mutex;

const PENDING: u8 = 0;
const RUNNING: u8 = 1;
const DONE: u8 = 2;
const CANCELLED: u8 = 3;

/// A callback for the twins: no arguments.
type Callback = Box<dyn FnOnce() + Send>;

/// Broken twin of [`Future::add_done_callback`](crate::model::pool::Future::add_done_callback):
/// it asks "done yet?" of an atomic, without the lock that guards the list.
/// If the task finishes between the question and the push, the finisher has
/// already drained the list and the callback is never run.
pub struct UnlockedCallbackFuture {
    done: AtomicBool,
    callbacks: Mutex<Vec<Callback>>,
}

impl UnlockedCallbackFuture {
    /// A pending future.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            done: AtomicBool::new(false),
            callbacks: Mutex::new(Vec::new()),
        }
    }

    /// Runs `callback` once the future is done (or so it hopes).
    pub fn add_done_callback(&self, callback: impl FnOnce() + Send + 'static) {
        // BUG: the check is not under the lock that guards the list.
        if self.done.load(Ordering::SeqCst) {
            callback();
        } else {
            self.callbacks.lock().push(Box::new(callback));
        }
    }

    /// Marks it done and runs the callbacks registered so far.
    pub fn finish(&self) {
        self.done.store(true, Ordering::SeqCst);
        let callbacks = core::mem::take(&mut *self.callbacks.lock());
        for callback in callbacks {
            callback();
        }
    }
}

/// Broken twin of [`AsyncResult`](crate::model::pool::AsyncResult)'s poll:
/// it asks "done yet?" once, outside the lock, and then registers its waker
/// under the lock without asking again. If the task finishes between the
/// two, the finisher found no waker to wake, and the waker registered
/// afterwards is never woken: the awaiting task sleeps for ever.
pub struct LateWakerFuture {
    done: AtomicBool,
    waker: Mutex<Option<Waker>>,
}

impl LateWakerFuture {
    /// A pending future.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            done: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }

    /// Whether it is done; if not, `waker` is to be woken when it is (or so
    /// it hopes).
    pub fn poll_done(&self, waker: &Waker) -> bool {
        if self.done.load(Ordering::SeqCst) {
            return true;
        }
        // BUG: registers without looking at `done` again under the lock.
        *self.waker.lock() = Some(waker.clone());
        false
    }

    /// Marks it done and wakes the registered waker, if any.
    pub fn finish(&self) {
        let waker = {
            let mut waker = self.waker.lock();
            self.done.store(true, Ordering::SeqCst);
            waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Broken twin of the future's Pending → Running / Pending → Cancelled
/// transitions: each reads the state and then writes it, in two steps, so a
/// cancel and a start that overlap can both succeed: a "cancelled" task runs.
pub struct CheckThenSetStateFuture {
    state: AtomicU8,
}

impl CheckThenSetStateFuture {
    /// A pending future.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            state: AtomicU8::new(PENDING),
        }
    }

    /// Pending → Running; whether the task may run.
    pub fn start(&self) -> bool {
        // BUG: load, then store; the real future swaps Pending for
        // Running in one compare-and-swap, and its cancel swaps Pending away
        // the same way, so only one of them can see Pending.
        if self.state.load(Ordering::SeqCst) == PENDING {
            self.state.store(RUNNING, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Pending → Cancelled; whether it was cancelled.
    pub fn cancel(&self) -> bool {
        // BUG: the same two steps.
        if self.state.load(Ordering::SeqCst) == PENDING {
            self.state.store(CANCELLED, Ordering::SeqCst);
            return true;
        }
        false
    }

    /// Running → Done.
    pub fn finish(&self) {
        self.state.store(DONE, Ordering::SeqCst);
    }
}

/// Broken twin of the pool's shutdown: a worker checks a stop flag and then
/// waits for jobs, and `shutdown` raises the flag and notifies *without the
/// lock*. A notify that lands between the worker's check and its sleep finds
/// nobody waiting; the worker sleeps forever and `shutdown`'s join never
/// returns. (The real pool closes its queue, whose state change and notify
/// happen under the queue's lock.)
pub struct MissedStopPool {
    jobs: Arc<(Mutex<VecDeque<Callback>>, Condvar, AtomicBool)>,
}

impl MissedStopPool {
    /// A pool whose single worker runs `run_worker` (call it on a thread).
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        Self {
            jobs: Arc::new((
                Mutex::new(VecDeque::new()),
                Condvar::new(),
                AtomicBool::new(false),
            )),
        }
    }

    /// The worker's loop: run jobs until stopped.
    pub fn run_worker(&self) {
        let (queue, ready, stop) = &*self.jobs;
        loop {
            let mut jobs = queue.lock();
            while jobs.is_empty() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                ready.wait(&mut jobs);
            }
            let job = jobs.pop_front();
            drop(jobs);
            if let Some(job) = job {
                job();
            }
        }
    }

    /// Asks the worker to stop.
    pub fn shutdown(&self) {
        let (_, ready, stop) = &*self.jobs;
        // BUG: the flag and the notify are not under the queue's lock.
        stop.store(true, Ordering::SeqCst);
        ready.notify_all();
    }
}

impl Clone for MissedStopPool {
    fn clone(&self) -> Self {
        Self {
            jobs: Arc::clone(&self.jobs),
        }
    }
}
