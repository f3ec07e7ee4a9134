"""A running process's own peak memory (VmHWM), read from /proc while it runs, and waiting for its end."""

from __future__ import annotations

import os
import signal
import threading


def wait_watching(pid: int, timeout: float, interrupt_after: float | None = None) -> tuple[int, float]:
    """(exit status, peak RSS in MB) of child `pid` once it ended: SIGKILL after `timeout` seconds,
    SIGINT after `interrupt_after`. Reaps the child itself (os.waitpid), so that no one else must."""
    high_water = HighWater(pid)
    timers = [threading.Timer(timeout, _kill, (pid, signal.SIGKILL))]
    if interrupt_after is not None:
        timers.append(threading.Timer(interrupt_after, _kill, (pid, signal.SIGINT)))
    for thread in [high_water, *timers]:
        thread.start()
    try:
        _pid, status = os.waitpid(pid, 0)
    finally:
        high_water.stop()
        for timer in timers:
            timer.cancel()
    return os.waitstatus_to_exitcode(status), high_water.peak


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


class HighWater(threading.Thread):
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
