"""Pure helpers of the scripting features: --where conditions, --header/--property, pacing, replay records."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pulp_amqp_tools.errors import ToolError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import pacing, properties, replay, stopping
from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.messages.filters import Selector, parse_condition
from pulp_amqp_tools.messages.message import Message

SYNC_FINISH = json.dumps(
    {
        "event_type": "repo.sync.finish",
        "payload": {
            "repo_id": "zoo",
            "result": "failed",
            "added_count": 0,
            "error_message": None,
            "ok": False,
            "ratio": 1.5,
        },
        "call_report": {"tags": ["pulp:repository:zoo", "pulp:action:sync"]},
    }
).encode()


def delivery(body: bytes = SYNC_FINISH, subject: str = "pulp.server.repo.sync.finish", **kw: Any) -> Delivery:
    kw.setdefault("headers", {"qpid.subject": subject})
    return Delivery(exchange="pulp", routing_key=subject, body=body, **kw)


def holds(text: str, d: Delivery | None = None) -> bool:
    return Selector((parse_condition(text),)).accept(d or delivery())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("payload.repo_id=zoo", True),
        ("body.payload.repo_id=zoo", True),
        ("payload.repo_id=lion", False),
        ("payload.repo_id!=lion", True),
        ("payload.result!=success", True),
        ("payload.added_count=0", True),
        ("payload.error_message=null", True),
        ("payload.ok=false", True),
        ("payload.ratio=1.5", True),
        ("payload.missing=x", False),
        ("payload.missing!=x", True),
        ("payload.missing=*", False),
        ("payload.repo_id=*", True),
        ("payload.repo_id=z?o", True),
        ("call_report.tags=pulp:action:sync", True),
        ("call_report.tags.0=pulp:repository:*", True),
        ("call_report.tags.7=x", False),
        ("event_type.deeper=x", False),
        ("subject=pulp.server.repo.sync.finish", True),
        ("subject=pulp.server.repo.*.finish", True),
        ("subject=pulp.server.repo.publish.*", False),
        ("exchange=pulp", True),
        ("redelivered=false", True),
        ("headers.qpid.subject=pulp.server.repo.sync.finish", True),
        ("headers.absent!=x", True),
        ('body=*"zoo"*', True),
        ("payload.repo_id=", False),
    ],
)
def test_conditions(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_value_may_contain_equals_signs_and_all_conditions_must_hold() -> None:
    d = delivery(
        b'{"q": "a=b"}',
        headers={"h": 7, "when": datetime(2024, 1, 2, tzinfo=timezone.utc), "d": Decimal("1.50"), "raw": b"\xff"},
    )
    assert holds("q=a=b", d)
    assert holds("headers.h=7", d) and holds("headers.d=1.50", d)
    assert holds("headers.when=2024-01-02T00:00:00Z", d) and holds("headers.raw=\\xff", d)
    both = Selector((parse_condition("q=a=b"), parse_condition("headers.h=8")))
    assert not both.accept(d)


def test_non_json_and_binary_bodies_have_no_fields() -> None:
    assert not holds("a=1", delivery(b"plain"))
    assert not holds("a=1", delivery(b"\xff\xfe"))
    assert holds("body=plain", delivery(b"plain"))
    assert holds("a!=1", delivery(b"\xff"))


def test_fail_where_notes_the_first_accepted_match_only() -> None:
    sel = Selector(
        (parse_condition("payload.repo_id=zoo"),), (parse_condition("payload.result!=success", "--fail-where"),)
    )
    other = delivery(SYNC_FINISH.replace(b"zoo", b"lion"))
    assert not sel.accept(other) and sel.failed is None  # not selected: cannot fail the run
    assert sel.accept(delivery()) and sel.failed is not None
    assert sel.needs_properties is False
    assert Selector((parse_condition("properties.type=x"),)).needs_properties


@pytest.mark.parametrize("text", ["nothing", "=x", "!=x", "headers=x", "properties.=x", "a..b=1", "payload.=1"])
def test_bad_conditions_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_condition(text)
    assert "--where" in caught.value.message


def test_stopping_outcomes() -> None:
    assert stopping.deadline_passed(3, None, 5) == ExitStatus.OK
    for seen, count in ((0, None), (1, 2)):
        with pytest.raises(ToolError) as caught:
            stopping.deadline_passed(seen, count, 5)
        assert caught.value.status == ExitStatus.DEADLINE and "--deadline of 5 s" in caught.value.message
    assert stopping.failed(delivery()).status == ExitStatus.FAILED_MATCH and int(ExitStatus.FAILED_MATCH) == 9


def test_headers() -> None:
    assert properties.parse_header("x-a=3") == ("x-a", "3")
    assert properties.parse_header("x-a:=3") == ("x-a", 3)
    assert properties.parse_header("k=a=b") == ("k", "a=b")
    assert properties.parse_header("flag:=true") == ("flag", True)
    assert properties.parse_header('t:={"$timestamp": "2024-01-02T00:00:00Z"}') == (
        "t",
        datetime(2024, 1, 2, tzinfo=timezone.utc),
    )
    assert properties.parse_header("empty=") == ("empty", "")
    for bad in ("novalue", "=x", "j:=not json"):
        with pytest.raises(UsageError):
            properties.parse_header(bad)


def test_properties() -> None:
    p = properties.parse_property
    assert p("content-type=application/json") == ("content_type", "application/json")
    assert p("delivery_mode=persistent") == ("delivery_mode", 2) and p("delivery-mode=1") == ("delivery_mode", 1)
    assert p("priority=9") == ("priority", 9)
    assert p("expiration=60000") == ("expiration", "60000")
    assert p("timestamp=1700000000") == ("timestamp", 1700000000)
    assert p("timestamp=2024-01-02T00:00:00Z") == ("timestamp", 1704153600)
    assert p("reply_to=amq.rabbitmq.reply-to") == ("reply_to", "amq.rabbitmq.reply-to")
    for bad in (
        "colour=red",
        "priority=300",
        "priority=high",
        "delivery_mode=3",
        "expiration=1.5",
        "timestamp=yesterday",
        "user_id=bob",
    ):
        with pytest.raises(UsageError):
            p(bad)
    assert properties.merge((("a", 1), ("b", 2)), (("b", 3), ("c", 4))) == (("a", 1), ("b", 3), ("c", 4))


def test_header_values_pika_cannot_encode_are_converted() -> None:
    from pika.data import encode_table

    values = {
        "f": 1.25,
        "neg": -0.1,
        "huge": 1e300,
        "nan": float("nan"),
        "big": 2**70,
        "ok": Decimal("12.345"),
        "nested": {"l": [2.5, 3]},
    }
    converted = properties.sendable(values)
    assert converted == {
        "f": Decimal("1.25"),
        "neg": Decimal("-0.1"),
        "huge": "1e+300",
        "nan": "nan",
        "big": str(2**70),
        "ok": Decimal("12.345"),
        "nested": {"l": [Decimal("2.5"), 3]},
    }
    encode_table([], converted)  # pika takes all of it
    # A decimal asked for by name ({"$decimal": ...}) that AMQP cannot carry is refused, not sent as text.
    with pytest.raises(ValueError, match="decimal"):
        properties.sendable({"dec": Decimal("1e-300")})


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_steady_rate_schedule_is_absolute_and_restarts_after_a_stall() -> None:
    clock = Clock()
    pace = pacing.steady(10, clock)
    msg = Message("s", b"")
    assert pace(msg) == 0
    assert pace(msg) == pytest.approx(0.1)
    clock.now += 0.15  # slept a little too long: the next one is due sooner
    assert pace(msg) == pytest.approx(0.05)
    clock.now += 5  # a stall: no burst to catch up
    assert pace(msg) == 0
    assert pace(msg) == pytest.approx(0.1)


def test_recorded_gaps_scaled_by_speed() -> None:
    clock = Clock()
    pace = pacing.recorded(2.0, clock)
    assert pace(Message("s", b"", recorded_at=1000.0)) == 0
    assert pace(Message("s", b"", recorded_at=1001.0)) == pytest.approx(0.5)
    assert pace(Message("s", b"", recorded_at=None)) == pytest.approx(0.5)  # no time: with the previous
    assert pacing.make_pace(0, 0) is None


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
    # tests/unit/test_replay_values.py).
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
