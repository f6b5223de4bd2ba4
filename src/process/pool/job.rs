//! A task as the pool queues it ([`Job`]): the function, its encoded
//! argument, and the promise that settles the caller's
//! [`Future`](super::super::super::pool::Future), with the result type
//! erased so one queue holds tasks of every type.

use serde::de::DeserializeOwned;

use super::super::super::pool::{Promise, TaskError};
use super::super::entry::FnRef;

/// One queued task.
pub(super) struct Job {
    /// The pool's number for it, echoed back by the worker.
    pub(super) id: u64,
    /// The function to run in the worker.
    pub(super) f: FnRef,
    /// Its argument, postcard-encoded.
    pub(super) arg: Vec<u8>,
    /// Settles the future; knows the result type.
    settle: Box<dyn Settle>,
}

/// The typed side of a job: its promise, which decodes the result bytes.
trait Settle: Send {
    /// Marks the future running; `false` if the caller cancelled it first.
    fn start(&self) -> bool;
    /// Decodes the result and settles the future with it or with `failure`.
    fn finish(self: Box<Self>, outcome: Result<Vec<u8>, TaskError>);
}

/// The promise of a task whose function returns `R`.
struct Typed<R>(Promise<R>);

impl<R: DeserializeOwned + Send + 'static> Settle for Typed<R> {
    fn start(&self) -> bool {
        self.0.start()
    }

    fn finish(self: Box<Self>, outcome: Result<Vec<u8>, TaskError>) {
        let outcome = outcome.and_then(|bytes| {
            postcard::from_bytes::<R>(&bytes).map_err(|error| {
                TaskError::Transfer(format!(
                    "the result came back but could not be decoded: {error}"
                ))
            })
        });
        self.0.finish(outcome);
    }
}

impl Job {
    /// A job settling `promise`.
    pub(super) fn new<R: DeserializeOwned + Send + 'static>(
        id: u64,
        f: FnRef,
        arg: Vec<u8>,
        promise: Promise<R>,
    ) -> Self {
        Job {
            id,
            f,
            arg,
            settle: Box::new(Typed(promise)),
        }
    }

    /// Marks the future running (Python's `set_running_or_notify_cancel`);
    /// `false`: it was cancelled, do not run it.
    pub(super) fn start(&self) -> bool {
        self.settle.start()
    }

    /// Settles the future with the worker's answer.
    pub(super) fn finish(self, outcome: Result<Vec<u8>, TaskError>) {
        self.settle.finish(outcome);
    }

    /// Settles the future with `error`, without running the task.
    pub(super) fn fail(self, error: TaskError) {
        self.settle.finish(Err(error));
    }
}
