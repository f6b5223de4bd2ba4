//! The worker process's side of the pool: [`serve`] is the entry function
//! every worker is started with ([`Process`](super::super::spawn::Process)
//! runs it in the child). It runs the initializer, says [`Reply::Ready`],
//! then answers orders one at a time until told to stop, until the pool's
//! end of the connection closes, or until it has served
//! `max_tasks_per_child` tasks; then it returns and the process exits.
//! Python's `multiprocessing.pool.worker` is the same loop.

use core::num::NonZeroUsize;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::super::entry::FnRef;
use super::super::inherit;
use super::super::pipe::{Connection, SendError};
use super::wire::{Failure, Order, Reply};

/// A worker's start argument: everything it needs crosses here, at its
/// start, so the handles in it (its connection, and any in the
/// initializer's argument) are inherited (see `process/inherit.rs`).
#[derive(Serialize, Deserialize)]
#[serde(bound = "I: Serialize + DeserializeOwned")]
pub(super) struct Start<I> {
    /// The worker's end of its connection to the pool.
    pub(super) conn: Connection,
    /// The initializer and its argument (Python's `initializer`,
    /// `initargs`).
    pub(super) init: Option<(FnRef, I)>,
    /// Return after this many tasks (Python's `maxtasksperchild`).
    pub(super) max_tasks: Option<NonZeroUsize>,
}

/// The worker's whole life: initializer, then the task loop.
pub(super) fn serve<I: Serialize + DeserializeOwned + 'static>(start: Start<I>) {
    let Start {
        conn,
        init,
        max_tasks,
    } = start;
    let hello = match init {
        None => Reply::Ready,
        Some((f, arg)) => match initialize(f, arg) {
            Ok(()) => Reply::Ready,
            Err(why) => Reply::InitFailed(why),
        },
    };
    let ready = matches!(hello, Reply::Ready);
    if conn.send(&hello).is_err() || !ready {
        return;
    }
    let mut served = 0_usize;
    // Any error reading an order (the pool's end closed, or garbage) ends
    // the worker: the pool sees its connection close and reaps it.
    while let Ok(Order::Task { id, f, arg }) = conn.recv::<Order>() {
        // `call` never unwinds: a panic in `f` comes back as a failure,
        // and this worker serves on (as Python's worker catches the
        // exception and sends it back).
        let outcome = f.call(&arg).map_err(Into::into);
        match conn.send(&Reply::Done { id, outcome }) {
            Ok(()) => {}
            // The result is too large for a frame: say so instead (this
            // reply is small), rather than leave the pool to think the
            // worker died.
            Err(refused @ (SendError::TooLarge { .. } | SendError::Encode(_))) => {
                let outcome = Err(Failure::Transfer(format!(
                    "the result could not be sent back: {refused}"
                )));
                if conn.send(&Reply::Done { id, outcome }).is_err() {
                    return;
                }
            }
            Err(_) => return,
        }
        served += 1;
        if max_tasks.is_some_and(|most| served >= most.get()) {
            return;
        }
    }
}

/// Calls the initializer on its argument, which arrived typed in the start
/// argument (its handles opened then, the only time they can be).
///
/// [`FnRef::call`] takes the argument as bytes, so the argument is written
/// once more and read back at once, in this process: under
/// `inherit::collect` and `inherit::receiving`, as a start does, a handle
/// in it is written as its descriptor number, which is valid here, and read
/// back as a duplicate that the initializer owns. Returns the panic's
/// message if the initializer panicked.
fn initialize<I: Serialize>(f: FnRef, arg: I) -> Result<(), String> {
    let (bytes, _descriptors) = inherit::collect(|| postcard::to_stdvec(&arg));
    let bytes = bytes.map_err(|error| {
        format!("the initializer's argument could not be encoded again in the worker: {error}")
    })?;
    let result = inherit::receiving(|| f.call(&bytes));
    drop(arg);
    result.map(drop).map_err(|error| error.to_string())
}
