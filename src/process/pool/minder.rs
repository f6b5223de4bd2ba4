//! The pool's parent side: one *minder* thread per worker process, and the
//! state they share ([`Shared`]).
//!
//! A minder takes the next task from the pool's queue, hands it to its
//! worker, waits for the answer and settles the task's future; then the
//! next. One thread per worker, not one dispatcher for all, because then
//! every wait is a plain blocking call on one thing: the queue, or this
//! worker's connection. A worker's death is seen where it matters, by the
//! thread waiting on it: its connection reads end-of-file (the kernel
//! closes a dead process's descriptors), the minder reaps it, fails the
//! task it was running with [`TaskError::WorkerDied`] (its pid and how it
//! ended), and starts a new worker. A single dispatcher would have to
//! `poll` every connection and the queue at once; a thread per worker
//! costs a stack beside a whole process.
//!
//! Python's `Pool` runs three threads for all workers (task handler,
//! result handler, worker handler) and looks for dead workers every 0.1 s;
//! a task whose worker died is never settled, and its `get()` waits
//! forever. Here it fails at once, and the pool goes on.

use core::num::NonZeroUsize;
use core::time::Duration;

use super::super::super::facade::{Arc, AtomicBool, Ordering};
use super::super::super::mutex::Mutex;
use super::super::super::pool::{Promise, TaskError};
use super::super::super::queue::FifoQueue;
use super::super::handle::Process;
use super::super::pipe::{Connection, RecvError, SendError};
use super::error::PoolError;
use super::job::Job;
use super::wire::{Order, Reply};

/// Starts worker number `index`: the process and the pool's end of its
/// connection. Made by the builder, which knows the initializer's type.
pub(super) type Spawn =
    Box<dyn Fn(usize) -> Result<(Process, Connection), PoolError> + Send + Sync>;

/// How long a worker that should be exiting (its connection closed, or it
/// served its last task) gets before it is killed.
const EXIT_PATIENCE: Duration = Duration::from_secs(5);

/// What the pool and its minders share.
pub(super) struct Shared {
    /// Tasks not yet handed to a worker. Closed by `close` and `terminate`.
    pub(super) jobs: FifoQueue<Job>,
    /// Set by `terminate`, before anything is killed.
    terminated: AtomicBool,
    /// Why the pool is broken (an initializer failed), once it is.
    broken: Mutex<Option<String>>,
    /// Each minder's worker process while it lives, so `terminate` can
    /// kill it. The minder takes it out to reap it, under the slot's lock,
    /// so nothing kills a pid after it was reaped (and perhaps reused).
    slots: Vec<Mutex<Option<Process>>>,
    /// Starts a worker.
    spawn: Spawn,
    /// Python's `maxtasksperchild`.
    max_tasks: Option<NonZeroUsize>,
}

/// A minder's live worker: the pool's end of its connection.
struct Worker {
    pid: u32,
    conn: Connection,
    /// Whether it said [`Reply::Ready`] (its initializer returned).
    ready: bool,
    /// Tasks answered, for `max_tasks_per_child`.
    served: usize,
}

impl Shared {
    pub(super) fn new(workers: usize, spawn: Spawn, max_tasks: Option<NonZeroUsize>) -> Self {
        Shared {
            jobs: FifoQueue::unbounded(),
            terminated: AtomicBool::new(false),
            broken: Mutex::new(None),
            slots: (0..workers).map(|_| Mutex::new(None)).collect(),
            spawn,
            max_tasks,
        }
    }

    pub(super) fn is_terminated(&self) -> bool {
        self.terminated.load(Ordering::SeqCst)
    }

    pub(super) fn broken(&self) -> Option<String> {
        self.broken.lock().clone()
    }

    fn set_broken(&self, reason: String) {
        self.broken.lock().get_or_insert(reason);
    }

    /// The pids of the workers alive now.
    pub(super) fn pids(&self) -> Vec<u32> {
        self.slots
            .iter()
            .filter_map(|slot| slot.lock().as_ref().map(Process::pid))
            .collect()
    }

    /// Starts worker `index` and puts its process in its slot.
    fn start_worker(&self, index: usize) -> Result<Worker, PoolError> {
        let (process, conn) = (self.spawn)(index)?;
        let pid = process.pid();
        let mut slot = self.slots[index].lock();
        // Checked under the slot's lock, which `terminate` takes after
        // setting the flag: either it finds this process here and kills
        // it, or this sees the flag and kills it now.
        if self.is_terminated() {
            let _ = process.kill();
        }
        *slot = Some(process);
        drop(slot);
        Ok(Worker {
            pid,
            conn,
            ready: false,
            served: 0,
        })
    }

    /// Whether worker `index`'s process is still running (a non-blocking
    /// `waitpid`; it stays in its slot, unreaped, either way).
    fn is_alive(&self, index: usize) -> bool {
        self.slots[index]
            .lock()
            .as_mut()
            .is_some_and(Process::is_alive)
    }

