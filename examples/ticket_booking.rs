//! The notes' train tickets: the count of tickets left lives in a JSON file,
//! and buyer threads read it, wait for "the network", and write it back one
//! lower. Without a lock, buyers read the same count and the train is
//! oversold.
//!
//! The Python original:
//!
//! ```python
//! def search():                     # anyone may look
//!     dic = json.load(open('data'))
//!     print('tickets left: %s' % dic['tickets_num'])
//!
//! def buy():
//!     dic = json.load(open('data'))
//!     time.sleep(0.1)               # the network
//!     if dic['tickets_num'] > 0:
//!         dic['tickets_num'] -= 1
//!         json.dump(dic, open('data', 'w'))
//!         print('bought a ticket')
//!
//! def run(lock):
//!     search()
//!     with lock:                    # only the buying step is locked
//!         buy()
//! ```
//!
//! `cargo run --example ticket_booking` runs it with a `turnstile::Lock`
//! around `buy` (exactly as many buyers succeed as there were tickets);
//! `-- --no-lock` lets them race. Options: `--buyers N` (10), `--tickets N`
//! (3), `--latency-ms N` (20), `--dir PATH` (default: a fresh directory in
//! the system's temporary directory), `--force-race` (with `--no-lock`:
//! every buyer reads the file before anyone writes it, so the oversell is
//! certain rather than likely).

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use turnstile::{Barrier, Lock};

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Config {
    pub buyers: usize,
    pub tickets: u64,
    pub latency: Duration,
    /// Guard the buying step with a `turnstile::Lock`.
    pub locked: bool,
    /// Unlocked runs only: every buyer has read the file before any writes.
    pub force_race: bool,
    /// Where the JSON file goes; `None`: a fresh temporary directory.
    pub dir: Option<PathBuf>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            buyers: 10,
            tickets: 3,
            latency: Duration::from_millis(20),
            locked: true,
            force_race: false,
            dir: None,
        }
    }
}

/// What happened.
#[derive(Debug)]
pub struct Report {
    pub tickets: u64,
    /// Buyers who were told they got a ticket.
    pub sold: u64,
    /// What the file says at the end.
    pub left_in_file: u64,
    pub file: PathBuf,
}

impl Report {
    /// Tickets sold that did not exist.
    pub fn oversold(&self) -> u64 {
        self.sold.saturating_sub(self.tickets)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.oversold() > 0 {
            write!(
                f,
                "OVERSOLD by {}: {} buyers were sold a ticket, only {} existed (the file says {} left)",
                self.oversold(),
                self.sold,
                self.tickets,
                self.left_in_file
            )
        } else {
            write!(
                f,
                "ok: {} buyers were sold a ticket, {} existed, the file says {} left",
                self.sold, self.tickets, self.left_in_file
            )
        }
    }
}

/// Why a run could not be done: a bad flag, or a file that is not what it
/// should be.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The count in the tickets file, or a clear error if the file is missing or
/// is not `{"tickets_num": N}`.
pub fn read_tickets(file: &Path) -> Result<u64, Error> {
    let text = fs::read_to_string(file)
        .map_err(|error| Error(format!("cannot read {}: {error}", file.display())))?;
    let data: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| Error(format!("{} is not JSON: {error}", file.display())))?;
    data["tickets_num"].as_u64().ok_or_else(|| {
        Error(format!(
            "{} has no whole-number \"tickets_num\": {text}",
            file.display()
        ))
    })
}

/// Replaces the file's contents. Written beside it and renamed over it, so a
/// reader sees the old count or the new one, never a half-written file: the
/// race this lesson shows is the lost update, not a torn read.
fn write_tickets(file: &Path, tickets: u64, writer: usize) -> Result<(), Error> {
    let text = serde_json::json!({ "tickets_num": tickets }).to_string();
    let scratch = file.with_extension(format!("json.{writer}"));
    fs::write(&scratch, text)
        .and_then(|()| fs::rename(&scratch, file))
        .map_err(|error| Error(format!("cannot write {}: {error}", file.display())))
}

/// `search()`: look, print, change nothing.
fn search(buyer: usize, file: &Path) -> Result<(), Error> {
    println!(
        "buyer {buyer}: searching... {} tickets left",
        read_tickets(file)?
    );
    Ok(())
}

/// `buy()`: read, wait for the network, and take a ticket if one is left.
/// `all_have_read` (forced races only) holds every buyer between the read
/// and the write until all have read.
fn buy(
    buyer: usize,
    file: &Path,
    latency: Duration,
    all_have_read: Option<&Barrier>,
) -> Result<bool, Error> {
    let left = read_tickets(file)?;
    if let Some(barrier) = all_have_read {
        barrier
            .wait()
            .map_err(|error| Error(format!("buyer {buyer}: {error}")))?;
    }
    thread::sleep(latency);
    if left == 0 {
        println!("buyer {buyer}: sold out");
        return Ok(false);
    }
    write_tickets(file, left - 1, buyer)?;
    println!(
        "buyer {buyer}: bought a ticket (read {left}, wrote {})",
        left - 1
    );
    Ok(true)
}

