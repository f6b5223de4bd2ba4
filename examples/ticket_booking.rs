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
//!
//! `-- --processes` runs the notes' version, where each buyer is a process
//! (`multiprocessing.Process`), three times over: with no lock, with a
//! `turnstile::Lock` (which does not help: a lock is memory, and processes
//! share none, so every buyer takes a lock of its own), and with a lock on a
//! file (`File::lock`), which the kernel holds for all processes to see. Rust
//! has no `fork`-and-carry-on; the example starts its buyers by running its
//! own executable again with `--child buyer ...`.

use std::fmt;
use std::fs::{self, File};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, ExitCode, Stdio};
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
    /// Run the buyers as processes, once per [`Guard`] (`--processes`).
    pub processes: bool,
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
            processes: false,
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

/// Holds a buyer between its read and its write until every buyer has read
/// (forced races only).
type AllHaveRead<'a> = &'a dyn Fn() -> Result<(), Error>;

/// `buy()`: read, wait for the network, and take a ticket if one is left.
fn buy(
    buyer: usize,
    file: &Path,
    latency: Duration,
    all_have_read: Option<AllHaveRead<'_>>,
) -> Result<bool, Error> {
    let left = read_tickets(file)?;
    if let Some(all_have_read) = all_have_read {
        all_have_read()?;
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
    if config.processes && (config.force_race || !config.locked) {
        return Err(Error(
            "--processes runs its three guards itself (no lock, a turnstile::Lock, a file lock) \
             and forces the race where it can: leave out --no-lock and --force-race"
                .into(),
        ));
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
    let file = new_tickets_file(config)?;

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
                    } else if let Some(barrier) = barrier {
                        let all_have_read = || {
                            barrier
                                .wait()
                                .map(drop)
                                .map_err(|error| Error(format!("buyer {buyer}: {error}")))
                        };
                        buy(buyer, file, config.latency, Some(&all_have_read))
                    } else {
                        buy(buyer, file, config.latency, None)
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

/// Creates the run's directory and its tickets file, full.
fn new_tickets_file(config: &Config) -> Result<PathBuf, Error> {
    let dir = match &config.dir {
        Some(dir) => dir.clone(),
        None => fresh_dir(),
    };
    fs::create_dir_all(&dir)
        .map_err(|error| Error(format!("cannot create {}: {error}", dir.display())))?;
    let file = dir.join("tickets.json");
    write_tickets(&file, config.tickets, config.buyers)?;
    Ok(file)
}

/// How buyer processes guard their buying step (`--processes` runs all
/// three).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    /// Nothing: they race.
    Nothing,
    /// [`BUYING`], a `turnstile::Lock`: every process has its own, so no
    /// buyer ever waits for another.
    TurnstileLock,
    /// An exclusive lock on the file `tickets.lock` beside the tickets: the
    /// kernel holds it, and every process asks the same kernel.
    FileLock,
}

impl Guard {
    /// The three runs of `--processes`, in order.
    pub const ALL: [Guard; 3] = [Guard::Nothing, Guard::TurnstileLock, Guard::FileLock];

    fn name(self) -> &'static str {
        match self {
            Guard::Nothing => "no-lock",
            Guard::TurnstileLock => "turnstile-lock",
            Guard::FileLock => "file-lock",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Guard::ALL.into_iter().find(|guard| guard.name() == name)
    }

    /// What the run shows, and why.
    pub fn lesson(self) -> &'static str {
        match self {
            Guard::Nothing => {
                "no lock: every buyer process reads the file, waits, and writes it back; \
                 they overwrite each other's writes"
            }
            Guard::TurnstileLock => {
                "a turnstile::Lock around buy(): each process has its own copy of the lock \
                 (a lock is memory, and processes share none), so nobody ever waits for it"
            }
            Guard::FileLock => {
                "File::lock on tickets.lock around buy(): the kernel holds that lock, and all \
                 processes ask the same kernel, so one buyer at a time reads and writes"
            }
        }
    }
}

/// The lock the buyer processes take with [`Guard::TurnstileLock`]: the
/// same static in the same program, and yet one per process.
static BUYING: Lock = Lock::new();

/// A buyer process prints this line when it has read the count (forced
/// races only), then waits for a line on its stdin before it writes.
const READ_MARK: &str = "@read";

/// A buyer process's exit status: it bought a ticket.
const BOUGHT: u8 = 0;
/// A buyer process's exit status: it found none left.
const SOLD_OUT: u8 = 10;
/// A buyer process's exit status: it could not run (its stderr says why).
const BUYER_FAILED: u8 = 1;

/// Builds the command that starts one buyer process: given the buyer's
/// arguments, a command whose process calls [`buyer_process`] with them.
/// The example runs its own executable with `--child`; a test, its own test
/// binary.
pub type Launch<'a> = &'a dyn Fn(&[String]) -> Command;

/// Runs the lesson with each buyer in a process of its own, guarded by
/// `guard`. With `config.force_race`, every buyer reports that it has read
/// the count and waits until all have, so the lost updates are certain.
pub fn run_processes(config: &Config, guard: Guard, launch: Launch<'_>) -> Result<Report, Error> {
    if config.buyers == 0 {
        return Err(Error("--buyers must be at least 1".into()));
    }
    if config.force_race && guard == Guard::FileLock {
        return Err(Error(
            "a forced race under the file lock would wait forever: the buyer holding the lock \
             waits for the others to read, and they wait for the lock"
                .into(),
        ));
    }
    let file = new_tickets_file(config)?;
    let mut children = Vec::with_capacity(config.buyers);
    for buyer in 0..config.buyers {
        let args = [
            "buyer".to_string(),
            buyer.to_string(),
            file.display().to_string(),
            config.latency.as_millis().to_string(),
            guard.name().to_string(),
            config.force_race.to_string(),
        ];
        let stdin = if config.force_race {
            Stdio::piped()
        } else {
            Stdio::null()
        };
        // A child already started and waiting for "go" reads the end of its
        // stdin when this function returns early, and carries on.
        let child = launch(&args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| Error(format!("cannot start buyer process {buyer}: {error}")))?;
        children.push(child);
    }
    let mut outputs: Vec<(BufReader<ChildStdout>, Vec<String>)> = children
        .iter_mut()
        .map(|child| {
            let stdout = child.stdout.take().expect("stdout is piped");
            (BufReader::new(stdout), Vec::new())
        })
        .collect();
    if config.force_race {
        // A barrier across processes: wait until every buyer has read (or
        // died), then let them all go on.
        for (stdout, said) in &mut outputs {
            read_lines_until(stdout, said, Some(READ_MARK));
        }
        for child in &mut children {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = writeln!(stdin, "go"); // a dead buyer is reported below
            }
        }
    }
    let mut sold = 0;
    let mut failure = None;
    for (buyer, (mut child, (mut stdout, mut said))) in
        children.into_iter().zip(outputs).enumerate()
    {
        read_lines_until(&mut stdout, &mut said, None);
        // What the buyer printed (a test binary adds lines of its own).
        for line in said.iter().filter(|line| line.starts_with("buyer ")) {
            println!("{line}");
        }
        match child.wait().map(|status| (status, status.code())) {
            Ok((_, Some(code))) if code == i32::from(BOUGHT) => sold += 1,
            Ok((_, Some(code))) if code == i32::from(SOLD_OUT) => {}
            Ok((status, _)) => {
                failure.get_or_insert(Error(format!("buyer process {buyer} failed: {status}")));
            }
            Err(error) => {
                failure.get_or_insert(Error(format!("buyer process {buyer}: {error}")));
            }
        }
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    Ok(Report {
        tickets: config.tickets,
        sold,
        left_in_file: read_tickets(&file)?,
        file,
    })
}

/// Collects `stdout`'s lines into `said` until the line `mark` (which is not
/// kept) or the end of the output.
fn read_lines_until(
    stdout: &mut BufReader<ChildStdout>,
    said: &mut Vec<String>,
    mark: Option<&str>,
) {
    let mut line = String::new();
    loop {
        line.clear();
        match stdout.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if Some(line.trim_end()) == mark => return,
            Ok(_) => said.push(line.trim_end().to_string()),
        }
    }
}

