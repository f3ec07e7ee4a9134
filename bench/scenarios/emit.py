"""`emit`: emit -n N with streamed confirms, against a bare publish loop and against publish-and-wait."""

from __future__ import annotations

import time
from collections.abc import Callable

from measure import BASELINES, BenchError, run_timed
from report import Row, Target

from .common import Ctx, attempt, twice


def publish_rate(ctx: Ctx, cmd_for: Callable[[str], list[str]], n: int) -> float:
    """msgs/s = n / wall time of the whole publisher process; checks all were routed."""
    b = ctx.broker
    ex = b.exchange("emit")
    q = b.queue(ex, "emit", durable=False)  # transient queue: persistent messages stay off disk
    try:
        wall = run_timed(cmd_for(ex), 60 + n / 500)
        deadline = time.monotonic() + 10
        while (have := b.depth(q)) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        if have != n:
            raise BenchError(f"queue received {have} of {n} messages")
        return n / wall
    finally:
        b.delete_queue(q)
        b.delete_exchange(ex)


def emit(ctx: Ctx) -> list[Row]:
    n = ctx.n(100_000, 20_000)
    n_wait = ctx.n(5_000, 1_000)
    fast = Row(
        "emit",
        "emit -n N (confirms)",
        "msg/s",
        Target("ratio>=", 0.7),
        "bare publish, no confirms",
    )
    slow = Row(
        "emit",
        "emit -n N vs wait-each",
        "msg/s",
        Target("ratio>=", 5),
        "bare publish+wait confirm",
    )
    for i in range(ctx.repeat):
        label = f"emit {i + 1}/{ctx.repeat} n={n}"

        def bare(mode: str, k: int) -> Callable[[str], list[str]]:
            return lambda ex: [
                *BASELINES,
                mode,
                "--url",
                ctx.url,
                "--exchange",
                ex,
                "--count",
                str(k),
            ]

        attempt([fast], "base", label, lambda: [publish_rate(ctx, bare("publish", n), n)])
        attempt(
            [slow],
            "base",
            label + f" (wait n={n_wait})",
            lambda: [publish_rate(ctx, bare("publish-wait", n_wait), n_wait)],
        )
        attempt(
            [fast, slow],
            "ours",
            label,
            lambda: twice(
                publish_rate(
                    ctx,
                    lambda ex: [*ctx.emit, "-e", ex, "-u", ctx.url, "-n", str(n)],
                    n,
                )
            ),
        )
    return [fast, slow]
