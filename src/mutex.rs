//! A mutual-exclusion lock that owns the data it protects, and Python's `Lock`.
//!
//! [`Mutex<T>`] is [`RawMutex`] plus the data and a guard: the only way to
//! reach the data is through a [`MutexGuard`], and dropping the guard unlocks.
//! That is Python's `with lock:` block, except the compiler checks that the
//! data is never touched outside it.
//!
//! [`Lock`] is `Mutex<()>` with Python's method names, for code that protects
//! something outside the lock (a file, a terminal) rather than data inside it.
//!
//! | Python (`threading`)          | turnstile                              |
//! |-------------------------------|----------------------------------------|
//! | `lock = Lock()`               | `let lock = Lock::new();`              |
//! | `with lock: ...`              | `{ let _held = lock.acquire(); ... }`  |
//! | `lock.acquire(blocking=False)`| `lock.try_acquire()` → `Option`        |
//! | `lock.acquire(timeout=0.5)`   | `lock.acquire_timeout(d)` → `Result`   |
//! | `lock.release()`              | `drop(guard)`                          |
//! | `lock.locked()`               | `lock.locked()`                        |
//! | asyncio: `async with lock:`   | `lock.acquire_async().await` (threads share it) |
//! | asyncio: `await lock.acquire()` | `mutex.lock_async().await`           |
//!
//! # Differences from `std::sync::Mutex`
//!
//! - **No poisoning.** If a thread panics while holding the guard, the guard
//!   is dropped during unwinding and the lock is released, like Python's
//!   `with` block on an exception and like `parking_lot`. The data keeps
//!   whatever the panicking thread left in it: if a panic can interrupt an
//!   update halfway, restore the invariant or record the failure in the data.
//!   So `lock()` returns the guard itself, not a `Result`.
//! - `lock_timeout` and `lock_deadline` exist.
//! - Not fair: see [`RawMutex`].
//!
//! # Examples
//!
//! ```
//! use std::sync::Arc;
//! use std::thread;
//! use turnstile::Mutex;
//!
//! let g_num = Arc::new(Mutex::new(0));
//! let workers: Vec<_> = (0..2)
//!     .map(|_| {
//!         let g_num = Arc::clone(&g_num);
//!         thread::spawn(move || {
//!             for _ in 0..1000 {
//!                 *g_num.lock() += 1;
//!             }
//!         })
//!     })
//!     .collect();
//! for worker in workers {
//!     worker.join().unwrap();
//! }
//! assert_eq!(*g_num.lock(), 2000);
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use std::time::{Duration, Instant};

use super::deadline;
use super::facade::{UnsafeCell, const_fn};
use super::lockdep::{self, Class, How};
use super::raw_mutex::RawMutex;
use super::timeout::Timeout;
use super::wakers::WakerLine;

/// A lock that owns the `T` it protects. See the [module docs](self).
pub struct Mutex<T: ?Sized> {
    pub(crate) raw: RawMutex,
    /// The lock-order checker's class (nothing without feature `lockdep`).
    pub(crate) class: Class,
    /// Async tasks waiting for the lock (`mutex_async.rs`); null until one
    /// waits. An unlock that finds the lock CONTENDED wakes the first.
    pub(crate) tasks: WakerLine,
    data: UnsafeCell<T>,
}

// SAFETY: a `Mutex<T>` hands out its `T` to one thread at a time, so sharing
// the mutex between threads only ever moves access to `T` from thread to
// thread: `T: Send` is what that needs. `T: Sync` is not needed, since no two
// threads see `&T` at once.
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}
// SAFETY: moving the mutex moves the `T` inside it.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}

impl<T> Mutex<T> {
    const_fn! {
        /// A new, unlocked mutex holding `value`.
        ///
        /// ```
        /// static G_NUM: turnstile::Mutex<u64> = turnstile::Mutex::new(0);
        /// *G_NUM.lock() += 1;
        /// assert_eq!(*G_NUM.lock(), 1);
        /// ```
        #[cfg_attr(feature = "lockdep", track_caller)]
        pub fn new(value: T) -> Self {
            Self::with(value, Class::new("Mutex"))
        }
    }

