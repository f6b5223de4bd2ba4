//! The lesson Python cannot teach with a happy ending: a process holding
//! a lock is killed (SIGKILL: no `finally`, no destructor runs) while
//! others wait for it.
//!
//! The Python original hangs:
//!
//! ```python
//! import multiprocessing as mp, os, signal
//!
//! def transfer(lock, ready):
//!     lock.acquire()          # moving 50 from one account to the other:
//!     ready.set()             # ...the first half is written, and then
//!     time.sleep(60)          # the process is killed before the second
//!
//! lock, ready = mp.Lock(), mp.Event()
//! p = mp.Process(target=transfer, args=(lock, ready)); p.start()
//! ready.wait(); os.kill(p.pid, signal.SIGKILL); p.join()
//! lock.acquire()              # waits forever: nobody will ever release it
//! ```
//!
//! Here the lock is a `turnstile::process::Mutex`. Its word names the
//! holder's thread, and the kernel, walking the killed thread's robust
//! list, marks it "owner died" and wakes a waiter. The next `lock()` gets
//! the lock *and* the news (`Err(OwnerDied(guard))`): the accounts may be
//! half-updated. It repairs them, calls `mark_consistent`, and the other
//! waiters get a clean lock.
//!
//! With `python3` on the PATH the example also runs the Python version
//! (with a 2 s timeout on the final acquire, so it ends) to show the hang.
//!
//! `cargo run --example process_killed_holder`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use turnstile::process::{Mutex, Process, Shared};

/// Two accounts: 100 and 0 at the start, 50 and 50 after the transfer.
type Accounts = [u32; 2];

/// What the waiters found, in the order they got the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    /// `Ok(guard)`: the data was consistent.
    Clean(Accounts),
    /// `Err(OwnerDied(guard))`: the holder had died; the waiter repaired
    /// the accounts it found.
    OwnerDied { found: Accounts, repaired: Accounts },
}

/// How the run went.
#[derive(Debug)]
pub struct Report {
    /// The waiters' exit codes: 0 found it clean, 3 repaired after a death.
    pub waiter_codes: Vec<i32>,
    /// The holder's exit code: -9 (killed by signal 9).
    pub holder_code: i32,
    /// The accounts at the end.
    pub accounts: Accounts,
    /// How long the waiters took to finish after the kill.
    pub after_kill: Duration,
}

const OWNER_DIED: i32 = 3;

/// The holder: takes the lock, writes half of the transfer, says so, and
/// sleeps until it is killed.
fn transfer(args: (Mutex<Accounts>, Shared<AtomicU32>)) {
    let (accounts, ready) = args;
    let mut held = accounts.lock().expect("the first holder finds it clean");
    held[0] -= 50; // the first half...
    ready.store(1, Ordering::Release);
    std::thread::sleep(Duration::from_secs(60)); // ...and the kill comes here
    held[1] += 50;
}

/// A waiter: takes the lock; if the holder died, finishes its transfer.
fn wait_and_check(accounts: Mutex<Accounts>) {
    match accounts.lock() {
        Ok(held) => {
            println!(
                "  waiter {}: clean lock, accounts {:?}",
                std::process::id(),
                *held
            );
        }
        Err(died) => {
            let mut held = died.into_inner();
            let found = *held;
            // The invariant: the two accounts hold 100 together.
            held[1] = 100 - held[0];
            held.mark_consistent();
            println!(
                "  waiter {}: OwnerDied — found {found:?}, repaired to {:?}",
                std::process::id(),
                *held
            );
            drop(held);
            std::process::exit(OWNER_DIED);
        }
    }
}

/// Runs the lesson with `waiters` waiting processes.
pub fn run(waiters: usize) -> std::io::Result<Report> {
    let accounts = Mutex::new([100, 0])?;
    let ready = Shared::new(AtomicU32::new(0))?;
    let mut holder = Process::start(transfer, (accounts.clone(), ready.clone()))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let started = Instant::now();
    while ready.load(Ordering::Acquire) == 0 {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = holder.kill();
            let _ = holder.join();
            return Err(std::io::Error::other("the holder never took the lock"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut children = Vec::new();
    for _ in 0..waiters {
        children.push(
            Process::start(wait_and_check, accounts.clone())
                .map_err(|e| std::io::Error::other(e.to_string()))?,
        );
    }
    // Let the waiters fall asleep on the lock, then kill the holder.
    std::thread::sleep(Duration::from_millis(100));
    holder.kill()?;
    let killed = Instant::now();
    let holder_code = holder.join()?;
    let mut waiter_codes = Vec::new();
    for mut child in children {
        waiter_codes.push(child.join()?);
    }
    let after_kill = killed.elapsed();
    let accounts = match accounts.lock() {
        Ok(held) => *held,
        Err(died) => *died.into_inner(),
    };
    Ok(Report {
        waiter_codes,
        holder_code,
        accounts,
        after_kill,
    })
}

const PYTHON: &str = r#"
import multiprocessing as mp, os, signal, time
def transfer(lock, ready):
    lock.acquire(); ready.set(); time.sleep(60)
if __name__ == "__main__":
    lock, ready = mp.Lock(), mp.Event()
    p = mp.Process(target=transfer, args=(lock, ready)); p.start()
    ready.wait(); os.kill(p.pid, signal.SIGKILL); p.join()
    print("acquired" if lock.acquire(timeout=2) else "still locked")
"#;

/// Runs the Python version, if there is a `python3`: what its final
/// acquire (2 s timeout) got.
pub fn python() -> Option<String> {
    let output = std::process::Command::new("python3")
        .args(["-c", PYTHON])
        .output()
        .ok()?;
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    turnstile::process::init();
    println!("Python: a multiprocessing.Lock whose holder is killed with SIGKILL");
    match python() {
        Some(answer) => println!("  the next acquire(timeout=2) says: {answer}"),
        None => println!("  (no python3 here to run it)"),
    }
    println!("turnstile: a process::Mutex whose holder is killed, 3 waiters asleep on it");
    let report = run(3)?;
    println!(
        "  holder exit code {}; waiters {:?}; accounts {:?}; all done {:.0?} after the kill",
        report.holder_code, report.waiter_codes, report.accounts, report.after_kill
    );
    let told = report
        .waiter_codes
        .iter()
        .filter(|&&code| code == OWNER_DIED)
        .count();
    println!(
        "VERDICT: Python's waiters would wait forever on a dead holder's lock; turnstile's next owner was told \
         ({told} waiter saw OwnerDied and repaired the accounts to {:?}), the others then got a clean lock",
        report.accounts
    );
    Ok(())
}
