//! The lock-order graph: one node per lock class, one edge per "held A while
//! taking B" first seen, and the check that a new edge closes no cycle.
//!
//! Shared by the `lockdep` feature (one global graph) and the model copy
//! (`turnstile::model::lockdep_graph`), where loom checks that two threads
//! adding opposite edges at once cannot both miss the inversion.

use std::collections::{BTreeMap, BTreeSet};
use std::panic::Location;

use super::super::facade::const_fn;
use super::lock::RawLocked;

/// A lock class's number in the graph (its registration order, from 1).
pub type ClassId = u32;

/// One edge of the graph as it was first seen: thread `thread` held a lock
/// of class `held` (taken at `held_at`) when it took one of class `taken` at
/// `taken_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// The class of the lock already held.
    pub held: ClassId,
    /// Where that lock was taken.
    pub held_at: &'static Location<'static>,
    /// The class of the lock being taken (or the resource waited for).
    pub taken: ClassId,
    /// Where it was taken.
    pub taken_at: &'static Location<'static>,
    /// The name of the thread that did it (`<unnamed>` if none).
    pub thread: String,
}

/// What [`Graph::add`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Added {
    /// The edge was new and closes no cycle; it is now in the graph.
    New,
    /// The edge was already there (or is a class's edge to itself).
    Known,
    /// The edge would close a cycle: the path already in the graph from
    /// `taken` back to `held`, in order. The edge is not added, and the
    /// pair is remembered so the next attempt returns `Known`.
    Cycle(Vec<Step>),
}

/// The graph. All of it sits behind one lock: an edge is looked up, checked
/// and added in one critical section, so two threads adding opposite edges
/// cannot both miss the other's.
pub struct Graph {
    state: RawLocked<State>,
}

struct State {
    /// Edges out of each class, with the step that first made each one.
    out: BTreeMap<ClassId, BTreeMap<ClassId, Step>>,
    /// Pairs already reported (as `(held, taken)`).
    reported: BTreeSet<(ClassId, ClassId)>,
}

impl Graph {
    const_fn! {
        /// An empty graph.
        pub fn new() -> Self {
            Self {
                state: RawLocked::new(State {
                    out: BTreeMap::new(),
                    reported: BTreeSet::new(),
                }),
            }
        }
    }

    /// Records `step`, or reports the cycle it would close.
    pub fn add(&self, step: Step) -> Added {
        if step.held == step.taken {
            // Two locks of one class: the graph cannot order them (see the
            // module docs of `turnstile::lockdep`).
            return Added::Known;
        }
        let mut state = self.state.lock();
        if state.knows(step.held, step.taken) {
            return Added::Known;
        }
        if let Some(path) = state.path(step.taken, step.held) {
            state.reported.insert((step.held, step.taken));
            return Added::Cycle(path);
        }
        state
            .out
            .entry(step.held)
            .or_default()
            .insert(step.taken, step);
        Added::New
    }

    /// The edges in the graph, as `(held, taken)` pairs: for the model tests.
    #[allow(dead_code)]
    pub fn edges(&self) -> Vec<(ClassId, ClassId)> {
        let state = self.state.lock();
        state
            .out
            .iter()
            .flat_map(|(&from, to)| to.keys().map(move |&to| (from, to)))
            .collect()
    }
}

impl Default for Graph {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    fn knows(&self, held: ClassId, taken: ClassId) -> bool {
        self.reported.contains(&(held, taken))
            || self
                .out
                .get(&held)
                .is_some_and(|to| to.contains_key(&taken))
    }

    /// A path of edges from `from` to `to`, if there is one: a depth-first
    /// search that remembers how it reached each class.
    fn path(&self, from: ClassId, to: ClassId) -> Option<Vec<Step>> {
        let mut came_by: BTreeMap<ClassId, &Step> = BTreeMap::new();
        let mut seen = BTreeSet::from([from]);
        let mut stack = vec![from];
        while let Some(class) = stack.pop() {
            if class == to {
                let mut path = Vec::new();
                let mut at = to;
                while at != from {
                    let step = came_by[&at];
                    path.push(step.clone());
                    at = step.held;
                }
                path.reverse();
                return Some(path);
            }
            for (&next, step) in self.out.get(&class).into_iter().flatten() {
                if seen.insert(next) {
                    came_by.insert(next, step);
                    stack.push(next);
                }
            }
        }
        None
    }
}
