#!/usr/bin/env python3
"""Prints the medians of the last `cargo bench` runs as Markdown tables, with
each turnstile row's ratio to its anchor (parking_lot), for BENCHMARKS.md.
Rows whose bench has not been run are skipped.

Usage: python3 benches/ratios.py [target/criterion]
"""
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/criterion")

# (group, turnstile benchmark, anchor benchmark) as criterion names folders.
ROWS = [
    ("uncontended", "turnstile__Mutex", "parking_lot__Mutex"),
    ("nested_2_locks", "turnstile__Mutex", "parking_lot__Mutex"),
    ("contended_2_threads", "turnstile__Mutex", "parking_lot__Mutex"),
    ("rlock", "turnstile__RLock first", "parking_lot__ReentrantMutex first"),
    ("rlock", "turnstile__RLock reentry", "parking_lot__ReentrantMutex reentry"),
    ("semaphore_uncontended", "turnstile__Semaphore", "parking_lot Mutex+Condvar"),
    ("semaphore_4_threads_2_permits", "turnstile__Semaphore", "parking_lot Mutex+Condvar"),
    ("semaphore_4_threads_2_permits", "turnstile__Semaphore forget+release", "parking_lot Mutex+Condvar"),
    ("notify_no_waiter", "turnstile__Condvar", "parking_lot__Condvar"),
    ("1p1c", "turnstile FifoQueue bounded(1024)", "crossbeam bounded(1024)"),
    ("2p2c", "turnstile FifoQueue bounded(1024)", "crossbeam bounded(1024)"),
    ("1p1c", "turnstile FifoQueue unbounded", "crossbeam unbounded"),
    ("2p2c", "turnstile FifoQueue unbounded", "crossbeam unbounded"),
    ("pool_10000_tasks", "turnstile submit+result", "threadpool+mpsc"),
    ("async_semaphore_uncontended", "turnstile acquire_async", "tokio Semaphore acquire"),
    ("async_semaphore_2_tasks_1_permit", "turnstile acquire_async", "tokio Semaphore acquire"),
    ("async_queue_1p1c", "turnstile FifoQueue bounded(1024)", "tokio mpsc channel(1024)"),
    ("thread_to_task_1p1c", "turnstile FifoQueue bounded(1024)", "tokio mpsc channel(1024)"),
]
OTHERS = [
    ("uncontended", "std__sync__Mutex"),
    ("contended_2_threads", "std__sync__Mutex"),
    ("semaphore_uncontended", "std Mutex+Condvar"),
    ("semaphore_4_threads_2_permits", "std Mutex+Condvar"),
    ("notify_no_waiter", "std__sync__Condvar"),
    ("event", "turnstile__Event wait (set)"),
    ("event", "turnstile__Event round trip"),
    ("1p1c", "std sync_channel(1024)"),
    ("1p1c", "std Mutex_VecDeque_+2 Condvars"),
    ("2p2c", "std Mutex_VecDeque_+2 Condvars"),
    ("orders_1p1c", "turnstile LifoQueue bounded(1024)"),
    ("orders_1p1c", "turnstile PriorityQueue bounded(1024)"),
    ("pool_10000_tasks", "rayon spawn+channel"),
    ("pool_10000_tasks", "crossbeam hand-written pool"),
    ("pool_10000_tasks", "turnstile submit+callback"),
]


# Queue benches time 100,000 items per iteration, the pool bench 10,000
# tasks; report per item or task.
PER_ITERATION = {"1p1c": 100_000, "2p2c": 100_000, "orders_1p1c": 100_000, "pool_10000_tasks": 10_000}


def median_ns(group, bench):
    """Median time per operation (per item for the queue groups), in ns."""
    path = root / group / bench / "new" / "estimates.json"
    median = json.loads(path.read_text())["median"]["point_estimate"]
    return median / PER_ITERATION.get(group, 1)


def name(bench):
    return bench.replace("__", "::")


print("| group | turnstile | median | anchor | median | ratio |")
print("|---|---|---:|---|---:|---:|")
for group, ours, anchor in ROWS:
    if not (root / group / ours).exists():
        continue  # that bench was not run
    a, b = median_ns(group, ours), median_ns(group, anchor)
    print(f"| {group} | {name(ours)} | {a:.2f} ns | {name(anchor)} | {b:.2f} ns | {a / b:.2f}x |")
print()
print("| group | other | median |")
print("|---|---|---:|")
for group, other in OTHERS:
    if not (root / group / other).exists():
        continue
    print(f"| {group} | {name(other)} | {median_ns(group, other):.2f} ns |")