    /// Takes worker `index`'s process out of its slot and waits for it to
    /// exit (killing it first if `kill`, or if it outstays
    /// [`EXIT_PATIENCE`]): its exit code, Python's way (`-N` for signal N).
    fn reap(&self, index: usize, kill: bool) -> Option<i32> {
        let mut process = self.slots[index].lock().take()?;
        if kill {
            let _ = process.kill();
        }
        match process.join_timeout(EXIT_PATIENCE) {
            Ok(code) => Some(code),
            Err(_) => {
                let _ = process.kill();
                process.join().ok()
            }
        }
    }

    /// Python's `terminate`: no more tasks, queued ones fail with
    /// [`TaskError::Terminated`], every worker is killed (its minder sees
    /// the connection close, fails its running task the same way, and
    /// reaps it).
    pub(super) fn terminate(&self) {
        self.terminated.store(true, Ordering::SeqCst);
        self.jobs.close();
        while let Ok(job) = self.jobs.try_get() {
            job.fail(TaskError::Terminated);
        }
        for slot in &self.slots {
            if let Some(process) = slot.lock().as_ref() {
                let _ = process.kill();
            }
        }
    }
}

/// A minder's life: start its worker (telling `started` whether it
/// could), feed it tasks one at a time, settle their futures; replace the
/// worker when it dies or retires. Returns once the pool is closed and its
/// queue drained, or terminated; its worker is reaped by then.
///
/// The minder starts every worker it keeps, the first one included,
/// because a worker is a daemon: the kernel kills it when the *thread*
/// that started it ends (`PR_SET_PDEATHSIG` follows the thread, not the
/// process). Started by the thread that called `build`, the first workers
/// would die with that thread; the minder outlives its workers.
pub(super) fn mind(shared: Arc<Shared>, index: usize, started: Promise<Result<(), PoolError>>) {
    let mut worker = match shared.start_worker(index) {
        Ok(first) => {
            started.finish(Ok(Ok(())));
            Some(first)
        }
        Err(error) => {
            started.finish(Ok(Err(error)));
            return;
        }
    };
    // A task taken from the queue but not started: its worker was found
    // dead before it was handed over, so it waits for the next one.
    let mut held: Option<Job> = None;
    // Workers in a row that died before they were ready.
    let mut failed_starts = 0;
    loop {
        if shared.is_terminated() {
            break;
        }
        if let Some(reason) = shared.broken() {
            // A broken pool runs nothing: fail what comes, until closed.
            match held.take().or_else(|| shared.jobs.get().ok()) {
                Some(job) => job.fail(TaskError::PoolBroken(reason)),
                None => break,
            }
            continue;
        }
        let Some(live) = worker.as_mut() else {
            if held.is_none() && shared.jobs.is_closed() && shared.jobs.is_empty() {
                break;
            }
            match shared.start_worker(index) {
                Ok(new) => worker = Some(new),
                // No worker to run it: fail one task rather than retry in
                // a loop, so a system that cannot start processes fails
                // the work quickly instead of spinning.
                Err(error) => match held.take().or_else(|| shared.jobs.get().ok()) {
                    Some(job) => job.fail(TaskError::PoolBroken(error.to_string())),
                    None => break,
                },
            }
            continue;
        };
        if !live.ready {
            match greet(&shared, index, live) {
                Ok(()) => failed_starts = 0,
                Err(Start::Broke(reason)) => {
                    shared.set_broken(reason);
                    worker = None;
                }
                Err(Start::Died(reason)) => {
                    worker = None;
                    failed_starts += 1;
                    if failed_starts >= START_TRIES {
                        shared.set_broken(reason);
                    }
                }
                Err(Start::Terminated) => worker = None,
            }
            continue;
        }
        let Some(mut job) = held.take().or_else(|| shared.jobs.get().ok()) else {
            break;
        };
        if shared.is_terminated() {
            job.fail(TaskError::Terminated);
            break;
        }
        // An idle worker can die too (killed from outside, out of memory):
        // then its connection is readable (end-of-file) before it was sent
        // anything. Look before handing it the task, so the task is not
        // blamed for a death it did not see. Ask the process too: the
        // end-of-file comes only once no process holds the worker's end,
        // and a child another thread of this program was forking while
        // this worker started holds a copy until it `exec`s (then
        // close-on-exec drops it): seen under load, a dead worker's end
        // still open a moment after its death.
        if live.conn.poll(Duration::ZERO).unwrap_or(true) || !shared.is_alive(index) {
            held = Some(job);
            shared.reap(index, true);
            worker = None;
            continue;
        }
        if !job.start() {
            continue; // cancelled by its caller while queued
        }
        let id = job.id;
        let order = Order::Task {
            id,
            f: job.f,
            arg: core::mem::take(&mut job.arg),
        };
        match live.conn.send(&order) {
            Ok(()) => {}
            // Too large (over the pipe's frame limit) or unencodable:
            // nothing was written, the worker is fine.
            Err(refused @ (SendError::TooLarge { .. } | SendError::Encode(_))) => {
                job.fail(TaskError::Transfer(refused.to_string()));
                continue;
            }
            // Its end is closed: it died before or as the task was sent.
            Err(SendError::Closed) => {
                let pid = live.pid;
                let exitcode = shared.reap(index, false);
                worker = None;
                job.fail(died(&shared, pid, exitcode));
                continue;
            }
            Err(other) => {
                shared.reap(index, true);
                worker = None;
                job.fail(TaskError::Transfer(format!(
                    "the task could not be sent: {other}"
                )));
                continue;
            }
        }
        match live.conn.recv::<Reply>() {
            Ok(Reply::Done { id: got, outcome }) if got == id => {
                job.finish(outcome.map_err(TaskError::from));
                live.served += 1;
                if shared
                    .max_tasks
                    .is_some_and(|most| live.served >= most.get())
                {
                    // It returns after this answer: reap it; the loop
                    // starts its successor.
                    shared.reap(index, false);
                    worker = None;
                }
            }
            Ok(_) => {
                shared.reap(index, true);
                worker = None;
                job.fail(TaskError::Transfer(String::from(
                    "the worker answered with a message out of turn",
                )));
            }
            // End-of-file, at a frame's edge or inside one: the worker is
            // gone (a process that dies mid-write leaves half a frame).
            Err(RecvError::Closed | RecvError::Truncated) => {
                let pid = live.pid;
                let exitcode = shared.reap(index, false);
                worker = None;
                job.fail(died(&shared, pid, exitcode));
            }
            Err(other) => {
                shared.reap(index, true);
                worker = None;
                job.fail(TaskError::Transfer(format!(
                    "the worker's answer could not be read: {other}"
                )));
            }
        }
    }
    if let Some(job) = held {
        job.fail(TaskError::Terminated);
    }
    if let Some(live) = worker {
        // Closed: tell it to stop and let it exit. Terminated: it was
        // killed already; reaping kills it again in case it started after.
        let _ = live.conn.send(&Order::Stop);
        drop(live.conn);
        shared.reap(index, shared.is_terminated());
    }
}

