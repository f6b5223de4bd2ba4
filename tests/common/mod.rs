//! Helpers for the loom model tests: run a model with the project's bounds,
//! expect loom to catch a bug, and run a test in a child process (for
//! deadlocks, which end the process that loom finds them in).

#![allow(dead_code)] // each test file uses a different subset

use std::panic;
use std::process::{Command, Output};

/// loom's preemption bound when `LOOM_MAX_PREEMPTIONS` does not set one
/// (the runner's default; see `turnstile::model::DEFAULT_PREEMPTIONS`).
#[cfg(feature = "model")]
pub const DEFAULT_PREEMPTIONS: usize = turnstile::model::DEFAULT_PREEMPTIONS;

/// Runs `body` under loom with the project's bounds; a failing schedule is
/// printed as a timeline.
///
/// Like `loom::model`, it installs a log subscriber filtered by `LOOM_LOG`,
/// so `LOOM_LOG=trace` prints every step of the schedule being run.
#[cfg(feature = "model")]
pub fn model(body: impl Fn() + Sync + Send + 'static) {
    model_with_preemptions(DEFAULT_PREEMPTIONS, body);
}

/// Runs `body` under loom with preemption bound `preemptions`, unless
/// `LOOM_MAX_PREEMPTIONS` sets one. For the few models whose interesting
/// schedule lies deeper than the default; each says why.
#[cfg(feature = "model")]
pub fn model_with_preemptions(preemptions: usize, body: impl Fn() + Sync + Send + 'static) {
    with_loom_log(|| {
        turnstile::model::Model::new()
            .preemptions(preemptions)
            .check(body)
    });
}

#[cfg(feature = "model")]
fn with_loom_log<R>(run: impl FnOnce() -> R) -> R {
    let log = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("LOOM_LOG"))
        .with_test_writer()
        .without_time()
        .finish();
    tracing::subscriber::with_default(log, run)
}

/// Runs `body` under loom and passes only if loom finds a failure: a panic in
/// some interleaving (an assertion, or loom's own data-race report).
///
/// Prints the failing schedule as a timeline, so `cargo test --
/// --show-output` shows the learner which thread did what, and returns
/// loom's report for the test to check that the *right* bug was found.
#[cfg(feature = "model")]
pub fn expect_loom_to_catch(bug: &str, body: impl Fn() + Sync + Send + 'static) -> String {
    expect_loom_to_catch_with_preemptions(DEFAULT_PREEMPTIONS, bug, body)
}

/// [`expect_loom_to_catch`] with its own default preemption bound (see
/// [`model_with_preemptions`]).
#[cfg(feature = "model")]
pub fn expect_loom_to_catch_with_preemptions(
    preemptions: usize,
    bug: &str,
    body: impl Fn() + Sync + Send + 'static,
) -> String {
    catch_failure(preemptions, bug, body).message().to_owned()
}

/// [`expect_loom_to_catch`], returning the whole failure (report and
/// timeline), for tests of the timeline itself.
#[cfg(feature = "model")]
pub fn catch_failure(
    preemptions: usize,
    bug: &str,
    body: impl Fn() + Sync + Send + 'static,
) -> turnstile::model::Failure {
    let failure = with_loom_log(|| {
        turnstile::model::Model::new()
            .preemptions(preemptions)
            .find_failure(body)
    })
    .unwrap_or_else(|| panic!("loom explored every schedule and did not catch: {bug}"));
    println!("loom caught {bug}.\n{failure}");
    failure
}

/// Checks that loom caught `violation` (in its report) and what the
/// failure's timeline promises: one column per thread, named as in
/// `threads`; among its steps, the line marked `BUG:` in the twin `twin`
/// (the first line of code after the first such comment following `impl
/// twin`, in `source`, the text of `file`); and a last line that names the
/// violation.
#[cfg(feature = "model")]
pub fn assert_timeline(
    failure: &turnstile::model::Failure,
    threads: &[&str],
    (file, source, twin): (&str, &str, &str),
    violation: &str,
) {
    assert!(failure.message().contains(violation), "{failure}");
    let timeline = failure.timeline();
    let header = timeline.lines().nth(1).unwrap_or_default();
    let columns: Vec<&str> = header
        .split("  ")
        .map(str::trim)
        .filter(|column| !column.is_empty())
        .collect();
    assert_eq!(columns, threads, "the columns:\n{timeline}");
    let site = format!("{file}:{}", bug_line(source, twin));
    let steps = timeline
        .lines()
        .skip(3)
        .take_while(|line| line.trim_start() != "where:");
    assert!(
        steps.clone().any(|step| step.contains(&site)),
        "no step at the BUG: line {site}:\n{timeline}"
    );
    let last = timeline.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with('✗') && last.contains(violation),
        "the last line {last:?} does not name {violation:?}:\n{timeline}"
    );
}

