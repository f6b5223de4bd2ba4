//! [`Process`]: Python's `multiprocessing.Process`, with the *spawn*
//! start method (see `spawn.rs` for how a child starts), and its
//! [`Builder`].
//!
//! A child that exits without running its entry (a test binary without
//! `process_test_support!()`, a `main` that does not call `init()`) is
//! reported by [`Process::join`] as [`EntryNotRun`] instead of passing for
//! an entry that returned: the child's status pipe says whether it got
//! there.
//!
//! One idea: a started child and what a parent asks of it (wait, signal,
//! exit code). It runs past 500 lines because each method shows itself in
//! a doc example.

use core::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, ExitStatus};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::deadline;
use super::super::facade::{AtomicUsize, Ordering};
use super::child::OPT_IN;
use super::entry::FnRef;
use super::spawn::{StartError, Started, spawn};

/// A child that ended without running its entry: the error inside the
/// `io::Error` that [`Process::join`] returns then (reach it with
/// `error.get_ref()` and `downcast_ref`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryNotRun {
    /// The child's exit code (as [`Process::exitcode`] gives it).
    pub exitcode: i32,
    /// Why, as far as the parent knows.
    pub reason: String,
}

impl fmt::Display for EntryNotRun {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the child process ended (exit code {}) without running its entry: {}",
            self.exitcode, self.reason
        )
    }
}

impl std::error::Error for EntryNotRun {}

/// Why [`Process::join_timeout`] returned without an exit code.
#[derive(Debug)]
#[non_exhaustive]
pub enum JoinTimeoutError {
    /// The child is still running.
    Timeout,
    /// What [`Process::join`] would have returned as an error.
    Io(io::Error),
}

impl fmt::Display for JoinTimeoutError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timeout => f.write_str("the child process is still running"),
            Self::Io(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for JoinTimeoutError {}

/// Numbers the default names, as Python's `Process-1`, `Process-2`.
static STARTED: AtomicUsize = AtomicUsize::new(0);

/// How to start a child: its name and whether it is a daemon.
///
/// ```
/// let builder = turnstile::process::Process::builder().name("cook").daemon(true);
/// assert!(format!("{builder:?}").contains("cook"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Builder {
    name: Option<String>,
    daemon: bool,
}

impl Builder {
    /// A builder with Python's defaults: named `Process-N`, not a daemon.
    ///
    /// ```
    /// let builder = turnstile::process::Builder::new();
    /// # let _ = builder;
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// The child's name (for [`Process::name`] and messages).
    ///
    /// ```
    /// let builder = turnstile::process::Builder::new().name("eater-1");
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// A daemon child dies with its parent: the kernel sends it `SIGKILL`
    /// when the parent goes (`PR_SET_PDEATHSIG`). Python terminates its
    /// daemon children at exit; this also covers a parent that is killed.
    ///
    /// Linux sends that signal when the *thread* that started the child
    /// ends, not the process, so daemons are started from one thread of
    /// turnstile's that lives as long as the process: a daemon started from
    /// a short-lived thread lives on.
    ///
    /// ```
    /// let builder = turnstile::process::Builder::new().daemon(true);
    /// # let _ = builder;
    /// ```
    #[must_use]
    pub fn daemon(mut self, daemon: bool) -> Self {
        self.daemon = daemon;
        self
    }

    /// Starts `entry(arg)` in a child process; see [`Process::start`].
    ///
    /// # Errors
    ///
    /// As [`Process::start`].
    ///
    /// ```no_run
    /// use turnstile::process::Process;
    ///
    /// fn cook(dish: String) {
    ///     println!("cooking {dish}");
    /// }
    ///
    /// turnstile::process::init();
    /// let mut child = Process::builder().name("cook").start(cook, "soup".to_owned()).unwrap();
    /// assert_eq!(child.join().unwrap(), 0);
    /// ```
    pub fn start<A: Serialize + DeserializeOwned + 'static>(
        self,
        entry: fn(A),
        arg: A,
    ) -> Result<Process, StartError> {
        let name = self
            .name
            .unwrap_or_else(|| format!("Process-{}", STARTED.fetch_add(1, Ordering::Relaxed) + 1));
        let Started {
            child,
            status,
            pidfd,
        } = spawn(self.daemon, FnRef::new(entry), &arg)?;
        Ok(Process {
            child,
            name,
            daemon: self.daemon,
            status,
            pidfd,
            outcome: None,
        })
    }
}

