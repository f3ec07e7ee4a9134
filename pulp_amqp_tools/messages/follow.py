"""emit --follow: standard input as lines the moment they arrive, and a beat while it is quiet.

A blocking read of stdin would stop our one thread, and with it pika's heartbeats and confirms,
for as long as the writer is quiet (a `tail -F` of a calm log: hours). So we wait for input with
select() for at most `beat` seconds and yield IDLE when none came: the publish loop serves the
broker then and asks again. Pure: no pika, no rich. POSIX (select on a pipe or terminal).
"""

from __future__ import annotations

import os
import select
from collections.abc import Iterator

IDLE = None  # yielded when no line came within a beat: serve the connection, then ask again
BEAT = 0.2  # seconds: heartbeats need far less; confirms are read at least this often


def live_lines(fd: int, beat: float = BEAT) -> Iterator[bytes | None]:
    """Each line of `fd` (without its newline) as soon as it is complete, IDLE while none is; the
    last line is given at end of input even without a newline."""
    pending = b""
    while True:
        ready, _, _ = select.select([fd], [], [], beat)
        if not ready:
            yield IDLE
            continue
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        pending += chunk
        if b"\n" not in chunk:
            continue
        *lines, pending = pending.split(b"\n")
        yield from lines
    if pending:
        yield pending
