//! Naming a function of this binary to a child process that runs the same
//! binary: the part of `multiprocessing`'s pickling that Rust can do.
//!
//! Python sends a child the *name* of the function to run
//! (`module.qualname`) and the child imports it. Rust has no such table of
//! names at run time, and a closure cannot be sent at all: its captures
//! live in the parent's memory. What a child that re-executes the *same
//! executable file* does share with its parent is the layout of the code:
//! a position-independent executable is loaded as one block at a random
//! base (ASLR), so the distance between two functions in it is the same in
//! every run of that file. A [`FnRef`] is two such distances, measured
//! from [`anchor`], a function inside turnstile:
//!
//! - to the user's `fn(A) -> R` itself, and
//! - to `trampoline::<A, R>`, the copy of a generic function made for those
//!   two types, which knows how to decode an `A` from postcard bytes, call
//!   the function, and encode its `R`.
//!
//! The child adds each distance to its own `anchor`'s address and has the
//! two functions again. This is sound only when the child runs the very
//! same file: another build places the functions elsewhere, and a jump to
//! a stale distance lands in the middle of some other code. So the code
//! that starts a child runs `/proc/self/exe` (the parent's own file, even
//! if a rebuild has since replaced the path) and the child checks the
//! file's identity before it jumps (see `child.rs`); `FnRef` itself also
//! carries a hash of the two type names, which the trampoline compares
//! with its own, so a reference made for other types is refused rather
//! than called with bytes of the wrong shape.
//!
//! (If turnstile were linked as a separate shared library, the anchor and
//! the user's function would move independently. Rust links crates
//! statically by default; `Process::start` checks with `dladdr` that both
//! sit in the same loaded object and refuses otherwise.)

use core::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::inherit;

/// The fixed point every distance is measured from. Never inlined, so it
/// has one address in the executable.
#[inline(never)]
fn anchor() -> usize {
    // A body that is not empty, so no two such functions are folded into
    // one (that would still be sound, but this keeps the anchor obvious in
    // a disassembly).
    0x7475_726e
}

/// The address of [`anchor`] in this process.
pub(crate) fn anchor_address() -> usize {
    anchor as fn() -> usize as usize
}

/// What a trampoline does before it runs the function, in a child that
/// starts: decode inside [`inherit::receiving`] (handles in the argument
/// are accepted only there), then `after_decode` (close the inherited
/// descriptors, tell the parent the entry runs).
pub(crate) struct ChildStart<'a> {
    pub(crate) after_decode: &'a mut dyn FnMut(),
}

/// A trampoline's signature: the function's address, the expected type
/// hash, the argument's bytes, and the child's start hooks (none for a
/// plain call).
type Trampoline = fn(usize, u64, &[u8], Option<&mut ChildStart<'_>>) -> Result<Vec<u8>, CallError>;

/// A function of this binary, callable in a child process that runs the
/// same binary: its distance from an anchor, its trampoline's distance,
/// and a check of its types.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FnRef {
    /// The function's address minus the anchor's.
    function: i64,
    /// `trampoline::<A, R>`'s address minus the anchor's.
    trampoline: i64,
    /// [`type_hash`] of `(A, R)`.
    types: u64,
}

/// Why a call through a [`FnRef`] gave no result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum CallError {
    /// The argument's bytes are not an `A` (or the reference was made for
    /// other types).
    Decode(String),
    /// The function panicked; the panic's message.
    Panicked(String),
    /// The function's result could not be encoded.
    Encode(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(why) => write!(f, "the argument could not be decoded: {why}"),
            Self::Panicked(message) => write!(f, "the function panicked: {message}"),
            Self::Encode(why) => write!(f, "the result could not be encoded: {why}"),
        }
    }
}

impl std::error::Error for CallError {}

/// A stable hash of `T`'s name (FNV-1a: std's hasher is seeded per
/// process, this one gives the same number in parent and child).
pub(crate) fn type_hash<T: ?Sized>() -> u64 {
    core::any::type_name::<T>()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3)
        })
}

/// An address's distance from the anchor.
fn distance(address: usize) -> i64 {
    // Two addresses in one executable: their difference fits (wrapping
    // arithmetic, read back the same way).
    address.wrapping_sub(anchor_address()) as i64
}

/// The address at a distance from the anchor.
fn at(distance: i64) -> usize {
    anchor_address().wrapping_add(distance as usize)
}

impl FnRef {
    /// A reference to `f`. A closure that captures nothing coerces to a
    /// `fn`.
    pub(crate) fn new<A: DeserializeOwned + 'static, R: Serialize + 'static>(
        f: fn(A) -> R,
    ) -> Self {
        let trampoline: Trampoline = trampoline::<A, R>;
        Self {
            function: distance(f as usize),
            trampoline: distance(trampoline as usize),
            types: type_hash::<(A, R)>(),
        }
    }

    /// Decodes `A` from postcard bytes, calls `f`, encodes `R`. Never
    /// unwinds: a panic in `f` is `Err(Panicked(message))`.
    ///
    /// Only for a reference made in this process or in a parent running
    /// the same executable file (see the module's notes).
    #[allow(dead_code, reason = "the process pool's workers call it")]
    pub(crate) fn call(self, arg: &[u8]) -> Result<Vec<u8>, CallError> {
        self.dispatch(arg, None)
    }

