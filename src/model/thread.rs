//! loom's threads for models, with `spawn` and `join` in the timeline.
//!
//! Use these in a model instead of `loom::thread` and the printed timeline
//! shows where each thread began and was joined, and folds the main
//! thread's setup (its steps before the first spawn). Everything else is
//! loom's: [`yield_now`], [`current`], [`park`], [`Builder`].
//!
//! ```
//! use turnstile::model::{self, sync::atomic::{AtomicUsize, Ordering}, sync::Arc, thread};
//!
//! model::check(|| {
//!     let hits = Arc::new(AtomicUsize::new(0));
//!     let other = {
//!         let hits = Arc::clone(&hits);
//!         thread::spawn(move || hits.fetch_add(1, Ordering::SeqCst))
//!     };
//!     hits.fetch_add(1, Ordering::SeqCst);
//!     other.join().unwrap();
//!     assert_eq!(hits.load(Ordering::SeqCst), 2);
//! });
//! ```

use std::panic::Location;

pub use loom::thread::{Builder, Thread, ThreadId, current, park, yield_now};

use super::trace::{self, What};

/// Runs `f` on a new loom thread; recorded as "spawns thread N" on the
/// caller and "ends" on the new thread.
#[track_caller]
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + 'static,
    T: 'static,
{
    let at = Location::caller();
    let inner = loom::thread::spawn(move || {
        let value = f();
        trace::record(What::Ends, at);
        value
    });
    let child = trace::index_of(inner.thread().id());
    trace::record(What::Spawn { child }, at);
    JoinHandle { inner, child }
}

/// A spawned thread, to be joined.
#[derive(Debug)]
pub struct JoinHandle<T> {
    inner: loom::thread::JoinHandle<T>,
    child: usize,
}

impl<T> JoinHandle<T> {
    /// Waits for the thread to finish and returns what it returned (or its
    /// panic). Recorded as "waits for thread N", then "joined thread N".
    #[track_caller]
    pub fn join(self) -> std::thread::Result<T> {
        let at = Location::caller();
        trace::record(What::JoinWait { child: self.child }, at);
        let result = self.inner.join();
        trace::record(What::Joined { child: self.child }, at);
        result
    }

    /// The thread's handle.
    pub fn thread(&self) -> &Thread {
        self.inner.thread()
    }
}
