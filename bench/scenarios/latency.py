"""`latency`: publish-to-stdout latency of listen -q at a steady 200 msg/s, p50 and p99."""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable

from measure import BASELINES, FEEDER, BenchError, Drain, StderrWatch, finish, kill, percentile, spawn, tail, wait_ready
from report import Row, Target

from .common import Ctx, attempt

LAT_RE = re.compile(rb"latency\.(\d+)\.(\d+)")


class LatencySink:
    """Turns chunks read from the listener into publish-to-read latencies (ms)."""

    def __init__(self) -> None:
        self.buf = b""
        self.ms: dict[int, float] = {}

    def __call__(self, now_ns: int, chunk: bytes) -> None:
        lines = (self.buf + chunk).split(b"\n")
        self.buf = lines.pop()
        for line in lines:
            m = LAT_RE.search(line)
            if m:
                self.ms.setdefault(int(m.group(1)), (now_ns - int(m.group(2))) / 1e6)


def latency_run(ctx: Ctx, cmd_for: Callable[[str, int], list[str]], rate: float, secs: float) -> list[float]:
    b = ctx.broker
    ex = b.exchange("latency")
    total = int(rate * secs)
    p = feeder = None
    try:
        p = spawn(cmd_for(ex, total))
        sink = LatencySink()
        assert p.stdout is not None and p.stderr is not None
        drain, watch = Drain(p.stdout.fileno(), sink), StderrWatch(p.stderr)
        wait_ready(p, watch)
        feeder = spawn(
            [*FEEDER, "rate", ctx.url, ex, str(rate), str(secs)],
            stdout=subprocess.DEVNULL,
        )
        if finish(feeder, secs + 30, "feeder") != 0:
            raise BenchError("feeder failed: " + tail(feeder.stderr.read() if feeder.stderr else b""))
        deadline = time.monotonic() + 5
        while len(sink.ms) < total and time.monotonic() < deadline and drain.is_alive():
            time.sleep(0.01)
        if len(sink.ms) < total:
            raise BenchError(f"saw {len(sink.ms)} of {total} lines: {watch.text()}")
        lat = list(sink.ms.values())
        return [percentile(lat, 50), percentile(lat, 99)]
    finally:
        for proc in (feeder, p):
            if proc is not None:
                kill(proc)
        b.delete_exchange(ex)


def latency(ctx: Ctx) -> list[Row]:
    rate, secs = 200.0, (2.0 if ctx.quick else 10.0)
    p50 = Row(
        "latency",
        "latency p50 @200/s -q",
        "ms",
        Target("info"),
        "bare consumer, flush/line",
    )
    p99 = Row(
        "latency",
        "latency p99 @200/s -q",
        "ms",
        Target("<=", 10, "ms"),
        "bare consumer, flush/line",
    )
    bare = lambda ex, k: [  # noqa: E731
        *BASELINES,
        "consume",
        "--url",
        ctx.url,
        "--exchange",
        ex,
        "--pattern",
        "bench.latency.#",
        "--count",
        str(k),
        "--flush",
        "line",
    ]
    ours = lambda ex, k: [  # noqa: E731
        *ctx.listen,
        "-e",
        ex,
        "-s",
        "bench.latency.#",
        "-u",
        ctx.url,
        "-q",
        "-n",
        str(k),
    ]
    for i in range(ctx.repeat):
        label = f"latency {i + 1}/{ctx.repeat} {secs:g}s"
        attempt([p50, p99], "base", label, lambda: latency_run(ctx, bare, rate, secs))
        attempt([p50, p99], "ours", label, lambda: latency_run(ctx, ours, rate, secs))
    return [p50, p99]