    /// [`call`](Self::call) for a child's start: the argument may hold
    /// handles, and `start.after_decode` runs between decoding and the call.
    pub(crate) fn call_at_start(
        self,
        arg: &[u8],
        start: &mut ChildStart<'_>,
    ) -> Result<Vec<u8>, CallError> {
        self.dispatch(arg, Some(start))
    }

    fn dispatch(
        self,
        arg: &[u8],
        start: Option<&mut ChildStart<'_>>,
    ) -> Result<Vec<u8>, CallError> {
        // SAFETY: `trampoline` was measured from a `Trampoline` in this
        // executable (this process, or a parent that ran the same file, as
        // the caller guarantees), so the address is that function's.
        let trampoline: Trampoline =
            unsafe { core::mem::transmute::<usize, Trampoline>(at(self.trampoline)) };
        trampoline(at(self.function), self.types, arg, start)
    }

    /// Whether the function lives in the same loaded object as turnstile
    /// (the executable, normally), which the distances rely on.
    pub(crate) fn same_object_as_anchor(self) -> bool {
        object_base(at(self.function)).is_some()
            && object_base(at(self.function)) == object_base(anchor_address())
            && object_base(at(self.trampoline)) == object_base(anchor_address())
    }
}

/// The base address of the loaded object (executable or library) that
/// holds `address`, from `dladdr`.
fn object_base(address: usize) -> Option<usize> {
    // SAFETY: dladdr only reads the loader's tables and fills `info`.
    let mut info: libc::Dl_info = unsafe { core::mem::zeroed() };
    let found = unsafe { libc::dladdr(address as *const libc::c_void, &mut info) };
    (found != 0).then_some(info.dli_fbase as usize)
}

/// The one generic piece: what `A` and `R` are, known at the reference's
/// making and recovered here by the monomorphised copy the reference names.
fn trampoline<A: DeserializeOwned + 'static, R: Serialize + 'static>(
    function: usize,
    types: u64,
    arg: &[u8],
    start: Option<&mut ChildStart<'_>>,
) -> Result<Vec<u8>, CallError> {
    if types != type_hash::<(A, R)>() {
        return Err(CallError::Decode(format!(
            "the function reference was made for other types than ({})",
            core::any::type_name::<(A, R)>()
        )));
    }
    // SAFETY: `function` was measured from an `fn(A) -> R` (the type hash
    // just matched the one recorded beside it) in this executable.
    let f = unsafe { core::mem::transmute::<usize, fn(A) -> R>(function) };
    let value: A = match start {
        None => postcard::from_bytes(arg),
        Some(ref _start) => inherit::receiving(|| postcard::from_bytes(arg)),
    }
    .map_err(|error| CallError::Decode(error.to_string()))?;
    if let Some(start) = start {
        (start.after_decode)();
    }
    let result = catch_unwind(AssertUnwindSafe(|| f(value)))
        .map_err(|payload| CallError::Panicked(panic_message(payload.as_ref())))?;
    postcard::to_allocvec(&result).map_err(|error| CallError::Encode(error.to_string()))
}

/// A panic payload's message: a `&str` or `String`, as `panic!` makes.
pub(crate) fn panic_message(payload: &(dyn core::any::Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "a panic with a payload that is not text".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn double(n: u32) -> u64 {
        u64::from(n) * 2
    }

    fn shout(text: String) -> String {
        text.to_uppercase()
    }

    fn explode(_: ()) {
        panic!("boom");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a function called at an address computed from an offset, which strict provenance (the Miri tier's flags) refuses"
    )]
    fn a_reference_calls_its_function_through_bytes() {
        let reference = FnRef::new(double);
        let bytes = postcard::to_allocvec(&21_u32).unwrap();
        let out = reference.call(&bytes).unwrap();
        assert_eq!(postcard::from_bytes::<u64>(&out).unwrap(), 42);
        let reference = FnRef::new(shout);
        let bytes = postcard::to_allocvec("hi").unwrap();
        let out = reference.call(&bytes).unwrap();
        assert_eq!(postcard::from_bytes::<String>(&out).unwrap(), "HI");
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a function called at an address computed from an offset, which strict provenance (the Miri tier's flags) refuses"
    )]
    fn a_reference_survives_its_own_encoding() {
        let reference = FnRef::new(double);
        let bytes = postcard::to_allocvec(&reference).unwrap();
        let back: FnRef = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(back, reference);
        assert!(back.same_object_as_anchor());
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a function called at an address computed from an offset, which strict provenance (the Miri tier's flags) refuses"
    )]
    fn bad_bytes_and_panics_are_errors() {
        let reference = FnRef::new(shout);
        assert!(matches!(
            reference.call(&[5, b'a']),
            Err(CallError::Decode(_))
        ));
        let reference = FnRef::new(explode);
        let bytes = postcard::to_allocvec(&()).unwrap();
        assert_eq!(
            reference.call(&bytes),
            Err(CallError::Panicked("boom".to_owned()))
        );
    }

    #[test]
    #[cfg_attr(
        miri,
        ignore = "a function called at an address computed from an offset, which strict provenance (the Miri tier's flags) refuses"
    )]
    fn a_reference_with_other_types_is_refused() {
        let mut reference = FnRef::new(double);
        reference.types ^= 1;
        let bytes = postcard::to_allocvec(&1_u32).unwrap();
        let error = reference.call(&bytes).unwrap_err();
        assert!(error.to_string().contains("other types"), "{error}");
    }
}
