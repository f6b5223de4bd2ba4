//! The shared state of a future (`Core`): the lock over its listeners, the
//! phase beside it, the write-once outcome cell, and settling (store the
//! outcome, wake the waiters, run the callbacks). The handles on it are in
//! `handle.rs` (the future), `promise.rs` and `awaited.rs`; what holds it
//! is in `settler.rs`.

use core::num::NonZeroUsize;
use core::task::Waker;
use std::panic::{self, AssertUnwindSafe};

use super::super::super::condvar::Condvar;
use super::super::super::facade::{Arc, AtomicU8, Ordering, UnsafeCell, current_thread_id};
use super::super::super::lockdep::PoolTag;
use super::super::super::mutex::{Mutex, MutexGuard};
use super::super::super::queue::FifoQueue;
use super::error::{TaskError, panic_message};
use super::phase::{FutureState, Phase};

// # Implementation notes
//
// A future's state is a `Core`: one lock over the callback list and the
// watchers, the state (`phase`) in an atomic beside it, a condition variable
// for waiters, and the outcome in a write-once cell. Every transition but
// one happens under the lock, so "is it done?" and "add me to the list" are
// one step (the broken twin `UnlockedCallbackFuture` makes them two and
// loses callbacks). The state is an atomic so that it can be *read* without
// the lock: `state`, `is_done`, and a wait or `into_result` on a future that
// is already settled cost one load instead of a lock and an unlock (on the
// pool bench, pinned to one CPU, that took turnstile from 0.97x to 0.90x
// threadpool's time).
//
// The one transition without the lock is `start` (Pending → Running), which
// every pool task makes on its worker: a compare-and-swap from exactly
// Pending. Nobody waits for a start and no list changes with it, so the
// lock has nothing to guard there; what remains is the race with a cancel,
// and the cancel (under the lock) leaves Pending by a compare-and-swap too,
// to the private SETTLING phase, before it writes the outcome. Exactly one
// of the two swaps succeeds (models `future_cancel_racing_start_exactly_one_wins`
// and `pool_cancel_racing_the_worker_exactly_one_wins`; with the cancel's
// swap made a look and a store, both fail). The lock and unlock this saves
// per task took the pool bench pinned to one CPU from 0.94x to 0.88x
// threadpool's time (about 5% less per task, four alternating rounds on an
// AMD EPYC host; BENCHMARKS.md, issue 12).
//
// The outcome is written once, under the lock, in the same critical section
// that moves the state to Finished or Cancelled, and before the Release
// store of that state; a reader looks at it only after an Acquire load has
// shown it that state, so the write happens before every read. After that
// it is only read, by shared reference: by holders of `&Future` (`result`,
// `exception`, a late `add_done_callback`) and by the thread running the
// callbacks. The one exception is `into_result`, which moves it out: it owns
// the only handle, so no `&Future` is alive, and it waits until no callbacks
// run (`calling_back`, mirrored in the phase's CALLING_BACK bit so the
// lock-free check sees it). When callbacks are waiting, `settle` stores
// "settled" and "lent to the callbacks" in one store: stored one after the
// other, an `into_result` between them would take the value a callback is
// about to read (the model
// `future_into_result_arriving_during_the_callbacks_waits_for_them` catches
// exactly that). That is why a settled future can be read again and
// again, from any number of threads, without a lock.
//
// Python's order is kept: the future is done before its callbacks run, and
// `result` waiters wake before them too. A callback added once the future
// is settled runs at once on the adding thread, even while the settling
// thread still runs the earlier ones (Python's rule; the callbacks only
// read the outcome, and `T: Sync` lets them read it at the same time).

/// Where watched futures report `(index, raised)` as they settle: `index`
/// into the watcher's list, `raised` whether it failed (not cancelled).
/// `pool/wait.rs` reads them; the type lives here, beside the listener that
/// writes them, so the future never names `wait`.
pub(crate) type Reports = FifoQueue<(usize, bool)>;

/// A done-callback: receives the outcome by reference.
pub(super) type Callback<T> = Box<dyn FnOnce(&Result<T, TaskError>) + Send>;