    const_fn! {
        /// A new, unlocked mutex whose lock-order class (feature `lockdep`)
        /// is `name` rather than the place it was created: every mutex given
        /// one name is one class. Without the feature the name is unused.
        ///
        /// ```
        /// let from = turnstile::Mutex::with_class(100, "account");
        /// let to = turnstile::Mutex::with_class(0, "account"); // one class
        /// *to.lock() += std::mem::take(&mut *from.lock());
        /// assert_eq!(*to.lock(), 100);
        /// ```
        pub fn with_class(value: T, name: &'static str) -> Self {
            Self::with(value, Class::named("Mutex", name))
        }
    }

    const_fn! {
        /// turnstile's own locks, which the lock-order checker leaves out.
        pub(crate) fn untracked(value: T) -> Self {
            Self::with(value, Class::untracked())
        }
    }

    const_fn! {
        fn with(value: T, class: Class) -> Self {
            Self { raw: RawMutex::new(), class, tasks: WakerLine::new(), data: UnsafeCell::new(value) }
        }
    }

    /// Consumes the mutex and returns the data. No lock is needed: owning the
    /// mutex proves nobody else can hold it.
    ///
    /// ```
    /// let mutex = turnstile::Mutex::new(vec![1, 2]);
    /// assert_eq!(mutex.into_inner(), [1, 2]);
    /// ```
    pub fn into_inner(self) -> T {
        self.data.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Locks the mutex, waiting as long as it takes, and returns a guard that
    /// unlocks when dropped.
    ///
    /// Locking again from the thread that holds the guard waits forever (a
    /// deadlock): use [`RLock`](super::rlock::RLock) for re-entry.
    ///
    /// ```
    /// let mutex = turnstile::Mutex::new(0);
    /// *mutex.lock() += 1; // locked for this statement only
    /// assert_eq!(*mutex.lock(), 1);
    /// ```
    #[inline]
    #[cfg_attr(any(feature = "model", feature = "lockdep"), track_caller)]
    pub fn lock(&self) -> MutexGuard<'_, T> {
        let at = lockdep::caller();
        lockdep::before_lock(&self.class, self.id(), at, How::Blocking);
        self.raw.lock();
        lockdep::locked(&self.class, self.id(), at);
        // SAFETY: the lock was just taken by this thread.
        unsafe { MutexGuard::new(self) }
    }

