//! The notes' last lesson, coroutines: one thread, an event loop, and tasks
//! that give the thread up at every `await`.
//!
//! The Python original:
//!
//! ```python
//! async def f1():
//!     print('f1 start', threading.current_thread())
//!     await asyncio.sleep(1)          # gives the loop to the others
//!     print('f1 end')
//!
//! async def f2(): ...                 # the same
//!
//! async def main():
//!     await asyncio.gather(asyncio.create_task(f1()), asyncio.create_task(f2()))
//!
//! asyncio.run(main())                 # about 1 second, not 2, on one thread
//! ```
//!
//! Four runs, on `turnstile::event_loop`:
//!
//! 1. f1 and f2 each sleep a second: about one second in all, both on the
//!    loop's one thread (their thread ids are printed).
//! 2. A producer and a consumer task over a bounded `FifoQueue`, with
//!    `put_async` / `get_async`: the producer waits while the table is full.
//! 3. `run_in_executor`: prime counting handed to a `ThreadPool` while a
//!    ticker coroutine keeps ticking on the loop.
//! 4. The mistake the notes warn about: f1 and f2 with a *blocking*
//!    `std::thread::sleep` inside. Each stops the whole loop: two seconds.
//!
//! `cargo run --example coroutines`.

use std::cell::RefCell;
use std::rc::Rc;
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use turnstile::event_loop::{gather, run, run_in_executor, sleep, spawn};
use turnstile::{FifoQueue, ThreadPool};

/// What a run of f1 and f2 printed, and how long it took.
#[derive(Debug)]
pub struct Timeline {
    /// The lines, in the order they were printed.
    pub lines: Vec<String>,
    /// The thread each line was printed on.
    pub threads: Vec<ThreadId>,
    pub took: Duration,
}

impl Timeline {
    fn print(&self, title: &str) {
        println!("{title}");
        for (line, thread) in self.lines.iter().zip(&self.threads) {
            println!("  {line:<10} on {thread:?}");
        }
        println!("  took {:.2?}", self.took);
    }
}

/// Runs f1 and f2 as two tasks of one loop. `blocking`: they sleep with
/// `std::thread::sleep` (the mistake) instead of `event_loop::sleep`.
pub fn f1_and_f2(nap: Duration, blocking: bool) -> Timeline {
    let printed: Rc<RefCell<Vec<(String, ThreadId)>>> = Rc::default();
    let start = Instant::now();
    run({
        let printed = Rc::clone(&printed);
        async move {
            let coroutine = |name: &'static str| {
                let printed = Rc::clone(&printed);
                async move {
                    let say = |what: &str| {
                        printed
                            .borrow_mut()
                            .push((format!("{name} {what}"), thread::current().id()));
                    };
                    say("start");
                    if blocking {
                        thread::sleep(nap); // holds the thread: nothing else runs
                    } else {
                        sleep(nap).await; // gives the thread back to the loop
                    }
                    say("end");
                }
            };
            let tasks = [spawn(coroutine("f1")), spawn(coroutine("f2"))];
            let tasks = tasks.map(|task| task.expect("inside run"));
            for outcome in gather(tasks).await {
                outcome.expect("f1 and f2 do not panic");
            }
        }
    });
    let took = start.elapsed();
    let (lines, threads) = Rc::try_unwrap(printed)
        .map(RefCell::into_inner)
        .unwrap_or_default()
        .into_iter()
        .unzip();
    Timeline {
        lines,
        threads,
        took,
    }
}

/// A chef task and an eater task sharing a table of `places` over an async
/// queue; returns what each did, in order.
pub fn chef_and_eater(dishes: u32, places: usize) -> Vec<String> {
    let table = Rc::new(FifoQueue::bounded(places).expect("places > 0"));
    let said: Rc<RefCell<Vec<String>>> = Rc::default();
    run({
        let (table, said) = (Rc::clone(&table), Rc::clone(&said));
        async move {
            let chef = spawn({
                let (table, said) = (Rc::clone(&table), Rc::clone(&said));
                async move {
                    for dish in 0..dishes {
                        // Waits (without the thread) while the table is full.
                        table.put_async(dish).await.expect("open");
                        said.borrow_mut().push(format!("chef put dish {dish}"));
                    }
                    table.close(); // no more dishes: the eater's loop ends
                }
            });
            let eater = spawn({
                let (table, said) = (Rc::clone(&table), Rc::clone(&said));
                async move {
                    // An async iteration: until the table is closed and empty.
                    while let Ok(dish) = table.get_async().await {
                        said.borrow_mut().push(format!("eater ate dish {dish}"));
                    }
                }
            });
            chef.expect("inside run").await.expect("no panic");
            eater.expect("inside run").await.expect("no panic");
        }
    });
    said.take()
}

