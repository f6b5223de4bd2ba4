//! The notes' deadlock: two threads take two locks in opposite order, each
//! holds one and waits forever for the other. Here the waits have a timeout,
//! so the program sees the deadlock instead of hanging in it, then shows the
//! notes' fix (one `RLock` under both names) and the better one (always take
//! the locks in the same order).
//!
//! The Python original:
//!
//! ```python
//! mutexA = threading.Lock()
//! mutexB = threading.Lock()
//!
//! def func1():
//!     mutexA.acquire(); time.sleep(0.1)
//!     mutexB.acquire()          # waits for func2's B forever
//!     ...
//!
//! def func2():
//!     mutexB.acquire(); time.sleep(0.1)
//!     mutexA.acquire()          # waits for func1's A forever
//!     ...
//!
//! # the notes' fix:  mutexA = mutexB = threading.RLock()
//! ```
//!
//! `cargo run --example deadlock`. To watch loom find this deadlock in every
//! schedule (in a child process, since loom aborts on one):
//! `cargo test --test lessons -- --show-output`.
//!
//! **Catch it before it hangs:** `cargo run --example deadlock --features
//! lockdep` first runs func1 and then func2, one after the other. Nothing
//! can hang, and yet the lock-order checker (`turnstile::lockdep`) reports
//! the deadlock, because the *orders* are already there: func1 took B while
//! holding A, func2 takes A while holding B. To read its report:
//!
//! - `thread 'func2' takes Mutex "mutexA" at deadlock.rs:L1, while holding
//!   Mutex "mutexB", taken at deadlock.rs:L2`: the call that closed the
//!   cycle, the lock it is taking, and the lock it already holds, with
//!   where it took that one;
//! - `but thread 'func1' earlier took Mutex "mutexB" ... while holding Mutex
//!   "mutexA" ...`: the opposite order, as it was first seen, with its
//!   thread and both places;
//! - a lock is named by its *class*: here the names given with
//!   `Mutex::with_class`; otherwise the line that created it, so the
//!   thousand locks made in one loop count as one.
//!
//! Fix either side (take A before B everywhere) and the report goes away.

use std::fmt;
use std::thread;
use std::time::Duration;

use turnstile::{Barrier, Mutex, RLock};

/// How long a thread waits for its second lock before calling it a deadlock.
pub const PATIENCE: Duration = Duration::from_millis(200);

/// What one of the two threads saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It got both locks and did its work.
    Worked,
    /// Its second lock never came: the other thread held it, waiting too.
    GaveUp,
}

/// The three acts.
#[derive(Debug)]
pub struct Report {
    pub opposite_order: [Outcome; 2],
    pub shared_rlock: [Outcome; 2],
    pub same_order: [Outcome; 2],
}

impl Report {
    /// Both threads gave up in act 1, and both worked in acts 2 and 3.
    pub fn as_the_notes_say(&self) -> bool {
        self.opposite_order == [Outcome::GaveUp; 2]
            && self.shared_rlock == [Outcome::Worked; 2]
            && self.same_order == [Outcome::Worked; 2]
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "opposite order: {:?}; one RLock under both names: {:?}; same order: {:?}",
            self.opposite_order, self.shared_rlock, self.same_order
        )
    }
}

/// Act 1: func1 takes A then B, func2 takes B then A. Both hold their first
/// lock before either reaches for the second (a barrier, not a sleep), and
/// neither lets go until both have finished trying (a second barrier), so
/// the deadlock happens every time and both threads see it.
pub fn opposite_order() -> [Outcome; 2] {
    let (a, b) = (Mutex::new("A"), Mutex::new("B"));
    let both_hold_one = Barrier::new(2).expect("2 parties");
    let both_tried = Barrier::new(2).expect("2 parties");
    let take = |name: &str, first: &Mutex<&str>, second: &Mutex<&str>| {
        let held = first.lock();
        println!("  {name}: holds {}, reaching for the other lock", *held);
        let _ = both_hold_one.wait();
        let outcome = match second.lock_timeout(PATIENCE) {
            Ok(_both) => Outcome::Worked,
            Err(_timeout) => {
                println!("  {name}: still waiting after {PATIENCE:?}: deadlock; giving up");
                Outcome::GaveUp
            }
        };
        let _ = both_tried.wait();
        outcome
    };
    thread::scope(|scope| {
        let one = scope.spawn(|| take("func1", &a, &b));
        let two = scope.spawn(|| take("func2", &b, &a));
        [join(one), join(two)]
    })
}

