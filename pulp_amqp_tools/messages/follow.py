"""emit --follow: standard input as lines the moment they arrive, and a beat while it is quiet.

A blocking read of stdin would stop our one thread, and with it pika's heartbeats and confirms,
for as long as the writer is quiet (a `tail -F` of a calm log: hours). So we wait for input with
select() for at most `beat` seconds and yield IDLE when none came: the publish loop serves the
broker then and asks again. Not pure: it waits on standard input (select() on a pipe or terminal,
POSIX); no pika, no rich.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable, Iterable, Iterator

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.message import Message

IDLE = None  # yielded when no more input is ready: send what waits, serve the connection, ask again
BEAT = 0.2  # seconds: heartbeats need far less; confirms are read at least this often


def live_lines(fd: int, beat: float = BEAT) -> Iterator[bytes | None]:
    """Each line of `fd` (without its newline) as soon as it is complete, IDLE while none is; the
    last line is given at end of input even without a newline.

    IDLE also comes as soon as the input read so far is used up, before waiting for more: the
    publisher sends what it buffered then (it otherwise writes every PUMP_EVERY messages), so a
    line reaches the broker when it is read, however steadily the writer keeps writing.
    """
    pending = b""
    wait = beat
    while True:
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            wait = beat
            yield IDLE
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        wait = 0.0  # look again without waiting: IDLE (send now) unless more is ready already
        pending += chunk
        if b"\n" not in chunk:
            continue
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending


class Follow:
    """Messages made from live lines as they come; IDLE passes through for the publisher.

    `make(line, number)` turns one line into a Message, None to skip it (a blank line), or
    raises UsageError for a bad one: that is reported with `notice` and skipped, or with
    `strict` ends the messages there, kept in `stopped` for the command to exit 2 with once
    what came before was confirmed.
    """

    def __init__(
        self,
        lines: Iterable[bytes | None],
        make: Callable[[bytes, int], Message | None],
        notice: Callable[[str], None],
        strict: bool = False,
    ) -> None:
        self._lines = lines
        self._make = make
        self._notice = notice
        self._strict = strict
        self.stopped: UsageError | None = None
        self.skipped = 0

    def __iter__(self) -> Iterator[Message | None]:
        number = 0
        for line in self._lines:
            if line is IDLE:
                yield IDLE
                continue
            number += 1
            try:
                message = self._make(line, number)
            except UsageError as exc:
                if self._strict:
                    self.stopped = exc
                    return
                self.skipped += 1
                self._notice(f"skipped: {exc.message}")
                continue
            if message is not None:
                yield message
