//! Lock-order checking (feature `lockdep`): report a possible deadlock the
//! first time the locking *order* that allows it is seen, on a run that did
//! not deadlock.
//!
//! The notes' deadlock hangs only when two threads are unlucky at the same
//! moment: func1 holds mutexA and waits for mutexB while func2 holds mutexB
//! and waits for mutexA. But the *orders* are there on every run: func1
//! takes B while holding A, func2 takes A while holding B. Linux's lockdep
//! records each such order once, as an edge "A before B" between lock
//! *classes*, and reports the first edge that closes a cycle. This module
//! does the same for turnstile's primitives:
//!
//! - **Classes.** A lock's class is the place that created it (the
//!   `#[track_caller]` site of `Mutex::new` and the others), so the thousand
//!   locks made in one loop are one class.
//!   [`Mutex::with_class`](crate::Mutex::with_class) and its siblings name
//!   a class instead; locks with one name are one class.
//! - **Held locks.** Each thread keeps the locks it holds, in order, with
//!   where it took each one.
//! - **The graph.** Taking lock B while holding A adds the edge A → B, once.
//!   An edge that would close a cycle is not added: it is reported, once per
//!   pair, with both orders and the `file:line` of every acquisition,
//!   including the thread that established the earlier order.
//!
//! | primitive | takes part as |
//! |---|---|
//! | `Mutex`, `Lock`, `RLock` | a lock; `RLock`'s re-entry by its owner is not an edge |
//! | `Semaphore`, `BoundedSemaphore` | a lock while a [`SemaphorePermit`](crate::SemaphorePermit) is held on the thread that took it |
//! | `Condvar` waits | the wait re-takes its lock while the thread still holds the others: an edge from each of them to it |
//! | `Queue` `put`/`get`/`join`, `Future::result`/`wait`, `Barrier::wait`, `Event::wait` | a blocking wait: holding a lock across it is reported |
//! | `event_loop::run` waiting for a wake-up or a timer | the same, named `event_loop::run` at the call of `run`: a task held a lock across an `.await`, and the loop's thread blocks with it |
//! | `Future::result` on a worker of the future's own pool | reported: with every worker doing it, nobody runs the task |
//!
//! A `try_lock` that succeeds adds no edge (it cannot wait), but the lock
//! counts as held. A timed acquire that closes a cycle is reported with the
//! *timed* action ([`set_timed_action`], by default [`Action::Print`]),
//! since it cannot hang forever.
//!
//! What it does not see: two locks of one class (it cannot order them; take
//! them in a fixed order, such as by address), permits that move to another
//! thread (owned permits are not tracked), and waits for signals (`notify`,
//! `release`, `put`) that only come while another lock is held: the signal
//! side is not recorded, because guessing which thread will signal gives
//! false reports (Linux tried it, as "crossrelease", and took it out).
//!
//! Turned off (the default), none of this is compiled: the hooks are empty
//! inline functions and the class fields have no size.
//!
//! # Examples
//!
//! ```
//! use turnstile::{Mutex, lockdep};
//!
//! lockdep::set_action(lockdep::Action::Hook(|report| eprintln!("{report}")));
//! let (a, b) = (Mutex::new("A"), Mutex::new("B"));
//! {
//!     let _a = a.lock();
//!     let _b = b.lock(); // A before B
//! }
//! {
//!     let _b = b.lock();
//!     let _a = a.lock(); // B before A: reported here, though nothing hung
//! }
//! ```

mod class;
mod graph;
mod hooks;
mod lock;
mod report;

pub(crate) use class::{Class, Site, caller};
pub(crate) use hooks::{
    PoolTag, before_future_wait, before_lock, before_relock, before_wait, enter_pool, locked,
    unlocked,
};
pub(crate) use report::How;
pub use report::{Action, Report, ReportKind, set_action, set_timed_action};
