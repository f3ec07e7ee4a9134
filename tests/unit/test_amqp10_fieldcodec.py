"""Headers and properties to a 1.0 message and back (amqp10/fieldcodec.py), through proton's own encoding."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

proton = pytest.importorskip("proton")

from proton import Message  # noqa: E402

from pulp_amqp_tools.amqp10 import fieldcodec  # noqa: E402
from pulp_amqp_tools.errors import UsageError  # noqa: E402


def _wire(msg: Message) -> Message:
    """The message as a peer decodes it: encoded and decoded again."""
    again = Message()
    again.decode(msg.encode())
    return again


def test_round_trip_by_0_9_1_names() -> None:
    when = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=timezone.utc)
    headers = {"s": "v", "n": 7, "f": 1.5, "t": True, "b": b"\x00\xff", "when": when, "d": Decimal("1.50")}
    props = (
        ("content_type", "application/json"),
        ("delivery_mode", 2),
        ("priority", 7),
        ("correlation_id", "c1"),
        ("reply_to", "r"),
        ("expiration", "60000"),
        ("message_id", "m1"),
        ("timestamp", 1700000000),
        ("type", "pulp.event"),
        ("app_id", "pulp"),
    )
    msg = _wire(fieldcodec.message("pulp.server.repo.sync.start", b"\x00body", headers, props))
    assert fieldcodec.body_bytes(msg.body) == b"\x00body"
    assert fieldcodec.headers_of(msg) == {**headers, "d": "1.50"}
    found = fieldcodec.properties_of(msg)
    assert {key: found[key] for key, _ in props} == {**dict(props), "priority": 7}
    assert found["subject"] == "pulp.server.repo.sync.start"
    assert msg.creation_time == 1700000000.0  # sent as milliseconds, read back as seconds


def test_maps_and_lists_are_refused_in_one_line() -> None:
    for value in ({"a": 1}, [1, 2]):
        with pytest.raises(UsageError) as caught:
            fieldcodec.message("s", b"", {"k": value}, ())
        assert "application properties cannot hold a map or a list" in caught.value.message
        assert "\n" not in caught.value.message


def test_bodies_of_other_sections_become_bytes() -> None:
    assert fieldcodec.body_bytes("text é") == "text é".encode()
    assert fieldcodec.body_bytes(None) == b""
    assert fieldcodec.body_bytes(memoryview(b"xy")) == b"xy"
    assert fieldcodec.body_bytes({"a": [1, proton.symbol("s")]}) == b'{"a": [1, "s"]}'


def test_hostile_values_become_plain_ones() -> None:
    assert fieldcodec.incoming_value(proton.timestamp(2**62)) == 2**62  # past year 9999: the number
    assert fieldcodec.incoming_value(proton.symbol("x")).__class__ is str
    assert fieldcodec.incoming_value(proton.ulong(5)).__class__ is int
    assert fieldcodec.incoming_value(proton.Described(proton.symbol("d"), 1)) == "Described(symbol('d'), 1)"


def test_a_message_that_cannot_be_decoded_becomes_a_visible_delivery() -> None:
    from pulp_amqp_tools.amqp10.consume import UNDECODABLE, safe_delivery_of

    deep: list[object] = []
    for _ in range(5000):  # nested past Python's recursion limit
        deep = [deep]
    msg = Message(body=deep, subject="s")
    delivery = safe_delivery_of(msg, "x", True)
    assert delivery.headers == {UNDECODABLE: "RecursionError"} and delivery.body == b""
