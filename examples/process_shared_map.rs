//! Ten processes fill one shared map and one shared list: the notes'
//! `Manager().dict()` / `Manager().list()` lesson, and why turnstile has no
//! `Manager`.
//!
//! The Python original:
//!
//! ```python
//! from multiprocessing import Manager, Process
//!
//! def work(d, l, i):
//!     d[f"worker-{i}"] = i * i      # each process writes its own entry
//!     l.append(i)
//!
//! with Manager() as m:
//!     d, l = m.dict(), m.list()
//!     ps = [Process(target=work, args=(d, l, i)) for i in range(10)]
//!     for p in ps: p.start()
//!     for p in ps: p.join()
//!     print(dict(d), list(l))
//! ```
//!
//! Python needs the Manager because its objects cannot live in shared
//! memory: a dict is a web of pointers into one interpreter's heap, with
//! reference counts every access writes. So the Manager starts a *server
//! process* that owns the real dict, and every `d[k] = v` elsewhere is a
//! message over a socket to that server (pickled key and value there, an
//! answer back): a remote call per access, and a server that takes every
//! proxy down with it if it dies.
//!
//! Rust can say what may live in shared memory: a [`Plain`] type has no
//! pointers, no handles and no destructor, so its bytes mean the same in
//! every process. The map is then a fixed-size array of plain entries in a
//! `Shared` region behind a process [`Mutex`]: each process locks, writes
//! its entry in its own address space's view of the same pages, unlocks.
//! No server, no messages, no copies; and if a writer is killed mid-write
//! the next one is told ([`OwnerDied`](turnstile::process::OwnerDied)).
//! What it costs: a fixed capacity and plain keys (here 16 bytes of text),
//! chosen up front. A map of arbitrary values belongs in one process that
//! others send messages to (a `Pipe` or a queue): Python's Manager, built
//! by hand, and only where it is worth it.
//!
//! `cargo run --example process_shared_map`.

use turnstile::process::{Mutex, Plain, Process};

/// How many entries the map (and the list) can hold.
pub const CAPACITY: usize = 16;

/// One key and its value; `used` marks a taken entry.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C)]
pub struct Entry {
    /// Whether this entry holds a key.
    pub used: bool,
    /// The key: up to 16 bytes of UTF-8, zero-padded.
    pub key: [u8; 16],
    /// The value.
    pub value: u64,
}

/// The map and the list, in one region behind one lock.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Board {
    /// `Manager().dict()`: a fixed table of entries.
    pub map: [Entry; CAPACITY],
    /// `Manager().list()`: how many items are in `list`.
    pub len: u32,
    /// The list's items, `len` of them used.
    pub list: [u32; CAPACITY],
}

// SAFETY: bools, bytes and integers: no pointers, no handles, no Drop.
unsafe impl Plain for Board {}

impl Board {
    fn new() -> Self {
        Self {
            map: [Entry::default(); CAPACITY],
            len: 0,
            list: [0; CAPACITY],
        }
    }

    /// `d[key] = value`: overwrites the key's entry or takes a free one.
    /// `false` if the key is too long or the map is full.
    pub fn insert(&mut self, key: &str, value: u64) -> bool {
        let mut bytes = [0_u8; 16];
        if key.len() > bytes.len() {
            return false;
        }
        bytes[..key.len()].copy_from_slice(key.as_bytes());
        let slot = self
            .map
            .iter()
            .position(|e| e.used && e.key == bytes)
            .or_else(|| self.map.iter().position(|e| !e.used));
        let Some(slot) = slot else { return false };
        self.map[slot] = Entry {
            used: true,
            key: bytes,
            value,
        };
        true
    }

    /// `l.append(item)`; `false` if the list is full.
    pub fn append(&mut self, item: u32) -> bool {
        let len = self.len as usize;
        if len == CAPACITY {
            return false;
        }
        self.list[len] = item;
        self.len += 1;
        true
    }

    /// The map's entries as (key, value), sorted by key.
    pub fn entries(&self) -> Vec<(String, u64)> {
        let mut entries: Vec<_> = self
            .map
            .iter()
            .filter(|e| e.used)
            .map(|e| {
                let end = e.key.iter().position(|&b| b == 0).unwrap_or(e.key.len());
                (String::from_utf8_lossy(&e.key[..end]).into_owned(), e.value)
            })
            .collect();
        entries.sort();
        entries
    }

    /// The list's items, in the order they were appended.
    pub fn items(&self) -> Vec<u32> {
        self.list[..self.len as usize].to_vec()
    }
}

/// One worker process: its own entry in the map, its number on the list.
fn work((board, i): (Mutex<Board>, u32)) {
    let mut board = match board.lock() {
        Ok(guard) => guard,
        Err(died) => died.into_inner(), // nobody is killed in this lesson
    };
    assert!(board.insert(&format!("worker-{i}"), u64::from(i * i)));
    assert!(board.append(i));
}

/// What the run left: the map, the list and the workers' exit codes.
#[derive(Debug)]
pub struct Report {
    /// The map's entries, sorted by key.
    pub map: Vec<(String, u64)>,
    /// The list, in append order.
    pub list: Vec<u32>,
    /// Each worker's exit code (0: it wrote its entry).
    pub codes: Vec<i32>,
}

/// Starts `workers` processes on one shared board and waits for them all.
///
/// # Errors
///
/// The shared region or a process could not be made.
pub fn run(workers: u32) -> std::io::Result<Report> {
    let board = Mutex::new(Board::new())?;
    let mut started = Vec::new();
    for i in 0..workers {
        let child = Process::start(work, (board.clone(), i))
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        started.push(child);
    }
    let mut codes = Vec::new();
    for mut child in started {
        codes.push(child.join()?);
    }
    let board = match board.lock() {
        Ok(guard) => *guard,
        Err(died) => *died.into_inner(),
    };
    Ok(Report {
        map: board.entries(),
        list: board.items(),
        codes,
    })
}

fn main() -> std::io::Result<()> {
    turnstile::process::init();
    let report = run(10)?;
    println!("map:  {:?}", report.map);
    println!("list: {:?}", report.list);
    let mut sorted = report.list.clone();
    sorted.sort_unstable();
    let every_entry = report.map.len() == 10
        && (0..10_u64).all(|i| report.map.contains(&(format!("worker-{i}"), i * i)));
    let every_item_once = sorted == (0..10).collect::<Vec<_>>();
    let all_exited_well = report.codes.iter().all(|&c| c == 0);
    println!(
        "VERDICT: {} — ten processes wrote {} map entries and {} list items into one shared region \
         behind a process Mutex, no Manager server in between (list order is arrival order: {:?})",
        if every_entry && every_item_once && all_exited_well {
            "every write arrived exactly once"
        } else {
            "SOMETHING WAS LOST"
        },
        report.map.len(),
        report.list.len(),
        report.list,
    );
    Ok(())
}