/// The error of a task whose worker died under it: the pool killed it
/// (terminate), or something else did.
fn died(shared: &Shared, pid: u32, exitcode: Option<i32>) -> TaskError {
    if shared.is_terminated() {
        TaskError::Terminated
    } else {
        TaskError::WorkerDied { pid, exitcode }
    }
}

/// How many workers in a row may die before they are ready before the
/// pool gives up and is broken: one killed from outside while it starts
/// is replaced, one that cannot start at all is not started forever.
const START_TRIES: usize = 3;

/// Why a new worker did not get ready.
enum Start {
    /// Its initializer panicked: the pool is broken at once (as a thread
    /// pool's failed initializer breaks it), with this reason.
    Broke(String),
    /// It died first (killed, or its program never ran the entry): worth
    /// another try, up to [`START_TRIES`].
    Died(String),
    /// The pool was terminated meanwhile.
    Terminated,
}

/// Waits for a new worker's first word: [`Reply::Ready`], or why not (the
/// worker is reaped then). Python's pool restarts a worker whose
/// initializer fails forever; here a panic breaks the pool, and deaths
/// do after [`START_TRIES`] in a row.
fn greet(shared: &Shared, index: usize, live: &mut Worker) -> Result<(), Start> {
    let pid = live.pid;
    match live.conn.recv::<Reply>() {
        Ok(Reply::Ready) => {
            live.ready = true;
            Ok(())
        }
        Ok(Reply::InitFailed(why)) => {
            shared.reap(index, false);
            Err(Start::Broke(format!(
                "the initializer panicked in worker process {pid}: {why}"
            )))
        }
        Ok(Reply::Done { .. }) => {
            shared.reap(index, true);
            Err(Start::Broke(format!(
                "worker process {pid} answered before it was ready"
            )))
        }
        Err(error) => {
            let exitcode = shared.reap(index, false);
            if shared.is_terminated() {
                return Err(Start::Terminated);
            }
            let how = match exitcode {
                Some(code) if code < 0 => format!("killed by signal {}", -code),
                Some(code) => format!("exit code {code}"),
                None => String::from("exit status unknown"),
            };
            Err(Start::Died(format!(
                "worker process {pid} ended ({how}; {error}) before it was ready, \
                 {START_TRIES} times in a row: its initializer died, or the program's \
                 main() does not call turnstile::process::init() first"
            )))
        }
    }
}
