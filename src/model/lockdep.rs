//! The lock-order checker in the model copy: its hooks are the empty ones
//! (the primitives under loom are not checked for lock order), and its
//! [`graph`] is the real one, built on the model's locks so loom can check
//! the graph's own bookkeeping (`tests/model_lockdep.rs`).

#[path = "../lockdep/off.rs"]
mod hooks;
pub(crate) use hooks::*;

#[path = "../lockdep/graph.rs"]
pub mod graph;

#[path = "../lockdep/lock.rs"]
mod lock;
