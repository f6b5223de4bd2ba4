//! The runner: loom with the project's bounds, and the timeline on failure.

use std::fmt;
use std::panic::{self, AssertUnwindSafe};

use super::{timeline, trace};

/// loom's preemption bound when neither [`Model::preemptions`] nor
/// `LOOM_MAX_PREEMPTIONS` sets one. 2 finds every bug in turnstile's broken
/// twins; 0 misses some, and no bound at all takes minutes per model.
pub const DEFAULT_PREEMPTIONS: usize = 2;

/// A model run: loom's exhaustive search over the schedules of a closure,
/// bounded, and printing the failing schedule as a timeline.
///
/// ```
/// use turnstile::model::{Model, sync::Arc, thread};
///
/// Model::new().preemptions(3).check(|| {
///     let lock = Arc::new(turnstile::model::Mutex::new(0));
///     let other = {
///         let lock = Arc::clone(&lock);
///         thread::spawn(move || *lock.lock() += 1)
///     };
///     *lock.lock() += 1;
///     other.join().unwrap();
///     assert_eq!(*lock.lock(), 2);
/// });
/// ```
#[derive(Debug, Clone, Default)]
pub struct Model {
    preemptions: Option<usize>,
}

impl Model {
    /// A run with the default bound ([`DEFAULT_PREEMPTIONS`], unless
    /// `LOOM_MAX_PREEMPTIONS` says otherwise).
    ///
    /// ```
    /// turnstile::model::Model::new().check(|| {});
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// At most `bound` preemptions per schedule (a preemption: loom switches
    /// away from a thread that could have gone on). `LOOM_MAX_PREEMPTIONS`
    /// still wins, so a user can widen a search without editing the test.
    /// Raise it only where a model's bug lies deeper, and say why.
    ///
    /// ```
    /// turnstile::model::Model::new().preemptions(3).check(|| {});
    /// ```
    pub fn preemptions(mut self, bound: usize) -> Self {
        self.preemptions = Some(bound);
        self
    }

    /// Runs `body` in every schedule loom explores; if one fails, prints its
    /// timeline (to stderr, which `cargo test` captures and shows with the
    /// failure) and panics with loom's report.
    ///
    /// ```
    /// use turnstile::model::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// turnstile::model::Model::new().check(|| {
    ///     let n = AtomicUsize::new(1);
    ///     assert_eq!(n.fetch_add(1, Ordering::SeqCst), 1);
    /// });
    /// ```
    pub fn check(&self, body: impl Fn() + Sync + Send + 'static) {
        if let Err(failure) = self.run(body) {
            eprintln!("{failure}");
            panic::resume_unwind(Box::new(failure.message));
        }
    }

    /// Runs `body` in every schedule loom explores and returns the first
    /// failure, if any, instead of panicking: for a test that expects loom to
    /// find a bug (a broken twin, a lesson's race). Prints nothing.
    ///
    /// ```
    /// use turnstile::model::{Model, sync::Arc, sync::atomic::{AtomicUsize, Ordering}, thread};
    ///
    /// let failure = Model::new()
    ///     .find_failure(|| {
    ///         let n = Arc::new(AtomicUsize::new(0));
    ///         let other = {
    ///             let n = Arc::clone(&n);
    ///             thread::spawn(move || n.store(n.load(Ordering::SeqCst) + 1, Ordering::SeqCst))
    ///         };
    ///         n.store(n.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
    ///         other.join().unwrap();
    ///         assert_eq!(n.load(Ordering::SeqCst), 2, "an update was lost");
    ///     })
    ///     .expect("loom finds the lost update");
    /// assert!(failure.message().contains("an update was lost"));
    /// assert!(failure.timeline().contains("thread 1"));
    /// ```
    pub fn find_failure(&self, body: impl Fn() + Sync + Send + 'static) -> Option<Failure> {
        self.run(body).err()
    }

