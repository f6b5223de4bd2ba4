//! Starting a child: this same executable run again, with exactly the
//! descriptors its argument names.
//!
//! `fork` without `exec` would copy a parent with threads into a child
//! with one, holding whatever locks the others held; Python itself is
//! moving away from it. So a child is this same executable run again
//! (`/proc/self/exe`, the parent's own file), told by one environment
//! variable what to run (see `child.rs`). What to run is a plain
//! `fn(A)`, named by an [`FnRef`] (see `entry.rs`); its argument travels as
//! postcard bytes in an inherited memfd, and the handles inside it (shared
//! memory, locks, pipe ends) as inherited descriptors: exactly the ones the
//! argument names, and no others (`inherit.rs`).
//!
//! A status pipe tells the parent whether the entry ever ran: the child
//! writes `R` just before the call, or `E` and the reason when its start
//! failed. `handle.rs` reads it once the child is reaped.

use core::fmt;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command};

use serde::Serialize;

use super::super::facade::{Arc, OnceLock, thread};
use super::super::queue::FifoQueue;
use super::child::{self, Bootstrap, CHILD_ARGS, ENV, ExeIdentity, OPT_IN};
use super::entry::FnRef;
use super::inherit;

/// Why a child could not be started.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// This process is itself a child whose `init()` never ran: starting
    /// children from it would start the program again and again.
    InitNotCalled,
    /// The argument could not be serialised (a handle serialised where it
    /// cannot be inherited, or a type serde refuses); serde's message.
    Argument(String),
    /// What the system said (memfd, pipe, exec, the entry not in this
    /// executable).
    Io(io::Error),
}

impl fmt::Display for StartError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InitNotCalled => write!(
                f,
                "this process was started as a turnstile child but its init() never ran, so it \
                 may not start children (it would start itself again and again): {OPT_IN}"
            ),
            Self::Argument(why) => write!(f, "the child's argument cannot be sent: {why}"),
            Self::Io(error) => write!(f, "the child could not be started: {error}"),
        }
    }
}

impl std::error::Error for StartError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io(error) => Some(error),
            _ => None,
        }
    }
}

impl From<io::Error> for StartError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// A child just started: what [`Process`](super::handle::Process) keeps.
pub(crate) struct Started {
    pub(crate) child: Child,
    /// The status pipe's read end (non-blocking).
    pub(crate) status: File,
    /// A pidfd for waits with a deadline (Linux 5.3+); `None` on older
    /// kernels.
    pub(crate) pidfd: Option<OwnedFd>,
}

