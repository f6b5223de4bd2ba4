//! Items to bytes and back: postcard, with a little-endian `u32` length in
//! front for the ring. Done outside the queue's lock, so a `Serialize` or
//! `Deserialize` that panics (the user's code) unwinds with no lock held
//! and the ring untouched.
//!
//! Why postcard: compact (varints, no field names), documented as a
//! stable wire format, no `unsafe` and well kept; it is what the crate's
//! feature `process` already brings for every value that crosses between
//! processes. It is not self-describing, so a wrong type is caught only
//! where the bytes cannot be read as that type; [`decode`] also insists
//! that every byte is used.

use core::cell::Cell;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::super::facade::thread_local;
use super::ring::LEN_BYTES;

/// A buffer kept larger than this is let go after use rather than kept
/// for the thread's next item.
const KEEP_BYTES: usize = 64 * 1024;

thread_local! {
    /// Each thread's spare buffer, so a put or get of a small item
    /// allocates nothing. Taken out for the call (a `Serialize` that puts
    /// into a queue itself finds it empty and allocates its own).
    static SCRATCH: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Runs `f` with this thread's spare buffer (empty, with its capacity).
pub(super) fn with_scratch<R>(f: impl FnOnce(&mut Vec<u8>) -> R) -> R {
    let mut buffer = SCRATCH.with(Cell::take);
    let result = f(&mut buffer);
    if buffer.capacity() <= KEEP_BYTES {
        buffer.clear();
        SCRATCH.with(|spare| spare.set(buffer));
    }
    result
}

/// Why an item could not be framed.
pub(super) enum FrameError {
    /// serde refused; its message.
    Encode(String),
    /// More bytes than a `u32` length can say.
    TooLarge,
}

/// The item's bytes with their length in front: what the ring stores.
pub(super) fn frame<T: Serialize>(item: &T, buffer: Vec<u8>) -> Result<Vec<u8>, FrameError> {
    let mut buffer = buffer;
    buffer.clear();
    buffer.resize(LEN_BYTES as usize, 0);
    let mut buffer = postcard::to_extend(item, buffer)
        .map_err(|error| FrameError::Encode(super::super::inherit::explain(&error)))?;
    let len = u32::try_from(buffer.len() - LEN_BYTES as usize).map_err(|_| FrameError::TooLarge)?;
    buffer[..LEN_BYTES as usize].copy_from_slice(&len.to_le_bytes());
    Ok(buffer)
}

/// An item from its bytes (length already removed); every byte must be
/// used, or the bytes were not a `T`.
pub(super) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, String> {
    let (item, rest) = postcard::take_from_bytes(bytes).map_err(|error| error.to_string())?;
    if rest.is_empty() {
        Ok(item)
    } else {
        Err(format!(
            "{} bytes left over after reading a {}",
            rest.len(),
            core::any::type_name::<T>()
        ))
    }
}