/// The line number of the first line of code after the first `// BUG:`
/// comment that follows `impl twin` in `source`.
#[cfg(feature = "model")]
fn bug_line(source: &str, twin: &str) -> usize {
    let lines: Vec<&str> = source.lines().collect();
    let start = lines
        .iter()
        .position(|line| {
            let line = line.trim_start();
            line.starts_with(&format!("impl {twin}"))
                || line.starts_with(&format!("impl<T> {twin}"))
        })
        .unwrap_or_else(|| panic!("no `impl {twin}` in the twin's source"));
    let bug = start
        + lines[start..]
            .iter()
            .position(|line| line.trim_start().starts_with("// BUG:"))
            .expect("the twin marks its bug with a BUG: comment");
    let code = bug
        + lines[bug..]
            .iter()
            .position(|line| !line.trim_start().starts_with("//"))
            .expect("code follows the BUG: comment");
    code + 1
}

/// Runs the `#[ignore]`d test `name` of this same test binary in a child
/// process and returns what it printed and how it ended.
///
/// loom ends the whole process when it finds a deadlock, so a deadlock lesson
/// cannot run in the test's own process.
pub fn run_ignored_test_in_child(name: &str) -> Output {
    run_ignored_test_in_child_with_env(name, &[])
}

/// [`run_ignored_test_in_child`] with environment variables set (or, with
/// `None`, removed) for the child.
pub fn run_ignored_test_in_child_with_env(name: &str, env: &[(&str, Option<&str>)]) -> Output {
    let test_binary = std::env::current_exe().expect("the test binary knows its own path");
    let mut command = Command::new(test_binary);
    for (key, value) in env {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    command
        .args([
            name,
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .output()
        .expect("the test binary can run itself")
}

/// Asserts that the child run of `name` found a deadlock, and prints loom's
/// report of it.
pub fn expect_deadlock_in_child(name: &str) {
    expect_failure_in_child(name, &["✗ loom caught a deadlock"]);
}

/// Asserts that the child run of `name` failed with one of `signs` in its
/// output (a bug that loom may find as a deadlock in one schedule and as a
/// failed assertion in another), and prints loom's report.
pub fn expect_failure_in_child(name: &str, signs: &[&str]) {
    let output = run_ignored_test_in_child(name);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the child run of {name} ended well, but loom should have caught a bug.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(
        signs.iter().any(|sign| stderr.contains(sign)),
        "the child run of {name} failed, but not with any of {signs:?}.\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    println!(
        "loom caught the bug in {name} (the child process ended with {}).\n{}",
        output.status,
        child_timeline(&stderr)
    );
}

/// The timeline a child run printed: from "loom found a failing schedule"
/// to the end of the report (loom's own last words as the process aborts
/// are left out).
pub fn child_timeline(stderr: &str) -> String {
    let start = stderr.find("loom found a failing schedule").unwrap_or(0);
    stderr[start..]
        .lines()
        .take_while(|line| !line.starts_with("panicked at") && !line.starts_with("thread '"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A lock and a counter it guards, for the model properties. loom's cell
/// reports any two accesses to the counter that no happens-before edge
/// orders, so a lock that fails to exclude (or to publish) is caught.
#[cfg(feature = "model")]
pub struct Guarded<L> {
    pub lock: L,
    counter: turnstile::model::cell::UnsafeCell<usize>,
}

// SAFETY: the counter is only touched while `lock` is held, and whether
// that really excludes other threads is the property under test: loom's
// cell reports it when it does not.
#[cfg(feature = "model")]
unsafe impl<L: Sync> Sync for Guarded<L> {}

#[cfg(feature = "model")]
impl<L> Guarded<L> {
    pub fn new(lock: L) -> loom::sync::Arc<Self> {
        loom::sync::Arc::new(Self {
            lock,
            counter: turnstile::model::cell::UnsafeCell::new(0),
        })
    }

    /// Adds one to the counter; the caller holds the lock.
    pub fn bump(&self) {
        // SAFETY (the property under test): the lock keeps other threads out.
        self.counter.with_mut(|n| unsafe { *n += 1 });
    }

    /// The counter, read after every other thread was joined.
    pub fn total(&self) -> usize {
        // SAFETY: the other threads are joined, so nobody writes.
        self.counter.with(|n| unsafe { *n })
    }
}

/// How much later than asked a timed wait may give up on a busy CI machine.
pub const SLACK: std::time::Duration = std::time::Duration::from_millis(500);

/// A lock held on another (real) thread until [`Holder::release`].
pub struct Holder {
    release: std::sync::mpsc::Sender<()>,
    thread: std::thread::JoinHandle<()>,
}

/// Runs `hold` on a new thread and returns once it has taken its lock.
/// `hold` takes the lock, then calls the `wait` it is given, which returns
/// when the test calls [`Holder::release`]; then `hold` returns and its
/// guards drop. Ends the test binary ([`hung`]) if the lock is not taken
/// within [`PATIENCE`].
pub fn hold_elsewhere(hold: impl FnOnce(&dyn Fn()) + Send + 'static) -> Holder {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let (held, taken) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        hold(&|| {
            let _ = held.send(());
            let _ = released.recv();
        })
    });
    match taken.recv_timeout(PATIENCE) {
        Ok(()) => {}
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => hung(
            "another thread's lock, to hold it (hold_elsewhere)",
            PATIENCE,
        ),
        // `hold` panicked before it took its lock: pass the panic on.
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Ok(()) => panic!("hold_elsewhere: `hold` returned without calling `wait`"),
            Err(payload) => panic::resume_unwind(payload),
        },
    }
    Holder { release, thread }
}

impl Holder {
    /// Lets the holding thread drop its guards, and waits (at most
    /// [`PATIENCE`]) until it has.
    pub fn release(self) {
        self.release.send(()).expect("the holder waits for this");
        join_within("the holding thread, to release its lock", self.thread);
    }
}

/// Compiles only if `$type` is *not* `Send`: were it `Send`, both blanket
/// impls would apply and the call would be ambiguous.
#[macro_export]
macro_rules! assert_not_send {
    ($type:ty) => {{
        trait AmbiguousIfSend<A> {
            fn some_item() {}
        }
        impl<T: ?Sized> AmbiguousIfSend<()> for T {}
        impl<T: ?Sized + Send> AmbiguousIfSend<u8> for T {}
        <$type as AmbiguousIfSend<_>>::some_item();
    }};
}

/// Runs `body` on a new thread and returns what it returns (or passes on
/// its panic), or ends the test binary if it has not finished after
/// `limit`: a hang (a lost wake-up, a deadlock) becomes a prompt failure
/// that names `what`, not a test run killed from outside. See [`hung`] for
/// why a hang ends the whole binary rather than failing one test.
pub fn within<T: Send + 'static>(
    limit: std::time::Duration,
    what: &str,
    body: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let value = body();
        let _ = done.send(());
        value
    });
    match finished.recv_timeout(limit) {
        // Finished, or panicked (the sender dropped): join says which.
        Ok(()) | Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => match thread.join() {
            Ok(value) => value,
            Err(payload) => panic::resume_unwind(payload),
        },
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => hung(what, limit),
    }
}

