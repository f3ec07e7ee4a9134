"""Load generator for the benchmark (not a baseline): run as its own process.

Modes::

    feeder.py rate  URL EXCHANGE RATE SECONDS   # paced, timestamped keys
    feeder.py flood URL EXCHANGE COUNT QUEUE MAX_DEPTH

``rate`` publishes RATE msg/s for SECONDS with routing key
``bench.latency.<seq>.<monotonic_ns>`` so that whoever reads the subject can
compute publish-to-read latency.  ``time.monotonic_ns()`` is CLOCK_MONOTONIC,
which on Linux is one system-wide clock, so it is comparable across processes
(and, unlike ``time.time()``, never stepped by NTP).

``flood`` publishes COUNT events as fast as it can but pauses while QUEUE holds
more than MAX_DEPTH messages, so a long stream never piles up in the shared
broker.  It runs in a separate process so that its CPU use and GIL never delay
the harness thread that timestamps lines.
"""

from __future__ import annotations

import sys
import time

import pika
from baselines import ROUTING_KEYS, make_body

# Transient: the streams only exist to load the consumer, never to hit disk.
PROPS = pika.BasicProperties(content_type="application/json", delivery_mode=1)


def rate(url: str, exchange: str, per_sec: float, seconds: float) -> int:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    body = make_body(ROUTING_KEYS[0], 0)
    total = int(per_sec * seconds)
    interval_ns = int(1e9 / per_sec)
    start = time.monotonic_ns()
    for seq in range(total):
        due = start + seq * interval_ns
        now = time.monotonic_ns()
        if due > now:
            time.sleep((due - now) / 1e9)
        ch.basic_publish(exchange, f"bench.latency.{seq}.{time.monotonic_ns()}", body, PROPS)
    conn.close()
    print(total, flush=True)
    return 0


def flood(url: str, exchange: str, count: int, queue: str, max_depth: int) -> int:
    conn = pika.BlockingConnection(pika.URLParameters(url))
    ch = conn.channel()
    bodies = [make_body(k, 0) for k in ROUTING_KEYS]
    check_every = max(1, min(5000, max_depth // 4))
    for i in range(count):
        if i % check_every == 0 and i:
            while ch.queue_declare(queue, passive=True).method.message_count > max_depth:
                conn.sleep(0.02)
        j = i & 3
        ch.basic_publish(exchange, ROUTING_KEYS[j], bodies[j], PROPS)
    conn.close()
    print(count, flush=True)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["rate"] and len(argv) == 5:
        return rate(argv[1], argv[2], float(argv[3]), float(argv[4]))
    if argv[:1] == ["flood"] and len(argv) == 6:
        return flood(argv[1], argv[2], int(argv[3]), argv[4], int(argv[5]))
    raise SystemExit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
