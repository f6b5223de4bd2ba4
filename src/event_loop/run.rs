//! The loop: "a task list; while True: run what is ready, drop what is
//! done", as the notes put it, with two additions a real loop needs: a
//! timer list, and a way for other threads to say "this task is ready".
//!
//! ```text
//!           wakers (any thread)          timers (this thread)
//!                 │ put(id)                    │ due: wake
//!                 ▼                            ▼
//!   ┌───────────────────────┐      ┌───────────────────────┐
//!   │ ready: FifoQueue<id>  │ ◀─── │ BTreeMap<(when, n),   │
//!   └───────────────────────┘      │          Waker>       │
//!                 │ get            └───────────────────────┘
//!                 ▼
//!   ┌───────────────────────┐
//!   │ tasks: id → future    │  poll each ready one once; drop what is done
//!   └───────────────────────┘
//! ```
//!
//! A task is polled only when its waker has put its id in `ready`. When
//! nothing is ready the loop sleeps in its selector (epoll, `idle.rs`)
//! until a socket is ready, a waker rings, or the earliest timer is due.

use core::cell::{Cell, RefCell};
use core::future::Future;
use core::pin::{Pin, pin};
use core::task::{Context, Poll, Waker};
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;
use std::task::Wake;
use std::time::Instant;

use super::super::facade::{Arc, AtomicBool, AtomicUsize, Ordering, thread_local};
use super::super::lockdep;
use super::super::queue::FifoQueue;
use super::idle::{Doorbell, Idle};

/// A task's number in its loop; never reused within a loop.
pub(super) type TaskId = u64;

/// The number of `run`'s own future, the "main" coroutine.
const MAIN: TaskId = 0;

/// One running loop. Lives on the loop's thread only (`Rc`); what other
/// threads touch is behind `Arc`: the ready queue and the wakers.
pub(super) struct Loop {
    /// This loop's number among all loops this process ran: a sleeper
    /// keeps it rather than a pointer, so it stays `Send`.
    pub(super) number: usize,
    /// The tasks not yet done, by number. A task being polled is taken out,
    /// so that it may spawn others while the map is free.
    tasks: RefCell<HashMap<TaskId, Task>>,
    next_task: Cell<TaskId>,
    /// Numbers of tasks woken and not yet polled, from any thread.
    ready: Arc<FifoQueue<TaskId>>,
    /// Sleeping futures' wakers by deadline; the number keeps equal
    /// deadlines apart.
    timers: RefCell<BTreeMap<(Instant, u64), Waker>>,
    next_timer: Cell<u64>,
    /// The idle wait: the selector, its sockets' waiting tasks, and the
    /// doorbell every waker holds.
    pub(super) idle: Idle,
}

/// A spawned task: its future (which stores its own output, see
/// `task.rs`) and the waker that puts its number back in `ready`.
pub(super) struct Task {
    future: Pin<Box<dyn Future<Output = ()>>>,
    wakeup: Arc<Wakeup>,
}

/// What a task's `Waker` does: put the task's number in the ready queue,
/// once until the task is polled again.
pub(super) struct Wakeup {
    id: TaskId,
    ready: Arc<FifoQueue<TaskId>>,
    /// Rung after the put, if the loop sleeps in its selector.
    doorbell: Arc<Doorbell>,
    /// Set by a wake, cleared just before the task is polled: a task woken
    /// ten times before it runs is queued once; one woken while it runs is
    /// queued again.
    queued: AtomicBool,
}

impl Wake for Wakeup {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            // Refused only once the loop has ended and closed the queue: a
            // wake-up for a task that no longer exists, dropped.
            if self.ready.put(self.id).is_ok() {
                self.doorbell.ring_if_asleep();
            }
        }
    }
}

thread_local! {
    /// The loop running on this thread, if any.
    static CURRENT: RefCell<Option<Rc<Loop>>> = const { RefCell::new(None) };
}

/// The loop running on this thread, if any.
pub(super) fn current() -> Option<Rc<Loop>> {
    CURRENT.with(|current| current.borrow().clone())
}

/// Makes a loop the current one until dropped, then restores the one
/// before (a `run` inside a task runs a loop of its own, blocking the
/// outer one, as any blocking call would).
struct Entered {
    before: Option<Rc<Loop>>,
}

impl Entered {
    fn new(running: Rc<Loop>) -> Self {
        let before = CURRENT.with(|current| current.replace(Some(running)));
        Self { before }
    }
}

impl Drop for Entered {
    fn drop(&mut self) {
        let before = self.before.take();
        CURRENT.with(|current| *current.borrow_mut() = before);
    }
}

impl Loop {
    fn new() -> Self {
        static LOOPS: AtomicUsize = AtomicUsize::new(0);
        Self {
            number: LOOPS.fetch_add(1, Ordering::Relaxed),
            tasks: RefCell::new(HashMap::new()),
            // 0 is MAIN.
            next_task: Cell::new(MAIN + 1),
            ready: Arc::new(FifoQueue::unbounded()),
            timers: RefCell::new(BTreeMap::new()),
            next_timer: Cell::new(0),
            idle: Idle::new(),
        }
    }

    fn wakeup(&self, id: TaskId) -> Arc<Wakeup> {
        Arc::new(Wakeup {
            id,
            ready: Arc::clone(&self.ready),
            doorbell: self.idle.doorbell(),
            queued: AtomicBool::new(false),
        })
    }

