//! loom models of the lock-order checker's own bookkeeping (feature
//! `lockdep`; the graph is compiled into the model copy whether or not the
//! feature is on), and of a graph that checks and adds in two steps.
//! `cargo test --test model_lockdep -- --show-output` prints loom's report.

mod common;

use std::panic::Location;

use common::{DEFAULT_PREEMPTIONS, assert_timeline, catch_failure, model};
use loom::sync::Arc;
use turnstile::model::broken::CheckThenAddGraph;
use turnstile::model::lockdep::graph::{Added, ClassId, Graph, Step};
use turnstile::model::thread;

/// What the property needs from a graph.
trait Edges: Send + Sync + 'static {
    fn empty() -> Self;
    fn add(&self, step: Step) -> Added;
}

impl Edges for Graph {
    fn empty() -> Self {
        Graph::new()
    }
    fn add(&self, step: Step) -> Added {
        Graph::add(self, step)
    }
}

impl Edges for CheckThenAddGraph {
    fn empty() -> Self {
        CheckThenAddGraph::new()
    }
    fn add(&self, step: Step) -> Added {
        CheckThenAddGraph::add(self, step)
    }
}

/// "Held `held` while taking `taken`", as thread `thread` would record it.
fn step(held: ClassId, taken: ClassId, thread: &str) -> Step {
    Step {
        held,
        held_at: Location::caller(),
        taken,
        taken_at: Location::caller(),
        thread: thread.to_owned(),
    }
}

/// Property: two threads record opposite orders of classes 1 and 2 at the
/// same time (the notes' func1 and func2). However their steps interleave,
/// at least one of them finds the cycle.
fn opposite_orders_are_found<G: Edges>() {
    let graph = Arc::new(G::empty());
    let func1 = {
        let graph = Arc::clone(&graph);
        thread::spawn(move || graph.add(step(1, 2, "func1")))
    };
    let func2 = {
        let graph = Arc::clone(&graph);
        thread::spawn(move || graph.add(step(2, 1, "func2")))
    };
    let found = [func1.join().unwrap(), func2.join().unwrap()];
    let cycles = found
        .iter()
        .filter(|added| matches!(added, Added::Cycle(_)))
        .count();
    assert!(cycles >= 1, "neither thread found the cycle: {found:?}");
}

#[test]
fn graph_finds_opposite_orders_added_at_once() {
    model(opposite_orders_are_found::<Graph>);
}

#[test]
fn broken_check_then_add_graph_is_caught() {
    let failure = catch_failure(
        DEFAULT_PREEMPTIONS,
        "an unreported inversion (check and add in two steps)",
        opposite_orders_are_found::<CheckThenAddGraph>,
    );
    assert_timeline(
        &failure,
        &["main", "thread 1", "thread 2"],
        (
            "check_then_add_graph.rs",
            include_str!("../src/model/broken/check_then_add_graph.rs"),
            "CheckThenAddGraph",
        ),
        "neither thread found the cycle",
    );
}

/// Property: the cycle found is the edge already recorded, and a second
/// report for the same pair is not made (the first is enough).
#[test]
fn graph_reports_the_earlier_order_once() {
    model(|| {
        let graph = Graph::new();
        assert_eq!(graph.add(step(1, 2, "func1")), Added::New);
        assert_eq!(graph.add(step(1, 2, "func1")), Added::Known);
        match graph.add(step(2, 1, "func2")) {
            Added::Cycle(path) => {
                assert_eq!(path.len(), 1);
                assert_eq!((path[0].held, path[0].taken), (1, 2));
                assert_eq!(path[0].thread, "func1");
            }
            other => panic!("expected the cycle, got {other:?}"),
        }
        assert_eq!(graph.add(step(2, 1, "func2")), Added::Known);
        assert_eq!(graph.edges(), [(1, 2)]);
    });
}

/// Property: a longer cycle (1 → 2 → 3, then 3 → 1) is found, with its
/// whole path; a class's edge to itself is never one.
#[test]
fn graph_finds_a_longer_cycle_and_ignores_one_class() {
    model(|| {
        let graph = Graph::new();
        assert_eq!(graph.add(step(1, 1, "t")), Added::Known);
        assert_eq!(graph.add(step(1, 2, "a")), Added::New);
        assert_eq!(graph.add(step(2, 3, "b")), Added::New);
        match graph.add(step(3, 1, "c")) {
            Added::Cycle(path) => {
                let pairs: Vec<_> = path.iter().map(|s| (s.held, s.taken)).collect();
                assert_eq!(pairs, [(1, 2), (2, 3)]);
            }
            other => panic!("expected the cycle, got {other:?}"),
        }
        assert_eq!(
            graph.add(step(1, 3, "d")),
            Added::New,
            "1 → 3 closes nothing"
        );
    });
}
