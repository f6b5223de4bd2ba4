//! The process lock's source under loom: [`RawProcessLock`], and [`die`],
//! which ends a model thread as a killed process's thread ends, the kernel
//! walking its robust list.
//!
//! loom runs threads, so a model's processes are threads: what a process
//! lock adds to a thread lock (the owner's id in the word, the kernel's
//! release at death) is all in the word and in [`die`], which is what the
//! models check. Shared memory itself is not modelled: to loom it is memory.

// Where raw_lock.rs says `super::super::facade`, `super::super` is
// `turnstile::model`, whose facade is loom's.
#[path = "../../process/raw_lock.rs"]
mod raw_lock;

pub use super::shared_futex::die;
pub use raw_lock::{Acquired, RawProcessLock};
