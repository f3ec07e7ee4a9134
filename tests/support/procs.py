"""The installed console scripts run as real processes, with their own peak memory and run time.

`run_console` waits with os.wait4, which returns the resource usage of that one child: its peak
RSS is the process's own (not the largest of every child the test run ever had, as
RUSAGE_CHILDREN would be). `peak_rss_mb(pid)` reads a running process's high-water mark.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

BIN = Path(sys.executable).parent


def console(name: str) -> str:
    """The path of the installed console script `pulp-<name>` next to this interpreter."""
    return str(BIN / f"pulp-{name}")


@dataclass
class Outcome:
    returncode: int
    stdout: bytes
    stderr: bytes
    peak_rss_mb: float
    seconds: float

    @property
    def err_lines(self) -> list[str]:
        return self.stderr.decode(errors="replace").splitlines()


def _collect(stream: IO[bytes] | None, into: list[bytes]) -> None:
    if stream is not None:
        for chunk in iter(lambda: stream.read(65536), b""):
            into.append(chunk)


def run_console(
    name: str,
    *args: str,
    env: dict[str, str],
    timeout: float = 60,
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    input: bytes | None = None,
    stdout: int | None = subprocess.PIPE,
    stderr: int | None = subprocess.PIPE,
    interrupt_after: float | None = None,
) -> Outcome:
    """Run `pulp-<name> args` to its end (killed after `timeout`), measuring peak RSS and time.

    `interrupt_after`: send SIGINT that many seconds after the start.
    """
    started = time.monotonic()
    proc = subprocess.Popen(
        [console(name), *args],
        env=env,
        stdin=subprocess.PIPE if input is not None else stdin,
        stdout=stdout,
        stderr=stderr,
    )
    out: list[bytes] = []
    err: list[bytes] = []
    threads = [
        threading.Thread(target=_collect, args=(proc.stdout, out), daemon=True),
        threading.Thread(target=_collect, args=(proc.stderr, err), daemon=True),
    ]
    for thread in threads:
        thread.start()
    if input is not None and proc.stdin is not None:

        def feed() -> None:
            try:
                proc.stdin.write(input)  # type: ignore[union-attr]
                proc.stdin.close()  # type: ignore[union-attr]
            except OSError:
                pass

        threading.Thread(target=feed, daemon=True).start()
    killer = threading.Timer(timeout, lambda: _kill(proc.pid, signal.SIGKILL))
    killer.start()
    interrupter = None
    if interrupt_after is not None:
        interrupter = threading.Timer(interrupt_after, lambda: _kill(proc.pid, signal.SIGINT))
        interrupter.start()
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    finally:
        killer.cancel()
        if interrupter is not None:
            interrupter.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join(timeout=10)
    seconds = time.monotonic() - started
    return Outcome(proc.returncode, b"".join(out), b"".join(err), usage.ru_maxrss / 1024, seconds)


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def peak_rss_mb(pid: int) -> float:
    """VmHWM of a running process, in MB (0 when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
