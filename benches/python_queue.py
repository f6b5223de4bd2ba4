#!/usr/bin/env python3
"""The Python reference for BENCHMARKS.md: CPython's queue.Queue, one producer
and one consumer thread, 100,000 integers. Usage: python3 benches/python_queue.py"""
import queue, threading, time
N = 100_000
def run(maxsize):
    q = queue.Queue(maxsize)
    def produce():
        for i in range(N):
            q.put(i)
    def consume():
        for _ in range(N):
            q.get()
    t0 = time.perf_counter()
    a = threading.Thread(target=produce); b = threading.Thread(target=consume)
    a.start(); b.start(); a.join(); b.join()
    return (time.perf_counter() - t0) / N * 1e9
for maxsize in (1024, 0):
    runs = sorted(run(maxsize) for _ in range(5))
    print(f"queue.Queue(maxsize={maxsize}) 1P1C: median {runs[2]:.0f} ns/item (5 runs: {', '.join(f'{r:.0f}' for r in runs)})")
