//! A reentrant lock: Python's `threading.RLock`, owning the data it protects.
//!
//! The thread that holds an [`RLock`] may lock it again without waiting; each
//! lock returns a guard, and the lock is released to other threads only when
//! the last of that thread's guards is dropped. Reach for it when a function
//! that takes the lock calls another that takes it too; a plain
//! [`Mutex`](super::mutex::Mutex) would wait for itself forever there.
//!
//! | Python (`threading`)          | turnstile                                 |
//! |-------------------------------|-------------------------------------------|
//! | `lock = RLock()`              | `let lock = RLock::new(());`              |
//! | `with lock: ...` (nested)     | `let _held = lock.lock();` (nested)       |
//! | `lock.acquire(blocking=False)`| `lock.try_lock()` → `Option`              |
//! | `lock.acquire(timeout=0.5)`   | `lock.lock_timeout(d)` → `Result`         |
//! | `lock._is_owned()`            | `lock.is_owned_by_current_thread()`       |
//! | `lock._recursion_count()`     | `lock.hold_count()`                       |
//!
//! # Why the guard gives `&T` and not `&mut T`
//!
//! One thread can hold two guards of the same `RLock` at once; that is the
//! point of re-entry. If each guard gave `&mut T`, that thread would hold two
//! `&mut T` to the same data, which Rust forbids. So the guard gives `&T`, and
//! data that must change goes in a [`Cell`](core::cell::Cell) or
//! [`RefCell`](core::cell::RefCell): the `RLock` keeps other threads out, the
//! cell keeps this thread's nested borrows honest (a `RefCell` panics if an
//! outer `borrow_mut` is still alive when an inner one starts).
//!
//! No poisoning, as with [`Mutex`](super::mutex::Mutex): a panicking holder's
//! guards release the lock as they unwind.
//!
//! # Examples
//!
//! ```
//! use std::cell::RefCell;
//! use turnstile::RLock;
//!
//! struct Account {
//!     lock: RLock<RefCell<Vec<i64>>>,
//! }
//!
//! impl Account {
//!     fn deposit(&self, amount: i64) {
//!         let entries = self.lock.lock();
//!         entries.borrow_mut().push(amount);
//!     }
//!
//!     // Takes the lock, then calls `deposit`, which takes it again.
//!     fn deposit_twice(&self, amount: i64) {
//!         let _held = self.lock.lock();
//!         assert_eq!(self.lock.hold_count(), 1);
//!         self.deposit(amount);
//!         self.deposit(amount);
//!     }
//! }
//!
//! let account = Account { lock: RLock::new(RefCell::new(Vec::new())) };
//! account.deposit_twice(5);
//! assert_eq!(*account.lock.lock().borrow(), [5, 5]);
//! assert_eq!(account.lock.hold_count(), 0);
//! ```

// Why one file of ~540 lines: it is one idea, the owner and the count. Every
// lock path sets or checks the owner and the hold count, and the guard's
// drop is the other half of that count; split, neither half reads alone.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Deref;
use std::time::{Duration, Instant};

use super::deadline;
use super::facade::{AtomicUsize, Ordering, UnsafeCell, const_fn, current_thread_id};
use super::lockdep::{self, Class, How};
use super::raw_mutex::RawMutex;
use super::timeout::Timeout;

/// No thread: the value of `owner` while the lock is free.
const NOBODY: usize = 0;

/// A lock its holder may take again. See the [module docs](self).
pub struct RLock<T: ?Sized> {
    mutex: RawMutex,
    /// The id of the thread holding `mutex`, or `NOBODY`.
    owner: AtomicUsize,
    /// How many guards the owner holds. Read and written only by the owner.
    count: UnsafeCell<usize>,
    /// The lock-order checker's class (nothing without feature `lockdep`).
    class: Class,
    data: T,
}

// # Implementation notes
//
// RLock = RawMutex + owner + count (as std's ReentrantLock and CPython's
// _thread.RLock). `owner` is read with Relaxed loads, which is enough for the
// one question asked of it, "is it me?": only this thread ever stores its own
// id there, so a load can return our id only if we stored it and have not yet
// cleared it, and our own stores are always visible to us. Any other value
// (stale or not) means "not me", and we go through `mutex`, whose
// Acquire/Release carry everything else. `count` needs no atomics: only the
// owner touches it, and ownership passes through `mutex`.

