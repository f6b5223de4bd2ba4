//! The notes' chefs and eaters: chefs put dishes on a table (a queue), eaters
//! take them off, and the main thread waits until every dish is eaten.
//!
//! The Python original:
//!
//! ```python
//! q = queue.Queue(4)                      # a table with 4 places
//!
//! def chef(name):
//!     for i in range(8):
//!         q.put('%s dish %d' % (name, i))  # waits while the table is full
//!
//! def eater(name):
//!     while True:
//!         dish = q.get()
//!         print(name, 'ate', dish)
//!         q.task_done()                   # one more dish finished
//!
//! # chefs and (daemon) eaters started; then:
//! for c in chefs: c.join()                # every dish is on the table...
//! q.join()                                # ...and every dish is eaten
//! ```
//!
//! Python leaves the eaters blocked in `get` forever as daemon threads. Here
//! the queue is closed after `join`, so each eater's loop ends and every
//! thread is joined: nothing is left running.
//!
//! `cargo run --example producer_consumer`.

use std::collections::BTreeMap;
use std::thread;
use std::time::Duration;

use turnstile::FifoQueue;

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub chefs: usize,
    pub dishes_each: usize,
    pub eaters: usize,
    pub table_places: usize,
    /// How long eating one dish takes.
    pub eating: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            chefs: 2,
            dishes_each: 8,
            eaters: 2,
            table_places: 4,
            eating: Duration::from_millis(5),
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub made: usize,
    /// How many times each dish was eaten (each should be 1).
    pub eaten: BTreeMap<String, usize>,
    /// How many dishes each eater ate.
    pub per_eater: Vec<usize>,
}

impl Report {
    /// Every dish made was eaten exactly once.
    pub fn all_eaten_once(&self) -> bool {
        self.eaten.len() == self.made && self.eaten.values().all(|&times| times == 1)
    }
}

/// Runs the lesson once.
pub fn run(config: &Config) -> Result<Report, String> {
    let table = FifoQueue::bounded(config.table_places).map_err(|error| error.to_string())?;
    let table = &table;
    let (made, per_eater_dishes) = thread::scope(|scope| {
        let eaters: Vec<_> = (0..config.eaters)
            .map(|eater| {
                scope.spawn(move || {
                    let mut ate = Vec::new();
                    // Until the table is closed and empty.
                    for dish in table {
                        println!("  eater {eater} ate {dish}");
                        thread::sleep(config.eating);
                        ate.push(dish);
                        // Cannot fail: each get is marked done once.
                        let _ = table.task_done();
                    }
                    ate
                })
            })
            .collect();
        let chefs: Vec<_> = (0..config.chefs)
            .map(|chef| {
                scope.spawn(move || {
                    let mut made = 0;
                    for n in 0..config.dishes_each {
                        let dish = format!("chef {chef}'s dish {n}");
                        println!("chef {chef} made dish {n}");
                        if table.put(dish).is_ok() {
                            made += 1;
                        }
                    }
                    made
                })
            })
            .collect();
        let made: usize = chefs.into_iter().map(|chef| chef.join().unwrap_or(0)).sum();
        println!("main: every chef is done; waiting until every dish is eaten (join)");
        table.join();
        println!("main: every dish eaten; closing the table so the eaters go home");
        table.close();
        let per_eater: Vec<Vec<String>> = eaters
            .into_iter()
            .map(|eater| eater.join().unwrap_or_default())
            .collect();
        (made, per_eater)
    });
    let mut eaten = BTreeMap::new();
    for dish in per_eater_dishes.iter().flatten() {
        *eaten.entry(dish.clone()).or_insert(0) += 1;
    }
    Ok(Report {
        made,
        eaten,
        per_eater: per_eater_dishes.iter().map(Vec::len).collect(),
    })
}

fn main() -> std::process::ExitCode {
    let config = Config::default();
    println!(
        "{} chefs x {} dishes, {} eaters, a table of {} places",
        config.chefs, config.dishes_each, config.eaters, config.table_places
    );
    match run(&config) {
        Ok(report) => {
            let eaten: usize = report.eaten.values().sum();
            let verdict = if report.all_eaten_once() {
                "ok"
            } else {
                "WRONG"
            };
            println!(
                "VERDICT: {verdict}: {} dishes made, {eaten} eaten (per eater: {:?}), every eater went home",
                report.made, report.per_eater
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("producer_consumer: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
