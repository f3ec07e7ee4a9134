"""The ``stream`` scenario: reading a stream queue from its first message, ours vs a bare pika stream consumer.

One stream is filled once (reading a stream removes nothing), then each repeat runs the bare
consumer (``baselines.py consume --offset first``: qos 1000, ack every 250, the
``x-stream-offset`` argument) and ``pulp-listen --queue S --offset first -q -n N`` back to
back; msg/s = N / wall time of the whole process, as in the ``pipe`` rows.
"""

from __future__ import annotations

import time

from measure import BASELINES, kill, spawn
from report import Row, Target

from .common import Ctx, attempt, lines_rate, log


def _read_rate(cmd: list[str], n: int) -> float:
    t0 = time.perf_counter()
    p = spawn(cmd)
    try:
        return lines_rate(p, n, t0, "stream reader")
    finally:
        kill(p)


def stream_read(ctx: Ctx) -> list[Row]:
    n = ctx.n(100_000, 20_000)
    row = Row(
        "stream", "listen --offset first -q (stream)", "msg/s", Target("ratio>=", 0.9), "bare pika stream consumer"
    )
    b = ctx.broker
    ex = b.exchange("stream")
    stream = b.stream(ex, "stream")
    try:
        t0 = time.perf_counter()
        b.prefill(ex, stream, n)
        log(f"stream: {n} messages in {time.perf_counter() - t0:.1f} s")
        bare = [*BASELINES, "consume", "--url", ctx.url, "--queue", stream, "--count", str(n), "--offset", "first"]
        ours = [*ctx.listen, "-u", ctx.url, "--queue", stream, "--offset", "first", "-q", "-n", str(n)]
        for i in range(ctx.repeat):
            label = f"stream {i + 1}/{ctx.repeat} n={n}"
            attempt([row], "base", label, lambda: [_read_rate(bare, n)])
            attempt([row], "ours", label, lambda: [_read_rate(ours, n)])
    finally:
        b.delete_queue(stream)
        b.delete_exchange(ex)
    return [row]