/// A new descriptor pair: the status pipe (both ends close-on-exec; the
/// read end non-blocking).
fn status_pipe() -> io::Result<(File, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills two descriptors that nothing else owns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just made, owned here.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    // SAFETY: fcntl on a descriptor we own.
    if unsafe { libc::fcntl(read.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok((File::from(read), write))
}

/// A memfd holding `bytes`, for the child to read its argument from: no
/// size limit and nothing to block on, unlike a pipe the parent would
/// have to fill while the child reads.
fn argument_file(bytes: &[u8]) -> io::Result<File> {
    // SAFETY: a C string name; MFD_CLOEXEC so only this child inherits it.
    let fd = unsafe { libc::memfd_create(c"turnstile-arg".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: just made, owned here.
    let mut file = File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    file.write_all(bytes)?;
    Ok(file)
}

/// A pidfd for `pid`, or `None` where the kernel has none (before 5.3).
fn pidfd_open(pid: u32) -> Option<OwnedFd> {
    // SAFETY: the raw syscall returns a new descriptor or -1.
    let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
    let fd = RawFd::try_from(fd).ok().filter(|&fd| fd >= 0)?;
    // SAFETY: a new descriptor owned by nothing else (pidfds are
    // close-on-exec).
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Starts `entry(arg)` in a child: serialises the argument (collecting the
/// descriptors it names), writes it to a memfd, and runs this executable
/// again with those descriptors, the memfd and the status pipe inherited.
pub(crate) fn spawn<A: Serialize>(
    daemon: bool,
    entry: FnRef,
    arg: &A,
) -> Result<Started, StartError> {
    if child::child_without_init() {
        return Err(StartError::InitNotCalled);
    }
    if !entry.same_object_as_anchor() {
        return Err(StartError::Io(io::Error::other(
            "the entry function is not in the same loaded object as turnstile, so a child \
             cannot find it (is turnstile linked as a shared library?)",
        )));
    }
    let (bytes, mut fds) = inherit::collect(|| postcard::to_allocvec(arg));
    let bytes = bytes.map_err(|error| StartError::Argument(error.to_string()))?;
    // A handle passed twice names its descriptor twice; the child closes
    // each number once.
    fds.sort_unstable();
    fds.dedup();
    let arg_file = argument_file(&bytes)?;
    let (status_read, status_write) = status_pipe()?;
    let boot = Bootstrap {
        arg_fd: arg_file.as_raw_fd(),
        status_fd: status_write.as_raw_fd(),
        entry,
        exe: ExeIdentity::of_this_process()?,
        fds: fds.clone(),
    };
    let mut keep = fds;
    keep.extend([boot.arg_fd, boot.status_fd]);
    // SAFETY: getpid has no preconditions.
    let parent = unsafe { libc::getpid() };
    let mut command = Command::new("/proc/self/exe");
    if let Some(arg0) = std::env::args_os().next() {
        command.arg0(arg0);
    }
    command.args(CHILD_ARGS).env(ENV, boot.encode());
    // SAFETY: runs in the forked child before exec, where only
    // async-signal-safe calls are allowed: fcntl, prctl and getppid are;
    // `keep` was allocated before the fork and is only read.
    unsafe {
        command.pre_exec(move || {
            for &fd in &keep {
                let flags = libc::fcntl(fd, libc::F_GETFD);
                if flags < 0 || libc::fcntl(fd, libc::F_SETFD, flags & !libc::FD_CLOEXEC) < 0 {
                    return Err(io::Error::last_os_error());
                }
            }
            if daemon {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(io::Error::last_os_error());
                }
                // The parent may have died before the prctl took hold: then
                // the signal will never come, so do not start.
                if libc::getppid() != parent {
                    return Err(io::Error::from_raw_os_error(libc::ESRCH));
                }
            }
            Ok(())
        })
    };
    let child = if daemon {
        spawn_from_lasting_thread(command)?
    } else {
        command.spawn()?
    };
    // The child has its own copies; the parent's go now, so the status
    // pipe reads end-of-file once the child (and nobody else) holds it.
    drop(status_write);
    drop(arg_file);
    let pidfd = pidfd_open(child.id());
    Ok(Started {
        child,
        status: status_read,
        pidfd,
    })
}

/// A start handed to the spawner thread, and where its answer goes.
type SpawnRequest = (Command, Arc<FifoQueue<io::Result<Child>>>);

/// Starts a daemon child from one thread that lives as long as the
/// process. Linux's `PR_SET_PDEATHSIG` fires when the *thread* that
/// started the child ends, not the process: a daemon started from a
/// short-lived thread would be killed as soon as that thread returned
/// (seen: killed 300 ms after start, with its parent alive). Python's
/// daemons end with their parent process, and so do these. If the thread
/// cannot be made, the calling thread starts the child itself.
fn spawn_from_lasting_thread(command: Command) -> io::Result<Child> {
    static SPAWNER: OnceLock<Option<Arc<FifoQueue<SpawnRequest>>>> = OnceLock::new();
    let spawner = SPAWNER.get_or_init(|| {
        let requests: Arc<FifoQueue<SpawnRequest>> = Arc::new(FifoQueue::new());
        let served = Arc::clone(&requests);
        thread::Builder::new()
            .name("turnstile-spawner".into())
            .spawn(move || {
                for (mut command, answer) in served.iter() {
                    // The answer queue is unbounded and never closed.
                    let _ = answer.put(command.spawn());
                }
            })
            .ok()
            .map(|_| requests)
    });
    let Some(requests) = spawner else {
        let mut command = command;
        return command.spawn();
    };
    let answer = Arc::new(FifoQueue::new());
    if let Err(refused) = requests.put((command, Arc::clone(&answer))) {
        let (mut command, _) = refused.into_inner();
        return command.spawn();
    }
    answer
        .get()
        .unwrap_or_else(|_| Err(io::Error::other("the spawner thread went away")))
}