    fn run(&self, body: impl Fn() + Sync + Send + 'static) -> Result<(), Failure> {
        let mut builder = loom::model::Builder::new();
        if builder.preemption_bound.is_none() {
            builder.preemption_bound = Some(self.preemptions.unwrap_or(DEFAULT_PREEMPTIONS));
        }
        install_panic_hook();
        let _recording = Recording::start();
        let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
            builder.check(move || {
                trace::begin_schedule();
                body();
            });
        }));
        let payload = match outcome {
            Ok(()) => return Ok(()),
            Err(payload) => payload,
        };
        let message = trace::panic_message(payload.as_ref());
        let (steps, schedules) = trace::snapshot();
        Err(Failure {
            timeline: timeline::render(&steps, schedules, &message),
            message,
            schedules,
        })
    }
}

/// Turns recording on for a run, and off when the run ends, however it
/// ends.
struct Recording;

impl Recording {
    fn start() -> Self {
        trace::set_active(true);
        Recording
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        trace::set_active(false);
    }
}

/// Runs `body` under loom with the default bound; prints the failing
/// schedule's timeline and panics if loom finds one. Shorthand for
/// `Model::new().check(body)`.
///
/// ```
/// turnstile::model::check(|| {
///     let event = turnstile::model::Event::new();
///     event.set();
///     assert!(event.is_set());
/// });
/// ```
pub fn check(body: impl Fn() + Sync + Send + 'static) {
    Model::new().check(body);
}

/// What loom found: its report, and the schedule that led there.
#[derive(Debug, Clone)]
pub struct Failure {
    message: String,
    timeline: String,
    schedules: usize,
}

impl Failure {
    /// loom's report: the panic that ended the schedule (an assertion's
    /// message, a race on a cell, a deadlock).
    ///
    /// ```
    /// let failure = turnstile::model::Model::new()
    ///     .find_failure(|| panic!("always"))
    ///     .unwrap();
    /// assert_eq!(failure.message(), "always");
    /// ```
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The failing schedule, one column per thread, one row per step, with
    /// the source lines it names and a last line saying what loom caught.
    ///
    /// ```
    /// let failure = turnstile::model::Model::new()
    ///     .find_failure(|| panic!("always"))
    ///     .unwrap();
    /// assert!(failure.timeline().ends_with("✗ loom caught: always\n"));
    /// ```
    pub fn timeline(&self) -> &str {
        &self.timeline
    }

    /// How many schedules loom had started when it found this one.
    ///
    /// ```
    /// let failure = turnstile::model::Model::new()
    ///     .find_failure(|| panic!("always"))
    ///     .unwrap();
    /// assert_eq!(failure.schedules(), 1);
    /// ```
    pub fn schedules(&self) -> usize {
        self.schedules
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.timeline)
    }
}

/// Installs (once per process) the panic hook that records a panic inside
/// a run as the panicking thread's last step, instead of printing it with
/// a backtrace into loom's scheduler. Outside a run, and with
/// `TURNSTILE_MODEL_BACKTRACE=1`, the previous hook runs as before.
///
/// A deadlock is the one failure the hook prints itself: loom reports it
/// from inside its scheduler, where the unwind cannot get out, and the
/// process ends right after the hook returns.
fn install_panic_hook() {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !trace::is_active() {
                previous(info);
                return;
            }
            let message = trace::panic_message(info.payload());
            let deadlock = message.starts_with("deadlock;");
            // A panic raised by loom itself (a race on a cell, a deadlock)
            // comes from inside its scheduler, where asking loom which
            // thread runs would panic again; the thread of the latest step
            // is the one: loom checks a cell access without switching.
            let from_loom = info
                .location()
                .is_some_and(|at| trace::is_loom_file(at.file()));
            let thread = if from_loom {
                trace::latest_thread()
            } else {
                trace::loom_thread_index()
            };
            let at = info.location().map_or(
                trace::Site {
                    file: std::borrow::Cow::Borrowed("?"),
                    line: 0,
                },
                |at| trace::Site {
                    file: std::borrow::Cow::Owned(at.file().to_owned()),
                    line: at.line(),
                },
            );
            if !deadlock {
                trace::record_as(thread, trace::What::Panicked(message.clone()), at);
            } else {
                let (steps, schedules) = trace::snapshot();
                eprintln!("{}", timeline::render(&steps, schedules, &message));
            }
            if std::env::var_os("TURNSTILE_MODEL_BACKTRACE").is_some_and(|v| v == "1") {
                previous(info);
            }
        }));
    });
}
