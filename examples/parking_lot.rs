//! The notes' car park: 25 cars, 5 spaces. A semaphore with 5 permits is the
//! barrier at the entrance: a car that finds no space waits until one leaves.
//!
//! The Python original:
//!
//! ```python
//! spaces = threading.Semaphore(5)
//!
//! def car(n):
//!     with spaces:                  # wait for a space
//!         print('car %d parked' % n)
//!         time.sleep(random.randint(1, 5) / 100)
//!     print('car %d left' % n)      # the space is free again
//! ```
//!
//! (The example is named after the notes' lesson; it has nothing to do with
//! the `parking_lot` crate.)
//!
//! `cargo run --example parking_lot`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use turnstile::Semaphore;

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub cars: usize,
    pub spaces: usize,
    /// Each car stays between `stay.0` and `stay.1`.
    pub stay: (Duration, Duration),
}

impl Default for Config {
    fn default() -> Self {
        Self {
            cars: 25,
            spaces: 5,
            stay: (Duration::from_millis(10), Duration::from_millis(50)),
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub parked: usize,
    /// The most cars parked at the same moment.
    pub most_at_once: usize,
    pub spaces: usize,
}

/// A car's stay: a few bits of a hash of its number spread over the range
/// (different per car, the same every run; no random crate needed).
fn stay_of(car: usize, (shortest, longest): (Duration, Duration)) -> Duration {
    let mixed = (car as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 40;
    let spread = longest.saturating_sub(shortest).as_micros() as u64 + 1;
    shortest + Duration::from_micros(mixed % spread)
}

/// Runs the lesson once.
pub fn run(config: &Config) -> Report {
    let spaces = Semaphore::new(config.spaces);
    let parked_now = AtomicUsize::new(0);
    let most_at_once = AtomicUsize::new(0);
    let parked = AtomicUsize::new(0);
    thread::scope(|scope| {
        for car in 0..config.cars {
            let (spaces, parked_now, most_at_once, parked) =
                (&spaces, &parked_now, &most_at_once, &parked);
            scope.spawn(move || {
                let space = spaces.acquire(); // `with spaces:`
                let now = parked_now.fetch_add(1, Ordering::SeqCst) + 1;
                most_at_once.fetch_max(now, Ordering::SeqCst);
                parked.fetch_add(1, Ordering::SeqCst);
                println!(
                    "car {car:2} parked   ({now} of {} spaces taken)",
                    config.spaces
                );
                thread::sleep(stay_of(car, config.stay));
                let now = parked_now.fetch_sub(1, Ordering::SeqCst) - 1;
                println!(
                    "car {car:2} left     ({now} of {} spaces taken)",
                    config.spaces
                );
                drop(space); // the space is free again
            });
        }
    });
    Report {
        parked: parked.into_inner(),
        most_at_once: most_at_once.into_inner(),
        spaces: config.spaces,
    }
}

fn main() {
    let config = Config::default();
    let report = run(&config);
    let verdict = if report.most_at_once <= report.spaces && report.parked == config.cars {
        "ok"
    } else {
        "WRONG"
    };
    println!(
        "VERDICT: {verdict}: {} cars parked, at most {} at once, {} spaces",
        report.parked, report.most_at_once, report.spaces
    );
}