    /// Locks the mutex if it is free right now; `None` if another thread
    /// holds it.
    ///
    /// ```
    /// let mutex = turnstile::Mutex::new(());
    /// let held = mutex.lock();
    /// assert!(mutex.try_lock().is_none());
    /// drop(held);
    /// assert!(mutex.try_lock().is_some());
    /// ```
    #[inline]
    #[cfg_attr(any(feature = "model", feature = "lockdep"), track_caller)]
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        if !self.raw.try_lock() {
            return None;
        }
        lockdep::locked(&self.class, self.id(), lockdep::caller());
        // SAFETY: `try_lock` returned true, so the lock is ours.
        Some(unsafe { MutexGuard::new(self) })
    }

    /// Locks the mutex, giving up after `timeout`: `Err(Timeout)` if it gave
    /// up (the convention of every timed wait: see [`Timeout`]).
    ///
    /// A zero timeout behaves like [`try_lock`](Self::try_lock). A timeout too
    /// large to add to the current time (`Duration::MAX`) waits without limit.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let mutex = turnstile::Mutex::new(());
    /// let _held = mutex.lock();
    /// assert!(mutex.lock_timeout(Duration::from_millis(5)).is_err());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn lock_timeout(&self, timeout: Duration) -> Result<MutexGuard<'_, T>, Timeout> {
        match deadline::after(timeout) {
            Some(deadline) => self.lock_deadline(deadline),
            None => Ok(self.lock()),
        }
    }

    /// Locks the mutex, giving up at `deadline`: `Err(Timeout)` if it gave up.
    ///
    /// A deadline in the past behaves like [`try_lock`](Self::try_lock).
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let mutex = turnstile::Mutex::new(5);
    /// let guard = mutex.lock_deadline(Instant::now() + Duration::from_secs(1));
    /// assert_eq!(guard.as_deref(), Ok(&5));
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn lock_deadline(&self, deadline: Instant) -> Result<MutexGuard<'_, T>, Timeout> {
        let at = lockdep::caller();
        lockdep::before_lock(&self.class, self.id(), at, How::Timed);
        self.raw.lock_deadline(deadline)?;
        lockdep::locked(&self.class, self.id(), at);
        // SAFETY: `lock_deadline` returned Ok, so the lock is ours.
        Ok(unsafe { MutexGuard::new(self) })
    }

    /// `RawMutex::unlock`, whose cold path also wakes the first task.
    /// Safety: as there.
    #[inline]
    pub(crate) unsafe fn unlock(&self) {
        // SAFETY: the caller's promise, passed on.
        if unsafe { self.raw.release() } {
            self.tasks.wake_contended(&self.raw);
        }
    }

    /// This mutex's identity for the lock-order checker.
    #[inline]
    pub(crate) fn id(&self) -> *const () {
        (self as *const Self).cast()
    }

    /// Whether some thread holds the lock. A snapshot, for diagnostics and
    /// tests: by the time you act on it, it may have changed.
    ///
    /// ```
    /// let mutex = turnstile::Mutex::new(());
    /// let held = mutex.lock();
    /// assert!(mutex.is_locked());
    /// drop(held);
    /// assert!(!mutex.is_locked());
    /// ```
    #[inline]
    pub fn is_locked(&self) -> bool {
        self.raw.is_locked()
    }

    /// A mutable borrow of the data, without locking: `&mut self` already
    /// proves no other thread can reach it.
    ///
    /// ```
    /// let mut mutex = turnstile::Mutex::new(1);
    /// *mutex.get_mut() += 1;
    /// assert_eq!(mutex.into_inner(), 2);
    /// ```
    pub fn get_mut(&mut self) -> &mut T {
        self.data.get_mut()
    }
}

