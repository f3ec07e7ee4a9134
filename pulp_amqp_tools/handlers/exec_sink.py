"""The --exec sink: selected messages in, handlers run (at most --exec-concurrency at once), fates out.

Unlike a line written to stdout, a message given to a handler is settled only when its handler
ends, and handlers end in any order: the consume loop hands each message in with a ticket of its
own (`accept`) and asks, every few milliseconds, which tickets are settled and how (`poll`). A
later message finishing first never settles an earlier one. Nothing here blocks or imports pika.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import inputs
from pulp_amqp_tools.handlers.policy import PAST, ExecOptions, Verdict, decide
from pulp_amqp_tools.handlers.runner import HandlerRun, kill_all
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.transport.interface import Outcome

T = TypeVar("T")
POLL_EVERY = 0.02  # seconds between looks at running handlers (the loop's time slice meanwhile)


@dataclass(frozen=True)
class Settled(Generic[T]):
    """A message whose handler ended: its ticket, the message, and what to do with it."""

    ticket: T
    delivery: Delivery
    verdict: Verdict

    @property
    def fate(self) -> Outcome:
        return self.verdict.fate


@dataclass
class _Job(Generic[T]):
    ticket: T
    delivery: Delivery
    retries: int
    record: str
    run: HandlerRun


class ExecSink(Generic[T]):
    """Runs the handler for each accepted message; see the module docstring."""

    def __init__(
        self,
        options: ExecOptions,
        notice: Callable[[str], None],
        base_env: Mapping[bytes, bytes] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._options = options
        self._notice = notice
        self._base_env = dict(os.environb if base_env is None else base_env)
        self._clock = clock
        self._backlog: deque[tuple[T, Delivery]] = deque()
        self._running: list[_Job[T]] = []
        self._workdir = tempfile.mkdtemp(prefix="pulp-listen-exec-")  # mode 0700: records stay ours
        self._serial = 0

    @property
    def busy(self) -> bool:
        """True while a handler runs or a message waits for a free slot."""
        return bool(self._running or self._backlog)

    @property
    def running(self) -> int:
        return len(self._running)

    def accept(self, delivery: Delivery, ticket: T) -> None:
        """Take a selected message; its handler starts now or when a slot frees up."""
        self._backlog.append((ticket, delivery))
        self._start_some()

    def poll(self) -> list[Settled[T]]:
        """The messages whose handlers ended since the last call; kills overdue handlers."""
        now = self._clock()
        settled: list[Settled[T]] = []
        still: list[_Job[T]] = []
        for job in self._running:
            code = job.run.poll(now)
            if code is None:
                still.append(job)
            else:
                settled.append(self._finish(job, code))
        self._running = still
        if settled:
            self._start_some()
        return settled

    def stop(self) -> None:
        """End every handler (SIGTERM, then SIGKILL) and forget the backlog: nothing of it is settled."""
        running, self._running = self._running, []
        self._backlog.clear()
        kill_all([job.run for job in running])
        for job in running:
            _remove(job.record)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self._workdir, ignore_errors=True)

    def _start_some(self) -> None:
        while self._backlog and len(self._running) < self._options.concurrency:
            ticket, delivery = self._backlog[0]
            job = self._start(ticket, delivery)
            self._backlog.popleft()
            self._running.append(job)

    def _start(self, ticket: T, delivery: Delivery) -> _Job[T]:
        self._serial += 1
        record = os.path.join(self._workdir, f"record-{self._serial}.json")
        line = inputs.record_text(delivery)
        with open(record, "w", encoding="ascii") as file:
            file.write(line)
        retries = delivery.requeues  # never the header itself: a publisher can write that
        env = inputs.environment(self._base_env, inputs.variables(delivery, line, record, retries))
        timeout = self._options.timeout
        deadline = None if timeout is None else self._clock() + timeout
        try:
            run = HandlerRun(self._options.argv, self._options.executable, env, delivery.body, self._workdir, deadline)
        except OSError as exc:
            _remove(record)
            shown = one_line(self._options.argv[0][:200])
            raise UsageError(f"--exec: cannot start {shown!r}: {exc.strerror or exc}") from None
        return _Job(ticket, delivery, retries, record, run)

    def _finish(self, job: _Job[T], code: int) -> Settled[T]:
        _remove(job.record)
        verdict = decide(code, job.run.timed_out, job.retries, self._options)
        if verdict.fate is not Outcome.ACK:
            subject = one_line(job.delivery.subject[:200])
            self._notice(f"handler for {subject!r} {verdict.reason}: message {PAST[verdict.fate]}")
        return Settled(job.ticket, job.delivery, verdict)


def _remove(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
