//! What a pool and its worker processes say to each other over the
//! worker's [`Connection`](super::super::pipe::Connection): an [`Order`]
//! goes out, a [`Reply`] comes back. Python's `Pool` pickles a tuple
//! `(job, i, func, args, kwds)` into its task queue and `(job, i,
//! (success, value))` back; here a function cannot be pickled, so it
//! travels as a [`FnRef`] (where it sits in this same program) and its
//! argument and result as postcard bytes.

use serde::{Deserialize, Serialize};

use super::super::super::pool::TaskError;
use super::super::entry::{CallError, FnRef};

/// From the pool to a worker.
#[derive(Serialize, Deserialize)]
pub(super) enum Order {
    /// Run `f` on the argument encoded in `arg`; answer with
    /// [`Reply::Done`] carrying the same `id`.
    Task {
        /// The pool's number for the task, echoed back as a check.
        id: u64,
        /// The function, as this program's address of it.
        f: FnRef,
        /// The argument, postcard-encoded by the pool.
        arg: Vec<u8>,
    },
    /// No more work: return, so the process exits with code 0. (Closing
    /// the connection says the same; this says it while the pool keeps
    /// its end open.)
    Stop,
}

/// From a worker to the pool.
#[derive(Serialize, Deserialize)]
pub(super) enum Reply {
    /// The initializer (if any) returned: the worker takes tasks now.
    Ready,
    /// The initializer panicked, with its message: the worker exits
    /// without taking a task, and the pool is broken.
    InitFailed(String),
    /// A task's outcome: the result's postcard bytes, or why there are none.
    Done {
        /// The task's number, as the order gave it.
        id: u64,
        /// The encoded result, or the failure.
        outcome: Result<Vec<u8>, Failure>,
    },
}

/// Why a task that ran in a worker has no result.
#[derive(Serialize, Deserialize)]
pub(super) enum Failure {
    /// The function panicked; the panic's message. The worker lives on.
    Panicked(String),
    /// The argument could not be decoded, or the result encoded.
    Transfer(String),
}

impl From<CallError> for Failure {
    fn from(error: CallError) -> Self {
        match error {
            CallError::Panicked(message) => Failure::Panicked(message),
            other @ (CallError::Decode(_) | CallError::Encode(_)) => {
                Failure::Transfer(other.to_string())
            }
        }
    }
}

impl From<Failure> for TaskError {
    fn from(failure: Failure) -> Self {
        match failure {
            Failure::Panicked(message) => TaskError::Panicked(message),
            Failure::Transfer(why) => TaskError::Transfer(why),
        }
    }
}
