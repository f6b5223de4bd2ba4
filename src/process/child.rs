//! The child's side of a start: [`init`], which finds out whether this run
//! of the program is a child, and if so runs its entry and exits.
//!
//! A child is the parent's own executable run again (`spawn.rs`), so it
//! starts at `main` like any run. The parent leaves one environment
//! variable, [`ENV`], holding a [`Bootstrap`]: which inherited descriptor
//! holds the argument's bytes, which one reports back, the entry's
//! [`FnRef`], the identity of the parent's executable file and the
//! descriptors the argument's handles name. `init()` at the top of `main`
//! sees it, runs the entry, and exits, so the rest of `main` never runs in
//! a child. Without the variable it returns at once.
//!
//! Two ways to opt in (a program that starts processes needs one):
//! - a binary: call [`init`] as the first line of `main`;
//! - a test binary (libtest owns `main`): put
//!   [`process_test_support!()`](crate::process_test_support) at the top of
//!   the test file. It is a test named `__turnstile_process_child` that
//!   calls `init()`; every child is started with the arguments that make
//!   libtest run that one test alone (see `spawn.rs`), and in a normal test
//!   run it returns at once.

use std::ffi::OsString;
use std::io::{self, Write};
use std::os::fd::{FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;

use super::super::facade::{AtomicBool, Ordering};
use super::entry::{ChildStart, FnRef};

/// The environment variable that makes a run of the program a child.
pub(crate) const ENV: &str = "TURNSTILE_PROCESS_CHILD";

/// The arguments every child gets: what makes libtest run only the
/// `process_test_support!()` test, quietly, on one thread, with its
/// output shown. A binary whose `main` calls [`init`] first never reads
/// them.
pub(crate) const CHILD_ARGS: [&str; 5] = [
    "__turnstile_process_child",
    "--exact",
    "--nocapture",
    "--test-threads=1",
    "-q",
];

/// What to tell the user whose child never ran its entry.
pub(crate) const OPT_IN: &str = "call turnstile::process::init() first in main, or put \
     turnstile::process_test_support!() at the top of the test file";

/// Set once `init` has run in this process.
static INIT_RAN: AtomicBool = AtomicBool::new(false);

/// Whether this process is a child whose `init` has not run (the variable
/// is still there): such a process must not start children of its own,
/// or a `main` without `init` would start itself again and again.
pub(crate) fn child_without_init() -> bool {
    !INIT_RAN.load(Ordering::Acquire) && std::env::var_os(ENV).is_some()
}

/// The executable file's identity: device, inode, size, modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ExeIdentity {
    dev: u64,
    ino: u64,
    size: i64,
    mtime: i64,
    mtime_ns: i64,
}

impl ExeIdentity {
    /// This process's executable, through `/proc/self/exe` (the file
    /// itself, even if its path has since been replaced or deleted).
    pub(crate) fn of_this_process() -> io::Result<Self> {
        // SAFETY: stat fills the zeroed struct; the path is a C string.
        let mut st: libc::stat = unsafe { core::mem::zeroed() };
        if unsafe { libc::stat(c"/proc/self/exe".as_ptr(), &mut st) } != 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            dev: st.st_dev,
            ino: st.st_ino,
            size: st.st_size,
            mtime: st.st_mtime,
            mtime_ns: st.st_mtime_nsec,
        })
    }
}

/// What the parent leaves for the child in [`ENV`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bootstrap {
    /// A memfd holding the argument's postcard bytes.
    pub(crate) arg_fd: RawFd,
    /// The write end of the status pipe: `R` when the entry is about to
    /// run, `E` and a message when the start failed.
    pub(crate) status_fd: RawFd,
    pub(crate) entry: FnRef,
    pub(crate) exe: ExeIdentity,
    /// The descriptors the argument's handles name (inherited, to close
    /// once the argument is decoded: the handles keep duplicates).
    pub(crate) fds: Vec<RawFd>,
}

impl Bootstrap {
    /// One line of text: `v1 <arg> <status> <fnref hex> <exe> <fds>`.
    pub(crate) fn encode(&self) -> String {
        let entry: String = postcard::to_allocvec(&self.entry)
            .unwrap_or_default()
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let e = &self.exe;
        let fds: Vec<String> = self.fds.iter().map(ToString::to_string).collect();
        format!(
            "v1 {} {} {entry} {}:{}:{}:{}:{} {}",
            self.arg_fd,
            self.status_fd,
            e.dev,
            e.ino,
            e.size,
            e.mtime,
            e.mtime_ns,
            if fds.is_empty() {
                "-".to_owned()
            } else {
                fds.join(",")
            }
        )
    }

    /// Reads [`encode`](Self::encode)'s line back.
    pub(crate) fn decode(text: &str) -> Option<Self> {
        let mut parts = text.split(' ');
        if parts.next()? != "v1" {
            return None;
        }
        let arg_fd = parts.next()?.parse().ok()?;
        let status_fd = parts.next()?.parse().ok()?;
        let hex = parts.next()?;
        let bytes: Option<Vec<u8>> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(hex.get(i..i + 2)?, 16).ok())
            .collect();
        let entry = postcard::from_bytes(&bytes?).ok()?;
        let mut exe = parts.next()?.split(':');
        let exe = ExeIdentity {
            dev: exe.next()?.parse().ok()?,
            ino: exe.next()?.parse().ok()?,
            size: exe.next()?.parse().ok()?,
            mtime: exe.next()?.parse().ok()?,
            mtime_ns: exe.next()?.parse().ok()?,
        };
        let fds = match parts.next()? {
            "-" => Vec::new(),
            list => list
                .split(',')
                .map(|fd| fd.parse().ok())
                .collect::<Option<_>>()?,
        };
        parts.next().is_none().then_some(Self {
            arg_fd,
            status_fd,
            entry,
            exe,
            fds,
        })
    }
}

