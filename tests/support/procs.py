"""The installed console scripts run as real processes, with their own peak memory and run time.

`run_console` measures the child's own peak RSS by polling its VmHWM while it runs. Not
os.wait4's ru_maxrss: Linux carries the forking process's high-water mark into the child at
exec, so a child of a pytest worker that once held 275 MB "peaks" at 275 MB whatever it does.
`peak_rss_mb(pid)` reads a running process's high-water mark.
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
    high_water = _HighWater(proc.pid)
    high_water.start()
    killer = threading.Timer(timeout, lambda: _kill(proc.pid, signal.SIGKILL))
    killer.start()
    interrupter = None
    if interrupt_after is not None:
        interrupter = threading.Timer(interrupt_after, lambda: _kill(proc.pid, signal.SIGINT))
        interrupter.start()
    try:
        _pid, status = os.waitpid(proc.pid, 0)
    finally:
        high_water.stop()
        killer.cancel()
        if interrupter is not None:
            interrupter.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for thread in threads:
        thread.join(timeout=10)
    seconds = time.monotonic() - started
    return Outcome(proc.returncode, b"".join(out), b"".join(err), high_water.peak, seconds)


class _HighWater(threading.Thread):
    """Polls a running process's VmHWM every few milliseconds; `peak` is the largest seen."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0.0
        self._stopped = threading.Event()

    def run(self) -> None:
        while not self._stopped.is_set():
            self.peak = max(self.peak, peak_rss_mb(self.pid))
            self._stopped.wait(0.005)

    def stop(self) -> None:
        self._stopped.set()
        self.join(timeout=5)


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
