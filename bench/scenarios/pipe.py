"""`pipe`: listen -q / --json drains a pre-filled queue into a pipe, against the bare consumer."""

from __future__ import annotations

import time
from collections.abc import Callable

from measure import kill, spawn
from report import Row, Target

from .common import Ctx, attempt, bare_consume_cmd, lines_rate, ours_listen_cmd, twice


def consume_rate(ctx: Ctx, cmd_for: Callable[[str, str, int], list[str]], n: int) -> float:
    """msgs/s = n / wall time of the whole consumer process (start to exit)."""
    b = ctx.broker
    ex = b.exchange("pipe")
    q = b.queue(ex, "pipe", durable=True)
    p = None
    try:
        b.prefill(ex, q, n)
        t0 = time.perf_counter()
        p = spawn(cmd_for(ex, q, n))
        return lines_rate(p, n, t0, "consumer")
    finally:
        if p is not None:
            kill(p)
        b.delete_queue(q)
        b.delete_exchange(ex)


def listen_pipe(ctx: Ctx) -> list[Row]:
    n = ctx.n(100_000, 20_000)
    rq = Row(
        "pipe",
        "listen -q | pipe",
        "msg/s",
        Target("ratio>=", 0.9),
        "bare pika consumer",
    )
    rj = Row(
        "pipe",
        "listen --json | pipe",
        "msg/s",
        Target("ratio>=", 0.7),
        "bare pika consumer",
    )
    for i in range(ctx.repeat):
        label = f"pipe {i + 1}/{ctx.repeat} n={n}"
        attempt(
            [rq, rj],
            "base",
            label,
            lambda: twice(consume_rate(ctx, bare_consume_cmd(ctx), n)),
        )
        attempt(
            [rq],
            "ours",
            label,
            lambda: [consume_rate(ctx, ours_listen_cmd(ctx, "-q"), n)],
        )
        attempt(
            [rj],
            "ours",
            label,
            lambda: [consume_rate(ctx, ours_listen_cmd(ctx, "--json"), n)],
        )
    return [rq, rj]