/// Refuses a setup that cannot run.
pub fn check(config: &Config) -> Result<(), Error> {
    if config.buyers == 0 {
        return Err(Error("--buyers must be at least 1".into()));
    }
    if config.force_race && config.locked {
        return Err(Error(
            "--force-race needs --no-lock: with the lock held, buyers waiting for each other \
             inside it would wait forever"
                .into(),
        ));
    }
    Ok(())
}

/// Runs the lesson once.
pub fn run(config: &Config) -> Result<Report, Error> {
    check(config)?;
    let dir = match &config.dir {
        Some(dir) => dir.clone(),
        None => fresh_dir(),
    };
    fs::create_dir_all(&dir)
        .map_err(|error| Error(format!("cannot create {}: {error}", dir.display())))?;
    let file = dir.join("tickets.json");
    write_tickets(&file, config.tickets, config.buyers)?;

    let lock = Lock::new();
    let barrier = if config.force_race {
        Some(Barrier::new(config.buyers).map_err(|error| Error(error.to_string()))?)
    } else {
        None
    };
    let outcomes: Vec<Result<bool, Error>> = thread::scope(|scope| {
        let buyers: Vec<_> = (0..config.buyers)
            .map(|buyer| {
                let (file, lock, barrier) = (&file, &lock, barrier.as_ref());
                scope.spawn(move || {
                    search(buyer, file)?;
                    if config.locked {
                        let _held = lock.acquire(); // `with lock:`
                        buy(buyer, file, config.latency, None)
                    } else {
                        buy(buyer, file, config.latency, barrier)
                    }
                })
            })
            .collect();
        buyers
            .into_iter()
            .map(|buyer| {
                buyer
                    .join()
                    .unwrap_or_else(|_| Err(Error("a buyer thread panicked".into())))
            })
            .collect()
    });
    let mut sold = 0;
    for outcome in outcomes {
        if outcome? {
            sold += 1;
        }
    }
    Ok(Report {
        tickets: config.tickets,
        sold,
        left_in_file: read_tickets(&file)?,
        file,
    })
}

/// A new directory's path under the system's temporary directory (`run`
/// creates it, as it does a `--dir` that does not exist yet).
fn fresh_dir() -> PathBuf {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos());
    std::env::temp_dir().join(format!("turnstile-tickets-{}-{stamp}", std::process::id()))
}

/// The command line, checked.
pub fn parse_args(args: impl Iterator<Item = String>) -> Result<Config, Error> {
    let mut config = Config::default();
    let mut args = args.peekable();
    while let Some(flag) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .ok_or_else(|| Error(format!("{name} needs a value")))
        };
        let number = |name: &str, text: String| {
            text.parse::<u64>()
                .map_err(|_| Error(format!("{name} wants a whole number, not {text:?}")))
        };
        match flag.as_str() {
            "--no-lock" => config.locked = false,
            "--force-race" => config.force_race = true,
            "--buyers" => config.buyers = number("--buyers", value("--buyers")?)? as usize,
            "--tickets" => config.tickets = number("--tickets", value("--tickets")?)?,
            "--latency-ms" => {
                config.latency =
                    Duration::from_millis(number("--latency-ms", value("--latency-ms")?)?)
            }
            "--dir" => config.dir = Some(PathBuf::from(value("--dir")?)),
            other => return Err(Error(format!("unknown option {other:?}; {USAGE}"))),
        }
    }
    check(&config)?;
    Ok(config)
}

/// The options, for `--help` and for an unknown option.
const USAGE: &str = "usage: ticket_booking [--no-lock] [--force-race] [--buyers N] \
                     [--tickets N] [--latency-ms N] [--dir PATH]";

fn main() -> ExitCode {
    if std::env::args()
        .skip(1)
        .any(|arg| arg == "--help" || arg == "-h")
    {
        println!("{USAGE}");
        println!(
            "Buyers read a JSON file of tickets left and write it back; see the source's docs."
        );
        return ExitCode::SUCCESS;
    }
    let config = match parse_args(std::env::args().skip(1)) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("ticket_booking: {error}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} buyers, {} tickets, {:?} of network latency, {}",
        config.buyers,
        config.tickets,
        config.latency,
        if config.locked {
            "buying under a turnstile::Lock"
        } else if config.force_race {
            "no lock, and every buyer reads before anyone writes"
        } else {
            "no lock"
        }
    );
    match run(&config) {
        Ok(report) => {
            match (&config.dir, report.file.parent()) {
                (None, Some(dir)) => {
                    // A fresh temporary directory: leave nothing behind.
                    let _ = std::fs::remove_dir_all(dir);
                    println!(
                        "the tickets file was {} (removed again; --dir PATH keeps it)",
                        report.file.display()
                    );
                }
                _ => println!("the tickets file: {}", report.file.display()),
            }
            println!("VERDICT: {report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("ticket_booking: {error}");
            ExitCode::FAILURE
        }
    }
}
