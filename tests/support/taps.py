"""Black-box help for the exchange-type and existing-queue tests: the console scripts, an admin side.

The commands run as the user runs them (the `pulp-listen`/`pulp-emit` installed next to the
test's Python, falling back to scripts/*.py), and everything they should see is arranged and
checked with a plain pika channel of the test's own. Every name is unique; `Admin.cleanup()`
deletes whatever the test declared.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pika
import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent
BROKER_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def unique(prefix: str = "xt") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def console(name: str) -> list[str]:
    """argv[0] of a command: the installed console script, else the checkout's wrapper."""
    installed = BIN / name
    if installed.exists():
        return [str(installed)]
    return [sys.executable, str(ROOT / "scripts" / f"{name.removeprefix('pulp-')}.py")]


def command_env(**extra: str) -> dict[str, str]:
    """No config file, no colour, our broker."""
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "NO_COLOR", "FORCE_COLOR")}
    env["AMQP_URL"] = BROKER_URL
    env.update(extra)
    return env


@dataclass
class Result:
    code: int
    out: str
    err: str

    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(name: str, *args: str, timeout: float = 30) -> Result:
    """Run a command to its end."""
    proc = subprocess.run(console(name) + list(args), capture_output=True, timeout=timeout, env=command_env(), cwd=ROOT)
    return Result(proc.returncode, proc.stdout.decode(errors="replace"), proc.stderr.decode(errors="replace"))


@dataclass
class Running:
    """A command running in the background, its stdout and stderr collected as they come."""

    proc: subprocess.Popen[bytes]
    out_chunks: list[bytes] = field(default_factory=list)
    err_lines: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)

    @property
    def err(self) -> str:
        return "".join(self.err_lines)

    def ready(self, needle: str = "listening on", timeout: float = 20) -> str:
        """The stderr line holding `needle`, once it came; fails when the command ended first."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.err_lines):
                if needle in line:
                    return line
            if self.proc.poll() is not None:
                self.finish()
                raise AssertionError(f"exited {self.proc.returncode} before it was ready: {self.err}")
            time.sleep(0.02)
        self.proc.kill()
        self.finish()
        raise AssertionError(f"not ready within {timeout} s: {self.err}")

    def finish(self, timeout: float = 20) -> Result:
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise
        for thread in self.threads:
            thread.join(timeout=5)
        return Result(code, b"".join(self.out_chunks).decode(errors="replace"), self.err)


def _pump(stream: IO[bytes], sink: list[bytes]) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        sink.append(chunk)


def _pump_lines(stream: IO[bytes], sink: list[str]) -> None:
    for line in iter(stream.readline, b""):
        sink.append(line.decode(errors="replace"))


def start(name: str, *args: str) -> Running:
    proc = subprocess.Popen(
        console(name) + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=command_env(), cwd=ROOT
    )
    assert proc.stdout is not None and proc.stderr is not None
    running = Running(proc)
    running.threads = [
        threading.Thread(target=_pump, args=(proc.stdout, running.out_chunks), daemon=True),
        threading.Thread(target=_pump_lines, args=(proc.stderr, running.err_lines), daemon=True),
    ]
    for thread in running.threads:
        thread.start()
    return running


class Admin:
    """The test's own connection: declares, publishes, counts and reads back; cleans up after."""

    def __init__(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        self.channel: BlockingChannel = self.connection.channel()
        self.channel.confirm_delivery()
        self.exchanges: list[str] = []
        self.queues: list[str] = []

    def exchange(self, kind: str, durable: bool = False, arguments: Mapping[str, Any] | None = None) -> str:
        name = unique(f"xt-{kind}")
        self.channel.exchange_declare(
            name, exchange_type=kind, durable=durable, arguments=dict(arguments) if arguments else None
        )
        self.exchanges.append(name)
        return name

    def forget_exchange(self, name: str) -> str:
        """Delete `name` after the test (one the command under test created)."""
        self.exchanges.append(name)
        return name

    def queue(self, arguments: Mapping[str, Any] | None = None, durable: bool = True) -> str:
        name = unique("xt-q")
        self.channel.queue_declare(name, durable=durable, arguments=dict(arguments) if arguments else None)
        self.queues.append(name)
        return name

    def forget_queue(self, name: str) -> str:
        self.queues.append(name)
        return name

    def tap(self, exchange: str, routing_key: str = "", arguments: Mapping[str, Any] | None = None) -> str:
        """A private queue bound to `exchange`, to see what a publisher sent there."""
        queue = str(self.channel.queue_declare("", exclusive=True).method.queue)
        self.channel.queue_bind(queue, exchange, routing_key, arguments=dict(arguments) if arguments else None)
        return queue

    def publish(
        self, exchange: str, key: str, body: bytes | str = b"{}", headers: Mapping[str, Any] | None = None
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.channel.basic_publish(
            exchange, key, data, pika.BasicProperties(headers=dict(headers) if headers else None)
        )

    def ready_count(self, queue: str) -> int:
        """Messages ready in `queue` now (as a passive declare reports them)."""
        return int(self.channel.queue_declare(queue, passive=True).method.message_count)

    def wait_count(self, queue: str, n: int, timeout: float = 5) -> int:
        deadline = time.monotonic() + timeout
        count = self.ready_count(queue)
        while count != n and time.monotonic() < deadline:
            time.sleep(0.05)
            count = self.ready_count(queue)
        return count

    def take_all(self, queue: str) -> list[tuple[str, bytes, bool]]:
        """Every ready message of `queue` as (routing key, body, redelivered), removed from it."""
        got: list[tuple[str, bytes, bool]] = []
        while True:
            method, _props, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None or body is None:
                return got
            got.append((str(method.routing_key), body, bool(method.redelivered)))

    def exists(self, kind: str, name: str) -> bool:
        """Whether exchange or queue `name` exists (a passive declare on a channel of its own)."""
        probe = self.connection.channel()
        try:
            if kind == "exchange":
                probe.exchange_declare(name, passive=True)
            else:
                probe.queue_declare(name, passive=True)
        except px.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return False
            raise
        probe.close()
        return True

    def cleanup(self) -> None:
        if not self.connection.is_open:
            self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = self.connection.channel()
        for name in self.queues:
            channel.queue_delete(name)
        for name in self.exchanges:
            channel.exchange_delete(name)
        self.connection.close()
