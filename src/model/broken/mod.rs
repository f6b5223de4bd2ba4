//! Broken twins: primitives with one deliberate bug each, for loom to find.
//!
//! Each twin has the API of the primitive it copies and differs from the
//! correct algorithm at one line marked `BUG:`. The model tests run the same
//! property on the real primitive (loom finds nothing) and on the twin (loom
//! finds the bug and prints what went wrong). Run
//! `cargo test --test model_mutex -- --show-output` to read loom's reports.
//!
//! | twin                    | copies      | the bug                                   | loom reports             |
//! |-------------------------|-------------|-------------------------------------------|--------------------------|
//! | [`CheckThenStoreLock`]  | `RawMutex`  | "is it free?" and "take it" in two steps  | a data race on the cell  |
//! | [`RelaxedLock`]         | `RawMutex`  | `Relaxed` where `Acquire`/`Release` belong| a data race on the cell  |
//! | [`ForgetfulLock`]       | `RawMutex`  | unlock never wakes a parked thread        | a deadlock               |
//! | [`AnyOwnerRLock`]       | `RLock`     | re-enters if *anyone* holds it            | a data race on the cell  |
//! | [`StaleOwnerRLock`]     | `RLock`     | release leaves the old owner recorded     | a data race on the cell  |
//! | [`take_one_waiting_with_if`] | `Condvar` use | waits with `if`, not `while`     | a consumer finds no item |
//! | [`CheckOutsideEvent`]   | `Event`     | looks at the flag outside the lock        | a deadlock               |
//! | [`CheckThenTakeSemaphore`] | `Semaphore` | checks and takes in two critical sections | too many holders      |
//! | [`CountOnlyBarrier`]    | `Barrier`   | forgets its generation (reads the count)  | a deadlock               |
//! | [`NotifyOneOnCloseQueue`] | `Queue::close` | wakes one waiter where all must wake | a deadlock             |
//! | [`CheckThenPopQueue`]   | `Queue::get` | "is it empty?" and "pop" in two steps    | a getter gets nothing    |
//! | [`LooseCountQueue`]     | task counting | unfinished count updated outside the lock | `join` early, or never |
//! | [`StampFirstSlot`]      | FIFO hand-over | stamp stored before the item is written  | a data race on the cell  |
//! | [`CountInOutsideQueue`] | FIFO sleepers | getter counts itself in after the lock   | a deadlock               |
//! | [`NoFenceJoinQueue`]    | FIFO `join_async` | registers, then looks, with no fence between | a wake-up lost    |
//! | [`UnlockedCallbackFuture`] | `Future` callbacks | "done?" read without the list's lock | a callback never runs |
//! | [`CheckThenSetStateFuture`] | `Future` states | cancel and start check, then set     | both win                 |
//! | [`LateWakerFuture`]     | awaiting a `Future` | "done?" outside the lock, then registers the waker | a wake-up lost |
//! | [`MissedStopPool`]      | pool shutdown | stop flag and notify outside the lock    | a deadlock               |
//! | [`CheckThenAddGraph`]   | lockdep's graph | looks for a cycle and adds the edge in two critical sections | an inversion goes unreported |
//! | [`FlagTimer`]           | `Timer`     | "cancelled?" and the call in two steps (CPython's way) | a call after a successful cancel |
//! | [`DeathBlindLock`]      | `process::RawProcessLock` | takes only a word of 0, blind to the kernel's "owner died" mark | a deadlock (Python's killed-holder hang) |
//! | [`UnfencedSleepFlag`]   | the event loop's sleep flag | no fences between "I sleep"/"I put" and the other side's look | a deadlock (a lost wake-up) |

// The twins reach the facade and the real primitives as `super::super::…`,
// as the files of a directory module do (`pool/`, `queue/`), not through
// this door, so the imports run one way.

mod any_owner_rlock;
mod check_then_add_graph;
mod check_then_store;
mod check_then_take_semaphore;
mod count_only_barrier;
mod death_blind;
mod event_check_outside;
mod flag_timer;
mod forgetful;
mod pool_twins;
mod queue_twins;
mod relaxed;
mod stale_owner_rlock;
mod unfenced_sleep_flag;
mod wait_with_if;

pub use any_owner_rlock::AnyOwnerRLock;
pub use check_then_add_graph::CheckThenAddGraph;
pub use check_then_store::CheckThenStoreLock;
pub use check_then_take_semaphore::CheckThenTakeSemaphore;
pub use count_only_barrier::CountOnlyBarrier;
pub use death_blind::DeathBlindLock;
pub use event_check_outside::CheckOutsideEvent;
pub use flag_timer::FlagTimer;
pub use forgetful::ForgetfulLock;
pub use pool_twins::{
    CheckThenSetStateFuture, LateWakerFuture, MissedStopPool, UnlockedCallbackFuture,
};
pub use queue_twins::{
    CheckThenPopQueue, CountInOutsideQueue, LooseCountQueue, NoFenceJoinQueue,
    NotifyOneOnCloseQueue, StampFirstSlot,
};
pub use relaxed::RelaxedLock;
pub use stale_owner_rlock::StaleOwnerRLock;
pub use unfenced_sleep_flag::UnfencedSleepFlag;
pub use wait_with_if::take_one_waiting_with_if;
