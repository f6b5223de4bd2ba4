// The booking logic of `examples/booking_model.rs`, written once. The file
// is included twice: once where `AtomicU32`, `Ordering` and `Lock` are the
// real ones, once where they are `turnstile::model`'s, so loom checks this
// very source. (turnstile compiles each primitive twice the same way.)

/// The ticket office of the notes. `tickets` stands for the JSON file:
/// reading it and writing it back are two separate steps, as `json.load`
/// and `json.dump` are.
pub struct Office {
    tickets: AtomicU32,
    lock: Lock,
}

impl Office {
    /// An office with `tickets` tickets left.
    pub fn new(tickets: u32) -> Self {
        Self {
            tickets: AtomicU32::new(tickets),
            lock: Lock::new(),
        }
    }

    /// The notes' `buy()`: read the count, decide, write it back one lower.
    /// Returns whether a ticket was bought.
    pub fn buy_unlocked(&self) -> bool {
        let left = self.tickets.load(Ordering::SeqCst); // dic = json.load(...)
        if left > 0 {
            self.tickets.store(left - 1, Ordering::SeqCst); // json.dump(...)
            true
        } else {
            false
        }
    }

    /// `with lock: buy()`.
    pub fn buy(&self) -> bool {
        let _held = self.lock.acquire();
        self.buy_unlocked()
    }

    /// Tickets left.
    pub fn left(&self) -> u32 {
        self.tickets.load(Ordering::SeqCst)
    }
}
