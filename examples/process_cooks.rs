//! The notes' producer/consumer lesson with *processes*: two cooks and two
//! eaters share a `JoinableQueue`; the eaters are daemons that eat
//! forever, the main process joins the cooks, then `q.join()` waits until
//! every dish is eaten, and the program ends (taking the daemons along).
//!
//! The Python original:
//!
//! ```python
//! from multiprocessing import Process, JoinableQueue
//! import time
//!
//! def cook(q, name):
//!     for i in range(5):
//!         time.sleep(0.01); q.put(f"{name}'s dish {i}")
//!
//! def eat(q, name):
//!     while True:
//!         dish = q.get(); time.sleep(0.02)
//!         print(name, "ate", dish); q.task_done()
//!
//! if __name__ == "__main__":
//!     q = JoinableQueue()
//!     cooks = [Process(target=cook, args=(q, n)) for n in ("cook A", "cook B")]
//!     eaters = [Process(target=eat, args=(q, n), daemon=True) for n in ("eater 1", "eater 2")]
//!     for p in cooks + eaters: p.start()
//!     for p in cooks: p.join()    # all dishes are in the queue...
//!     q.join()                    # ...and now all are eaten
//! ```
//!
//! Without `q.join()` the program would end while dishes are still in the
//! queue, and the daemon eaters would be killed with them uneaten. Here
//! the queue is `turnstile::process::JoinableQueue<String>` (the dishes
//! cross between processes as postcard bytes in shared memory); each
//! eater also reports what it ate on a second queue, so the main process
//! can check that every dish was eaten once.
//!
//! `cargo run --example process_cooks`.

use std::time::Duration;

use turnstile::process::{JoinableQueue, Process, Queue};

/// Dishes each cook makes.
pub const DISHES: u32 = 5;

/// How the run went.
#[derive(Debug)]
pub struct Report {
    /// Each cook's exit code (0: cooked all its dishes).
    pub cook_codes: Vec<i32>,
    /// (eater, dish) in the order eaten.
    pub eaten: Vec<(String, String)>,
    /// Tasks left unfinished when `q.join()` returned: 0.
    pub unfinished_after_join: usize,
    /// Dishes still in the queue when `q.join()` returned: 0.
    pub left_in_queue: usize,
    /// The daemon eaters' exit codes once the main process is done with
    /// them (-15: ended by SIGTERM, as Python's daemons are).
    pub eater_codes: Vec<i32>,
}

fn cook((queue, name): (JoinableQueue<String>, String)) {
    for i in 0..DISHES {
        std::thread::sleep(Duration::from_millis(10));
        let dish = format!("{name}'s dish {i}");
        println!("  {name} cooked {dish}");
        queue.put(dish).expect("the queue is open while cooks cook");
    }
}

fn eat((queue, name, eaten): (JoinableQueue<String>, String, Queue<(String, String)>)) {
    // A daemon's endless loop: it ends when the main process ends it.
    while let Ok(dish) = queue.get() {
        std::thread::sleep(Duration::from_millis(20));
        println!("  {name} ate {dish}");
        // Reported before task_done, so the report is complete when
        // join returns.
        let _ = eaten.put((name.clone(), dish));
        let _ = queue.task_done();
    }
}

fn started(result: Result<Process, turnstile::process::StartError>) -> std::io::Result<Process> {
    result.map_err(|e| std::io::Error::other(e.to_string()))
}

/// Runs the lesson: two cook processes, two daemon eater processes.
pub fn run() -> std::io::Result<Report> {
    let queue = JoinableQueue::new(0)?;
    let eaten = Queue::new(0)?;
    let mut cooks = Vec::new();
    for name in ["cook A", "cook B"] {
        cooks.push(started(
            Process::builder()
                .name(name)
                .start(cook, (queue.clone(), name.to_owned())),
        )?);
    }
    let mut eaters = Vec::new();
    for name in ["eater 1", "eater 2"] {
        eaters.push(started(
            Process::builder()
                .name(name)
                .daemon(true)
                .start(eat, (queue.clone(), name.to_owned(), eaten.clone())),
        )?);
    }
    let mut cook_codes = Vec::new();
    for mut cook in cooks {
        cook_codes.push(cook.join()?);
    }
    // Every dish is in the queue now; wait until every one is eaten.
    queue.join();
    let unfinished_after_join = queue.unfinished_tasks();
    let left_in_queue = queue.qsize();
    let mut eaten_list = Vec::new();
    while let Ok(meal) = eaten.try_get() {
        eaten_list.push(meal);
    }
    // What Python does to daemon children when the main process exits.
    let mut eater_codes = Vec::new();
    for mut eater in eaters {
        eater.terminate()?;
        eater_codes.push(eater.join()?);
    }
    Ok(Report {
        cook_codes,
        eaten: eaten_list,
        unfinished_after_join,
        left_in_queue,
        eater_codes,
    })
}

#[allow(dead_code)]
fn main() -> std::io::Result<()> {
    turnstile::process::init();
    println!("two cook processes, two daemon eater processes, one JoinableQueue:");
    let report = run()?;
    let by = |eater: &str| report.eaten.iter().filter(|(who, _)| who == eater).count();
    println!(
        "cooks exited {:?}; q.join() returned with {} unfinished task(s) and {} dish(es) in the queue",
        report.cook_codes, report.unfinished_after_join, report.left_in_queue
    );
    println!(
        "eater 1 ate {}, eater 2 ate {}; the daemon eaters were then ended (exit codes {:?})",
        by("eater 1"),
        by("eater 2"),
        report.eater_codes
    );
    let mut dishes: Vec<&String> = report.eaten.iter().map(|(_, dish)| dish).collect();
    dishes.sort();
    dishes.dedup();
    let once = dishes.len() == report.eaten.len() && report.eaten.len() == 2 * DISHES as usize;
    println!(
        "VERDICT: q.join() waited for the eaters, not the cooks: {} of {} dishes cooked in two processes \
         were eaten {} by two other processes before the main process went on; joining the cooks alone \
         could have ended the program with dishes uneaten",
        report.eaten.len(),
        2 * DISHES,
        if once {
            "exactly once"
        } else {
            "NOT exactly once"
        }
    );
    Ok(())
}
