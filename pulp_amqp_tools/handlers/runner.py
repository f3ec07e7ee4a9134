"""Handler processes: started without a shell, polled without blocking, killed as a group.

The listener has one thread, which must keep serving the connection's heartbeats however long a
handler runs, so nothing here ever waits: the body goes to the handler's stdin from a temporary
file (a pipe would block us on a body larger than its buffer when the handler reads slowly or not
at all), and `poll()` only asks. Each handler leads a new session, so a timeout reaches what it
started too (`sh -c 'sleep 60'`), and a Ctrl-C typed at the listener is ours to pass on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping

from pulp_amqp_tools.handlers.policy import KILL_GRACE


class HandlerRun:
    """One running handler: its process, when it must end, and whether we killed it."""

    def __init__(
        self,
        argv: tuple[str, ...],
        executable: str,
        env: Mapping[bytes, bytes],
        body: bytes,
        workdir: str,
        deadline: float | None,
    ) -> None:
        with tempfile.TemporaryFile(dir=workdir) as stdin:
            stdin.write(body)
            stdin.seek(0)
            # stdout and stderr are inherited: what the handler prints goes out as it is.
            self.proc = subprocess.Popen(
                argv, executable=executable, stdin=stdin, env=env, start_new_session=True, close_fds=True
            )
        self.deadline = deadline
        self.timed_out = False
        self._term_at: float | None = None

    def poll(self, now: float) -> int | None:
        """The exit status once the handler ended (negative: a signal), else None; kills overdue ones."""
        code = self.proc.poll()
        if code is not None:
            if self.timed_out:
                self._signal(signal.SIGKILL)  # whatever it left behind in its group
            return code
        if self.deadline is not None and now >= self.deadline and self._term_at is None:
            self.timed_out = True
            self.terminate(now)
        elif self._term_at is not None and now >= self._term_at + KILL_GRACE:
            self._signal(signal.SIGKILL)
        return None

    def terminate(self, now: float) -> None:
        """SIGTERM to the handler's process group; SIGKILL follows KILL_GRACE seconds later (poll)."""
        if self._term_at is None:
            self._term_at = now
            self._signal(signal.SIGTERM)

    def kill(self) -> None:
        self._signal(signal.SIGKILL)

    def _signal(self, signum: int) -> None:
        try:
            os.killpg(self.proc.pid, signum)
        except (ProcessLookupError, PermissionError):
            pass  # the group is gone already


def kill_all(runs: list[HandlerRun], grace: float = KILL_GRACE) -> None:
    """On the way out: SIGTERM every group, wait up to `grace` seconds in all, then SIGKILL."""
    now = time.monotonic()
    for run in runs:
        run.terminate(now)
    end = now + grace
    for run in runs:
        try:
            run.proc.wait(timeout=max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        run.kill()
        try:
            run.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            pass
