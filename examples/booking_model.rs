//! The notes' ticket booking, model-checked: the same booking logic (in
//! `examples/booking_model/office.rs`) runs on real threads and under loom,
//! through `turnstile::model`.
//!
//! Without the lock, loom finds the schedule that sells one ticket twice
//! and prints it as a timeline; with the lock, it explores every schedule
//! and finds none. This is how you model-check your own code: write it
//! against names (`Lock`, `AtomicU32`, ...) that you import from `turnstile`
//! and `std` in the real build and from `turnstile::model` in the check.
//!
//! `cargo run --example booking_model`

use std::sync::Arc;

/// The booking logic on the real machine.
pub mod real {
    pub use std::sync::atomic::{AtomicU32, Ordering};
    pub use turnstile::Lock;

    include!("booking_model/office.rs");
}

/// The same logic, on `turnstile::model`: loom's atomics and the model copy
/// of turnstile's `Lock`.
pub mod checked {
    pub use turnstile::model::Lock;
    pub use turnstile::model::sync::atomic::{AtomicU32, Ordering};

    include!("booking_model/office.rs");
}

/// Two buyers and one ticket under loom: returns the failing schedule if
/// loom finds one in which both buy it.
pub fn check_two_buyers(locked: bool) -> Option<turnstile::model::Failure> {
    turnstile::model::Model::new().find_failure(move || {
        use turnstile::model::{sync::Arc, thread};
        let office = Arc::new(checked::Office::new(1));
        let buy = move |office: &checked::Office| {
            if locked {
                office.buy()
            } else {
                office.buy_unlocked()
            }
        };
        let other = {
            let office = Arc::clone(&office);
            thread::spawn(move || buy(&office))
        };
        let mine = buy(&office);
        let theirs = other.join().unwrap();
        let sold = usize::from(mine) + usize::from(theirs);
        assert!(sold <= 1, "sold {sold} tickets, and there was 1");
        assert_eq!(
            office.left(),
            0,
            "a ticket was bought, or none, and the count says so"
        );
    })
}

/// Ten buyers and three tickets on real threads, with the lock: how many
/// bought one.
pub fn real_run() -> usize {
    let office = Arc::new(real::Office::new(3));
    let buyers: Vec<_> = (0..10)
        .map(|_| {
            let office = Arc::clone(&office);
            std::thread::spawn(move || office.buy())
        })
        .collect();
    buyers
        .into_iter()
        .map(|buyer| buyer.join().expect("a buyer does not panic"))
        .filter(|&bought| bought)
        .count()
}

fn main() {
    let sold = real_run();
    println!("real threads, with the lock: {sold} of 10 buyers got one of 3 tickets");
    println!();
    println!("loom, two buyers, one ticket, no lock:");
    let unlocked = check_two_buyers(false);
    match &unlocked {
        Some(failure) => println!("{failure}"),
        None => println!("  loom found no oversell (it should have: please report this)"),
    }
    println!("loom, two buyers, one ticket, with the lock:");
    let locked = check_two_buyers(true);
    match &locked {
        Some(failure) => println!("{failure}"),
        None => println!("  loom explored every schedule and found no oversell"),
    }
    let as_taught = sold == 3 && unlocked.is_some() && locked.is_none();
    println!(
        "VERDICT: {}",
        if as_taught {
            "loom finds the oversell without the lock and none with it"
        } else {
            "NOT as the lesson says: see above"
        }
    );
}
