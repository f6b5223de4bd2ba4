//! Shared by the bench files.

use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

/// Starts `threads` threads together at a barrier; each runs `round`
/// `iters` times. Returns the slowest thread's time, for `iter_custom`.
pub fn slowest_of(threads: usize, iters: u64, round: impl Fn() + Sync) -> Duration {
    let start = Barrier::new(threads);
    thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    start.wait();
                    let began = Instant::now();
                    for _ in 0..iters {
                        round();
                    }
                    began.elapsed()
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|worker| worker.join().expect("a bench thread panicked"))
            .max()
            .expect("at least one thread")
    })
}
