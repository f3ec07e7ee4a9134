"""--top's sink: each selected message is counted (never printed); a display shows the figures.

In a pipe, or with --json, the display is one JSON object every --top-every seconds and a last one
on the way out (`JsonSnapshots`, here, no rich); on a terminal it is the live table of
`top_view.LiveView`. The sink takes messages like a renderer (`write`), so acknowledgements work
as for printed lines; the consume loop also calls `tick()` between batches and stops when `quit`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any, Protocol, TextIO

from pulp_amqp_tools.messages import filters
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.output.top_stats import Snapshot, TopStats, snapshot_record
from pulp_amqp_tools.transport.interface import Source

NONE_KEY = "(none)"  # --top-by: the message has no value at PATH
KEY_LIMIT = 200  # characters of a --top-by value kept as a key (rows stay bounded in bytes too)
FINISH = ".finish"


@dataclass(frozen=True)
class Header:
    """What the view says about where the figures come from (all safe to show: no password)."""

    connection: str
    exchange: str
    patterns: tuple[str, ...]
    by: str  # "subject" or the --top-by PATH as written
    reads: str = ""  # a queue or stream read as it is (no exchange): which, in words

    def record(self, now: float) -> dict[str, Any]:
        moment = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="milliseconds")
        record = {
            "time": moment.replace("+00:00", "Z"),
            "connection": self.connection,
            "exchange": self.exchange,
            "patterns": list(self.patterns),
            "by": self.by,
        }
        if self.reads:
            record["reads"] = self.reads
        return record

    def heard(self, source: Source) -> Header:
        """This header once the broker told what the subscription hears (transport.interface.Source)."""
        return replace(self, exchange=", ".join(source.exchanges), patterns=source.patterns, reads=source.reads)


class Display(Protocol):
    """Shows snapshots: a JSON line now and then, or the live table."""

    quit: bool  # the user asked to stop (q)
    interval: float  # seconds between snapshots
    header: Header  # where the figures come from

    def show(self, snapshot: Snapshot, now: float) -> None: ...

    def poll(self) -> None: ...  # keys, between snapshots

    def close(self, snapshot: Snapshot, now: float, finished: bool) -> None: ...


def key_function(path: Sequence[str] | None) -> Callable[[Delivery], str]:
    """What a message is counted under: its subject, or its value at a --top-by PATH."""
    if path is None:
        return _subject
    parts = tuple(path)

    def by_path(delivery: Delivery) -> str:
        found, value = filters.lookup(delivery, parts)
        if not found:
            return NONE_KEY
        text = filters.text_of(value)
        return text if len(text) <= KEY_LIMIT else text[:KEY_LIMIT] + "..."

    return by_path


def _subject(delivery: Delivery) -> str:
    return delivery.subject


class TopSink:
    """Counts deliveries into TopStats; `tick` shows a snapshot when one is due."""

    def __init__(
        self,
        stats: TopStats,
        key_of: Callable[[Delivery], str],
        display: Display,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._stats = stats
        self._key_of = key_of
        self._by_subject = key_of is _subject
        self._display = display
        self._clock = clock
        self._next = clock()  # the first snapshot at once: the view appears before any message

    def write(self, delivery: Delivery) -> None:
        key = self._key_of(delivery)
        subject = key if self._by_subject else delivery.subject
        body = delivery.body if subject.endswith(FINISH) else None
        self._stats.add(key, delivery.received_at or self._clock(), body)

    @property
    def quit(self) -> bool:
        return self._display.quit

    def wait(self) -> float:
        """Seconds the consume loop may wait for messages before calling `tick` again."""
        return max(0.0, min(self._next - self._clock(), 0.1))

    def listening(self, source: Source) -> None:
        """The subscription is set up: the header says what it really hears (loops/sinks.Titled)."""
        self._display.header = self._display.header.heard(source)

    def tick(self) -> None:
        self._display.poll()
        now = self._clock()
        if now >= self._next:
            self._display.show(self._stats.snapshot(now), now)
            self._next = now + self._display.interval

    def close(self, finished: bool = True) -> None:
        now = self._clock()
        self._display.close(self._stats.snapshot(now), now, finished)


class JsonSnapshots:
    """One JSON object per line every `interval` seconds, and a last one on the way out."""

    quit = False

    def __init__(self, stream: TextIO, header: Header, interval: float) -> None:
        self._write = stream.write
        self.header = header
        self.interval = interval

    def show(self, snapshot: Snapshot, now: float) -> None:
        # ASCII only (json's escapes): hostile keys can neither break the line nor reach a terminal raw.
        self._write(json.dumps(snapshot_record(snapshot, self.header.record(now))) + "\n")

    def poll(self) -> None:
        pass

    def close(self, snapshot: Snapshot, now: float, finished: bool) -> None:
        self.show(snapshot, now)
