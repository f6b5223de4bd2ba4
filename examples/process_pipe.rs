//! The notes' `Pipe` lesson: a parent and a child process talk over the two
//! ends of one pipe.
//!
//! The Python original:
//!
//! ```python
//! from multiprocessing import Process, Pipe
//!
//! def f(conn):
//!     conn.send([42, None, 'hello'])
//!     conn.close()
//!
//! if __name__ == '__main__':
//!     parent_conn, child_conn = Pipe()
//!     p = Process(target=f, args=(child_conn,))
//!     p.start()
//!     print(parent_conn.recv())   # prints "[42, None, 'hello']"
//!     p.join()
//! ```
//!
//! Here the child greets the parent the same way, then answers questions
//! until the parent closes its end. Three things carry over from Python:
//!
//! - `Pipe()` gives two ends of one duplex channel; each side keeps one.
//!   The child's end travels in its start argument (it is inherited).
//! - Values cross whole: whatever serde can write (Python: whatever pickle
//!   can), one `send` for one `recv`.
//! - The end of the conversation is the other end closing: `recv` then
//!   says `Closed` (Python raises `EOFError`). So the parent must drop its
//!   copy of the child's end after the start, or its own `recv` would
//!   never see the child go.
//!
//! What differs: the child runs this same program again, so `main` calls
//! `turnstile::process::init()` first; the child's function is a plain
//! `fn`, not a closure.
//!
//! `cargo run --example process_pipe`. Option: `--questions N` (5).

use std::process::ExitCode;

use turnstile::process::{Connection, Process, RecvError, pipe};

/// What the child first sends: Python's `[42, None, 'hello']`.
pub type Greeting = (u32, Option<u32>, String);

/// The child: greets, then answers each number with its square until the
/// parent hangs up.
pub fn child(conn: Connection) {
    conn.send(&(42_u32, None::<u32>, "hello".to_owned()))
        .expect("the parent is listening");
    loop {
        match conn.recv::<u64>() {
            Ok(n) => conn.send(&(n, n * n)).expect("the parent is listening"),
            Err(RecvError::Closed) => return,
            Err(other) => panic!("the child could not read a question: {other}"),
        }
    }
}

/// What a run saw.
#[derive(Debug)]
pub struct Report {
    pub greeting: Greeting,
    pub answers: Vec<(u64, u64)>,
    pub exitcode: i32,
}

/// Starts the child, reads its greeting, asks `questions` questions, hangs
/// up and joins it.
pub fn run(questions: u64) -> Result<Report, String> {
    let (parent_end, child_end) = pipe().map_err(|e| format!("no pipe: {e}"))?;
    let mut process = Process::start(child, child_end).map_err(|e| e.to_string())?;
    // `child_end` moved into the start: the parent keeps no copy of it, so
    // the child's exit closes the last one.
    let greeting: Greeting = parent_end.recv().map_err(|e| e.to_string())?;
    let mut answers = Vec::new();
    for n in 1..=questions {
        parent_end.send(&n).map_err(|e| e.to_string())?;
        answers.push(parent_end.recv().map_err(|e| e.to_string())?);
    }
    drop(parent_end); // hang up: the child's recv says Closed and it returns
    let exitcode = process.join().map_err(|e| e.to_string())?;
    Ok(Report {
        greeting,
        answers,
        exitcode,
    })
}

fn parse_args(args: &[String]) -> Result<u64, String> {
    match args {
        [] => Ok(5),
        [flag, n] if flag == "--questions" => n
            .parse()
            .map_err(|_| format!("--questions takes a number, not {n:?}")),
        _ => Err("usage: process_pipe [--questions N]".to_owned()),
    }
}

fn main() -> ExitCode {
    turnstile::process::init();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let questions = match parse_args(&args) {
        Ok(n) => n,
        Err(why) => {
            eprintln!("process_pipe: {why}");
            return ExitCode::from(2);
        }
    };
    let report = match run(questions) {
        Ok(report) => report,
        Err(why) => {
            eprintln!("process_pipe: {why}");
            return ExitCode::FAILURE;
        }
    };
    println!("the child said: {:?}", report.greeting);
    for (n, square) in &report.answers {
        println!("  asked {n}, the child answered {square}");
    }
    let right = report.answers.iter().all(|&(n, sq)| sq == n * n);
    println!(
        "VERDICT: the greeting and {} answers crossed whole ({}), the child saw the parent hang up and exited with {}",
        report.answers.len(),
        if right { "all right" } else { "SOME WRONG" },
        report.exitcode
    );
    if right && report.exitcode == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
