"""The figures behind --top: bounded per-key counters, recent rates, a sparkline. Pure (no rich).

Memory stays bounded whatever the publishers do: at most twice --top-rows keys (64 at least) are
tracked, and when there are more the least busy are folded into one "(other)" row (pruning in batches, so a flood
of distinct subjects costs O(log n) per message, not a scan per message). What the per-message
path does is kept small (a dict lookup, a few integer operations): --top must keep up with -q.
A Pulp `.finish` body is only kept by reference, and parsed when a snapshot is taken.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

OTHER = "(other)"
WINDOW = 10  # seconds behind "the rate over the last 10 s"
SPARK_SECONDS = 60  # seconds of history behind the sparkline
SPARK_BLOCKS = "▁▂▃▄▅▆▇█"


class _Key:
    """One tracked key: its count, last arrival, and per-second counts of the last WINDOW seconds."""

    __slots__ = ("count", "finish", "last", "recent", "second")

    def __init__(self, second: int) -> None:
        self.count = 0
        self.last = 0.0
        self.second = second  # the second `recent[second % WINDOW]` was last written for
        self.recent = [0] * WINDOW
        self.finish: bytes | None = None  # the body of the last `.finish` event, parsed on demand


def _advance(buckets: list[int], last: int, now: int) -> None:
    """Zero the buckets of the seconds after `last` up to `now` (a ring indexed by second)."""
    size = len(buckets)
    if now - last >= size:
        buckets[:] = [0] * size
        return
    for second in range(last + 1, now + 1):
        buckets[second % size] = 0


def _window_sum(buckets: list[int], last: int, now: int, width: int) -> int:
    """The sum of a ring's buckets for the `width` seconds up to `now`; `last` is its newest second."""
    size = len(buckets)
    total = 0
    for moment in range(max(now - width, last - size) + 1, min(now, last) + 1):
        total += buckets[moment % size]
    return total


@dataclass(frozen=True)
class Row:
    """One row of a snapshot; `result` is the last Pulp `.finish` event's payload.result."""

    key: str
    count: int
    rate_recent: float  # per second over the last WINDOW seconds
    rate_average: float  # per second since the start
    age: float | None  # seconds since the last one (None: unknown, for "(other)")
    result: str | None = None


@dataclass(frozen=True)
class Snapshot:
    """What the view shows at one moment."""

    elapsed: float
    total: int
    rate_recent: float
    rate_average: float
    rows: tuple[Row, ...]
    other: Row | None  # the keys beyond the shown rows, and those folded away, together
    spark: tuple[int, ...] = field(default=())  # messages per second, oldest first
    distinct_dropped: int = 0  # keys folded into "(other)" to keep memory bounded


class TopStats:
    """Counts per key; `add` per message, `snapshot` a few times a second."""

    def __init__(self, rows: int, started: float) -> None:
        self.rows = rows
        self._limit = max(2 * rows, 64)  # tracked keys before a prune (keeps half, the busiest)
        self._keys: dict[str, _Key] = {}
        self._started = started
        self._second = int(started)  # the newest second seen: the clock never goes back here
        self._total = 0
        self._spark = [0] * SPARK_SECONDS  # per-second totals, a ring indexed by second
        self._folded = _Key(self._second)  # keys folded into "(other)", summed
        self._dropped = 0

    @property
    def total(self) -> int:
        return self._total

    @property
    def tracked(self) -> int:
        """Keys held in memory now (bounded by about twice --top-rows)."""
        return len(self._keys)

    def add(self, key: str, now: float, finish_body: bytes | None = None) -> None:
        """Count one message of `key` that arrived at `now` (time.time())."""
        second = int(now)
        if second > self._second:
            _advance(self._spark, self._second, second)
            self._second = second
        else:
            second = self._second  # the clock stepped back: count it in the newest second
        entry = self._keys.get(key)
        if entry is None:
            if len(self._keys) >= self._limit:
                self._prune()
            entry = self._keys[key] = _Key(second)
        elif second != entry.second:
            _advance(entry.recent, entry.second, second)
            entry.second = second
        entry.recent[second % WINDOW] += 1
        entry.count += 1
        entry.last = now
        if finish_body is not None:
            entry.finish = finish_body
        self._spark[second % SPARK_SECONDS] += 1
        self._total += 1

    def _prune(self) -> None:
        """Fold the least busy keys into "(other)", keeping the `limit // 2` busiest."""
        ranked = sorted(self._keys.items(), key=_busiest, reverse=True)
        keep = self._limit // 2
        for _name, entry in ranked[keep:]:
            _fold(self._folded, entry, self._second)
            self._dropped += 1
        self._keys = dict(ranked[:keep])

    def snapshot(self, now: float) -> Snapshot:
        """The busiest `rows` keys (by count, then the latest), the rest as "(other)"."""
        elapsed = max(now - self._started, 1e-9)
        second = max(int(now), self._second)
        # The window's buckets are whole seconds, the newest one still filling: they span this long.
        window = min(WINDOW - 1 + max(0.0, now - second), elapsed)
        window = max(window, 1e-3)
        ranked = sorted(self._keys.items(), key=_busiest, reverse=True)
        shown = tuple(_row(name, entry, now, second, elapsed, window) for name, entry in ranked[: self.rows])
        return Snapshot(
            elapsed=elapsed,
            total=self._total,
            rate_recent=_window_sum(self._spark, self._second, second, WINDOW) / window,
            rate_average=self._total / elapsed,
            rows=shown,
            other=self._other(ranked[self.rows :], now, second, elapsed, window),
            spark=tuple(_window_series(self._spark, self._second, second)),
            distinct_dropped=self._dropped,
        )

    def _other(
        self, rest: list[tuple[str, _Key]], now: float, second: int, elapsed: float, window: float
    ) -> Row | None:
        if not rest and not self._folded.count:
            return None
        other = _Key(self._folded.second)
        _fold(other, self._folded, self._second)
        for _name, entry in rest:
            _fold(other, entry, self._second)
        return _row(OTHER, other, now, second, elapsed, window)


