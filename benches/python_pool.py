#!/usr/bin/env python3
"""The Python reference for BENCHMARKS.md: CPython's ThreadPoolExecutor with 2
workers, 10,000 trivial tasks submitted and every result collected.
Usage: python3 benches/python_pool.py"""
import time
from concurrent.futures import ThreadPoolExecutor

TASKS = 10_000


def run(pool):
    start = time.perf_counter()
    futures = [pool.submit(int, n) for n in range(TASKS)]
    total = sum(f.result() for f in futures)
    assert total == TASKS * (TASKS - 1) // 2
    return (time.perf_counter() - start) / TASKS * 1e9


with ThreadPoolExecutor(max_workers=2) as pool:
    runs = sorted(run(pool) for _ in range(7))
print(f"ThreadPoolExecutor(2), {TASKS} tasks: median {runs[3]:.0f} ns/task "
      f"(7 runs: {', '.join(f'{r:.0f}' for r in runs)})")