/// Who is told when the future settles: a done-callback, or a `wait` /
/// `as_completed` watching it, told `(index, raised)` on its reports queue.
/// One list for both, so a future without either costs one empty `Vec`.
pub(super) enum Listener<T> {
    Callback(Callback<T>),
    Watcher(Arc<Reports>, usize),
}

/// The future's state, shared by the future, its promise, and the pool's
/// task that holds it.
pub(crate) struct Core<T> {
    /// The state, and whether callbacks are being run (see [`Phase`]).
    /// Written only under `inner`'s lock; read anywhere.
    phase: AtomicU8,
    inner: Mutex<Inner<T>>,
    /// Signalled when the future settles and when its callbacks have run.
    pub(super) settled: Condvar,
    /// `None` until the future settles; then the outcome, read-only, until
    /// `into_result` takes it (see the implementation notes).
    pub(super) outcome: UnsafeCell<Option<Result<T, TaskError>>>,
    /// The pool it was submitted to, for the lock-order checker (nothing
    /// without feature `lockdep`).
    pub(crate) pool: PoolTag,
}

// SAFETY: the outcome is written once, under the lock, before any reader can
// see the future settled, and moved out only by `into_result`, which excludes
// every reader (see the implementation notes). Moving `T` between threads
// needs `T: Send`. Two threads read `&T` at once only through a shared
// `&Future`, which is `Sync` only when `T: Sync`, or through a done-callback,
// which `add_done_callback` accepts only when `T: Sync`.
unsafe impl<T: Send> Sync for Core<T> {}

pub(super) struct Inner<T> {
    /// Who is told when the future settles, made on first use: most
    /// futures have nobody (submit, then `result`), and without the list,
    /// the waker and the thread id inline a pool task is 40 bytes smaller,
    /// which keeps a small task's one allocation in the allocator's fastest
    /// size classes (issue 12).
    pub(super) told: Option<Box<Told<T>>>,
}

/// Who is told the outcome other than by `wait` (callbacks, watchers, an
/// awaiting task), and the thread telling the callbacks.
pub(super) struct Told<T> {
    /// Callbacks and watchers waiting for the outcome; each told once, never
    /// under the lock.
    pub(super) listeners: Vec<Listener<T>>,
    /// The task awaiting the outcome ([`AsyncResult`]), if one polled and
    /// found it not ready: woken, outside the lock, once the outcome can be
    /// taken (settled, and no callback borrowing it).
    pub(super) waker: Option<Waker>,
    /// The thread running the callbacks, while one does: the outcome is lent
    /// to it, so `into_result` waits (or, on that thread, refuses). Only a
    /// future with listeners runs callbacks, so this lives beside them.
    calling_back: Option<NonZeroUsize>,
}

impl<T> Inner<T> {
    /// The list of listeners and the waker, made if there is none yet.
    pub(super) fn told(&mut self) -> &mut Told<T> {
        self.told.get_or_insert_with(|| {
            Box::new(Told {
                listeners: Vec::new(),
                waker: None,
                calling_back: None,
            })
        })
    }

    pub(super) fn has_listeners(&self) -> bool {
        self.told
            .as_ref()
            .is_some_and(|told| !told.listeners.is_empty())
    }

    fn take_listeners(&mut self) -> Vec<Listener<T>> {
        self.told
            .as_mut()
            .map(|told| core::mem::take(&mut told.listeners))
            .unwrap_or_default()
    }

    pub(super) fn calling_back(&self) -> Option<NonZeroUsize> {
        self.told.as_ref().and_then(|told| told.calling_back)
    }

    fn take_waker(&mut self) -> Option<Waker> {
        self.told.as_mut().and_then(|told| told.waker.take())
    }
}