def _busiest(item: tuple[str, _Key]) -> tuple[int, float]:
    return item[1].count, item[1].last


def _fold(into: _Key, entry: _Key, newest: int) -> None:
    """Add `entry`'s counts to `into` (both rings brought up to `newest` first)."""
    for ring in (into, entry):
        if ring.second < newest:
            _advance(ring.recent, ring.second, newest)
            ring.second = newest
    into.count += entry.count
    into.last = max(into.last, entry.last)
    for index, value in enumerate(entry.recent):
        into.recent[index] += value
    # `finish` is not carried over: one folded key's last result says nothing about "(other)".


def _row(name: str, entry: _Key, now: float, second: int, elapsed: float, window: float) -> Row:
    return Row(
        key=name,
        count=entry.count,
        rate_recent=_window_sum(entry.recent, entry.second, second, WINDOW) / window,
        rate_average=entry.count / elapsed,
        age=max(0.0, now - entry.last) if entry.last else None,
        result=finish_result(entry.finish),
    )


def _window_series(buckets: list[int], last: int, now: int) -> list[int]:
    """A ring's per-second values for its whole length up to `now`, oldest first (0 where unknown)."""
    size = len(buckets)
    return [buckets[moment % size] if last - size < moment <= last else 0 for moment in range(now - size + 1, now + 1)]


def finish_result(body: bytes | None) -> str | None:
    """payload.result of a Pulp `.finish` body, as text; None when it has none."""
    if body is None:
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None
    payload = value.get("payload") if isinstance(value, dict) else None
    result = payload.get("result") if isinstance(payload, dict) else None
    if result is None:
        return None
    return result if isinstance(result, str) else json.dumps(result)


def sparkline(values: tuple[int, ...] | list[int]) -> str:
    """Values as block characters, scaled to the largest (all zero: the lowest block)."""
    peak = max(values, default=0)
    if peak <= 0:
        return SPARK_BLOCKS[0] * len(values)
    top = len(SPARK_BLOCKS) - 1
    return "".join(SPARK_BLOCKS[min(top, (value * top + peak - 1) // peak)] for value in values)


def snapshot_record(snapshot: Snapshot, header: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as the JSON object --top prints in a pipe (`header`: connection, exchange, ...)."""

    def row(item: Row) -> dict[str, Any]:
        data: dict[str, Any] = {
            "key": item.key,
            "count": item.count,
            "rate_10s": round(item.rate_recent, 3),
            "rate_avg": round(item.rate_average, 3),
            "last_age": None if item.age is None else round(item.age, 3),
        }
        if item.result is not None:
            data["last_result"] = item.result
        return data

    return {
        **header,
        "elapsed": round(snapshot.elapsed, 3),
        "total": snapshot.total,
        "rate_10s": round(snapshot.rate_recent, 3),
        "rate_avg": round(snapshot.rate_average, 3),
        "rows": [row(item) for item in snapshot.rows],
        "other": None if snapshot.other is None else row(snapshot.other),
        "per_second": list(snapshot.spark),
    }
