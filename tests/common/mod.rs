//! Helpers for the loom model tests: run a model with the project's bounds,
//! expect loom to catch a bug, and run a test in a child process (for
//! deadlocks, which end the process that loom finds them in).

#![allow(dead_code)] // each test file uses a different subset

use std::panic::{self, AssertUnwindSafe};
use std::process::{Command, Output};

/// loom's preemption bound when `LOOM_MAX_PREEMPTIONS` does not set one.
/// 2 finds every bug in this crate's twins; 0 would miss some, and no bound
/// at all takes minutes per model.
pub const DEFAULT_PREEMPTIONS: usize = 2;

/// Runs `body` under loom with the project's bounds.
///
/// Like `loom::model`, it installs a log subscriber filtered by `LOOM_LOG`,
/// so `LOOM_LOG=trace` prints every step of the schedule being run.
pub fn model(body: impl Fn() + Sync + Send + 'static) {
    model_with_preemptions(DEFAULT_PREEMPTIONS, body);
}

/// Runs `body` under loom with preemption bound `preemptions`, unless
/// `LOOM_MAX_PREEMPTIONS` sets one. For the few models whose interesting
/// schedule lies deeper than the default; each says why.
pub fn model_with_preemptions(preemptions: usize, body: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    if builder.preemption_bound.is_none() {
        builder.preemption_bound = Some(preemptions);
    }
    let log = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_env("LOOM_LOG"))
        .with_test_writer()
        .without_time()
        .finish();
    tracing::subscriber::with_default(log, || builder.check(body));
}

/// Runs `body` under loom and passes only if loom finds a failure: a panic in
/// some interleaving (an assertion, or loom's own data-race report).
///
/// Prints what loom found, so `cargo test -- --show-output` shows the learner
/// the report, and returns it for the test to check that the *right* bug was
/// found.
pub fn expect_loom_to_catch(bug: &str, body: impl Fn() + Sync + Send + 'static) -> String {
    expect_loom_to_catch_with_preemptions(DEFAULT_PREEMPTIONS, bug, body)
}

/// [`expect_loom_to_catch`] with its own default preemption bound (see
/// [`model_with_preemptions`]).
pub fn expect_loom_to_catch_with_preemptions(
    preemptions: usize,
    bug: &str,
    body: impl Fn() + Sync + Send + 'static,
) -> String {
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        model_with_preemptions(preemptions, body)
    }));
    let payload = match outcome {
        Ok(()) => panic!("loom explored every schedule and did not catch: {bug}"),
        Err(payload) => payload,
    };
    let report = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "<a panic without a message>".to_string());
    println!("loom caught {bug}.\nloom's report: {report}");
    report
}

/// Runs the `#[ignore]`d test `name` of this same test binary in a child
/// process and returns what it printed and how it ended.
///
/// loom ends the whole process when it finds a deadlock, so a deadlock lesson
/// cannot run in the test's own process.
pub fn run_ignored_test_in_child(name: &str) -> Output {
    let test_binary = std::env::current_exe().expect("the test binary knows its own path");
    Command::new(test_binary)
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
    expect_failure_in_child(name, &["deadlock"]);
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
    let report = stderr
        .lines()
        .filter(|line| signs.iter().any(|sign| line.contains(sign)) || line.contains("panicked"))
        .collect::<Vec<_>>()
        .join("\n");
    println!(
        "loom caught the bug in {name} (the child process ended with {}).\nloom's report:\n{report}",
        output.status
    );
}

/// A lock and a counter it guards, for the model properties. loom's cell
/// reports any two accesses to the counter that no happens-before edge
/// orders, so a lock that fails to exclude (or to publish) is caught.
pub struct Guarded<L> {
    pub lock: L,
    counter: loom::cell::UnsafeCell<usize>,
}

// SAFETY: the counter is only touched while `lock` is held, and whether
// that really excludes other threads is the property under test: loom's
// cell reports it when it does not.
unsafe impl<L: Sync> Sync for Guarded<L> {}

impl<L> Guarded<L> {
    pub fn new(lock: L) -> loom::sync::Arc<Self> {
        loom::sync::Arc::new(Self {
            lock,
            counter: loom::cell::UnsafeCell::new(0),
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
/// guards drop.
pub fn hold_elsewhere(hold: impl FnOnce(&dyn Fn()) + Send + 'static) -> Holder {
    let (release, released) = std::sync::mpsc::channel::<()>();
    let held = std::sync::Arc::new(std::sync::Barrier::new(2));
    let thread = {
        let held = std::sync::Arc::clone(&held);
        std::thread::spawn(move || {
            hold(&|| {
                held.wait();
                let _ = released.recv();
            })
        })
    };
    held.wait();
    Holder { release, thread }
}

impl Holder {
    /// Lets the holding thread drop its guards, and waits until it has.
    pub fn release(self) {
        self.release.send(()).expect("the holder waits for this");
        self.thread.join().expect("the holder does not panic");
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

/// Runs `body` on a new thread and returns what it returns, or fails the
/// test if it has not finished after `limit`: a hang (a lost wake-up, a
/// deadlock) becomes a prompt failure that names `what`, not a test run
/// killed from outside. A hung thread is left behind; the test fails anyway.
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
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: still not finished after {limit:?} (a lost wake-up or a deadlock)")
        }
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

    /// Waits until every thread has started (fails the test after 10 s).
    pub fn wait_for_started(&self) {
        let n = self.threads.len();
        wait_until(|| self.started.load(std::sync::atomic::Ordering::SeqCst) == n);
    }

    /// Joins every thread, passing on a panic from any of them (fails the
    /// test if they have not all finished after 10 s).
    pub fn wait_for_finished(self) {
        let n = self.threads.len();
        wait_until(|| self.finished() == n);
        for thread in self.threads {
            if let Err(payload) = thread.join() {
                panic::resume_unwind(payload);
            }
        }
    }
}

/// Polls `condition` every millisecond; fails the test if it is still
/// false after 10 s (CPython's tests loop on `_wait()` the same way).
pub fn wait_until(mut condition: impl FnMut() -> bool) {
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !condition() {
        assert!(
            std::time::Instant::now() < give_up,
            "a condition the test waits for never came (a thread hung?)"
        );
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
