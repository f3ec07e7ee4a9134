"""Stream queues: --offset and --max-age as RabbitMQ takes them, and where to resume after a loss. Pure.

RabbitMQ 3.10 drops the whole connection (541 INTERNAL_ERROR) for an x-stream-offset string it
does not know, so every value is checked here, before connecting. Units are RabbitMQ's own
(`Y` 365 days, `M` 30 days, `D`, `h`, `m`, `s`: rabbit_amqqueue:check_max_age).

A stream keeps its messages and remembers no reader's position: after a lost connection the
reader attaches again one past the last offset it handled. When nothing was handled yet, a
relative start (next, last, a duration) becomes a duration that reaches back to the first attach,
measured on the broker's clock, so messages published while we were away are not skipped.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

from pulp_amqp_tools.errors import UsageError

UNIT_SECONDS = {"Y": 365 * 86400, "M": 30 * 86400, "D": 86400, "h": 3600, "m": 60, "s": 1}
_DURATION = re.compile(r"([0-9]+)([YMDhms])")
NAMED = ("first", "last", "next")
OFFSET_HELP = (
    "first, last, next, an offset number, an ISO-8601 time (2026-11-28T10:00:00Z) or a duration ago (10m, 2h, 1D)"
)


@dataclass(frozen=True)
class Offset:
    """Where to start reading a stream.

    kind "first" | "last" | "next": the named places; "offset": `number`; "time": `moment`
    (timezone-aware); "ago": `seconds` before now, `text` as RabbitMQ reads it ("10m").
    """

    kind: str
    text: str
    number: int = 0
    moment: datetime | None = None
    seconds: int = 0

    def describe(self) -> str:
        if self.kind in NAMED:
            return {"first": "the first message it keeps", "last": "its last chunk", "next": "now on"}[self.kind]
        if self.kind == "offset":
            return f"offset {self.number}"
        if self.kind == "time":
            assert self.moment is not None
            return f"{self.moment.isoformat().replace('+00:00', 'Z')}"
        return f"{self.text} ago"


def duration_seconds(text: str) -> int | None:
    """`10m` -> 600; None unless it is one positive number and one of RabbitMQ's units."""
    match = _DURATION.fullmatch(text)
    if match is None or int(match.group(1)) <= 0:
        return None
    return int(match.group(1)) * UNIT_SECONDS[match.group(2)]


def parse_max_age(text: str) -> str:
    """--max-age: a stream's retention as RabbitMQ's x-max-age (`1D`, `12h`, `30m`)."""
    if duration_seconds(text) is None:
        raise UsageError(
            f"--max-age {text[:40]!r}: expected a positive number and one of the units Y (years), "
            "M (months), D (days), h, m, s, e.g. 1D or 12h"
        )
    return text


OFFSET_MAX = 2**63 - 1  # x-stream-offset travels as an AMQP long-long
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)  # ... a time as an AMQP timestamp: seconds since then, unsigned


def _moment(text: str) -> datetime | None:
    if not text[:4].isdigit() or len(text) < 10:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    out_of_range = UsageError(f"--offset {text[:60]!r}: a time must be from 1970-01-01T00:00:00Z to 9999-12-31")
    if moment.tzinfo is None:  # no zone given: local time (which year 1 has none of)
        try:
            moment = moment.astimezone()
        except (ValueError, OverflowError):
            raise out_of_range from None
    if moment < EPOCH:
        raise out_of_range
    return moment


def parse_offset(text: str) -> Offset:
    """--offset: first|last|next|N|TIMESTAMP|DURATION, checked (ranges too) before anything is sent."""
    if text in NAMED:
        return Offset(text, text)
    if text.isascii() and text.isdigit():
        if len(text) > 19 or int(text) > OFFSET_MAX:
            raise UsageError(f"--offset {text[:60]!r}: an offset number must be from 0 to {OFFSET_MAX}")
        return Offset("offset", text, number=int(text))
    seconds = duration_seconds(text)
    if seconds is not None:
        return Offset("ago", text, seconds=seconds)
    moment = _moment(text)
    if moment is not None:
        return Offset("time", text, moment=moment)
    raise UsageError(f"--offset {text[:60]!r}: expected {OFFSET_HELP}")


class StreamPosition:
    """The reader's place in a stream across reconnects: what to attach with, what to skip.

    `attach()` gives the value for x-stream-offset (str, int or an aware datetime: the transport
    encodes it); `handled(offset)` is called for every delivery taken (shown or filtered out);
    `fresh(offset)` says whether a delivery is new to us (the broker starts at a chunk's
    beginning, so a re-attach can hand over offsets we already handled).
    """

    def __init__(self, start: Offset, clock: Callable[[], float] = time.monotonic) -> None:
        self.start = start
        self._clock = clock
        self._attached_at: float | None = None
        self.last: int | None = None  # highest offset handled
        self._floor = start.number if start.kind == "offset" else 0

    def attach(self) -> str | int | datetime:
        now = self._clock()
        if self._attached_at is None:
            self._attached_at = now
            return self._first_value()
        if self.last is not None:
            return self.last + 1
        start = self.start
        if start.kind in ("next", "last", "ago"):
            # Nothing handled yet: reach back to the first attach on the broker's clock.
            back = math.ceil(now - self._attached_at) + 1 + (start.seconds if start.kind == "ago" else 0)
            return f"{back}s"
        return self._first_value()

    def _first_value(self) -> str | int | datetime:
        start = self.start
        if start.kind == "offset":
            return start.number
        if start.kind == "time":
            assert start.moment is not None
            return start.moment
        return start.text  # first, last, next, and durations as RabbitMQ's interval strings

    def describe(self) -> str:
        """Where reading starts (or, after a loss, goes on), for the ready line."""
        return self.start.describe() if self.last is None else f"offset {self.last + 1}"

    def fresh(self, offset: int) -> bool:
        if self.last is not None:
            return offset > self.last
        return offset >= self._floor

    def handled(self, offset: int) -> None:
        if self.last is None or offset > self.last:
            self.last = offset


DEFAULT_MAX_AGE = "1D"


@dataclass(frozen=True)
class StreamRead:
    """listen on a stream: where to start, and the retention of one we declare."""

    offset: Offset
    max_age: str = DEFAULT_MAX_AGE


def stream_read(
    queue: str | None, queue_type: str | None, offset: str | None, max_age: str | None
) -> StreamRead | None:
    """The stream options checked together; None when listen does not read a stream."""
    if offset is not None and queue is None:
        raise UsageError("--offset reads a stream: name it with --queue NAME (a private queue is never a stream)")
    if offset is not None and queue_type not in (None, "stream"):
        raise UsageError(f"--offset reads a stream, and --queue-type {queue_type} declares no stream")
    if max_age is not None and queue_type != "stream":
        raise UsageError("--max-age is the retention of a stream that --queue-type stream declares")
    if queue_type != "stream" and offset is None:
        return None
    return StreamRead(parse_offset(offset or "next"), parse_max_age(max_age or DEFAULT_MAX_AGE))
