"""The commands as real processes: scripts/listen.py and scripts/emit.py run to completion or in
the background, in an environment of the test's choosing (no config file, our broker)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .broker import BROKER_URL

ROOT = Path(__file__).resolve().parent.parent.parent
SCRIPTS = ROOT / "scripts"


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
