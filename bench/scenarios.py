"""The benchmark scenarios.  Each fills in ``Row`` objects, ours vs baseline.

Every scenario interleaves baseline and ours within each repeat so that slow
drift on the shared machine hits both alike.  A failing "ours" measurement is
recorded on its row and not retried; the rest carries on.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from measure import (
    BASELINES,
    FEEDER,
    PYTHON,
    BenchError,
    Broker,
    Drain,
    MemPoll,
    StderrWatch,
    finish,
    kill,
    open_pty,
    percentile,
    run_timed,
    spawn,
    tail,
    wait_ready,
)
from report import Row, Target


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


# --------------------------------------------------------------------------
# 1. listen into a pipe from a pre-filled queue


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
        drain, watch = listener(p)
        rc = finish(p, 30 + n / 1000, "consumer")
        wall = time.perf_counter() - t0
        drain.join(5)
        watch.join(1)
        if rc != 0:
            raise BenchError(f"exit {rc}: {watch.text()}")
        if drain.lines != n:
            raise BenchError(f"printed {drain.lines} lines, expected {n}")
        return n / wall
    finally:
        if p is not None:
            kill(p)
        b.delete_queue(q)
        b.delete_exchange(ex)


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


# --------------------------------------------------------------------------
# 2. listen on a terminal (pretty mode)


def tty_rate(ctx: Ctx, cmd_for: Callable[[str, str, int], list[str]], n: int) -> float:
    b = ctx.broker
    ex = b.exchange("tty")
    q = b.queue(ex, "tty", durable=True)
    master, slave = open_pty()
    p = None
    try:
        b.prefill(ex, q, n)
        env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
        for var in ("NO_COLOR", "TERM_PROGRAM"):
            env.pop(var, None)
        t0 = time.perf_counter()
        p = spawn(cmd_for(ex, q, n), stdin=slave, stdout=slave, env=env)
        os.close(slave)
        slave = -1
        Drain(master)  # reads and discards until the pty closes
        assert p.stderr is not None
        watch = StderrWatch(p.stderr)
        rc = finish(p, 30 + n / 200, "tty listener")
        wall = time.perf_counter() - t0
        watch.join(1)
        if rc != 0:
            raise BenchError(f"exit {rc}: {watch.text()}")
        if b.depth(q) != 0:
            raise BenchError(f"{b.depth(q)} messages left in the queue")
        return n / wall
    finally:
        if p is not None:
            kill(p)
        for fd in (slave, master):
            if fd >= 0:
                os.close(fd)
        b.delete_queue(q)
        b.delete_exchange(ex)


def listen_tty(ctx: Ctx) -> list[Row]:
    n = ctx.n(10_000, 3_000)
    row = Row(
        "tty",
        "listen (pretty) | pty",
        "msg/s",
        Target(">=", 2000, "msg/s"),
        "bare consumer, same pty",
    )
    for i in range(ctx.repeat):
        label = f"tty {i + 1}/{ctx.repeat} n={n}"
        attempt([row], "base", label, lambda: [tty_rate(ctx, bare_consume_cmd(ctx), n)])
        attempt(
            [row],
            "ours",
            label,
            lambda: [
                tty_rate(
                    ctx,
                    lambda ex, q, k: [
                        *ctx.listen,
                        "-e",
                        ex,
                        "-s",
                        "#",
                        "-u",
                        ctx.url,
                        "--queue",
                        q,
                        "-n",
                        str(k),
                    ],
                    n,
                )
            ],
        )
    return [row]


# --------------------------------------------------------------------------
# 3. emit throughput with confirms


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


# --------------------------------------------------------------------------
# 4. one-shot emit, whole process


def oneshot(ctx: Ctx) -> list[Row]:
    row = Row(
        "oneshot",
        "emit one event (process)",
        "s",
        Target("ratio<=", 1.3),
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


# --------------------------------------------------------------------------
# 5. latency at a steady rate

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


# --------------------------------------------------------------------------
# 6. memory


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


# --------------------------------------------------------------------------
# 7. shell completion


def completion_run(prefix: list[str]) -> float:
    """Wall time of one argcomplete completion of ``<prefix> --``.

    argcomplete writes completions to fd 8 unless _ARGCOMPLETE_STDOUT_FILENAME
    names a file; we use the file and check it is non-empty.  _ARGCOMPLETE is
    the index of the first word that belongs to the parser's program, i.e.
    1 for a console script, 2 for ``python script.py``, 3 for ``python -m mod``.
    """
    line = shlex.join(prefix) + " --"
    with tempfile.NamedTemporaryFile(prefix="bench-complete.", delete=False) as f:
        out = f.name
    env = dict(
        os.environ,
        _ARGCOMPLETE=str(len(prefix)),
        _ARGCOMPLETE_SHELL="bash",
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
        COMP_TYPE="9",
        _ARGCOMPLETE_STDOUT_FILENAME=out,
    )
    try:
        wall = run_timed(prefix, 15, env=env)
        with open(out) as f:
            words = f.read().replace("\v", " ").split()
        if not any(w.startswith("--") for w in words):
            raise BenchError(f"no option completions produced (got {words[:5]!r}); is argcomplete wired up?")
        return wall
    finally:
        os.unlink(out)


def completion(ctx: Ctx) -> list[Row]:
    row = Row(
        "completion",
        "listen Tab completion (process)",
        "s",
        Target("info"),
        "python -c pass",
    )
    for i in range(k := ctx.short_repeats):
        label = f"completion {i + 1}/{k}"
        attempt([row], "base", label, lambda: [run_timed([PYTHON, "-c", "pass"], 15)])
        attempt([row], "ours", label, lambda: [completion_run(ctx.listen)])
    return [row]


# --------------------------------------------------------------------------
# 8. listen --top: JSON snapshots into a pipe, the cost being the counting


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


SCENARIOS: dict[str, Callable[[Ctx], list[Row]]] = {
    "pipe": listen_pipe,
    "tty": listen_tty,
    "emit": emit,
    "oneshot": oneshot,
    "latency": latency,
    "memory": memory,
    "completion": completion,
    "top": listen_top,
}