/// A buyer process's whole life, from the arguments [`run_processes`] gave
/// it (`buyer N FILE LATENCY_MS GUARD FORCE_RACE`): search, then buy under
/// the guard. Returns the process's exit status.
pub fn buyer_process(args: &[String]) -> u8 {
    match buy_in_this_process(args) {
        Ok(true) => BOUGHT,
        Ok(false) => SOLD_OUT,
        Err(error) => {
            eprintln!("buyer process {}: {error}", std::process::id());
            BUYER_FAILED
        }
    }
}

// `File::lock` is Rust 1.89. The library's minimum is 1.85; the examples,
// like the tests and their dev-dependencies, want a newer toolchain.
#[allow(clippy::incompatible_msrv)]
fn buy_in_this_process(args: &[String]) -> Result<bool, Error> {
    let [role, buyer, file, latency_ms, guard, force_race] = args else {
        return Err(Error(format!("a buyer wants 6 arguments, not {args:?}")));
    };
    let bad = |what: &str, text: &String| Error(format!("bad {what} {text:?}"));
    if role != "buyer" {
        return Err(bad("role", role));
    }
    let buyer: usize = buyer.parse().map_err(|_| bad("buyer", buyer))?;
    let latency =
        Duration::from_millis(latency_ms.parse().map_err(|_| bad("latency", latency_ms))?);
    let guard = Guard::parse(guard).ok_or_else(|| bad("guard", guard))?;
    let force_race: bool = force_race
        .parse()
        .map_err(|_| bad("force_race", force_race))?;
    let file = Path::new(file);

    let all_have_read = || -> Result<(), Error> {
        println!("{READ_MARK}");
        // Whatever comes, a line or the end of stdin, means "go on".
        let mut go = String::new();
        std::io::stdin()
            .read_line(&mut go)
            .map(drop)
            .map_err(|error| Error(format!("buyer {buyer}: {error}")))
    };
    let all_have_read: Option<AllHaveRead<'_>> = if force_race {
        Some(&all_have_read)
    } else {
        None
    };

    search(buyer, file)?;
    match guard {
        Guard::Nothing => buy(buyer, file, latency, all_have_read),
        Guard::TurnstileLock => {
            let _held = BUYING.acquire(); // never waits: no one else in this process asks
            println!(
                "buyer {buyer}: process {} holds its own turnstile::Lock",
                std::process::id()
            );
            buy(buyer, file, latency, all_have_read)
        }
        Guard::FileLock => {
            // Not the tickets file itself: `write_tickets` renames a new file
            // over it, and a lock on the old file would guard nothing.
            let path = file.with_file_name("tickets.lock");
            let lock = File::options()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
                .map_err(|error| Error(format!("cannot open {}: {error}", path.display())))?;
            lock.lock()
                .map_err(|error| Error(format!("cannot lock {}: {error}", path.display())))?;
            // Released when `lock` is closed, or when the process ends,
            // however it ends.
            buy(buyer, file, latency, all_have_read)
        }
    }
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
            "--processes" => config.processes = true,
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
pub const USAGE: &str = "usage: ticket_booking [--no-lock] [--force-race] [--processes] \
                     [--buyers N] [--tickets N] [--latency-ms N] [--dir PATH]";

