"""messages/follow.py: --follow's live lines, as they are written, with idle ticks and bad lines."""

from __future__ import annotations

import os
import threading
import time

from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.messages.follow import IDLE, Follow, live_lines
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.replay import parse_line


def _record_or_blank(line: bytes, number: int) -> Message | None:
    return parse_line(line, f"- line {number}")[0] if line.strip() else None


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
