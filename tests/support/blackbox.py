"""Run the installed console scripts as real processes, and arrange the broker around them.

For the black-box tests of streams, --save-dir, the firehose and --follow: the commands are the
`pulp-listen`/`pulp-emit` console scripts beside the running interpreter (the editable install in
.venv), falling back to scripts/*.py from a checkout (tests/support/commands.py runs the scripts;
these tests run what a user installs). Nothing here imports the package.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pika
from pika.adapters.blocking_connection import BlockingChannel

from .broker import BROKER_URL, unique
from .faults import wait_for

__all__ = ["unique", "wait_for"]  # re-exported: the black-box tests take everything from here

ROOT = Path(__file__).resolve().parents[2]
SHARED_URL = BROKER_URL


def command(name: str) -> list[str]:
    """`pulp-listen` / `pulp-emit` as installed beside this interpreter, else the checkout's script."""
    installed = Path(sys.executable).parent / f"pulp-{name}"
    if installed.exists():
        return [str(installed)]
    return [sys.executable, str(ROOT / "scripts" / f"{name}.py")]


def env_for(url: str = SHARED_URL, **extra: str) -> dict[str, str]:
    """No config file, no colour surprises, the broker at `url`."""
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "NO_COLOR", "FORCE_COLOR")}
    env["AMQP_URL"] = url
    env.update(extra)
    return env


def run(
    name: str,
    *args: str,
    url: str = SHARED_URL,
    input: bytes | None = None,
    timeout: float = 30,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    """Run a command to its end; stdout and stderr captured."""
    return subprocess.run(
        command(name) + list(args),
        capture_output=True,
        input=input,
        timeout=timeout,
        env=env_for(url),
        cwd=ROOT,
        preexec_fn=preexec_fn,
    )


def error_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return result.stderr.decode(errors="replace").splitlines()


def records(stdout: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


@dataclass
class Running:
    """A command running in the background, its stdout (unless piped on) and stderr collected."""

    proc: subprocess.Popen[bytes]
    out: list[bytes] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def stdout(self) -> bytes:
        return b"".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err)

    def wait(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout=timeout)
        for thread in self.threads:
            thread.join(timeout=5)
        return code

    def wait_stderr(self, text: str, timeout: float = 20) -> str:
        """The first stderr line containing `text`; fails when the process ends or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.err):
                if text in line:
                    return line
            if self.proc.poll() is not None:
                self.wait()
                raise AssertionError(f"exited {self.proc.returncode} before saying {text!r}: {self.stderr}")
            time.sleep(0.02)
        raise AssertionError(f"did not say {text!r} within {timeout} s: {self.stderr}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()


def _pump(stream: IO[bytes], sink: list[bytes]) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        sink.append(chunk)


def _pump_lines(stream: IO[bytes], sink: list[str]) -> None:
    for line in iter(stream.readline, b""):
        sink.append(line.decode(errors="replace"))


def start(
    name: str,
    *args: str,
    url: str = SHARED_URL,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    collect_stdout: bool = True,
) -> Running:
    """Start a command in the background; with collect_stdout=False its stdout is a pipe left to the caller."""
    proc = subprocess.Popen(
        command(name) + list(args),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_for(url),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    running = Running(proc)
    threads = [threading.Thread(target=_pump_lines, args=(proc.stderr, running.err), daemon=True)]
    if collect_stdout:
        threads.append(threading.Thread(target=_pump, args=(proc.stdout, running.out), daemon=True))
    for thread in threads:
        thread.start()
    running.threads = threads
    return running


@contextmanager
def channel(url: str = SHARED_URL) -> Iterator[BlockingChannel]:
    """A channel of the test's own, for arranging and inspecting the broker."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        yield connection.channel()
    finally:
        if connection.is_open:
            connection.close()


def delete(url: str = SHARED_URL, queues: Sequence[str] = (), exchanges: Sequence[str] = ()) -> None:
    with channel(url) as ch:
        for name in queues:
            ch.queue_delete(name)
        for name in exchanges:
            ch.exchange_delete(name)


def declare_stream(ch: BlockingChannel, name: str, exchange: str, pattern: str = "#", max_age: str = "1D") -> None:
    ch.exchange_declare(exchange, "topic", durable=False)
    ch.queue_declare(name, durable=True, arguments={"x-queue-type": "stream", "x-max-age": max_age})
    ch.queue_bind(name, exchange, pattern)


def publish(
    ch: BlockingChannel,
    exchange: str,
    messages: Sequence[tuple[str, bytes]],
    properties: pika.BasicProperties | None = None,
) -> None:
    """Publish (subject, body) pairs with confirms, so they are in their queues when this returns."""
    ch.confirm_delivery()
    for subject, body in messages:
        ch.basic_publish(exchange, subject, body, properties or pika.BasicProperties(), mandatory=False)


def take(ch: BlockingChannel, queue: str, n: int, timeout: float = 10) -> list[tuple[Any, Any, bytes]]:
    """The next `n` messages of a (non-stream) queue, acknowledged: (method, properties, body)."""
    got: list[tuple[Any, Any, bytes]] = []
    for method, props, body in ch.consume(queue, auto_ack=True, inactivity_timeout=timeout):
        if method is None:
            break
        got.append((method, props, body or b""))
        if len(got) == n:
            break
    ch.cancel()
    return got


def message_count(ch: BlockingChannel, queue: str) -> int:
    return int(ch.queue_declare(queue, passive=True).method.message_count)
