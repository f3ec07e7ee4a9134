"""Shared fixtures: the real broker, unique names, and the commands run as real processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pika
import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
BROKER_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def command_env(**extra: str) -> dict[str, str]:
    """The environment the commands run in: no config file, no colour surprises, our broker."""
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "NO_COLOR", "FORCE_COLOR")}
    env["AMQP_URL"] = BROKER_URL
    env["PYTHONUNBUFFERED"] = "0"
    env.update(extra)
    return env


def script(name: str) -> list[str]:
    return [sys.executable, str(SCRIPTS / f"{name}.py")]


def run(
    name: str, *args: str, timeout: float = 60, env: dict[str, str] | None = None, input: bytes | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run scripts/<name>.py to completion and return its output and status."""
    return subprocess.run(
        script(name) + list(args), capture_output=True, timeout=timeout, env=env or command_env(), input=input, cwd=ROOT
    )


@dataclass
class Listener:
    """A pulp-listen process running in the background, its stdout collected."""

    proc: subprocess.Popen[bytes]
    ready_line: str
    stdout_chunks: list[bytes] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    _threads: list[threading.Thread] = field(default_factory=list)

    def wait(self, timeout: float = 30) -> int:
        code = self.proc.wait(timeout=timeout)
        for thread in self._threads:
            thread.join(timeout=5)
        return code

    @property
    def stdout(self) -> bytes:
        return b"".join(self.stdout_chunks)

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)

    def lines(self) -> list[str]:
        return self.stdout.decode().splitlines()


def _pump(stream: IO[bytes], sink: list[bytes]) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        sink.append(chunk)


def _pump_lines(stream: IO[bytes], sink: list[str]) -> None:
    for line in iter(stream.readline, b""):
        sink.append(line.decode(errors="replace"))


def start_listener(
    *args: str, env: dict[str, str] | None = None, ready_timeout: float = 20, command: list[str] | None = None
) -> Listener:
    """Start listen with `args` and return once it says on stderr that its queue is bound."""
    proc = subprocess.Popen(
        (command or script("listen")) + list(args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env or command_env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None and proc.stderr is not None
    listener = Listener(proc, "")
    out = threading.Thread(target=_pump, args=(proc.stdout, listener.stdout_chunks), daemon=True)
    err = threading.Thread(target=_pump_lines, args=(proc.stderr, listener.stderr_lines), daemon=True)
    out.start()
    err.start()
    listener._threads = [out, err]
    deadline = time.monotonic() + ready_timeout
    while time.monotonic() < deadline:
        for line in list(listener.stderr_lines):
            if "listening on exchange" in line:
                listener.ready_line = line
                return listener
        if proc.poll() is not None:
            listener.wait()
            raise AssertionError(f"listen exited {proc.returncode} before it was ready: {listener.stderr}")
        time.sleep(0.02)
    proc.kill()
    listener.wait()
    raise AssertionError(f"listen was not ready within {ready_timeout} s: {listener.stderr}")


@pytest.fixture
def admin() -> Iterator[pika.adapters.blocking_connection.BlockingChannel]:
    """A channel of the test's own, for arranging and inspecting the broker."""
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        yield connection.channel()
    finally:
        if connection.is_open:
            connection.close()


def delete_exchange(name: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().exchange_delete(name)
    finally:
        connection.close()


def delete_queue(name: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().queue_delete(name)
    finally:
        connection.close()


@pytest.fixture
def exchange() -> Iterator[str]:
    """A unique exchange name, deleted after the test whether or not anyone declared it."""
    name = unique("pat-x")
    yield name
    delete_exchange(name)


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A unique queue name, deleted after the test."""
    name = unique("pat-q")
    yield name
    delete_queue(name)


def drain(
    channel: pika.adapters.blocking_connection.BlockingChannel, queue: str, n: int
) -> list[tuple[str, pika.BasicProperties, bytes]]:
    """The next `n` messages of `queue` as (routing key, properties, body); fails after 10 s of quiet."""
    got = []
    for method, props, body in channel.consume(queue, auto_ack=True, inactivity_timeout=10):
        assert method is not None, f"only {len(got)} of {n} messages arrived"
        got.append((method.routing_key, props, body))
        if len(got) == n:
            break
    channel.cancel()
    return got