/// Counting primes below `limit`, slowly on purpose.
fn count_primes(limit: u64) -> usize {
    (2..limit)
        .filter(|&n| (2..n).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count()
}

/// What `run_in_executor` showed.
#[derive(Debug)]
pub struct Offloaded {
    /// The prime counts the pool computed.
    pub counts: Vec<usize>,
    /// How many times the ticker ticked while the pool worked.
    pub ticks: u32,
    /// The loop's thread, and the threads the counting ran on.
    pub loop_thread: ThreadId,
    pub worker_threads: Vec<ThreadId>,
}

/// Hands `limits.len()` prime counts to a pool, awaiting each, while a
/// ticker task ticks every `tick` on the loop until they are done.
pub fn offload(pool: &ThreadPool, limits: &[u64], tick: Duration) -> Offloaded {
    let loop_thread = thread::current().id();
    let done = Rc::new(RefCell::new(false));
    let (results, ticks) = run({
        let done = Rc::clone(&done);
        async move {
            let ticker = spawn({
                let done = Rc::clone(&done);
                async move {
                    let mut ticks = 0;
                    while !*done.borrow() {
                        sleep(tick).await;
                        // Counted only if the work was still going on.
                        if !*done.borrow() {
                            ticks += 1;
                        }
                    }
                    ticks
                }
            })
            .expect("inside run");
            let work = limits.iter().map(|&limit| {
                run_in_executor(pool, move || (count_primes(limit), thread::current().id()))
                    .unwrap_or_else(|_| panic!("the pool is running"))
            });
            let results = gather(work).await;
            *done.borrow_mut() = true;
            (results, ticker.await.expect("no panic"))
        }
    });
    let (counts, worker_threads) = results
        .into_iter()
        .map(|result| result.expect("counting does not panic"))
        .unzip();
    Offloaded {
        counts,
        ticks,
        loop_thread,
        worker_threads,
    }
}

fn main() {
    let nap = Duration::from_secs(1);

    let together = f1_and_f2(nap, false);
    together.print("1. f1 and f2 with `sleep(1 s).await`: one thread, about one second");

    println!("2. a chef and an eater task, a table of 2 places (put_async / get_async)");
    for line in chef_and_eater(5, 2) {
        println!("  {line}");
    }

    let pool = ThreadPool::new(2).expect("a pool of 2");
    let offloaded = offload(&pool, &[300_000, 200_000], Duration::from_millis(10));
    println!("3. run_in_executor: prime counts on the pool, a ticker on the loop");
    println!(
        "  counts {:?} on {:?}; loop thread {:?}; the ticker ticked {} times meanwhile",
        offloaded.counts, offloaded.worker_threads, offloaded.loop_thread, offloaded.ticks
    );

    let blocked = f1_and_f2(nap, true);
    blocked.print(
        "4. the mistake: f1 and f2 with std::thread::sleep(1 s): the loop stops, about two seconds",
    );
    println!(
        "\nA coroutine shares its thread only at an `.await`; a blocking call keeps it. \
         Move blocking calls to a pool (run 3)."
    );
    let shared = together.took < nap + nap / 2;
    let stalled = blocked.took >= 2 * nap;
    let verdict = if shared && stalled && offloaded.ticks > 0 {
        "ok"
    } else {
        "UNEXPECTED"
    };
    println!(
        "VERDICT: {verdict}: two awaited sleeps of {nap:?} took {:.2?} on one thread; \
         two blocking ones took {:.2?}; the loop ticked {} times while the pool counted",
        together.took, blocked.took, offloaded.ticks
    );
}
