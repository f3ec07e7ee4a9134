"""`top`: listen --top (JSON snapshots into a pipe) drains a pre-filled queue, against the bare consumer.

--top counts every message (per subject, 10 s rates, a Pulp `.finish` body kept for its result)
and prints a snapshot now and then instead of a line per message, so its cost is the counting.
"""

from __future__ import annotations

import json
import time

from measure import BenchError, Drain, StderrWatch, finish, kill, spawn
from report import Row, Target

from .common import Ctx, attempt, bare_consume_cmd
from .pipe import consume_rate


def top_rate(ctx: Ctx, n: int) -> float:
    """msgs/s = n / wall time of `listen --top -n N` (start to exit); its last snapshot must count n."""
    b = ctx.broker
    ex = b.exchange("top")
    q = b.queue(ex, "top", durable=True)
    p = None
    chunks: list[bytes] = []
    try:
        b.prefill(ex, q, n)
        t0 = time.perf_counter()
        p = spawn([*ctx.listen, "-e", ex, "-s", "#", "-u", ctx.url, "--queue", q, "--top", "-n", str(n)])
        assert p.stdout is not None and p.stderr is not None
        drain = Drain(p.stdout.fileno(), lambda _ns, chunk: chunks.append(chunk))
        watch = StderrWatch(p.stderr)
        rc = finish(p, 30 + n / 1000, "listen --top")
        wall = time.perf_counter() - t0
        drain.join(5)
        watch.join(1)
        if rc != 0:
            raise BenchError(f"exit {rc}: {watch.text()}")
        last = json.loads(b"".join(chunks).splitlines()[-1])
        if last.get("total") != n:
            raise BenchError(f"the last snapshot counted {last.get('total')}, expected {n}")
        return n / wall
    finally:
        if p is not None:
            kill(p)
        b.delete_queue(q)
        b.delete_exchange(ex)


def listen_top(ctx: Ctx) -> list[Row]:
    n = ctx.n(100_000, 20_000)
    row = Row("top", "listen --top | pipe", "msg/s", Target("ratio>=", 0.8), "bare pika consumer")
    for i in range(ctx.repeat):
        label = f"top {i + 1}/{ctx.repeat} n={n}"
        attempt([row], "base", label, lambda: [consume_rate(ctx, bare_consume_cmd(ctx), n)])
        attempt([row], "ours", label, lambda: [top_rate(ctx, n)])
    return [row]
