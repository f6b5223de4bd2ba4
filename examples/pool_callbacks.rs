//! The notes' thread-pool lesson, three ways to get results back from a
//! pool: wait for each future with `result()` (in the order submitted), ask
//! each future to call you back when it is done (`add_done_callback`: it
//! fires on the worker the moment the task finishes), and `as_completed`
//! (yields futures in the order they finish).
//!
//! The Python original:
//!
//! ```python
//! pool = ThreadPoolExecutor(5)
//! futures = [pool.submit(download, page) for page in pages]
//! print([f.result() for f in futures])      # submit order
//!
//! def done(future):                         # runs as soon as it finishes
//!     print('done:', future.result())
//! for page in pages:
//!     pool.submit(download, page).add_done_callback(done)
//!
//! for f in as_completed(futures):           # finishing order
//!     print(f.result())
//! ```
//!
//! `cargo run --example pool_callbacks`.

use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use turnstile::ThreadPool;
use turnstile::pool::as_completed;

/// The "pages" and how long each takes to download, deliberately not in
/// the order they finish.
pub const PAGES: [(&str, u64); 5] = [
    ("news", 120),
    ("home", 0),
    ("video", 240),
    ("about", 60),
    ("shop", 180),
];

/// Pretends to download a page.
fn download(page: &'static str, millis: u64) -> String {
    thread::sleep(Duration::from_millis(millis));
    format!("<{page}>")
}

/// What each way of collecting saw.
#[derive(Debug)]
pub struct Report {
    /// `result()` on each future in submit order.
    pub by_result: Vec<String>,
    /// The order the done-callbacks fired in, each with the thread it ran
    /// on and when.
    pub by_callback: Vec<(String, String, Duration)>,
    /// The order `as_completed` yielded.
    pub by_as_completed: Vec<String>,
}

/// The pages, fastest first: the order they finish in.
pub fn finishing_order() -> Vec<String> {
    let mut pages = PAGES.to_vec();
    pages.sort_by_key(|&(_, millis)| millis);
    pages.iter().map(|(page, _)| format!("<{page}>")).collect()
}

/// Runs the lesson once.
pub fn run() -> Result<Report, String> {
    let pool = ThreadPool::builder()
        .workers(PAGES.len())
        .thread_name("downloader")
        .build()
        .map_err(|error| error.to_string())?;
    let submit_all = || {
        PAGES
            .iter()
            .map(|&(page, millis)| {
                pool.submit(move || download(page, millis))
                    .map_err(|error| error.to_string())
            })
            .collect::<Result<Vec<_>, _>>()
    };

    println!("1. result(), one future after another:");
    let mut by_result = Vec::new();
    for future in submit_all()? {
        let page = future.into_result().map_err(|error| error.to_string())?;
        println!("   {page}");
        by_result.push(page);
    }

    println!("2. add_done_callback: each fires on the worker as its task finishes:");
    let fired = Arc::new(Mutex::new(Vec::new()));
    let start = Instant::now();
    for future in submit_all()? {
        let fired = Arc::clone(&fired);
        future.add_done_callback(move |outcome| {
            let page = outcome.clone().unwrap_or_else(|error| error.to_string());
            let worker = thread::current().name().unwrap_or("?").to_string();
            let at = start.elapsed();
            println!("   {page} done at {at:.0?}, called back on {worker}");
            if let Ok(mut fired) = fired.lock() {
                fired.push((page, worker, at));
            }
        });
        // The future is dropped here; its callback still fires.
    }
    // Shutting down waits for the tasks, and so for their callbacks.
    pool.shutdown();
    let by_callback = fired.lock().map(|fired| fired.clone()).unwrap_or_default();

    println!("3. as_completed, on a fresh pool:");
    let pool = ThreadPool::new(PAGES.len()).map_err(|error| error.to_string())?;
    let futures = PAGES
        .iter()
        .map(|&(page, millis)| pool.submit(move || download(page, millis)))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| error.to_string())?;
    let mut by_as_completed = Vec::new();
    for future in as_completed(&futures) {
        let page = future.result().map_err(|error| error.to_string())?.clone();
        println!("   {page}");
        by_as_completed.push(page);
    }
    Ok(Report {
        by_result,
        by_callback,
        by_as_completed,
    })
}

fn main() -> std::process::ExitCode {
    match run() {
        Ok(report) => {
            let submitted: Vec<String> =
                PAGES.iter().map(|(page, _)| format!("<{page}>")).collect();
            let fired: Vec<&String> = report.by_callback.iter().map(|(page, ..)| page).collect();
            let ok = report.by_result == submitted
                && fired.iter().copied().eq(finishing_order().iter())
                && report.by_as_completed == finishing_order();
            println!(
                "VERDICT: {}: result() gave submit order {:?}; callbacks fired in finishing order {:?}, \
                 on the workers; as_completed gave {:?}",
                if ok { "ok" } else { "UNEXPECTED" },
                report.by_result,
                fired,
                report.by_as_completed
            );
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("pool_callbacks: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
