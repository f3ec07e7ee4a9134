"""The pure parts of issue #13, without a broker: offsets, retention, resuming, save-dir files,
firehose records, replay from files, and live stdin lines."""

from __future__ import annotations

import io
import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from pulp_amqp_tools.errors import ToolError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.messages.filters import subject_patterns
from pulp_amqp_tools.messages.follow import IDLE, Follow, live_lines
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.replay import parse_line, read_files
from pulp_amqp_tools.messages.streams import StreamPosition, parse_max_age, parse_offset, stream_read
from pulp_amqp_tools.messages.topic import matcher
from pulp_amqp_tools.messages.trace import from_trace, original
from pulp_amqp_tools.output.render import make_renderer
from pulp_amqp_tools.output.savedir import SaveDir, file_name, numbered
from tests.support.topic import matches as oracle


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


def test_file_names_sort_in_arrival_order_and_are_safe() -> None:
    assert file_name(1, "pulp.server.repo.sync.finish") == "000001-pulp.server.repo.sync.finish.json"
    assert file_name(12, "a/b c\\..\x1b[31m") == "000012-a_b_c_.._31m.json"
    assert file_name(3, "") == "000003.json" and file_name(4, "...") == "000004.json"
    assert len(file_name(5, "x" * 255).encode()) < 200
    assert numbered(["000010-b.json", "000002-a.json", "notes.txt", ".000011-c.json.tmp", "000003.json"]) == [
        (2, "000002-a.json"),
        (3, "000003.json"),
        (10, "000010-b.json"),
    ]


def test_save_dir_writes_whole_files_and_numbers_on(tmp_path: Path) -> None:
    (tmp_path / "000007-old.json").write_text("{}")
    (tmp_path / ".000008-crashed.json.tmp").write_text("{half")
    (tmp_path / ".hidden.tmp").write_text("not ours")
    saver = SaveDir(str(tmp_path))
    assert not (tmp_path / ".000008-crashed.json.tmp").exists() and (tmp_path / ".hidden.tmp").exists()
    assert saver.write("a.b", '{"x": 1}\n') == "000008-a.b.json"
    (tmp_path / "000009-c.json").write_text("{}")  # another writer took the next number meanwhile
    assert saver.write("c", "{}\n") == "000010-c.json"
    saver.commit()
    saver.close()
    assert (tmp_path / "000008-a.b.json").read_text() == '{"x": 1}\n'
    assert (tmp_path / "000009-c.json").read_text() == "{}"


def test_save_dir_that_cannot_be_created_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="--save-dir"):
        SaveDir(str(tmp_path / "file" / "sub"))


def test_a_failed_write_leaves_no_file_and_says_so(tmp_path: Path) -> None:
    saver = SaveDir(str(tmp_path / "d"))
    os.rmdir(tmp_path / "d")  # the directory vanished under us
    with pytest.raises(ToolError) as failed:
        saver.write("a", "{}")
    assert failed.value.status == ExitStatus.SAVE_FAILED and "not acknowledged" in failed.value.message


TRACED_HEADERS = {
    "exchange_name": "",
    "routing_keys": ["target-q", "cc.key"],
    "node": "rabbit@h",
    "vhost": "/",
    "connection": "127.0.0.1:1 -> 127.0.0.1:5672",
    "channel": 1,
    "user": "guest",
    "routed_queues": ["target-q"],
    "properties": {
        "content_type": "application/json",
        "delivery_mode": 2,
        "timestamp": 1700000000,
        "headers": {"qpid.subject": "s", "x": 1},
    },
}


def test_a_traced_publish_becomes_the_original_message() -> None:
    delivery = original(Delivery("amq.rabbitmq.trace", "publish.", b"{}", headers=dict(TRACED_HEADERS), received_at=5))
    assert (delivery.exchange, delivery.routing_key, delivery.subject) == ("", "target-q", "target-q")
    assert delivery.headers == {"qpid.subject": "s", "x": 1}
    assert delivery.properties == {"content_type": "application/json", "delivery_mode": 2, "timestamp": 1700000000}
    assert delivery.trace is not None and delivery.trace["event"] == "publish"
    assert delivery.trace["routing_keys"] == ["target-q", "cc.key"] and delivery.trace["node"] == "rabbit@h"
    record = json.loads(json_line(delivery))
    assert record["trace"]["connection"] == "127.0.0.1:1 -> 127.0.0.1:5672" and record["exchange"] == ""
    message, exchange = parse_line(json_line(delivery).encode(), "-")
    assert (message.subject, exchange, dict(message.headers)) == ("target-q", "", {"qpid.subject": "s", "x": 1})