fn main() -> ExitCode {
    cli(std::env::args().skip(1).collect())
}

/// The whole command: `args` are the arguments after the program's name.
pub fn cli(args: Vec<String>) -> ExitCode {
    if args.first().is_some_and(|arg| arg == "--child") {
        return ExitCode::from(buyer_process(&args[1..]));
    }
    if args.iter().any(|arg| arg == "--help" || arg == "-h") {
        println!("{USAGE}");
        println!(
            "Buyers read a JSON file of tickets left and write it back; see the source's docs."
        );
        return ExitCode::SUCCESS;
    }
    let config = match parse_args(args.into_iter()) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("ticket_booking: {error}");
            return ExitCode::from(2);
        }
    };
    if config.processes {
        return run_all_guards(&config);
    }
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
            tidy_up(&config, &report);
            println!("VERDICT: {report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("ticket_booking: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Removes a fresh temporary directory again, or says where `--dir` keeps
/// the file.
fn tidy_up(config: &Config, report: &Report) {
    match (&config.dir, report.file.parent()) {
        (None, Some(dir)) => {
            let _ = std::fs::remove_dir_all(dir);
            println!(
                "the tickets file was {} (removed again; --dir PATH keeps it)",
                report.file.display()
            );
        }
        _ => println!("the tickets file: {}", report.file.display()),
    }
}

/// `--processes`: the buyers as processes, under each guard in turn.
fn run_all_guards(config: &Config) -> ExitCode {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(error) => {
            eprintln!("ticket_booking: cannot find my own executable: {error}");
            return ExitCode::FAILURE;
        }
    };
    let launch = |args: &[String]| {
        let mut command = Command::new(&exe);
        command.arg("--child").args(args);
        command
    };
    println!(
        "{} buyer processes, {} tickets, {:?} of network latency, three runs",
        config.buyers, config.tickets, config.latency
    );
    for guard in Guard::ALL {
        // Where a guard lets them, every buyer reads before anyone writes,
        // so what a run shows is certain, not likely.
        let run_config = Config {
            force_race: guard != Guard::FileLock,
            ..config.clone()
        };
        println!("\n== {}", guard.lesson());
        match run_processes(&run_config, guard, &launch) {
            Ok(report) => {
                tidy_up(&run_config, &report);
                println!("VERDICT ({}): {report}", guard.name());
            }
            Err(error) => {
                eprintln!("ticket_booking: {error}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