// SAFETY: the owner thread is the only one that reaches `T` (as `&T`), and
// ownership moves between threads through the lock, so `T: Send` suffices, as
// for std's ReentrantLock. `T: Sync` is not needed: no two threads see `&T` at
// once. `count` is touched only by the owner (see the implementation notes).
unsafe impl<T: ?Sized + Send> Sync for RLock<T> {}
// SAFETY: moving the lock moves the `T` inside; the count goes with it.
unsafe impl<T: ?Sized + Send> Send for RLock<T> {}

impl<T> RLock<T> {
    const_fn! {
        /// A new, unlocked reentrant lock holding `value`.
        ///
        /// ```
        /// let lock = turnstile::RLock::new(std::cell::Cell::new(0));
        /// lock.lock().set(1);
        /// ```
        #[cfg_attr(feature = "lockdep", track_caller)]
        pub fn new(value: T) -> Self {
            Self::with(value, Class::new("RLock"))
        }
    }

    const_fn! {
        /// A new reentrant lock whose lock-order class (feature `lockdep`) is
        /// `name`, as [`Mutex::with_class`](super::mutex::Mutex::with_class).
        ///
        /// ```
        /// let lock = turnstile::RLock::with_class(0, "ledger");
        /// assert_eq!(*lock.lock(), 0);
        /// ```
        pub fn with_class(value: T, name: &'static str) -> Self {
            Self::with(value, Class::named("RLock", name))
        }
    }

    const_fn! {
        fn with(value: T, class: Class) -> Self {
            Self {
                mutex: RawMutex::new(),
                owner: AtomicUsize::new(NOBODY),
                count: UnsafeCell::new(0),
                class,
                data: value,
            }
        }
    }

    /// Consumes the lock and returns the data.
    ///
    /// ```
    /// assert_eq!(turnstile::RLock::new(7).into_inner(), 7);
    /// ```
    pub fn into_inner(self) -> T {
        self.data
    }
}

