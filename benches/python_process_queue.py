"""Python's multiprocessing.Queue for scale beside benches/process_queue.rs.

One producer (this process) puts N items; one consumer process gets them
and answers a marker, as the Rust bench's consumers do. Prints the time per
item and items per second for an int and for 1 KiB of bytes.

    python3 benches/python_process_queue.py            # both CPUs
    taskset -c 0 python3 benches/python_process_queue.py
"""

import multiprocessing as mp
import time

MARK, STOP = "mark", "stop"


def consume(items, replies):
    count = 0
    while True:
        item = items.get()
        if item == MARK:
            replies.put(count)
        elif item == STOP:
            return
        else:
            count += 1


def measure(items, replies, make, n):
    began = time.perf_counter()
    for i in range(n):
        items.put(make(i))
    items.put(MARK)
    replies.get()
    return (time.perf_counter() - began) / n


def main():
    items, replies = mp.Queue(), mp.Queue()
    consumer = mp.Process(target=consume, args=(items, replies), daemon=True)
    consumer.start()
    payloads = {
        "int": lambda i: i,
        "1 KiB bytes": lambda i: bytes([i % 256]) * 1024,
    }
    for name, make in payloads.items():
        measure(items, replies, make, 10_000)  # warm up
        best = min(measure(items, replies, make, 100_000) for _ in range(3))
        print(f"multiprocessing.Queue {name}: {best * 1e9:.0f} ns/item, {1 / best / 1e3:.0f} Kitems/s")
    items.put(STOP)
    consumer.join()


if __name__ == "__main__":
    main()
