//! A lock-order graph that looks for a cycle in one critical section and
//! adds the edge in another.

use std::collections::{BTreeMap, BTreeSet};

use super::super::lockdep::graph::{Added, ClassId, Step};
use super::super::mutex::Mutex;

/// Broken twin of the lock-order checker's graph
/// (`turnstile::model::lockdep::graph::Graph`): it asks "would this edge
/// close a cycle?" under the lock, lets the lock go, and adds the edge under
/// the lock again. Two threads adding A → B and B → A at once can both find
/// no cycle, and the inversion the checker exists for goes unreported.
pub struct CheckThenAddGraph {
    out: Mutex<BTreeMap<ClassId, BTreeSet<ClassId>>>,
}

impl CheckThenAddGraph {
    /// An empty graph.
    pub fn new() -> Self {
        Self {
            out: Mutex::new(BTreeMap::new()),
        }
    }

    /// Records `step`, or reports that it closes a cycle (the path is left
    /// out: the property needs only whether one was found).
    pub fn add(&self, step: Step) -> Added {
        let closes = reaches(&self.out.lock(), step.taken, step.held);
        if closes {
            return Added::Cycle(Vec::new());
        }
        // BUG: the edge is added under the lock taken again. Between the
        // check above and here, another thread can check the opposite edge
        // against a graph that has neither.
        let mut out = self.out.lock();
        out.entry(step.held).or_default().insert(step.taken);
        Added::New
    }
}

impl Default for CheckThenAddGraph {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether `to` can be reached from `from`.
fn reaches(out: &BTreeMap<ClassId, BTreeSet<ClassId>>, from: ClassId, to: ClassId) -> bool {
    let mut seen = BTreeSet::from([from]);
    let mut stack = vec![from];
    while let Some(class) = stack.pop() {
        if class == to {
            return true;
        }
        for &next in out.get(&class).into_iter().flatten() {
            if seen.insert(next) {
                stack.push(next);
            }
        }
    }
    false
}
