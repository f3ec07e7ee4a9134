"""messages/replay.py: JSON records back to messages, from stdin or files, checked whole."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages import replay
from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.messages.replay import parse_line, read_files

BODIES = [
    b'{"a": 1}',
    b'{"a":1}',
    b'{ "b" : [1, 2.50, "\\u00e9"] }',
    b"plain text \xc3\xa9",
    b"",
    b"\xff\x00\xfe",
    b'{"n": NaN}',
    b"[1e400]",
    b"\xef\xbb\xbf{}",
    b'"\\ud800"',
]


@pytest.mark.parametrize("body", BODIES)
def test_record_to_message_round_trip(body: bytes) -> None:
    headers = {
        "qpid.subject": "a.b",
        "n": 3,
        "f": 1.25,
        "t": datetime(2024, 1, 2, 3, 4, 5),
        "d": Decimal("1.50"),
        "raw": b"\x00\xff",
        "nested": {"l": [1, "x", None]},
    }
    props = {
        "content_type": "application/json",
        "delivery_mode": 2,
        "priority": 4,
        "timestamp": 1700000000,
        "message_id": "m1",
        "user_id": "guest",
        "expiration": "60000",
    }
    d = Delivery("x", "a.b", body, headers=headers, properties=props, received_at=1700000000.25)
    message = replay.message_from_record(json.loads(json_line(d)))
    assert message.subject == "a.b" and message.body == body
    got = dict(message.headers)
    assert got["t"] == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc) and got["d"] == Decimal("1.50")
    assert got["raw"] == b"\x00\xff" and got["nested"] == {"l": [1, "x", None]}
    # pika cannot send floats: a float goes out as the decimal of its digits (NaN is refused:
    # tests/unit/messages/test_replay_values.py).
    assert got["f"] == Decimal("1.25")
    assert {k: v for k, v in got.items() if k not in ("t", "f")} == {
        k: v for k, v in headers.items() if k not in ("t", "f")
    }
    assert dict(message.properties) == {k: v for k, v in props.items() if k != "user_id"}
    assert message.recorded_at == pytest.approx(1700000000.25, abs=0.001)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=100).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_body_survives_record_and_replay(body: bytes) -> None:
    message = replay.message_from_record(json.loads(json_line(Delivery("x", "k", body))))
    assert message.body == body


def test_recording_reader() -> None:
    lines = [
        json_line(Delivery("pulp", "a", b"1", received_at=1.0)).encode(),
        b"\n",
        json_line(Delivery("pulp", "", b"2", headers={"qpid.subject": "from.header"})).encode(),
    ]
    recording = replay.read_recording(lines, "'f'")
    assert [m.subject for m in recording.messages] == ["a", "from.header"]
    assert recording.exchanges == frozenset({"pulp"})
    for bad in (
        b"not json",
        b"[1]",
        b'{"subject": "a"}',
        b'{"subject": 1, "body": ""}',
        b'{"subject": "a", "body": "!!", "body_encoding": "base64"}',
        b'{"subject": "a", "body": "", "body_encoding": "rot13"}',
    ):
        with pytest.raises(UsageError) as caught:
            replay.read_recording([lines[0], bad], "'f'")
        assert "line 2" in caught.value.message


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