impl<T: ?Sized> RLock<T> {
    /// Locks, waiting if another thread holds the lock; returns at once if
    /// this thread already does.
    ///
    /// # Panics
    ///
    /// If this thread already holds `usize::MAX` guards of this lock.
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = turnstile::RLock::new(());
    /// let outer = lock.lock();
    /// let inner = lock.lock(); // the same thread: no wait
    /// assert_eq!(lock.hold_count(), 2);
    /// # drop((inner, outer));
    /// ```
    #[inline]
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn lock(&self) -> RLockGuard<'_, T> {
        let me = current_thread_id();
        if !self.enter_again(me) {
            self.lock_first(me);
        }
        // SAFETY: this thread is the owner and has counted this guard.
        unsafe { RLockGuard::new(self) }
    }

    /// `lock` when this thread does not hold the lock yet. Apart, so the
    /// re-entry path stays small enough to inline when the lock-order
    /// checker's hooks make this one bigger.
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn lock_first(&self, me: usize) {
        let at = lockdep::caller();
        lockdep::before_lock(&self.class, self.id(), at, How::Blocking);
        self.mutex.lock();
        self.enter_first(me);
        lockdep::locked(&self.class, self.id(), at);
    }

    /// Locks if this thread holds the lock already or nobody does; `None` if
    /// another thread holds it.
    ///
    /// # Panics
    ///
    /// As [`lock`](Self::lock).
    ///
    /// # Examples
    ///
    /// ```
    /// let lock = turnstile::RLock::new(());
    /// let _outer = lock.lock();
    /// assert!(lock.try_lock().is_some()); // the owner re-enters
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn try_lock(&self) -> Option<RLockGuard<'_, T>> {
        let me = current_thread_id();
        if !self.enter_again(me) {
            if !self.mutex.try_lock() {
                return None;
            }
            self.enter_first(me);
            lockdep::locked(&self.class, self.id(), lockdep::caller());
        }
        // SAFETY: this thread is the owner and has counted this guard.
        Some(unsafe { RLockGuard::new(self) })
    }

    /// Locks, giving up after `timeout`: `Err(Timeout)` if it gave up. Returns at
    /// once if this thread already holds the lock.
    ///
    /// A zero timeout behaves like [`try_lock`](Self::try_lock);
    /// `Duration::MAX` waits without limit.
    ///
    /// # Panics
    ///
    /// As [`lock`](Self::lock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let lock = turnstile::RLock::new(());
    /// assert!(lock.lock_timeout(Duration::from_millis(5)).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn lock_timeout(&self, timeout: Duration) -> Result<RLockGuard<'_, T>, Timeout> {
        match deadline::after(timeout) {
            Some(deadline) => self.lock_deadline(deadline),
            None => Ok(self.lock()),
        }
    }

    /// Locks, giving up at `deadline`: `Err(Timeout)` if it gave up.
    ///
    /// # Panics
    ///
    /// As [`lock`](Self::lock).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let lock = turnstile::RLock::new(());
    /// assert!(lock.lock_deadline(Instant::now() + Duration::from_secs(1)).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn lock_deadline(&self, deadline: Instant) -> Result<RLockGuard<'_, T>, Timeout> {
        let me = current_thread_id();
        if !self.enter_again(me) {
            let at = lockdep::caller();
            lockdep::before_lock(&self.class, self.id(), at, How::Timed);
            self.mutex.lock_deadline(deadline)?;
            self.enter_first(me);
            lockdep::locked(&self.class, self.id(), at);
        }
        // SAFETY: this thread is the owner and has counted this guard.
        Ok(unsafe { RLockGuard::new(self) })
    }

    /// How many guards the current thread holds: 0 if it does not own the
    /// lock (whether or not another thread does).
    ///
    /// ```
    /// let lock = turnstile::RLock::new(());
    /// assert_eq!(lock.hold_count(), 0);
    /// let _held = lock.lock();
    /// assert_eq!(lock.hold_count(), 1);
    /// ```
    pub fn hold_count(&self) -> usize {
        if self.is_owned_by_current_thread() {
            // SAFETY: we are the owner, the only thread that touches `count`.
            self.count.with(|count| unsafe { *count })
        } else {
            0
        }
    }

    /// Whether the current thread holds this lock.
    ///
    /// ```
    /// let lock = turnstile::RLock::new(());
    /// let _held = lock.lock();
    /// assert!(lock.is_owned_by_current_thread());
    /// ```
    #[inline]
    pub fn is_owned_by_current_thread(&self) -> bool {
        // Relaxed: see the implementation notes on `owner`.
        self.owner.load(Ordering::Relaxed) == current_thread_id()
    }

    /// Whether any thread holds this lock. A snapshot.
    ///
    /// ```
    /// let lock = turnstile::RLock::new(());
    /// assert!(!lock.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.mutex.is_locked()
    }

    /// A mutable borrow of the data, without locking: `&mut self` already
    /// proves no other thread can reach it.
    ///
    /// ```
    /// let mut lock = turnstile::RLock::new(1);
    /// *lock.get_mut() = 2;
    /// assert_eq!(*lock.lock(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.data
    }

    /// This lock's identity for the lock-order checker.
    #[inline]
    pub(crate) fn id(&self) -> *const () {
        (self as *const Self).cast()
    }

    /// The lock-order checker's class.
    pub(crate) fn class(&self) -> &Class {
        &self.class
    }

    /// If thread `me` owns the lock, counts one more guard and returns true.
    #[inline]
    fn enter_again(&self, me: usize) -> bool {
        // Relaxed: see the implementation notes on `owner`.
        if self.owner.load(Ordering::Relaxed) != me {
            return false;
        }
        // SAFETY: we are the owner, the only thread that touches `count`.
        self.count.with_mut(|count| unsafe {
            *count = (*count).checked_add(1).expect(
                "RLock: this thread already holds usize::MAX guards; the lock count would overflow",
            );
        });
        true
    }

    /// Records thread `me`, which has just taken `mutex`, as the owner of one
    /// guard.
    #[inline]
    fn enter_first(&self, me: usize) {
        // Relaxed: `mutex` was just taken with Acquire and will be released
        // with Release; the owner field needs nothing more (see the notes).
        self.owner.store(me, Ordering::Relaxed);
        // SAFETY: we hold `mutex` and are now the owner.
        self.count.with_mut(|count| unsafe { *count = 1 });
    }

    /// Releases the lock fully, whatever the hold count, for a condition
    /// variable's wait; returns the count for [`reacquire`](Self::reacquire).
    ///
    /// # Safety
    ///
    /// The calling thread must own the lock, and must not use its guards
    /// until it has called `reacquire` with the result.
    pub(crate) unsafe fn release_all(&self) -> usize {
        // SAFETY: the caller owns the lock, so only it touches `count`.
        let held = self
            .count
            .with_mut(|count| unsafe { core::mem::replace(&mut *count, 0) });
        // As in `exit`: clear the owner before the mutex is free.
        self.owner.store(NOBODY, Ordering::Relaxed);
        // SAFETY: the owner holds `mutex`.
        unsafe { self.mutex.unlock() };
        held
    }

    /// Takes the lock back after [`release_all`](Self::release_all), with the
    /// hold count it had.
    pub(crate) fn reacquire(&self, held: usize) {
        self.mutex.lock();
        self.enter_first(current_thread_id());
        // SAFETY: we hold `mutex` and are the owner.
        self.count.with_mut(|count| unsafe { *count = held });
    }

    /// Drops one guard of the owner; the last one releases `mutex`.
    ///
    /// # Safety
    ///
    /// The calling thread must own the lock and hold a guard it is giving up.
    #[inline]
    unsafe fn exit(&self) {
        // SAFETY: the caller owns the lock, so only it touches `count`.
        let remaining = self.count.with_mut(|count| unsafe {
            *count -= 1;
            *count
        });
        if remaining == 0 {
            // Clear the owner *before* unlocking: once `mutex` is free another
            // thread may store its id, and ours must not overwrite it.
            self.owner.store(NOBODY, Ordering::Relaxed);
            // SAFETY: the owner holds `mutex`; this was its last guard.
            unsafe { self.mutex.unlock() };
            lockdep::unlocked(&self.class, self.id());
        }
    }
}