/// Act 2, the notes' fix: `mutexA = mutexB = RLock()`. There is only one
/// lock, so nobody can hold "A" while another holds "B"; the second acquire
/// is a re-entry by the thread that already holds it.
pub fn shared_rlock() -> [Outcome; 2] {
    let lock = RLock::new(());
    let (mutex_a, mutex_b) = (&lock, &lock);
    let take = |name: &str, first: &RLock<()>, second: &RLock<()>| {
        let _first = first.lock();
        thread::sleep(Duration::from_millis(10));
        match second.lock_timeout(PATIENCE) {
            Ok(_second) => {
                println!(
                    "  {name}: holds the RLock {} times: worked",
                    lock.hold_count()
                );
                Outcome::Worked
            }
            Err(_timeout) => Outcome::GaveUp,
        }
    };
    thread::scope(|scope| {
        let one = scope.spawn(|| take("func1", mutex_a, mutex_b));
        let two = scope.spawn(|| take("func2", mutex_b, mutex_a));
        [join(one), join(two)]
    })
}

/// Act 3, the better fix: two real locks, always taken A before B. Whoever
/// gets A first gets B too; the other waits for A, never holding B.
pub fn same_order() -> [Outcome; 2] {
    let (a, b) = (Mutex::new(()), Mutex::new(()));
    let take = |name: &str| {
        let _a = a.lock();
        thread::sleep(Duration::from_millis(10));
        match b.lock_timeout(PATIENCE) {
            Ok(_b) => {
                println!("  {name}: took A, then B: worked");
                Outcome::Worked
            }
            Err(_timeout) => Outcome::GaveUp,
        }
    };
    thread::scope(|scope| {
        let one = scope.spawn(|| take("func1"));
        let two = scope.spawn(|| take("func2"));
        [join(one), join(two)]
    })
}

fn join(handle: thread::ScopedJoinHandle<'_, Outcome>) -> Outcome {
    handle.join().unwrap_or(Outcome::GaveUp)
}

/// Act 0, with feature `lockdep`: func1 runs to the end, *then* func2
/// runs. Each takes both locks, in its own order; nothing can hang. Returns
/// the checker's report (also printed).
#[cfg(feature = "lockdep")]
pub fn orders_one_after_the_other() -> Vec<String> {
    use turnstile::lockdep::{self, Action};
    static REPORTS: Mutex<Vec<String>> = Mutex::new(Vec::new());
    lockdep::set_action(Action::Hook(|report| {
        println!("{report}");
        // Only this act's threads: the hook is global.
        if ["func1", "func2"].contains(&report.thread()) {
            REPORTS.lock().push(report.to_string());
        }
    }));
    // Named classes, so the report says mutexA and mutexB; unnamed, each
    // lock's class would be the line that created it.
    let mutex_a = Mutex::with_class("A", "mutexA");
    let mutex_b = Mutex::with_class("B", "mutexB");
    let func1 = || {
        let _a = mutex_a.lock();
        let _b = mutex_b.lock();
        println!("  func1: took A, then B; done");
    };
    let func2 = || {
        let _b = mutex_b.lock();
        let _a = mutex_a.lock();
        println!("  func2: took B, then A; done");
    };
    for (name, body) in [("func1", &func1 as &(dyn Fn() + Sync)), ("func2", &func2)] {
        thread::scope(|scope| {
            thread::Builder::new()
                .name(name.to_owned())
                .spawn_scoped(scope, body)
                .expect("spawn")
                .join()
                .expect("no panic");
        });
    }
    lockdep::set_action(Action::Print);
    std::mem::take(&mut *REPORTS.lock())
}

/// Acts 1 to 3 (act 0, with feature `lockdep`, runs from `main`: the
/// checker reports each pair of classes once per process).
pub fn run() -> Report {
    println!("act 1: func1 takes A then B, func2 takes B then A");
    let opposite_order = opposite_order();
    println!("act 2: the notes' fix, one RLock named both mutexA and mutexB");
    let shared_rlock = shared_rlock();
    println!("act 3: the better fix, both threads take A before B");
    let same_order = same_order();
    Report {
        opposite_order,
        shared_rlock,
        same_order,
    }
}

fn main() {
    #[cfg(feature = "lockdep")]
    {
        println!("act 0 (lockdep): func1 runs to the end, then func2: nothing can hang");
        let reports = orders_one_after_the_other();
        println!(
            "  lockdep made {} report(s) on a run that did not hang\n",
            reports.len()
        );
    }
    let report = run();
    let verdict = if report.as_the_notes_say() {
        "deadlock seen on both sides in act 1, and both fixes work"
    } else {
        "UNEXPECTED"
    };
    println!("VERDICT: {verdict} ({report})");
}
