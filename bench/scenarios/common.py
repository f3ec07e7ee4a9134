"""What every scenario shares: the run's context, recording a measurement on its rows, and the
listen commands (ours and the bare pika consumer) several scenarios start."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from measure import BASELINES, BenchError, Broker, Drain, StderrWatch, finish
from report import Row


@dataclass
class Ctx:
    url: str
    broker: Broker
    listen: list[str]
    emit: list[str]
    repeat: int
    quick: bool
    mem_repeat: int

    def n(self, full: int, quick: int) -> int:
        return quick if self.quick else full

    @property
    def short_repeats(self) -> int:
        """Process start-up rows take ~0.1 s each, so take 3x the samples."""
        return 3 * self.repeat


def log(msg: str) -> None:
    print(f"  {msg}", file=sys.stderr, flush=True)


def attempt(rows: Sequence[Row], which: str, label: str, fn: Callable[[], Sequence[float]]) -> None:
    """Run one measurement giving one value per row; record errors instead of raising."""
    if which == "ours" and any(r.ours_error for r in rows):
        return
    try:
        values = fn()
    except Exception as e:  # noqa: BLE001 - any failure becomes a row error
        msg = str(e) if isinstance(e, BenchError) else f"{type(e).__name__}: {e}"
        log(f"{label} [{which}] ERROR {msg}")
        for r in rows:
            if which == "ours":
                r.ours_error = msg
            else:
                r.base_error = msg
        return
    for r, v in zip(rows, values, strict=True):
        (r.ours if which == "ours" else r.base).append(v)
    log(f"{label} [{which}] " + ", ".join(f"{r.name}={v:.4g}{r.unit}" for r, v in zip(rows, values, strict=True)))


def twice(x: float) -> list[float]:
    return [x, x]


def listener(p: subprocess.Popen[bytes]) -> tuple[Drain, StderrWatch]:
    assert p.stdout is not None and p.stderr is not None
    return Drain(p.stdout.fileno()), StderrWatch(p.stderr)


def lines_rate(p: subprocess.Popen[bytes], n: int, started: float, what: str) -> float:
    """Wait for consumer `p` to print `n` lines and exit 0: n / seconds since `started` (perf_counter)."""
    drain, watch = listener(p)
    rc = finish(p, 30 + n / 1000, what)
    wall = time.perf_counter() - started
    drain.join(5)
    watch.join(1)
    if rc != 0:
        raise BenchError(f"exit {rc}: {watch.text()}")
    if drain.lines != n:
        raise BenchError(f"printed {drain.lines} lines, expected {n}")
    return n / wall


def bare_consume_cmd(ctx: Ctx) -> Callable[[str, str, int], list[str]]:
    return lambda ex, q, n: [
        *BASELINES,
        "consume",
        "--url",
        ctx.url,
        "--queue",
        q,
        "--count",
        str(n),
    ]


def ours_listen_cmd(ctx: Ctx, mode: str) -> Callable[[str, str, int], list[str]]:
    return lambda ex, q, n: [
        *ctx.listen,
        "-e",
        ex,
        "-s",
        "#",
        "-u",
        ctx.url,
        "--queue",
        q,
        mode,
        "-n",
        str(n),
    ]