/// Ends the test binary (exit code 101, as for a failed test) with a
/// message naming `what` the test waited for `limit` in vain.
///
/// Why the whole binary and not only the test (a panic): a hung thread
/// cannot be stopped, and what hangs one test often hangs its neighbours,
/// so each would wait out its own limit in turn, two at a time: ten hung
/// tests of five seconds each took 25 s, past cargo-mutants' 20 s per
/// mutant. Unwinding could hang too (a pool's drop joins its workers).
/// Ending at the first hang fails the run within one limit of it, with
/// the message. It is written to the real stderr, past the test harness's
/// capture, which would be lost with the process.
pub fn hung(what: &str, limit: std::time::Duration) -> ! {
    use std::io::Write as _;
    let _ = writeln!(
        std::io::stderr(),
        "\nthread '{}': {what}: still not finished after {limit:?} (a lost wake-up or a \
         deadlock); a hung thread cannot be stopped, so the test binary ends here",
        std::thread::current().name().unwrap_or("<unnamed>"),
    );
    std::process::exit(101)
}

/// How long one blocking step of an ordinary test (a join, a wait, a lock)
/// may take under [`within`] before the test fails: far above any step's
/// normal time on two busy cores (the slowest steps sleep or time out for
/// about a second), and far below cargo-mutants' 20 s per mutant
/// (`MUTANTS_TIMEOUT` in scripts/mutants.sh), so that a mutant, or a real
/// bug, that makes a primitive hang fails its test binary with a message
/// naming the wait, in seconds, instead of being killed from outside.
///
/// Under Miri (`scripts/miri.sh`) the clock is virtual and runs on with
/// every interpreted step, so a step that takes a millisecond here reads as
/// seconds there: the limit is two minutes of that clock.
pub const PATIENCE: std::time::Duration =
    std::time::Duration::from_secs(if cfg!(miri) { 120 } else { 5 });