/// A started child process: Python's `multiprocessing.Process` after
/// `start()`.
///
/// The child runs `entry(arg)` in a new run of this same program, which
/// must opt in: [`init`](super::init) first in `main`, or
/// [`process_test_support!()`](crate::process_test_support) in a test
/// file. The argument is any serde value; the process handles in it
/// (shared memory, process locks, pipe ends) reach the child by
/// inheritance.
///
/// Exit codes are Python's `exitcode`: 0 when the entry returned, 1 when it
/// panicked, `n` when it called `std::process::exit(n)`, `-N` when signal
/// `N` ended it.
///
/// Dropping a `Process` neither waits for the child nor stops it (Python
/// would join a non-daemon child when the interpreter exits; Rust has no
/// such hook, so join the ones you started). A child that has already
/// exited is reaped by the drop; one still running is left to run, and
/// becomes the system's to reap when this process exits.
///
/// ```no_run
/// use turnstile::process::{Mutex, Process};
///
/// fn add(counter: Mutex<u64>) {
///     *counter.lock().unwrap() += 1;
/// }
///
/// turnstile::process::init();
/// let counter = Mutex::new(0_u64).unwrap();
/// let mut child = Process::start(add, counter.clone()).unwrap();
/// assert_eq!(child.join().unwrap(), 0);
/// assert_eq!(*counter.lock().unwrap(), 1);
/// ```
pub struct Process {
    child: Child,
    name: String,
    daemon: bool,
    /// The status pipe's read end (non-blocking), read once reaped.
    status: File,
    /// A pidfd for waits with a deadline (Linux 5.3+); `None` on older
    /// kernels, which then poll.
    pidfd: Option<OwnedFd>,
    /// Set once the child is reaped.
    outcome: Option<Outcome>,
}

/// What a reaped child left: its exit code, and why it never ran its
/// entry if it did not.
#[derive(Clone, Debug)]
struct Outcome {
    code: i32,
    not_run: Option<EntryNotRun>,
}

impl fmt::Debug for Process {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Process")
            .field("name", &self.name)
            .field("pid", &self.pid())
            .field("daemon", &self.daemon)
            .field("exitcode", &self.outcome.as_ref().map(|o| o.code))
            .finish()
    }
}

