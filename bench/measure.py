"""Process, pipe, pty, memory and broker helpers for the benchmark harness."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

import pika
from baselines import ROUTING_KEYS, make_body

PYTHON = sys.executable
BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
BASELINES = [PYTHON, str(BENCH_DIR / "baselines.py")]
FEEDER = [PYTHON, str(BENCH_DIR / "feeder.py")]


class BenchError(Exception):
    """A measurement could not be taken (command failed, timed out, ...)."""


# --------------------------------------------------------------------------
# processes

_live: set[subprocess.Popen[bytes]] = set()


def spawn(
    cmd: Sequence[str],
    *,
    stdin: int | None = subprocess.DEVNULL,
    stdout: int | None = subprocess.PIPE,
    stderr: int | None = subprocess.PIPE,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``cmd`` in its own session (so it can be killed as a group)."""
    try:
        p = subprocess.Popen(
            list(cmd),
            cwd=REPO_ROOT,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            env=env,
            start_new_session=True,
        )
    except OSError as e:
        raise BenchError(f"cannot start {cmd[0]}: {e}") from e
    _live.add(p)
    return p


def kill(p: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process group of ``p`` (if still running) and reap it."""
    if p.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(p.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        p.wait(5)
    _live.discard(p)


def kill_all() -> None:
    for p in list(_live):
        kill(p)


def finish(p: subprocess.Popen[bytes], timeout: float, what: str, stderr: str = "") -> int:
    """Wait for ``p`` to exit within ``timeout`` s; kill it and raise otherwise."""
    try:
        rc = p.wait(timeout)
    except subprocess.TimeoutExpired:
        kill(p)
        raise BenchError(f"{what}: timed out after {timeout:.0f}s {stderr}".rstrip()) from None
    _live.discard(p)
    return rc


def run_timed(cmd: Sequence[str], timeout: float, env: dict[str, str] | None = None) -> float:
    """Wall time of a whole process (start to exit); raise unless it exits 0."""
    t0 = time.perf_counter()
    p = spawn(cmd, stdout=subprocess.DEVNULL, env=env)
    try:
        _, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill(p)
        raise BenchError(f"timed out after {timeout:.0f}s: {cmd_str(cmd)}") from None
    wall = time.perf_counter() - t0
    _live.discard(p)
    if p.returncode != 0:
        raise BenchError(f"exit {p.returncode}: {cmd_str(cmd)}: {tail(err)}")
    return wall


def cmd_str(cmd: Sequence[str]) -> str:
    return " ".join(os.path.basename(c) if i == 0 else c for i, c in enumerate(cmd))


def tail(data: bytes | str, n: int = 300, lines: int = 3) -> str:
    """The last few non-blank lines of a child's stderr, on one line."""
    text = data.decode(errors="replace") if isinstance(data, bytes) else data
    kept = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(kept)[-n:] if kept else "(no stderr)"


# --------------------------------------------------------------------------
# reading a child's output

LineSink = Callable[[int, bytes], None]


class Drain(threading.Thread):
    """Read a pipe/pty fd promptly, count newlines, optionally pass chunks on.

    ``on_chunk(monotonic_ns, chunk)`` gets every chunk with the time it was
    read.  Clearing ``reading`` makes the thread stop reading (the writer's
    pipe fills up and blocks), setting it again resumes.
    """

    def __init__(self, fd: int, on_chunk: LineSink | None = None) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.on_chunk = on_chunk
        self.lines = 0
        self.nbytes = 0
        self.reading = threading.Event()
        self.reading.set()
        self.start()

    def run(self) -> None:
        read, fd, sink = os.read, self.fd, self.on_chunk
        while True:
            self.reading.wait()
            try:
                chunk = read(fd, 1 << 16)
            except OSError:  # EIO from a pty whose slave side closed
                return
            if not chunk:
                return
            if sink is not None:
                sink(time.monotonic_ns(), chunk)
            self.lines += chunk.count(b"\n")
            self.nbytes += len(chunk)


class StderrWatch(threading.Thread):
    """Collect stderr lines; ``ready`` is set once a line says "listening on"."""

    def __init__(self, stream: object) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.ready = threading.Event()
        self.ready_at = 0.0
        self.lines: list[str] = []
        self.start()

    def run(self) -> None:
        for raw in iter(self.stream.readline, b""):  # type: ignore[attr-defined]
            line = raw.decode(errors="replace").rstrip()
            if len(self.lines) < 200:
                self.lines.append(line)
            # ours says "pulp-listen: listening on ...", the bare loop "listening on ..."
            if not self.ready.is_set() and "listening on" in line.lower():
                self.ready_at = time.perf_counter()
                self.ready.set()

    def text(self) -> str:
        return tail("\n".join(self.lines))


def wait_ready(p: subprocess.Popen[bytes], watch: StderrWatch, timeout: float = 20.0) -> None:
    """Block until the listener printed its "listening" line (or died)."""
    deadline = time.monotonic() + timeout
    while not watch.ready.wait(0.02):
        if p.poll() is not None:
            watch.join(1)
            raise BenchError(f"exited {p.returncode} before 'listening': {watch.text()}")
        if time.monotonic() > deadline:
            kill(p)
            raise BenchError(f"no 'listening' line on stderr within {timeout:.0f}s: {watch.text()}")


def open_pty(cols: int = 120, rows: int = 40) -> tuple[int, int]:
    """A pseudo-terminal (master, slave) with a window size set."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    return master, slave


def mem_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of ``pid`` in kB, (0, 0) once it is gone."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return rss, hwm


class MemPoll(threading.Thread):
    """Sample a process's RSS every ``interval`` s: (progress, rss_kb) pairs.

    ``progress()`` is evaluated at each sample (e.g. lines read so far) so the
    caller can see whether RSS grows with the number of messages.
    """

    def __init__(self, pid: int, progress: Callable[[], int], interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.progress, self.interval = pid, progress, interval
        self.samples: list[tuple[int, int]] = []
        self.hwm_kb = 0
        self.stop = threading.Event()
        self.start()

    def run(self) -> None:
        while not self.stop.is_set():
            rss, hwm = mem_kb(self.pid)
            if rss:
                self.samples.append((self.progress(), rss))
                self.hwm_kb = max(self.hwm_kb, hwm, rss)
            self.stop.wait(self.interval)

    def rss_at(self, progress: int) -> int:
        """Largest RSS sampled at or before ``progress``."""
        return max((r for n, r in self.samples if n <= progress), default=0)

    def peak_between(self, lo: int, hi: int) -> int:
        return max((r for n, r in self.samples if lo <= n <= hi), default=0)


# --------------------------------------------------------------------------
# broker


class Broker:
    """Admin connection that declares uniquely named objects and removes them."""

    def __init__(self, url: str, durable_exchange: bool = True) -> None:
        self.url = url
        self.durable_exchange = durable_exchange
        self.tag = f"bench.{os.getpid()}.{uuid.uuid4().hex[:6]}"
        self.exchanges: list[str] = []
        self.queues: list[str] = []
        self._conn: pika.BlockingConnection | None = None
        self._ch: pika.adapters.blocking_connection.BlockingChannel | None = None
        self._n = 0

    def channel(self) -> pika.adapters.blocking_connection.BlockingChannel:
        if self._ch is None or not self._ch.is_open:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
            params = pika.URLParameters(self.url)
            params.heartbeat = 0  # idle for minutes while benchmarks run
            self._conn = pika.BlockingConnection(params)
            self._ch = self._conn.channel()
        return self._ch

    def name(self, what: str) -> str:
        self._n += 1
        return f"{self.tag}.{what}.{self._n}"

    def exchange(self, what: str) -> str:
        name = self.name(what)
        self.exchanges.append(name)
        self.channel().exchange_declare(name, "topic", durable=self.durable_exchange)
        return name

    def queue(self, exchange: str, what: str, *, durable: bool, pattern: str = "#") -> str:
        name = self.name(what)
        self.queues.append(name)
        ch = self.channel()
        ch.queue_declare(name, durable=durable)
        ch.queue_bind(name, exchange, pattern)
        return name

    def stream(self, exchange: str, what: str, pattern: str = "#") -> str:
        """A stream queue bound to ``exchange`` (kept 1 h at most: a bench leftover goes by itself)."""
        name = self.name(what)
        self.queues.append(name)
        ch = self.channel()
        ch.queue_declare(name, durable=True, arguments={"x-queue-type": "stream", "x-max-age": "1h"})
        ch.queue_bind(name, exchange, pattern)
        return name

    def depth(self, queue: str) -> int:
        return int(self.channel().queue_declare(queue, passive=True).method.message_count)

    def prefill(self, exchange: str, queue: str, n: int, timeout: float = 120.0) -> None:
        """Publish ``n`` transient events and wait until ``queue`` holds them."""
        ch = self.channel()
        props = pika.BasicProperties(content_type="application/json", delivery_mode=1)
        bodies = [make_body(k, 0) for k in ROUTING_KEYS]
        for i in range(n):
            ch.basic_publish(exchange, ROUTING_KEYS[i & 3], bodies[i & 3], props)
        deadline = time.monotonic() + timeout
        while (have := self.depth(queue)) < n:
            if time.monotonic() > deadline:
                raise BenchError(f"prefill: queue holds {have} of {n} after {timeout:.0f}s")
            time.sleep(0.05)

    def delete_queue(self, queue: str) -> None:
        with contextlib.suppress(Exception):
            self.channel().queue_delete(queue)
        with contextlib.suppress(ValueError):
            self.queues.remove(queue)

    def delete_exchange(self, exchange: str) -> None:
        with contextlib.suppress(Exception):
            self.channel().exchange_delete(exchange)
        with contextlib.suppress(ValueError):
            self.exchanges.remove(exchange)

    def cleanup(self) -> None:
        for q in list(self.queues):
            self.delete_queue(q)
        for x in list(self.exchanges):
            self.delete_exchange(x)
        if self._conn is not None and self._conn.is_open:
            with contextlib.suppress(Exception):
                self._conn.close()


# --------------------------------------------------------------------------
# statistics


def median(xs: Sequence[float]) -> float:
    s = sorted(xs)
    if not s:
        return float("nan")
    m = len(s) // 2
    return s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2


def percentile(xs: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile, ``q`` in [0, 100]."""
    s = sorted(xs)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)