/// Joins `thread` under [`within`] with [`PATIENCE`]: returns what the
/// thread returned, passes on its panic (with the thread's own message), or
/// ends the test binary naming `what` (what the thread was waiting for) if
/// it has not finished in time.
pub fn join_within<T: Send + 'static>(what: &str, thread: std::thread::JoinHandle<T>) -> T {
    match within(PATIENCE, what, move || thread.join()) {
        Ok(value) => value,
        Err(payload) => panic::resume_unwind(payload),
    }
}

/// A bunch of `n` threads running the same closure (given its index): the
/// helper CPython's `lock_tests.py` builds its tests on, restated. Counts how
/// many have started and finished, so a test can prove that threads are
/// blocked (started, not finished) before it lets them go.
pub struct Bunch {
    started: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    finished: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Bunch {
    pub fn new(n: usize, body: impl Fn(usize) + Send + Sync + 'static) -> Self {
        use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
        let started = std::sync::Arc::new(AtomicUsize::new(0));
        let finished = std::sync::Arc::new(AtomicUsize::new(0));
        let body = std::sync::Arc::new(body);
        let threads = (0..n)
            .map(|index| {
                let (started, finished, body) = (
                    std::sync::Arc::clone(&started),
                    std::sync::Arc::clone(&finished),
                    std::sync::Arc::clone(&body),
                );
                std::thread::spawn(move || {
                    started.fetch_add(1, SeqCst);
                    body(index);
                    finished.fetch_add(1, SeqCst);
                })
            })
            .collect();
        Self {
            started,
            finished,
            threads,
        }
    }

    /// How many have returned from the closure.
    pub fn finished(&self) -> usize {
        self.finished.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Waits until every thread has started (ends the test binary after
    /// [`PATIENCE`]).
    pub fn wait_for_started(&self) {
        let n = self.threads.len();
        wait_until("every thread of the bunch to start", || {
            self.started.load(std::sync::atomic::Ordering::SeqCst) == n
        });
    }

    /// Joins every thread, passing on a panic from any of them; ends the
    /// test binary, naming `what` (what the threads wait for), if they have
    /// not all finished after [`PATIENCE`].
    pub fn wait_for_finished(self, what: &str) {
        let n = self.threads.len();
        wait_until(what, || self.finished() == n);
        for thread in self.threads {
            if let Err(payload) = thread.join() {
                panic::resume_unwind(payload);
            }
        }
    }
}

/// Polls `condition` every millisecond; ends the test binary ([`hung`]),
/// naming `what` (what it waited for), if it is still false after
/// [`PATIENCE`] (CPython's tests loop on `_wait()` the same way).
pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let give_up = std::time::Instant::now() + PATIENCE;
    while !condition() {
        if std::time::Instant::now() >= give_up {
            hung(what, PATIENCE);
        }
        std::thread::sleep(std::time::Duration::from_millis(1));
    }
}

/// CPython's `_wait()`: a short sleep that lets other threads get where
/// they are going (into a blocking call, say).
pub fn short_wait() {
    std::thread::sleep(std::time::Duration::from_millis(20));
}

/// CPython's `assertTimeout`: a timed wait took about `expected` (at least
/// 0.6 of it, and nothing insane: under ten times, plus the CI slack).
pub fn assert_timeout(actual: std::time::Duration, expected: std::time::Duration) {
    assert!(
        actual >= expected.mul_f64(0.6),
        "gave up after {actual:?}, too soon for {expected:?}"
    );
    assert!(
        actual < expected * 10 + SLACK,
        "gave up after {actual:?}, far later than {expected:?}"
    );
}

/// Records, across all the schedules loom runs for one model, whether a
/// timed wait ever got what it waited for and whether it ever timed out. A
/// timed model checks the timeout branch only if loom took it, so the test
/// asserts afterwards that both happened. (std atomics on purpose: this is
/// bookkeeping outside the model, not part of it.)
pub struct Branches {
    got: std::sync::atomic::AtomicBool,
    timed_out: std::sync::atomic::AtomicBool,
}

impl Branches {
    pub const fn new() -> Self {
        Self {
            got: std::sync::atomic::AtomicBool::new(false),
            timed_out: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Notes how one timed wait ended; returns `got` for chaining.
    pub fn record(&self, got: bool) -> bool {
        let branch = if got { &self.got } else { &self.timed_out };
        branch.store(true, std::sync::atomic::Ordering::Relaxed);
        got
    }

    pub fn assert_both_taken(&self, what: &str) {
        let (got, timed_out) = (
            self.got.load(std::sync::atomic::Ordering::Relaxed),
            self.timed_out.load(std::sync::atomic::Ordering::Relaxed),
        );
        assert!(
            got && timed_out,
            "{what}: loom explored {} but not {}",
            if got {
                "the wait succeeding"
            } else {
                "the timeout"
            },
            if got {
                "the timeout"
            } else {
                "the wait succeeding"
            },
        );
    }
}

/// A waker that counts its wake-ups in a model atomic, so loom sees them:
/// for models of async waits (a registration racing a wake-up).
#[cfg(feature = "model")]
#[derive(Default)]
pub struct CountingWaker(turnstile::model::sync::atomic::AtomicUsize);

#[cfg(feature = "model")]
impl std::task::Wake for CountingWaker {
    fn wake(self: std::sync::Arc<Self>) {
        self.0
            .fetch_add(1, turnstile::model::sync::atomic::Ordering::SeqCst);
    }
}

#[cfg(feature = "model")]
impl CountingWaker {
    /// A waker, and the count it adds to.
    pub fn new() -> (std::task::Waker, std::sync::Arc<Self>) {
        let count = std::sync::Arc::new(Self::default());
        (std::task::Waker::from(std::sync::Arc::clone(&count)), count)
    }

    pub fn wakes(&self) -> usize {
        self.0
            .load(turnstile::model::sync::atomic::Ordering::SeqCst)
    }
}

/// The end of a "registration racing the wake" model: `future` was polled
/// once (`first`, with `context`, whose waker counts into `wakes`) while
/// another thread made it ready, and that thread has been joined. Ready at
/// once: it must not have been woken too. Pending: it must have been woken
/// exactly once, and be ready on the next poll. Returns the output.
#[cfg(feature = "model")]
pub fn ready_after_at_most_one_wake<F: std::future::Future + Unpin>(
    first: std::task::Poll<F::Output>,
    future: &mut F,
    context: &mut std::task::Context<'_>,
    wakes: &CountingWaker,
) -> F::Output {
    match first {
        std::task::Poll::Ready(output) => {
            assert_eq!(wakes.wakes(), 0, "ready at once, and woken anyway");
            output
        }
        std::task::Poll::Pending => {
            assert_eq!(
                wakes.wakes(),
                1,
                "pending, then woken {} times",
                wakes.wakes()
            );
            match std::pin::Pin::new(future).poll(context) {
                std::task::Poll::Ready(output) => output,
                std::task::Poll::Pending => panic!("woken, and still not ready"),
            }
        }
    }
}

/// A waker that unparks the thread that made it, and counts its wake-ups:
/// for tests of async waits on real threads.
pub struct Unparker {
    thread: std::thread::Thread,
    wakes: std::sync::atomic::AtomicUsize,
}

impl std::task::Wake for Unparker {
    fn wake(self: std::sync::Arc<Self>) {
        self.wakes.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.thread.unpark();
    }
}

impl Unparker {
    /// A waker for the calling thread, and the unparker behind it.
    pub fn new() -> (std::task::Waker, std::sync::Arc<Self>) {
        let unparker = std::sync::Arc::new(Self {
            thread: std::thread::current(),
            wakes: std::sync::atomic::AtomicUsize::new(0),
        });
        (
            std::task::Waker::from(std::sync::Arc::clone(&unparker)),
            unparker,
        )
    }

    pub fn wakes(&self) -> usize {
        self.wakes.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// The smallest executor: poll, and park until woken. Returns the output
/// and how many times the waker was woken. A park that nothing ends for
/// [`PATIENCE`] is followed by one more poll: a lost wake-up shows as a
/// slow test, not a hang, and a future still pending then ends the test
/// binary ([`hung`]).
pub fn block_on<F: std::future::Future>(future: F) -> (F::Output, usize) {
    let (waker, unparker) = Unparker::new();
    let mut context = std::task::Context::from_waker(&waker);
    let mut future = std::pin::pin!(future);
    let mut last_chance = false;
    loop {
        if let std::task::Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return (output, unparker.wakes());
        }
        if last_chance {
            hung("a future under block_on, to be woken and ready", PATIENCE);
        }
        // A wake-up that came before this park makes it return at once.
        let parked = std::time::Instant::now();
        std::thread::park_timeout(PATIENCE);
        last_chance = parked.elapsed() >= PATIENCE;
    }
}

/// Every `.rs` file under `dir`, recursively, sorted: the source the
/// source-reading tests (`facade_discipline`, `layers`) scan.
pub fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// A future stepped by hand, as CPython's asyncio tests step their loop
/// with `await asyncio.sleep(0)`: each [`step`](Self::step) polls it once,
/// and [`woken`](Self::woken) says whether it was woken since the last step.
/// Dropping it cancels the future. Never blocks.
pub struct Stepped<F: std::future::Future> {
    future: std::pin::Pin<Box<F>>,
    waker: std::task::Waker,
    unparker: std::sync::Arc<Unparker>,
    wakes_seen: usize,
}

impl<F: std::future::Future> Stepped<F> {
    pub fn new(future: F) -> Self {
        let (waker, unparker) = Unparker::new();
        Self {
            future: Box::pin(future),
            waker,
            unparker,
            wakes_seen: 0,
        }
    }

    /// Polls once; `Some(output)` if it was ready.
    pub fn step(&mut self) -> Option<F::Output> {
        self.wakes_seen = self.unparker.wakes();
        let mut context = std::task::Context::from_waker(&self.waker);
        match self.future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(output) => Some(output),
            std::task::Poll::Pending => None,
        }
    }

    /// Whether its waker was woken since the last step.
    pub fn woken(&self) -> bool {
        self.unparker.wakes() > self.wakes_seen
    }

    /// How many clones of its waker exist besides this one's: the wakers a
    /// primitive keeps for it.
    pub fn wakers_kept(&self) -> usize {
        std::sync::Arc::strong_count(&self.unparker) - 2
    }
}

/// What happened, in order, on an event loop's thread: the event-loop
/// tests assert orders with it rather than with clocks.
pub type Log = std::rc::Rc<std::cell::RefCell<Vec<String>>>;

/// An empty [`Log`].
pub fn log() -> Log {
    Log::default()
}

/// Adds `line` to `log`.
pub fn note(log: &Log, line: impl Into<String>) {
    log.borrow_mut().push(line.into());
}

/// Notes "NAME dropped" when dropped: a future holding one shows when the
/// future was dropped, which is how a cancel shows.
pub struct DropGuard(pub Log, pub &'static str);

impl Drop for DropGuard {
    fn drop(&mut self) {
        note(&self.0, format!("{} dropped", self.1));
    }
}

/// A child process that is killed (if still running) and reaped when the
/// guard goes, whatever the test did with it: no child outlives its test.
#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
pub struct Reap(pub turnstile::process::Process);

#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
impl std::ops::Deref for Reap {
    type Target = turnstile::process::Process;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
impl std::ops::DerefMut for Reap {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
impl Drop for Reap {
    fn drop(&mut self) {
        if self.0.is_alive() {
            let _ = self.0.kill();
        }
        let _ = self.0.join();
    }
}

/// Starts a daemon child (so it dies with the test binary too) in a
/// [`Reap`] guard. The test file needs `turnstile::process_test_support!()`.
#[cfg(all(feature = "process", target_os = "linux", target_env = "gnu"))]
pub fn start_child<A: serde::Serialize + serde::de::DeserializeOwned + 'static>(
    entry: fn(A),
    arg: A,
) -> Reap {
    Reap(
        turnstile::process::Process::builder()
            .daemon(true)
            .start(entry, arg)
            .expect("the child starts"),
    )
}
