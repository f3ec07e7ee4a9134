"""messages/streams.py: stream offsets, retention (--max-age), resuming, and the stream options checked together."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.streams import StreamPosition, parse_max_age, parse_offset, stream_read


@pytest.mark.parametrize(
    "text, kind",
    [
        ("first", "first"),
        ("last", "last"),
        ("next", "next"),
        ("0", "offset"),
        ("123456789012", "offset"),
        ("10m", "ago"),
        ("2h", "ago"),
        ("1D", "ago"),
        ("1M", "ago"),
        ("3Y", "ago"),
        ("90s", "ago"),
        ("2026-11-28T10:00:00Z", "time"),
        ("2026-11-28T10:00:00+01:00", "time"),
        ("2026-11-28", "time"),
    ],
)
def test_offsets_rabbitmq_understands(text: str, kind: str) -> None:
    assert parse_offset(text).kind == kind


def test_offset_values() -> None:
    assert parse_offset("42").number == 42
    assert parse_offset("2h").seconds == 7200 and parse_offset("1M").seconds == 30 * 86400
    moment = parse_offset("2026-11-28T10:00:00Z").moment
    assert moment == datetime(2026, 11, 28, 10, tzinfo=timezone.utc)
    assert parse_offset("2026-11-28T10:00:00").moment.tzinfo is not None  # type: ignore[union-attr]  # local


@pytest.mark.parametrize(
    "text", ["", "FIRST", "-1", "0s", "1.5h", "10 m", "1h30m", "10d", "yesterday", "2026-13-01", "\u0661\u0662", "+5"]
)
def test_offsets_refused(text: str) -> None:
    # RabbitMQ drops the whole connection on an offset string it does not know: refuse them first.
    with pytest.raises(UsageError, match="--offset"):
        parse_offset(text)


@pytest.mark.parametrize("text", ["0D", "7d", "1", "D", "1.5D", "-1D", "1W"])
def test_max_age_refused(text: str) -> None:
    with pytest.raises(UsageError, match="--max-age"):
        parse_max_age(text)


def test_max_age_kept_as_given() -> None:
    assert parse_max_age("1D") == "1D" and parse_max_age("36h") == "36h"


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_resume_after_the_last_offset_handled() -> None:
    position = StreamPosition(parse_offset("first"), Clock())
    assert position.attach() == "first"
    for offset in (0, 1, 2):
        assert position.fresh(offset)
        position.handled(offset)
    assert position.attach() == 3
    assert not position.fresh(2) and position.fresh(3)  # a chunk's start handed over again: skipped


def test_numeric_start_skips_what_lies_before_it_in_the_chunk() -> None:
    position = StreamPosition(parse_offset("5"), Clock())
    assert position.attach() == 5
    assert not position.fresh(4) and position.fresh(5)


def test_relative_starts_reach_back_to_the_first_attach_when_nothing_came() -> None:
    clock = Clock()
    upcoming = StreamPosition(parse_offset("next"), clock)
    recent = StreamPosition(parse_offset("10m"), clock)
    moment = StreamPosition(parse_offset("2026-11-28T10:00:00Z"), clock)
    assert (upcoming.attach(), recent.attach()) == ("next", "10m")
    assert isinstance(moment.attach(), datetime)
    clock.now += 7.2
    assert upcoming.attach() == "9s"  # 7.2 s rounded up, and a second to spare
    assert recent.attach() == "609s"
    assert moment.attach() == moment.start.moment


def test_stream_options_checked_together() -> None:
    assert stream_read("q", None, None, None) is None
    assert stream_read("q", "quorum", None, None) is None
    read = stream_read("q", None, "first", None)
    assert read is not None and read.offset.kind == "first" and read.max_age == "1D"
    read = stream_read("q", "stream", None, "2h")
    assert read is not None and read.offset.kind == "next" and read.max_age == "2h"
    for args, says in [
        ((None, None, "first", None), "--queue"),
        (("q", "classic", "first", None), "classic"),
        (("q", None, None, "1D"), "--queue-type stream"),
        (("q", "stream", "soon", None), "--offset"),
    ]:
        with pytest.raises(UsageError, match=says):
            stream_read(*args)