/// The first line of a `main` that starts processes (or of the test that
/// [`process_test_support!`](crate::process_test_support) writes).
///
/// In the parent, and in any program not started by
/// [`Process::start`](super::Process::start), it returns at once. In a
/// child it runs the entry with its argument and ends the process: exit
/// code 0 when the entry returns, 1 when it panics (the panic is printed
/// as usual, as Python prints the child's traceback), or the code the
/// entry passes to `std::process::exit`. Standard output is flushed
/// first.
///
/// It must run before the program starts threads or reads its arguments:
/// it removes its environment variable, and in a child nothing after it
/// runs.
///
/// ```
/// fn main() {
///     turnstile::process::init();
///     // ... the program, which may now start processes
/// }
/// # main();
/// ```
pub fn init() {
    INIT_RAN.store(true, Ordering::Release);
    let Some(value) = std::env::var_os(ENV) else {
        return;
    };
    // SAFETY: `init` is documented to run first in `main`, before any
    // thread that could read the environment at the same time. (In a test
    // binary libtest's main thread is waiting for this test.) Removing it
    // keeps a program this child starts with std's `Command` from taking
    // itself for a turnstile child.
    unsafe { std::env::remove_var(ENV) };
    let code = run(value);
    let _ = io::stdout().flush();
    let _ = io::stderr().flush();
    std::process::exit(code);
}

/// Runs the child's entry; the exit code.
fn run(value: OsString) -> i32 {
    let Some(boot) = std::str::from_utf8(value.as_bytes())
        .ok()
        .and_then(Bootstrap::decode)
    else {
        eprintln!("turnstile: {ENV} does not hold a start this version of turnstile can read");
        return 1;
    };
    // SAFETY: the parent made the status pipe's write end and kept it open
    // across exec for this child alone; nothing else here owns it.
    let status = unsafe { OwnedFd::from_raw_fd(boot.status_fd) };
    let mut status = std::fs::File::from(status);
    let fail = |status: &mut std::fs::File, why: String| {
        eprintln!("turnstile: the child process could not start its entry: {why}");
        let _ = status.write_all(format!("E{why}").as_bytes());
        1
    };
    match ExeIdentity::of_this_process() {
        Ok(exe) if exe == boot.exe => {}
        Ok(_) => {
            return fail(
                &mut status,
                "this program is not the executable file the parent runs, so the entry \
                 function cannot be found in it"
                    .to_owned(),
            );
        }
        Err(error) => return fail(&mut status, format!("cannot read /proc/self/exe: {error}")),
    }
    // SAFETY: as the status pipe: the parent's memfd, for this child alone.
    let arg = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(boot.arg_fd) });
    let bytes = match read_all(&arg) {
        Ok(bytes) => bytes,
        Err(error) => return fail(&mut status, format!("cannot read the argument: {error}")),
    };
    drop(arg);
    let fds = boot.fds.clone();
    let mut told = false;
    let mut after_decode = || {
        // The handles hold close-on-exec duplicates; the inherited numbers
        // would otherwise leak into this child's own children.
        for &fd in &fds {
            // SAFETY: inherited for the argument, owned by nobody here.
            unsafe { libc::close(fd) };
        }
        told = status.write_all(b"R").is_ok();
    };
    let result = boot.entry.call_at_start(
        &bytes,
        &mut ChildStart {
            after_decode: &mut after_decode,
        },
    );
    match result {
        Ok(_) => 0,
        // The panic hook has printed the message already.
        Err(super::entry::CallError::Panicked(_)) => 1,
        Err(error) => {
            if told {
                eprintln!("turnstile: the child process's entry failed: {error}");
                1
            } else {
                fail(&mut status, error.to_string())
            }
        }
    }
}

/// The whole of a file from its start.
fn read_all(file: &std::fs::File) -> io::Result<Vec<u8>> {
    use std::io::{Read, Seek};
    let mut file = file;
    file.seek(io::SeekFrom::Start(0))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

// `process_test_support!()`, which calls `init` from a test binary, is in
// mod.rs: its path to `init` goes through the door.

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(_: u8) {}

    #[test]
    #[cfg_attr(
        miri,
        ignore = "process start-up: /proc, stat and dladdr, which Miri does not emulate"
    )]
    fn a_bootstrap_reads_back() {
        let boot = Bootstrap {
            arg_fd: 5,
            status_fd: 7,
            entry: FnRef::new(entry),
            exe: ExeIdentity::of_this_process().unwrap(),
            fds: vec![9, 12],
        };
        assert_eq!(Bootstrap::decode(&boot.encode()), Some(boot.clone()));
        let none = Bootstrap {
            fds: Vec::new(),
            ..boot
        };
        assert_eq!(Bootstrap::decode(&none.encode()), Some(none.clone()));
        assert_eq!(Bootstrap::decode("v2 1 2"), None);
        assert_eq!(Bootstrap::decode(&(none.encode() + " x")), None);
    }
}