impl<T: Default> Default for Mutex<T> {
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> From<T> for Mutex<T> {
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn from(value: T) -> Self {
        Self::new(value)
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for Mutex<T> {
    /// Shows the data if the lock is free right now, `<locked>` otherwise;
    /// formatting never waits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("Mutex");
        match self.try_lock() {
            Some(guard) => out.field("data", &&*guard),
            None => out.field("data", &format_args!("<locked>")),
        };
        out.finish_non_exhaustive()
    }
}

/// Proof that the mutex is locked: it derefs to the data and unlocks when
/// dropped.
///
/// Not [`Send`]: the lock is released by the thread that took it, which keeps
/// reasoning about who holds what local to one thread (as `std` does). So a
/// task holding [`lock_async`](Mutex::lock_async)'s guard across `.await` is
/// not `Send`: fine on turnstile's one-thread event loop.
///
/// ```
/// let mutex = turnstile::Mutex::new(String::new());
/// let mut guard = mutex.lock();
/// guard.push_str("only while locked");
/// drop(guard); // unlocks
/// ```
#[must_use = "if unused the Mutex will immediately unlock"]
pub struct MutexGuard<'a, T: ?Sized> {
    pub(crate) mutex: &'a Mutex<T>,
    _not_send: PhantomData<*const ()>,
}

// SAFETY: sharing `&MutexGuard` between threads shares `&T`, which is what
// `T: Sync` allows.
unsafe impl<T: ?Sized + Sync> Sync for MutexGuard<'_, T> {}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    /// # Safety
    ///
    /// - The calling thread must hold `mutex.raw`, and hand the duty to unlock
    ///   it to this guard.
    pub(crate) unsafe fn new(mutex: &'a Mutex<T>) -> Self {
        Self {
            mutex,
            _not_send: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;

    #[inline]
    #[cfg_attr(feature = "model", track_caller)]
    fn deref(&self) -> &T {
        // SAFETY:
        // - the guard holds the lock, so no other thread reaches the data;
        // - the borrow lives no longer than `&self`, so not past the unlock.
        self.mutex.data.with(|data| unsafe { &*data })
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    #[inline]
    #[cfg_attr(feature = "model", track_caller)]
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY:
        // - the guard holds the lock, so no other thread reaches the data;
        // - `&mut self` means no other borrow through this guard exists, and
        //   the result lives no longer than it.
        self.mutex.data.with_mut(|data| unsafe { &mut *data })
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    #[inline]
    fn drop(&mut self) {
        // SAFETY: the guard was created holding the lock and is its only
        // releaser; drop runs once.
        unsafe { self.mutex.unlock() }
        lockdep::unlocked(&self.mutex.class, self.mutex.id());
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: ?Sized + fmt::Display> fmt::Display for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

/// Python's `threading.Lock`: a [`Mutex<()>`] with Python's method names.
///
/// Use it when the lock guards something that does not live inside it; when
/// it guards data, put the data in a [`Mutex<T>`] instead and let the compiler
/// check every access.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use turnstile::Lock;
///
/// let lock = Lock::new();
/// {
///     let _held = lock.acquire(); // `with lock:`
///     assert!(lock.locked());
///     assert!(lock.try_acquire().is_none()); // acquire(blocking=False)
///     assert!(lock.acquire_timeout(Duration::from_millis(1)).is_err());
/// } // released here
/// assert!(!lock.locked());
/// ```
pub struct Lock {
    pub(crate) inner: Mutex<()>,
}

/// The guard [`Lock::acquire`] returns: the lock is released when it drops.
pub type LockGuard<'a> = MutexGuard<'a, ()>;

impl Lock {
    const_fn! {
        /// A new, unlocked lock (`threading.Lock()`).
        ///
        /// ```
        /// static PRINTER: turnstile::Lock = turnstile::Lock::new();
        /// let _turn = PRINTER.acquire();
        /// ```
        #[must_use]
        #[cfg_attr(feature = "lockdep", track_caller)]
        pub fn new() -> Self {
            Self { inner: Mutex::with((), Class::new("Lock")) }
        }
    }

    /// `lock.acquire()`: waits for the lock; dropping the guard releases it.
    ///
    /// ```
    /// let lock = turnstile::Lock::new();
    /// {
    ///     let _held = lock.acquire(); // `with lock:`
    ///     assert!(lock.locked());
    /// }
    /// assert!(!lock.locked());
    /// ```
    #[inline]
    #[cfg_attr(any(feature = "model", feature = "lockdep"), track_caller)]
    pub fn acquire(&self) -> LockGuard<'_> {
        self.inner.lock()
    }

    /// `lock.acquire(blocking=False)`: `None` if it is held.
    ///
    /// ```
    /// let lock = turnstile::Lock::new();
    /// let first = lock.try_acquire();
    /// assert!(first.is_some() && lock.try_acquire().is_none());
    /// ```
    #[inline]
    #[cfg_attr(any(feature = "model", feature = "lockdep"), track_caller)]
    pub fn try_acquire(&self) -> Option<LockGuard<'_>> {
        self.inner.try_lock()
    }

    /// `lock.acquire(timeout=t)`: `Err(Timeout)` if `timeout` passed first.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let lock = turnstile::Lock::new();
    /// assert!(lock.acquire_timeout(Duration::from_millis(5)).is_ok());
    /// ```
    #[cfg_attr(feature = "lockdep", track_caller)]
    pub fn acquire_timeout(&self, timeout: Duration) -> Result<LockGuard<'_>, Timeout> {
        self.inner.lock_timeout(timeout)
    }

    /// `lock.locked()`: whether some thread holds it (a snapshot).
    ///
    /// ```
    /// assert!(!turnstile::Lock::new().locked());
    /// ```
    #[inline]
    pub fn locked(&self) -> bool {
        self.inner.is_locked()
    }
}

impl Default for Lock {
    #[cfg_attr(feature = "lockdep", track_caller)]
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Lock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lock")
            .field("locked", &self.locked())
            .finish()
    }
}
