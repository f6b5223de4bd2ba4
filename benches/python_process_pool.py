#!/usr/bin/env python3
"""The Python reference for benches/process_pool.rs: multiprocessing.Pool
with 2 worker processes, 1,000 trivial tasks queued with apply_async and
every result collected (and ThreadPoolExecutor(2) on the same work, for
scale). Usage: python3 benches/python_process_pool.py"""
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing import Pool

TASKS = 1_000


def identity(n):
    return n


def run_processes(pool):
    start = time.perf_counter()
    results = [pool.apply_async(identity, (n,)) for n in range(TASKS)]
    total = sum(r.get() for r in results)
    assert total == TASKS * (TASKS - 1) // 2
    return (time.perf_counter() - start) / TASKS * 1e9


def run_threads(pool):
    start = time.perf_counter()
    futures = [pool.submit(identity, n) for n in range(TASKS)]
    total = sum(f.result() for f in futures)
    assert total == TASKS * (TASKS - 1) // 2
    return (time.perf_counter() - start) / TASKS * 1e9


def report(name, runs):
    runs = sorted(runs)
    print(f"{name}, {TASKS} tasks: median {runs[len(runs) // 2]:.0f} ns/task "
          f"(runs: {', '.join(f'{r:.0f}' for r in runs)})")


if __name__ == "__main__":
    with Pool(2) as pool:
        report("multiprocessing.Pool(2) apply_async", [run_processes(pool) for _ in range(7)])
    with ThreadPoolExecutor(max_workers=2) as pool:
        report("ThreadPoolExecutor(2) submit", [run_threads(pool) for _ in range(7)])
