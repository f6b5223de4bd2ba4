//! The notes' two `Event` lessons. Passengers wait at a bus stop until the
//! bus arrives (one `set` releases every waiter). Then database clients try
//! to connect while the database is under maintenance: each waits for the
//! "database up" event at most 0.5 s, up to 3 times, and gives up after that.
//!
//! The Python original:
//!
//! ```python
//! bus = threading.Event()
//! def passenger(n):
//!     bus.wait()                          # until the bus arrives
//!     print('passenger %d boarded' % n)
//!
//! db_up = threading.Event()
//! def client(n):
//!     for attempt in range(1, 4):
//!         if db_up.wait(0.5):             # True: set; False: timed out
//!             print('client %d connected' % n); return
//!         print('client %d: attempt %d timed out' % (n, attempt))
//!     print('client %d gave up' % n)
//!
//! def maintenance():
//!     time.sleep(random.randint(3, 20) / 10)
//!     db_up.set()
//! ```
//!
//! Here clients arrive 0.1 s apart, so when the database comes back after
//! about 1–2 s the early ones have given up and the late ones connect.
//!
//! `cargo run --example bus_stop` (random maintenance time), or
//! `-- --delay-ms N` to choose it.

use std::thread;
use std::time::{Duration, Instant};

use turnstile::Event;

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub passengers: usize,
    pub bus_after: Duration,
    pub clients: usize,
    /// Client `n` starts `n * stagger` after the first.
    pub stagger: Duration,
    /// One attempt's `wait_timeout`.
    pub wait: Duration,
    pub attempts: u32,
    /// When maintenance ends and the database is up.
    pub database_after: Duration,
}

impl Config {
    /// The notes' numbers, with the maintenance time given.
    pub fn with_maintenance(database_after: Duration) -> Self {
        Self {
            passengers: 5,
            bus_after: Duration::from_millis(200),
            clients: 10,
            stagger: Duration::from_millis(100),
            wait: Duration::from_millis(500),
            attempts: 3,
            database_after,
        }
    }
}

/// How one database client fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Client {
    /// Connected on this attempt (1-based), this long after the start.
    Connected { attempt: u32, at: Duration },
    /// Every attempt timed out.
    GaveUp { at: Duration },
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    /// How long after the start each passenger boarded.
    pub boarded: Vec<Duration>,
    pub clients: Vec<Client>,
}

/// Part 1: the bus stop.
pub fn bus_stop(passengers: usize, bus_after: Duration) -> Vec<Duration> {
    let bus = Event::new();
    let start = Instant::now();
    thread::scope(|scope| {
        let riders: Vec<_> = (0..passengers)
            .map(|n| {
                let bus = &bus;
                scope.spawn(move || {
                    println!("passenger {n} waits for the bus");
                    bus.wait();
                    let at = start.elapsed();
                    println!("passenger {n} boarded at {at:.2?}");
                    at
                })
            })
            .collect();
        thread::sleep(bus_after);
        println!("the bus arrives at {:.2?}", start.elapsed());
        bus.set();
        riders
            .into_iter()
            .filter_map(|rider| rider.join().ok())
            .collect()
    })
}

/// Part 2: clients retrying while the database is down.
pub fn database(config: &Config) -> Vec<Client> {
    let db_up = Event::new();
    let start = Instant::now();
    thread::scope(|scope| {
        let clients: Vec<_> = (0..config.clients)
            .map(|n| {
                let db_up = &db_up;
                scope.spawn(move || {
                    thread::sleep(config.stagger * n as u32);
                    for attempt in 1..=config.attempts {
                        if db_up.wait_timeout(config.wait).is_ok() {
                            let at = start.elapsed();
                            println!("client {n}: connected on attempt {attempt} at {at:.2?}");
                            return Client::Connected { attempt, at };
                        }
                        println!("client {n}: attempt {attempt} timed out");
                    }
                    let at = start.elapsed();
                    println!("client {n}: gave up at {at:.2?}");
                    Client::GaveUp { at }
                })
            })
            .collect();
        scope.spawn(|| {
            thread::sleep(config.database_after);
            println!(
                "maintenance over at {:.2?}: the database is up",
                start.elapsed()
            );
            db_up.set();
        });
        clients
            .into_iter()
            .filter_map(|client| client.join().ok())
            .collect()
    })
}

/// Both parts.
pub fn run(config: &Config) -> Report {
    let boarded = bus_stop(config.passengers, config.bus_after);
    let clients = database(config);
    Report { boarded, clients }
}

/// 0.3 s to 2.0 s, from the clock's nanoseconds (no random crate needed).
fn random_maintenance() -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    Duration::from_millis(300 + u64::from(nanos) % 1_701)
}

fn main() -> std::process::ExitCode {
    let mut args = std::env::args().skip(1);
    let database_after = match (args.next().as_deref(), args.next()) {
        (None, _) => random_maintenance(),
        (Some("--delay-ms"), Some(ms)) => match ms.parse() {
            Ok(ms) => Duration::from_millis(ms),
            Err(_) => {
                eprintln!("bus_stop: --delay-ms wants a whole number of milliseconds, not {ms:?}");
                return std::process::ExitCode::from(2);
            }
        },
        _ => {
            eprintln!("bus_stop: the one option is --delay-ms N");
            return std::process::ExitCode::from(2);
        }
    };
    let config = Config::with_maintenance(database_after);
    println!(
        "maintenance takes {database_after:.2?}; clients wait {:?} per attempt, {} attempts",
        config.wait, config.attempts
    );
    let report = run(&config);
    let connected = report
        .clients
        .iter()
        .filter(|client| matches!(client, Client::Connected { .. }))
        .count();
    let early = report
        .boarded
        .iter()
        .filter(|at| **at < config.bus_after)
        .count();
    let verdict = if early == 0 && report.boarded.len() == config.passengers {
        "ok"
    } else {
        "WRONG"
    };
    println!(
        "VERDICT: {verdict}: {} passengers boarded, none before the bus; database up after \
         {database_after:.2?}: {connected} clients connected, {} gave up",
        report.boarded.len(),
        report.clients.len() - connected
    );
    std::process::ExitCode::SUCCESS
}
