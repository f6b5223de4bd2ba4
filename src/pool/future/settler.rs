//! How a future and its promise reach their shared state (`Core`, in
//! `state.rs`) without knowing who will settle it.
//!
//! The state lives inside an allocation owned together by the future, its
//! promise, and "the thing that will settle it": for a pool task, the task
//! with its closure (`pool/task.rs`); for [`Future::pending`], nothing more
//! ([`Unqueued`] below). The future side names only the small interface
//! here, [`Settler`], which the task implements: the task imports the
//! future, never the reverse.
//!
//! [`Future::pending`]: super::Future::pending

use core::any::Any;
use core::marker::PhantomData;

use super::super::super::facade::{Arc, arc_dyn};
use super::state::Core;

/// What holds a future's state: the allocation a [`CoreRef`] points into,
/// seen without its other contents (for a pool task, the closure's type).
///
/// # Safety
///
/// An implementor is a `#[repr(C)]` struct whose first field is the
/// `Core<T>` of every `CoreRef<T>` made on it, so the allocation's address
/// is the core's (see [`CoreRef::core`]).
pub(crate) unsafe trait Settler: Send + Sync + 'static {
    /// The future's state, a `Core<T>`, as `Any`: what `CoreRef::core`
    /// checks its cast against in debug builds.
    fn core(&self) -> &dyn Any;
    /// Its promise was dropped unfinished (see `Core::promise_dropped`).
    fn promise_dropped(&self);
}

/// A typed handle on a future's state: what a `Future<T>` and a
/// `Promise<T>` hold.
pub(crate) struct CoreRef<T> {
    settler: Arc<dyn Settler>,
    /// Stands for the `T` to come: the handle is `Send` only if `T` is, and
    /// `Sync` only if `T` is.
    _value: PhantomData<T>,
}

impl<T: Send + 'static> CoreRef<T> {
    /// A handle on the state inside `settler`.
    ///
    /// # Safety
    ///
    /// `settler` starts with a `Core<T>` of this very `T` (see [`Settler`]).
    pub(crate) unsafe fn new(settler: Arc<dyn Settler>) -> Self {
        CoreRef {
            settler,
            _value: PhantomData,
        }
    }

    /// A state with nothing else beside it, and a second handle on it:
    /// `Future::pending`'s future and promise (the promise's holder does
    /// the work).
    pub(super) fn pending() -> (Self, Self) {
        let settler = arc_dyn!(Unqueued::<T> { core: Core::new() } => dyn Settler);
        let twin = CoreRef {
            settler: Arc::clone(&settler),
            _value: PhantomData,
        };
        (
            CoreRef {
                settler,
                _value: PhantomData,
            },
            twin,
        )
    }

    /// The future's state.
    #[inline]
    pub(crate) fn core(&self) -> &Core<T> {
        // Every `CoreRef<T>` is made on a settler that starts with a
        // `Core<T>` of its own `T` (`new`'s contract, and `pending`), and
        // that first field is at offset 0 (`repr(C)`). So the settler's
        // address is the core's, whatever else it holds: no virtual call
        // and no type check on the way, which `submit` and `into_result`
        // each took once per task before (a downcast through `Any`). Debug
        // builds still check the type.
        debug_assert!(
            self.settler.core().is::<Core<T>>(),
            "a future's settler holds the state of the handle's own value type"
        );
        let settler: *const dyn Settler = &*self.settler;
        // SAFETY: as above, `settler` points to a struct whose first field
        // (offset 0, `repr(C)`) is a `Core<T>`; it lives as long as
        // `self.settler`, and the borrow is tied to `&self`.
        unsafe { &*settler.cast::<Core<T>>() }
    }
}

impl<T> CoreRef<T> {
    pub(super) fn promise_dropped(&self) {
        self.settler.promise_dropped();
    }
}

/// The state of a future made by hand ([`Future::pending`]): nobody's task,
/// settled by whoever holds its promise.
///
/// [`Future::pending`]: super::Future::pending
#[repr(C)]
struct Unqueued<T> {
    core: Core<T>,
}

// SAFETY: `repr(C)`, and its first field is the `Core<T>` that `pending`'s
// handles, of the same `T`, point to.
unsafe impl<T: Send + 'static> Settler for Unqueued<T> {
    fn core(&self) -> &dyn Any {
        &self.core
    }

    fn promise_dropped(&self) {
        self.core.promise_dropped();
    }
}