impl<T> Core<T> {
    pub(crate) fn new() -> Self {
        Core {
            phase: AtomicU8::new(Phase::of(FutureState::Pending).0),
            inner: Mutex::untracked(Inner { told: None }),
            settled: Condvar::new(),
            outcome: UnsafeCell::new(None),
            pool: PoolTag::new(),
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, Inner<T>> {
        self.inner.lock()
    }

    /// The phase now. Acquire: pairs with the Release in `set_phase`, so a
    /// thread that sees a settled phase also sees the outcome written
    /// before it.
    pub(super) fn phase(&self) -> Phase {
        Phase(self.phase.load(Ordering::Acquire))
    }

    /// Sets the phase. The guard is only a witness: every write but
    /// `start`'s happens under the lock, and `start` changes only a Pending
    /// phase, which no caller of this one holds (a cancel has left Pending
    /// first), so this store never overwrites a start.
    fn set_phase(&self, _witness: &MutexGuard<'_, Inner<T>>, phase: Phase) {
        self.phase.store(phase.0, Ordering::Release);
    }

    /// Pending → Running, if nobody has left Pending first: returns whether
    /// it did. The one transition made without the lock (it is the one
    /// every task makes, on the worker, and nothing waits for it): a
    /// compare-and-swap from exactly Pending, which fails once a cancel has
    /// claimed the future for itself (see [`leave_pending`](Self::leave_pending)).
    #[inline]
    pub(crate) fn start(&self) -> bool {
        self.swap_from_pending(Phase::of(FutureState::Running))
    }

    /// Under the lock, Pending → [`Phase::SETTLING`] if the task has not
    /// started: returns whether it had not, and the caller then settles it.
    /// A compare-and-swap, not a look and a store, because `start` does not
    /// take the lock: between a look that saw Pending and a store of
    /// Cancelled, a worker could start the task, and both would win (the
    /// broken twin `CheckThenSetStateFuture` does exactly that).
    fn leave_pending(&self, _witness: &MutexGuard<'_, Inner<T>>) -> bool {
        self.swap_from_pending(Phase(Phase::SETTLING))
    }

    /// Pending → `next` in one compare-and-swap, if the phase is exactly
    /// Pending: the one way out of Pending, shared by `start` and
    /// `leave_pending`, so at most one of them ever succeeds.
    fn swap_from_pending(&self, next: Phase) -> bool {
        self.phase
            .compare_exchange(
                Phase::of(FutureState::Pending).0,
                next.0,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    /// → Finished with `outcome`, unless it is settled already (cancelled).
    #[inline]
    pub(crate) fn finish(&self, outcome: Result<T, TaskError>) {
        let inner = self.lock();
        if !self.phase().is_settled() {
            self.settle(inner, FutureState::Finished, outcome);
        }
    }

    /// Pending → Cancelled. Returns whether it is cancelled now.
    pub(crate) fn cancel(&self) -> bool {
        let inner = self.lock();
        if self.leave_pending(&inner) {
            self.settle(inner, FutureState::Cancelled, Err(TaskError::Cancelled));
            return true;
        }
        // Not Pending, and under the lock it cannot become Pending again.
        self.phase().state() == FutureState::Cancelled
    }

    /// Its promise was dropped unfinished: a task that had not started is
    /// cancelled, one that had is settled as panicked (abandoned).
    pub(crate) fn promise_dropped(&self) {
        let inner = self.lock();
        if self.leave_pending(&inner) {
            self.settle(inner, FutureState::Cancelled, Err(TaskError::Cancelled));
            return;
        }
        // Not Pending now; settled already, or started and abandoned.
        if self.phase().state() == FutureState::Running {
            self.settle(
                inner,
                FutureState::Finished,
                Err(TaskError::Panicked(String::from(
                    "the task was abandoned before it finished",
                ))),
            );
        }
    }

    /// Stores the outcome and moves to `state` (Finished or Cancelled), then
    /// wakes waiters and tells the listeners (Python's order: done first,
    /// callbacks after).
    fn settle<'a>(
        &'a self,
        mut inner: MutexGuard<'a, Inner<T>>,
        state: FutureState,
        outcome: Result<T, TaskError>,
    ) {
        // SAFETY: the future is not settled yet (every caller checked, under
        // this lock), so nobody reads the outcome: readers wait for the
        // settled state, which is set below in this same critical section.
        self.outcome
            .with_mut(|slot| unsafe { *slot = Some(outcome) });
        if !inner.has_listeners() {
            self.set_phase(&inner, Phase::of(state));
            self.settled.notify_all();
            let waker = inner.take_waker();
            drop(inner);
            if let Some(waker) = waker {
                waker.wake();
            }
        } else {
            // Settled and lent to this thread's callbacks in one store, so
            // `into_result`'s lock-free check never sees the one without
            // the other.
            inner.told().calling_back = NonZeroUsize::new(current_thread_id());
            self.set_phase(&inner, Phase::of(state).calling_back(true));
            self.settled.notify_all();
            self.run_callbacks(inner);
        }
    }

    /// Tells the listeners without the lock (running the callbacks with the
    /// outcome lent to them), then wakes `into_result`. No listener joins
    /// the list once the future is settled (a late callback runs at once
    /// on its own thread, a late watcher reports at once), so one pass
    /// tells them all.
    #[cold]
    fn run_callbacks<'a>(&'a self, mut inner: MutexGuard<'a, Inner<T>>) {
        let listeners = inner.take_listeners();
        drop(inner);
        // SAFETY: settled; `calling_back` keeps `into_result` away.
        let outcome = unsafe { self.outcome() };
        for listener in listeners {
            match listener {
                Listener::Callback(callback) => call_back(callback, outcome),
                // The reports queue is never closed: this put cannot fail.
                Listener::Watcher(reports, index) => {
                    let _ = reports.put((index, raised(outcome)));
                }
            }
        }
        let mut inner = self.lock();
        inner.told().calling_back = None;
        self.set_phase(&inner, self.phase().calling_back(false));
        self.settled.notify_all();
        let waker = inner.take_waker();
        drop(inner);
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// [`AsyncResult`]'s poll: the outcome if it can be taken now, or
    /// `None` with `waker` registered to be woken when it can. The caller
    /// owns the only handle to the future.
    pub(super) fn poll_outcome(&self, waker: &Waker) -> Option<Result<T, TaskError>> {
        if !self.phase().is_settled_and_quiet() {
            let mut inner = self.lock();
            // Looked at again under the lock, which `settle` and
            // `run_callbacks` hold when they take the waker: either they
            // have made the outcome takeable (we see it here), or they will
            // find this waker. A look outside the lock alone could miss
            // both (the broken twin `LateWakerFuture` does).
            if !self.phase().is_settled_and_quiet() {
                match &mut inner.told().waker {
                    Some(registered) if registered.will_wake(waker) => {}
                    slot => *slot = Some(waker.clone()),
                }
                return None;
            }
        }
        // SAFETY: settled and no callback is lent the outcome, nor can one
        // start (that takes a `&Future`, and the caller owns the only
        // handle): nothing else reads or writes the cell.
        let outcome = self.outcome.with_mut(|slot| unsafe { (*slot).take() });
        Some(outcome.expect("a settled future holds its outcome until it is taken"))
    }

    /// The outcome, borrowed.
    ///
    /// # Safety
    ///
    /// The caller has seen the future settled, by `phase()` (an Acquire
    /// load, so the write happened before this read), and keeps `into_result` from running
    /// while the borrow lives: it holds a `&Future`, or it is the thread
    /// running the callbacks with `calling_back` set.
    pub(super) unsafe fn outcome(&self) -> &Result<T, TaskError> {
        // SAFETY: as the caller promised, the cell is written and not written
        // again while this borrow lives.
        let slot = self.outcome.with(|slot| unsafe { &*slot });
        slot.as_ref()
            .expect("a settled future holds its outcome until into_result takes it")
    }
}

/// Runs one done-callback, containing its panic: a panicking callback is
/// reported on stderr (as Python logs it) and the rest still run.
pub(super) fn call_back<T>(callback: Callback<T>, outcome: &Result<T, TaskError>) {
    if let Err(payload) = panic::catch_unwind(AssertUnwindSafe(|| callback(outcome))) {
        eprintln!(
            "turnstile: a done-callback panicked: {}",
            panic_message(payload.as_ref())
        );
    }
}

/// Whether an outcome counts as a failure for `WaitFor::FirstError`: a
/// panic or a broken pool, not a cancel (Python's `FIRST_EXCEPTION`).
pub(super) fn raised<T>(outcome: &Result<T, TaskError>) -> bool {
    matches!(outcome, Err(error) if *error != TaskError::Cancelled)
}

#[cfg(test)]
impl<T> Core<T> {
    /// Whether a callback or a watcher waits for the outcome (for the unit
    /// tests in `pool/wait.rs`, which look for watchers left behind).
    pub(crate) fn has_listeners(&self) -> bool {
        self.lock().has_listeners()
    }
}
