"""`memory`: listen -q's peak RSS over a long stream, its growth, and while stdout is paused."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable

from measure import BASELINES, FEEDER, BenchError, MemPoll, finish, kill, spawn, wait_ready
from report import Row, Target

from .common import Ctx, attempt, bare_consume_cmd, listener, ours_listen_cmd


def mem_stream(ctx: Ctx, cmd_for: Callable[[str, str, int], list[str]], n: int) -> list[float]:
    """Peak RSS (MB) over an n-message stream, and RSS growth from 10% to 100%."""
    b = ctx.broker
    ex = b.exchange("mem")
    q = b.queue(ex, "mem", durable=True)
    p = feeder = None
    try:
        p = spawn(cmd_for(ex, q, n))
        drain, watch = listener(p)
        poll = MemPoll(p.pid, lambda: drain.lines)
        wait_ready(p, watch)
        feeder = spawn(
            [*FEEDER, "flood", ctx.url, ex, str(n), q, "20000"],
            stdout=subprocess.DEVNULL,
        )
        rc = finish(p, 60 + n / 2000, "listener")
        poll.stop.set()
        poll.join(1)
        finish(feeder, 10, "feeder")
        if rc != 0:
            raise BenchError(f"exit {rc}: {watch.text()}")
        drain.join(5)
        if drain.lines != n:
            raise BenchError(f"printed {drain.lines} lines, expected {n}")
        early = poll.peak_between(0, n // 10)
        late = poll.peak_between(n * 9 // 10, n)
        return [poll.hwm_kb / 1024, (late - early) / 1024]
    finally:
        for proc in (feeder, p):
            if proc is not None:
                kill(proc)
        b.delete_queue(q)
        b.delete_exchange(ex)


def mem_paused(ctx: Ctx, cmd_for: Callable[[str], list[str]], secs: float, rate: float) -> list[float]:
    """Peak RSS (MB) while stdout is not read for ``secs`` and the publisher keeps going."""
    b = ctx.broker
    ex = b.exchange("paused")
    total = int(rate * secs)
    p = feeder = None
    try:
        p = spawn(cmd_for(ex))
        drain, watch = listener(p)
        poll = MemPoll(p.pid, lambda: drain.lines)
        wait_ready(p, watch)
        time.sleep(0.3)
        drain.reading.clear()
        feeder = spawn(
            [*FEEDER, "rate", ctx.url, ex, str(rate), str(secs)],
            stdout=subprocess.DEVNULL,
        )
        if finish(feeder, secs + 30, "feeder") != 0:
            raise BenchError("feeder failed")
        if p.poll() is not None:
            raise BenchError(f"listener exited {p.returncode} while paused: {watch.text()}")
        peak = poll.hwm_kb
        drain.reading.set()
        deadline = time.monotonic() + 30 + total / 2000
        while drain.lines < total and time.monotonic() < deadline and p.poll() is None:
            time.sleep(0.05)
        if drain.lines < total:
            raise BenchError(f"after resuming printed {drain.lines} of {total} lines: {watch.text()}")
        return [peak / 1024]
    finally:
        for proc in (feeder, p):
            if proc is not None:
                kill(proc)
        b.delete_exchange(ex)


def memory(ctx: Ctx) -> list[Row]:
    n = ctx.n(1_000_000, 200_000)
    secs, rate = (5.0 if ctx.quick else 30.0), 3000.0
    peak = Row(
        "memory",
        f"listen -q peak RSS {n // 1000}k",
        "MB",
        Target("<=", 80, "MB"),
        "bare consumer",
    )
    grow = Row(
        "memory",
        "listen -q RSS growth 10%->100%",
        "MB",
        Target("<=", 10, "MB"),
        "bare consumer",
    )
    paused = Row(
        "memory",
        f"listen -q peak RSS, stdout paused {secs:g}s",
        "MB",
        Target("<=", 80, "MB"),
        "bare consumer",
    )
    bare_stream = bare_consume_cmd(ctx)
    ours_stream = ours_listen_cmd(ctx, "-q")
    bare_paused = lambda ex: [  # noqa: E731
        *BASELINES,
        "consume",
        "--url",
        ctx.url,
        "--exchange",
        ex,
        "--flush",
        "line",
    ]
    ours_paused = lambda ex: [*ctx.listen, "-e", ex, "-s", "#", "-u", ctx.url, "-q"]  # noqa: E731
    for i in range(ctx.mem_repeat):
        label = f"memory {i + 1}/{ctx.mem_repeat}"
        attempt(
            [peak, grow],
            "base",
            label + f" stream n={n}",
            lambda: mem_stream(ctx, bare_stream, n),
        )
        attempt(
            [peak, grow],
            "ours",
            label + f" stream n={n}",
            lambda: mem_stream(ctx, ours_stream, n),
        )
        attempt(
            [paused],
            "base",
            label + f" paused {secs:g}s",
            lambda: mem_paused(ctx, bare_paused, secs, rate),
        )
        attempt(
            [paused],
            "ours",
            label + f" paused {secs:g}s",
            lambda: mem_paused(ctx, ours_paused, secs, rate),
        )
    return [peak, grow, paused]