impl<T: Default> Default for RLock<T> {
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for RLock<T> {
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLock<T> {
    /// Shows the data if this thread can take the lock right now,
    /// `<locked>` otherwise; formatting never waits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("RLock");
        match self.try_lock() {
            Some(guard) => out.field("data", &&*guard),
            None => out.field("data", &format_args!("<locked>")),
        };
        out.finish_non_exhaustive()
    }
}

/// One hold of an [`RLock`]: derefs to `&T` and gives the hold up when
/// dropped.
///
/// Not [`Send`]: the count belongs to the thread that took it, and a guard
/// dropped on another thread would release a lock that thread does not own.
/// Derefs to `&T` only; the [module docs](self) say why.
///
/// ```
/// let lock = turnstile::RLock::new(vec![1]);
/// let guard = lock.lock();
/// assert_eq!(guard.len(), 1); // `&T` only
/// ```
#[must_use = "if unused the RLock will immediately release this hold"]
pub struct RLockGuard<'a, T: ?Sized> {
    pub(crate) lock: &'a RLock<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing `&RLockGuard` shares `&T`, which `T: Sync` allows.
unsafe impl<T: ?Sized + Sync> Sync for RLockGuard<'_, T> {}

impl<'a, T: ?Sized> RLockGuard<'a, T> {
    /// # Safety
    ///
    /// - The calling thread must own `lock` and have counted this guard.
    unsafe fn new(lock: &'a RLock<T>) -> Self {
        Self {
            lock,
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for RLockGuard<'_, T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.lock.data
    }
}

impl<T: ?Sized> Drop for RLockGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: a guard exists only on the owner thread (it is !Send) and
        // was counted when it was made.
        unsafe { self.lock.exit() }
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for RLockGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::super::facade::run_test;
    use super::RLock;

    #[test]
    #[should_panic(expected = "lock count would overflow")]
    fn count_overflow_panics_with_a_clear_message() {
        run_test(|| {
            let lock = RLock::new(());
            let _first = lock.lock();
            // Pretend this thread already holds usize::MAX guards; taking
            // 2^64 real ones is out of reach.
            // SAFETY: this thread owns the lock, so it alone touches `count`.
            lock.count.with_mut(|count| unsafe { *count = usize::MAX });
            let _overflow = lock.lock();
        });
    }
}