impl Process {
    /// Starts `entry(arg)` in a child process: Python's
    /// `Process(target=entry, args=(arg,)).start()`.
    ///
    /// `entry` is a plain `fn` (a closure that captures nothing coerces to
    /// one): a child cannot receive a closure's captures, so what it needs
    /// goes in `arg`.
    ///
    /// # Errors
    ///
    /// [`StartError::InitNotCalled`] in a child whose `init()` never ran,
    /// [`StartError::Argument`] when `arg` cannot be serialised, and
    /// [`StartError::Io`] when the system refuses (or the entry is not in
    /// this executable).
    ///
    /// ```no_run
    /// fn greet(name: String) {
    ///     println!("hello from {name}");
    /// }
    ///
    /// turnstile::process::init();
    /// let mut child = turnstile::process::Process::start(greet, "bob".to_owned()).unwrap();
    /// assert_eq!(child.join().unwrap(), 0);
    /// ```
    pub fn start<A: Serialize + DeserializeOwned + 'static>(
        entry: fn(A),
        arg: A,
    ) -> Result<Process, StartError> {
        Builder::new().start(entry, arg)
    }

    /// A [`Builder`], for a name or a daemon.
    ///
    /// ```
    /// let builder = turnstile::process::Process::builder().daemon(true);
    /// # let _ = builder;
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    /// The child's process id.
    ///
    /// ```no_run
    /// # fn nap(_: ()) {}
    /// let child = turnstile::process::Process::start(nap, ()).unwrap();
    /// assert!(child.pid() > 0);
    /// ```
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The child's name (`Process-N` unless the builder gave one).
    ///
    /// ```no_run
    /// # fn nap(_: ()) {}
    /// let child = turnstile::process::Process::builder().name("nap").start(nap, ()).unwrap();
    /// assert_eq!(child.name(), "nap");
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether the child was started as a daemon.
    ///
    /// ```no_run
    /// # fn nap(_: ()) {}
    /// let child = turnstile::process::Process::start(nap, ()).unwrap();
    /// assert!(!child.daemon());
    /// ```
    pub fn daemon(&self) -> bool {
        self.daemon
    }

    /// Whether the child is still running (reaps it if it has ended).
    ///
    /// ```no_run
    /// # fn nap(_: ()) {}
    /// let mut child = turnstile::process::Process::start(nap, ()).unwrap();
    /// child.join().unwrap();
    /// assert!(!child.is_alive());
    /// ```
    pub fn is_alive(&mut self) -> bool {
        self.poll_exit().is_none()
    }

    /// The exit code, `None` while the child runs.
    ///
    /// ```no_run
    /// # fn nap(_: ()) {}
    /// let mut child = turnstile::process::Process::start(nap, ()).unwrap();
    /// child.join().unwrap();
    /// assert_eq!(child.exitcode(), Some(0));
    /// ```
    pub fn exitcode(&mut self) -> Option<i32> {
        self.poll_exit()
    }

    /// Waits for the child to end; its exit code.
    ///
    /// # Errors
    ///
    /// A wait the system refuses, and a child that ended without running
    /// its entry: an error of kind `Other` holding an [`EntryNotRun`] that
    /// says why (its exit code is still [`exitcode`](Self::exitcode)'s).
    ///
    /// ```no_run
    /// fn fail(_: ()) {
    ///     std::process::exit(7);
    /// }
    /// let mut child = turnstile::process::Process::start(fail, ()).unwrap();
    /// assert_eq!(child.join().unwrap(), 7);
    /// ```
    pub fn join(&mut self) -> io::Result<i32> {
        if self.outcome.is_none() {
            let status = self.child.wait()?;
            self.reaped(status);
        }
        self.result()
    }

    /// [`join`](Self::join) for at most `timeout`.
    ///
    /// # Errors
    ///
    /// [`JoinTimeoutError::Timeout`] when the child still runs at the
    /// end; [`JoinTimeoutError::Io`] for what `join` returns as an error.
    ///
    /// ```no_run
    /// use std::time::Duration;
    /// use turnstile::process::{JoinTimeoutError, Process};
    ///
    /// fn sleep(seconds: u64) {
    ///     std::thread::sleep(Duration::from_secs(seconds));
    /// }
    /// let mut child = Process::start(sleep, 60).unwrap();
    /// assert!(matches!(
    ///     child.join_timeout(Duration::from_millis(50)),
    ///     Err(JoinTimeoutError::Timeout)
    /// ));
    /// child.kill().unwrap();
    /// assert_eq!(child.join().unwrap(), -9);
    /// ```
    pub fn join_timeout(&mut self, timeout: Duration) -> Result<i32, JoinTimeoutError> {
        self.join_until(deadline::after(timeout))
    }

    /// [`join_timeout`](Self::join_timeout) until a point in time.
    ///
    /// # Errors
    ///
    /// As [`join_timeout`](Self::join_timeout).
    ///
    /// ```no_run
    /// # fn nap(_: ()) {}
    /// use std::time::{Duration, Instant};
    /// let mut child = turnstile::process::Process::start(nap, ()).unwrap();
    /// let code = child.join_deadline(Instant::now() + Duration::from_secs(10)).unwrap();
    /// assert_eq!(code, 0);
    /// ```
    pub fn join_deadline(&mut self, deadline: Instant) -> Result<i32, JoinTimeoutError> {
        self.join_until(Some(deadline))
    }

    /// Sends `SIGTERM` (Python's `terminate()`); nothing once the child
    /// has been reaped.
    ///
    /// # Errors
    ///
    /// What `kill(2)` says.
    ///
    /// ```no_run
    /// # fn sleep(_: ()) { std::thread::sleep(std::time::Duration::from_secs(60)) }
    /// let mut child = turnstile::process::Process::start(sleep, ()).unwrap();
    /// child.terminate().unwrap();
    /// assert_eq!(child.join().unwrap(), -15);
    /// ```
    pub fn terminate(&self) -> io::Result<()> {
        self.signal(libc::SIGTERM)
    }

    /// Sends `SIGKILL` (Python's `kill()`); nothing once the child has
    /// been reaped.
    ///
    /// # Errors
    ///
    /// What `kill(2)` says.
    ///
    /// ```no_run
    /// # fn sleep(_: ()) { std::thread::sleep(std::time::Duration::from_secs(60)) }
    /// let mut child = turnstile::process::Process::start(sleep, ()).unwrap();
    /// child.kill().unwrap();
    /// assert_eq!(child.join().unwrap(), -9);
    /// ```
    pub fn kill(&self) -> io::Result<()> {
        self.signal(libc::SIGKILL)
    }

    fn signal(&self, signal: libc::c_int) -> io::Result<()> {
        if self.outcome.is_some() {
            // Reaped: the pid may belong to another process by now.
            return Ok(());
        }
        let pid = libc::pid_t::try_from(self.pid()).map_err(io::Error::other)?;
        // SAFETY: kill(2) on our own unreaped child: its pid cannot have
        // been reused while it is a zombie.
        if unsafe { libc::kill(pid, signal) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(())
    }

    /// The exit code if the child has ended (reaping it), else `None`.
    fn poll_exit(&mut self) -> Option<i32> {
        if self.outcome.is_none() {
            if let Ok(Some(status)) = self.child.try_wait() {
                self.reaped(status);
            }
        }
        self.outcome.as_ref().map(|outcome| outcome.code)
    }

    fn join_until(&mut self, deadline: Option<Instant>) -> Result<i32, JoinTimeoutError> {
        loop {
            if self.outcome.is_none() {
                if let Some(status) = self.child.try_wait().map_err(JoinTimeoutError::Io)? {
                    self.reaped(status);
                }
            }
            if self.outcome.is_some() {
                return self.result().map_err(JoinTimeoutError::Io);
            }
            let left = match deadline {
                None => None,
                Some(at) => match at.checked_duration_since(Instant::now()) {
                    Some(left) if !left.is_zero() => Some(left),
                    _ => return Err(JoinTimeoutError::Timeout),
                },
            };
            self.wait_for_exit(left);
        }
    }

    /// Sleeps until the child may have ended, or `left` has passed: on the
    /// pidfd (readable once the child exits), or in short naps without
    /// one.
    fn wait_for_exit(&self, left: Option<Duration>) {
        // Milliseconds rounded up, so a wait never ends just short of the
        // deadline and spins.
        let millis = |d: Duration| i32::try_from(d.as_micros().div_ceil(1000)).unwrap_or(i32::MAX);
        match &self.pidfd {
            Some(pidfd) => {
                let mut poll = libc::pollfd {
                    fd: pidfd.as_raw_fd(),
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd; EINTR just ends this nap.
                unsafe { libc::poll(&mut poll, 1, left.map_or(-1, millis)) };
            }
            None => {
                let nap = left.map_or(Duration::from_millis(10), |left| {
                    left.min(Duration::from_millis(10))
                });
                // SAFETY: poll with no descriptors is a sleep.
                unsafe { libc::poll(core::ptr::null_mut(), 0, millis(nap)) };
            }
        }
    }

    /// Records a reaped child's exit code and what its status pipe says.
    fn reaped(&mut self, status: ExitStatus) {
        let code = match (status.code(), status.signal()) {
            (Some(code), _) => code,
            (None, Some(signal)) => -signal,
            (None, None) => -1,
        };
        let mut said = Vec::new();
        // Non-blocking: a grandchild that inherited the write end (of a
        // child that never ran init) cannot make this wait.
        let _ = (&self.status).read_to_end(&mut said);
        let not_run = match said.first() {
            Some(b'R') => None,
            Some(b'E') => Some(String::from_utf8_lossy(&said[1..]).into_owned()),
            // Killed by a signal: that is the outcome, whether the signal
            // came before the entry or during it (`start` then `kill` at
            // once is a race Python's users expect to give -9, not an error).
            _ if code < 0 => None,
            _ => Some(format!(
                "the program did not hand control to turnstile ({OPT_IN})"
            )),
        };
        self.outcome = Some(Outcome {
            code,
            not_run: not_run.map(|reason| EntryNotRun {
                exitcode: code,
                reason,
            }),
        });
    }

    fn result(&self) -> io::Result<i32> {
        match &self.outcome {
            Some(Outcome {
                not_run: Some(not_run),
                ..
            }) => Err(io::Error::other(not_run.clone())),
            Some(outcome) => Ok(outcome.code),
            None => Err(io::Error::other("the child has not been reaped")),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Reap a child that has ended, so it does not linger as a zombie;
        // leave a running one running (see the type's notes).
        let _ = self.poll_exit();
    }
}