    /// Adds the task `make` builds for its number, and marks it ready;
    /// returns its number and its waker (for a cancel).
    pub(super) fn add_task(
        &self,
        make: impl FnOnce(TaskId) -> Pin<Box<dyn Future<Output = ()>>>,
    ) -> (TaskId, Waker) {
        let id = self.next_task.get();
        self.next_task.set(id + 1);
        let future = make(id);
        let wakeup = self.wakeup(id);
        let waker = Waker::from(Arc::clone(&wakeup));
        self.tasks.borrow_mut().insert(id, Task { future, wakeup });
        waker.wake_by_ref();
        (id, waker)
    }

    /// Drops task `id`'s future now, if the task is waiting in the map
    /// (not done, and not the one running: a task that drops its own
    /// handle is not here). Returns whether it did. The map is free while
    /// the future drops: its drop may cancel or spawn others.
    pub(super) fn cancel_now(&self, id: TaskId) -> bool {
        let task = self.tasks.borrow_mut().remove(&id);
        let found = task.is_some();
        drop(task);
        found
    }

    /// Polls task `id` once, if it still exists; drops it if it is done.
    fn run_task(&self, id: TaskId) {
        // Out of the map while it runs: it may spawn.
        let Some(mut task) = self.tasks.borrow_mut().remove(&id) else {
            return; // done already; a late wake-up
        };
        task.wakeup.queued.store(false, Ordering::Release);
        let waker = Waker::from(Arc::clone(&task.wakeup));
        if task
            .future
            .as_mut()
            .poll(&mut Context::from_waker(&waker))
            .is_pending()
        {
            self.tasks.borrow_mut().insert(id, task);
        }
    }

    /// Registers a sleeper's waker until `deadline`; returns its key.
    pub(super) fn add_timer(&self, deadline: Instant, waker: &Waker) -> (Instant, u64) {
        let number = self.next_timer.get();
        self.next_timer.set(number + 1);
        let key = (deadline, number);
        self.timers.borrow_mut().insert(key, waker.clone());
        key
    }

    /// Replaces a registered sleeper's waker (a re-poll by another task).
    pub(super) fn update_timer(&self, key: (Instant, u64), waker: &Waker) {
        if let Some(registered) = self.timers.borrow_mut().get_mut(&key) {
            if !registered.will_wake(waker) {
                registered.clone_from(waker);
            }
        }
    }

    /// Removes a sleeper's waker (it finished, or was dropped).
    pub(super) fn remove_timer(&self, key: (Instant, u64)) {
        self.timers.borrow_mut().remove(&key);
    }

    /// Wakes every sleeper whose deadline has come.
    fn fire_due_timers(&self) {
        let now = Instant::now();
        let mut due = Vec::new();
        {
            let mut timers = self.timers.borrow_mut();
            while let Some(entry) = timers.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                due.push(entry.remove());
            }
        }
        // Woken with the map free: a waker only queues a number, but keep
        // the rule of waking with nothing borrowed.
        for waker in due {
            waker.wake();
        }
    }

    /// The ids ready now, or, if none is, those ready after the idle wait
    /// (`idle.rs`: until a wake-up, a ready socket or the earliest
    /// deadline; empty then).
    ///
    /// The lock-order checker sees that wait as `event_loop::run`, called
    /// at `at` (where the user called `run`): a lock held there is one a
    /// task holds across an `.await`, and the whole thread blocks with it.
    fn next_batch(&self, at: lockdep::Site) -> Vec<TaskId> {
        let batch: Vec<TaskId> = self.ready.try_iter().take(self.ready.len()).collect();
        if !batch.is_empty() {
            return batch;
        }
        let earliest = self.timers.borrow().keys().next().map(|key| key.0);
        self.idle.wait(
            &self.ready,
            "event_loop::run (waiting for a task to wake, a socket or a timer)",
            at,
            earliest,
        )
    }

    /// The running loop, if it is the one numbered `number`.
    pub(super) fn current_numbered(number: usize) -> Option<Rc<Self>> {
        current().filter(|running| running.number == number)
    }
}

/// Runs `main` on this thread to completion, with every task it spawns,
/// and returns its output (Python's `asyncio.run(main())`). Tasks still
/// running when `main` returns are dropped (cancelled), as `asyncio.run`
/// cancels them.
///
/// A `run` inside a task runs a loop of its own, blocking the outer loop
/// until it returns, as any blocking call inside a coroutine would.
///
/// ```
/// use turnstile::event_loop::{run, spawn};
///
/// let answer = run(async {
///     let task = spawn(async { 6 * 7 }).unwrap();
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
#[cfg_attr(feature = "lockdep", track_caller)]
pub fn run<F: Future>(main: F) -> F::Output {
    let at = lockdep::caller();
    let running = Rc::new(Loop::new());
    let entered = Entered::new(Rc::clone(&running));
    let mut main = pin!(main);
    let main_wakeup = running.wakeup(MAIN);
    let main_waker = Waker::from(Arc::clone(&main_wakeup));
    main_waker.wake_by_ref();
    let output = 'running: loop {
        running.fire_due_timers();
        for id in running.next_batch(at) {
            if id != MAIN {
                running.run_task(id);
                continue;
            }
            main_wakeup.queued.store(false, Ordering::Release);
            if let Poll::Ready(output) = main.as_mut().poll(&mut Context::from_waker(&main_waker)) {
                break 'running output;
            }
        }
    };
    // Drop what is left (a task's drop may spawn: repeat until empty),
    // still as the current loop, then refuse late wake-ups.
    loop {
        let left = core::mem::take(&mut *running.tasks.borrow_mut());
        if left.is_empty() {
            break;
        }
        drop(left);
    }
    running.ready.close();
    drop(entered);
    output
}
