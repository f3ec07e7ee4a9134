"""`oneshot`: one confirmed event as a whole process, against a bare pika one-shot script."""

from __future__ import annotations

from measure import BASELINES, PYTHON, run_timed
from report import Row, Target

from .common import Ctx, attempt


def oneshot(ctx: Ctx) -> list[Row]:
    row = Row(
        "oneshot",
        "emit one event (process)",
        "s",
        Target("ratio<=", 1.2),
        "bare pika one-shot",
    )
    imp = Row("oneshot", 'python -c "import pika"', "s", Target("info"), "python -c pass")
    b = ctx.broker
    ex = b.exchange("oneshot")
    q = b.queue(ex, "oneshot", durable=False)
    try:
        for i in range(k := ctx.short_repeats):
            label = f"oneshot {i + 1}/{k}"
            attempt(
                [row],
                "base",
                label,
                lambda: [run_timed([*BASELINES, "oneshot", "--url", ctx.url, "--exchange", ex], 30)],
            )
            attempt(
                [row],
                "ours",
                label,
                lambda: [
                    run_timed(
                        [
                            *ctx.emit,
                            "-e",
                            ex,
                            "-u",
                            ctx.url,
                            "-t",
                            "repo.sync.start",
                            "-n",
                            "1",
                        ],
                        30,
                    )
                ],
            )
            attempt(
                [imp],
                "ours",
                label,
                lambda: [run_timed([PYTHON, "-c", "import pika"], 30)],
            )
            attempt([imp], "base", label, lambda: [run_timed([PYTHON, "-c", "pass"], 30)])
    finally:
        b.delete_queue(q)
        b.delete_exchange(ex)
    return [row, imp]