def test_a_traced_delivery_names_its_queue_and_redelivery() -> None:
    headers = dict(TRACED_HEADERS, redelivered=1)
    del headers["routed_queues"]
    delivery = from_trace("deliver.target-q", headers, b"x", 0.0)
    assert delivery is not None
    assert delivery.redelivered and delivery.trace == {
        "event": "deliver",
        "queue": "target-q",
        "node": "rabbit@h",
        "vhost": "/",
        "connection": "127.0.0.1:1 -> 127.0.0.1:5672",
        "channel": 1,
        "user": "guest",
        "routing_keys": ["target-q", "cc.key"],
    }


def test_something_else_on_the_trace_exchange_is_shown_as_it_came() -> None:
    traced = Delivery("amq.rabbitmq.trace", "other.key", b"x", headers={"a": 1})
    assert original(traced) is traced
    malformed = Delivery("amq.rabbitmq.trace", "publish.x", b"x", headers={"properties": "no"})
    assert original(malformed) is malformed


def test_plain_records_have_no_trace_field() -> None:
    assert "trace" not in json.loads(json_line(Delivery("x", "k", b"b")))


def test_replay_leaves_out_the_offset_the_stream_added() -> None:
    line = json_line(Delivery("x", "k", b"b", headers={"x-stream-offset": 41, "mine": "kept"})).encode()
    message, _exchange = parse_line(line, "-")
    assert dict(message.headers) == {"mine": "kept"}


def test_files_replay_in_the_order_given_and_bad_ones_are_named() -> None:
    files = [(f"00000{i}-k.json", json_line(Delivery("x", f"k{i}", b"%d" % i)).encode()) for i in (1, 2)]
    recording = read_files(files)
    assert [m.body for m in recording.messages] == [b"1", b"2"] and recording.exchanges == {"x"}
    with pytest.raises(UsageError, match=r"000003-bad\.json"):
        read_files([*files, ("000003-bad.json", b"{")])


def test_live_lines_come_as_they_are_written_and_idle_between() -> None:
    read, write = os.pipe()
    got: list[bytes | None] = []

    def feed() -> None:
        os.write(write, b"one\ntw")
        time.sleep(0.35)
        os.write(write, b"o\r\n\nlast")
        os.close(write)

    writer = threading.Thread(target=feed)
    writer.start()
    for item in live_lines(read, beat=0.1):
        got.append(item)
    writer.join()
    os.close(read)
    lines = [item for item in got if item is not IDLE]
    assert lines == [b"one", b"two\r", b"", b"last"]
    assert got.index(b"one") < got.index(IDLE) < got.index(b"two\r")  # idle beats while the writer paused


def _record_or_blank(line: bytes, number: int) -> Message | None:
    return parse_line(line, f"- line {number}")[0] if line.strip() else None


def test_follow_skips_and_reports_a_bad_line_and_passes_idle_through() -> None:
    good = json_line(Delivery("x", "k", b"1")).encode().rstrip(b"\n")
    said: list[str] = []
    follow = Follow([good, IDLE, b"", b"{oops", good], _record_or_blank, said.append)
    got = list(follow)
    assert [m.body if m is not None else None for m in got] == [b"1", None, b"1"]
    assert follow.skipped == 1 and follow.stopped is None
    assert len(said) == 1 and "line 3" in said[0]


def test_follow_strict_stops_at_the_bad_line() -> None:
    good = json_line(Delivery("x", "k", b"1")).encode()
    follow = Follow([good, b"[]", good], _record_or_blank, lambda _text: None, strict=True)
    assert len(list(follow)) == 1
    assert follow.stopped is not None and "line 2" in follow.stopped.message


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


def test_topic_matching_follows_rabbitmq() -> None:
    patterns = ["#", "*", "", "a", "a.*", "a.#", "#.b", "*.*", "a.#.b", "#.#", "*.#.*", "a.*.#", "#.*"]
    keys = ["", "a", "b", "a.b", "a.b.c", "a..b", ".", "x.a.b", "a.x.y.b", "pulp.server.repo.sync.finish"]
    for pattern in patterns:
        for key in keys:
            assert matcher([pattern])(key) == oracle(pattern, key), (pattern, key)
    assert matcher(["a.*", "#.b"])("x.b") and not matcher(["a.*", "#.b"])("x.c")


def test_s_selects_on_a_stream_read_as_it_is() -> None:
    condition = subject_patterns(("pulp.server.repo.*.finish",))
    assert condition.holds(Delivery("x", "pulp.server.repo.sync.finish", b""), lambda: (False, None))
    assert not condition.holds(Delivery("x", "pulp.server.repo.sync.start", b""), lambda: (False, None))


def test_the_default_view_shows_who_published_a_traced_message() -> None:
    out = io.StringIO()
    traced = original(Delivery("amq.rabbitmq.trace", "publish.", b"{}", headers=dict(TRACED_HEADERS)))
    make_renderer("pretty", out).write(traced)
    text = out.getvalue()
    assert "traced: event=publish" in text and "node=rabbit@h" in text and "target-q" in text.splitlines()[0]
