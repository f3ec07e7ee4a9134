"""The commands as real processes: run to their end or in the background, their output collected.

A command is named the way it is started: "listen" / "emit" run the checkout's scripts/<name>.py
under this interpreter, with unbuffered output; "pulp-listen" / "pulp-emit" run the console
script installed beside this interpreter (the editable install in .venv; else the checkout's
script), in the environment a user has: what a user installs, run as a user runs it.

`run` waits for the end and returns a `Finished`; `start` returns a `Running` whose stdout and
stderr are collected by threads as they come; `start_listener` also waits for listen's ready line;
`measure` runs to the end measuring the child's own peak memory and time. Nothing here talks AMQP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .broker import BROKER_URL
from .memory import wait_watching

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts"
BIN = Path(sys.executable).parent
READY = "listening on exchange"  # the start of listen's ready line on stderr

Stdin = int | IO[bytes] | None


def script(name: str) -> list[str]:
    """scripts/<name>.py of the checkout, under this interpreter."""
    return [sys.executable, str(SCRIPTS / f"{name}.py")]


def console(name: str) -> str:
    """The path of the console script `pulp-<name>` installed next to this interpreter."""
    return str(BIN / f"pulp-{name}")


def argv_of(name: str | list[str]) -> list[str]:
    """argv of a command: "pulp-<name>" the installed console script (else the checkout's), "<name>" the
    checkout's script; a list is an argv already (a script behind a wrapper, say)."""
    if isinstance(name, list):
        return name
    if name.startswith("pulp-"):
        short = name.removeprefix("pulp-")
        return [console(short)] if Path(console(short)).exists() else script(short)
    return script(name)


def command_env(**extra: str) -> dict[str, str]:
    """The environment the scripts run in: no config file, no colour surprises, our broker, unbuffered."""
    return environment(BROKER_URL, unbuffered=True) | extra


def environment(url: str, unbuffered: bool) -> dict[str, str]:
    """This process's environment without a config file or colour choice, the broker at `url`.

    `unbuffered` sets PYTHONUNBUFFERED (any value but empty means unbuffered) for the scripts; the
    installed commands run without it, as a user's do."""
    env = {k: v for k, v in os.environ.items() if k not in ("AMQP_URL", "NO_COLOR", "FORCE_COLOR")}
    env["AMQP_URL"] = url
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "0"
    return env


def _env_for(name: str | list[str], url: str, env: dict[str, str] | None) -> dict[str, str]:
    installed = isinstance(name, str) and name.startswith("pulp-")
    return env if env is not None else environment(url, unbuffered=not installed)


@dataclass
class Finished:
    """A command that ended: its status and everything it wrote (from `measure`, its memory and time too)."""

    returncode: int
    stdout: bytes
    stderr: bytes
    peak_rss_mb: float = 0.0
    seconds: float = 0.0

    @property
    def code(self) -> int:
        return self.returncode

    @property
    def out(self) -> str:
        return self.stdout.decode(errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode(errors="replace")

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()

    def lines(self) -> list[str]:
        return self.out.splitlines()


def run(
    name: str,
    *args: str,
    url: str = BROKER_URL,
    env: dict[str, str] | None = None,
    input: bytes | None = None,
    timeout: float = 60,
    preexec_fn: Callable[[], None] | None = None,
) -> Finished:
    """Run a command to its end (TimeoutExpired after `timeout`), stdout and stderr captured."""
    done = subprocess.run(
        argv_of(name) + list(args),
        capture_output=True,
        input=input,
        timeout=timeout,
        env=_env_for(name, url, env),
        cwd=ROOT,
        preexec_fn=preexec_fn,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


def records(stdout: bytes) -> list[dict[str, Any]]:
    """The JSON records of --json output, one a line."""
    return [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]


def _pump(stream: IO[bytes], sink: list[bytes]) -> None:
    for chunk in iter(lambda: stream.read1(65536), b""):  # type: ignore[attr-defined]
        sink.append(chunk)


def _pump_lines(stream: IO[bytes], sink: list[str]) -> None:
    for line in iter(stream.readline, b""):
        sink.append(line.decode(errors="replace"))


def _collect(proc: subprocess.Popen[bytes], out: list[bytes] | None, err_lines: list[str]) -> list[threading.Thread]:
    """Started threads reading the process's stdout into `out` (unless None) and its stderr into `err_lines`."""
    threads = [threading.Thread(target=_pump_lines, args=(proc.stderr, err_lines), daemon=True)]
    if out is not None:
        threads.append(threading.Thread(target=_pump, args=(proc.stdout, out), daemon=True))
    for thread in threads:
        thread.start()
    return threads


@dataclass
class Running:
    """A command running in the background, its stdout (unless left to the caller) and stderr collected."""

    proc: subprocess.Popen[bytes]
    out: list[bytes] = field(default_factory=list)
    err_lines: list[str] = field(default_factory=list)
    threads: list[threading.Thread] = field(default_factory=list)
    ready_line: str = ""

    @property
    def stdout(self) -> bytes:
        return b"".join(self.out)

    @property
    def stderr(self) -> str:
        return "".join(self.err_lines)

    err = stderr

    def lines(self) -> list[str]:
        return self.stdout.decode().splitlines()

    def wait(self, timeout: float = 30) -> int:
        """Its exit status once it ended (TimeoutExpired after `timeout`) and its output is all in."""
        code = self.proc.wait(timeout=timeout)
        for thread in self.threads:
            thread.join(timeout=5)
        return code

    def finish(self, timeout: float = 20) -> Finished:
        """Wait for the end (killed, and TimeoutExpired, after `timeout`): what it wrote."""
        try:
            code = self.wait(timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise
        return Finished(code, self.stdout, self.stderr.encode())

    def stop(self) -> None:
        """Kill it if it still runs, and wait for it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.wait()

    def wait_stderr(self, text: str, timeout: float = 20) -> str:
        """The first stderr line containing `text`; fails (the process killed) when it ends first or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.err_lines):
                if text in line:
                    return line
            if self.proc.poll() is not None:
                self.wait()
                raise AssertionError(f"exited {self.proc.returncode} before saying {text!r}: {self.stderr}")
            time.sleep(0.02)
        self.stop()
        raise AssertionError(f"did not say {text!r} within {timeout} s: {self.stderr}")

    def ready(self, needle: str = "listening on", timeout: float = 20) -> str:
        """listen's ready line (or the stderr line holding `needle`), once it came."""
        return self.wait_stderr(needle, timeout)


Listener = Running  # a running pulp-listen


def start(
    name: str | list[str],
    *args: str,
    url: str = BROKER_URL,
    env: dict[str, str] | None = None,
    stdin: Stdin = subprocess.DEVNULL,
    collect_stdout: bool = True,
) -> Running:
    """Start a command in the background; with collect_stdout=False its stdout is a pipe left to the caller."""
    proc = subprocess.Popen(
        argv_of(name) + list(args),
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=_env_for(name, url, env),
        cwd=ROOT,
    )
    running = Running(proc)
    running.threads = _collect(proc, running.out if collect_stdout else None, running.err_lines)
    return running


def start_listener(
    *args: str, command: str | list[str] = "listen", env: dict[str, str] | None = None, ready_timeout: float = 20
) -> Running:
    """Start listen with `args`, by default scripts/listen.py ("pulp-listen": the installed one, or an argv),
    in `env` or command_env(); return once it says on stderr that its queue is bound."""
    listener = start(command, *args, env=env if env is not None else command_env())
    listener.ready_line = listener.wait_stderr(READY, ready_timeout)
    return listener


def measure(
    name: str,
    *args: str,
    env: dict[str, str],
    timeout: float = 60,
    stdin: Stdin = subprocess.DEVNULL,
    input: bytes | None = None,
    stdout: int | None = subprocess.PIPE,
    stderr: int | None = subprocess.PIPE,
    interrupt_after: float | None = None,
) -> Finished:
    """Run a command (by name as `run`'s: "pulp-emit" the installed one) to its end, killed after
    `timeout`, with its peak RSS and time.

    The child's own peak, by polling its VmHWM while it runs. Not os.wait4's ru_maxrss: Linux carries
    the forking process's high-water mark into the child at exec, so a child of a pytest worker that
    once held 275 MB "peaks" at 275 MB whatever it does. `interrupt_after`: SIGINT that many seconds in.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        argv_of(name) + list(args),
        env=env,
        stdin=subprocess.PIPE if input is not None else stdin,
        stdout=stdout,
        stderr=stderr,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    threads = [
        threading.Thread(target=_pump, args=(s, into), daemon=True)
        for s, into in ((proc.stdout, out), (proc.stderr, err))
        if s
    ]
    if input is not None:
        threads.append(threading.Thread(target=_feed, args=(proc, input), daemon=True))
    for thread in threads:
        thread.start()
    proc.returncode, peak = wait_watching(proc.pid, timeout, interrupt_after)
    for thread in threads:
        thread.join(timeout=10)
    seconds = time.monotonic() - started
    return Finished(proc.returncode, b"".join(out), b"".join(err), peak, seconds)


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    try:
        proc.stdin.write(data)
        proc.stdin.close()
    except OSError:
        pass
