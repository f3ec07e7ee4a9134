"""Delivery records: bodies and header values through JSON and back, one ASCII line each."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal

import pytest

from pulp_amqp_tools.messages.delivery import Delivery, body_bytes, body_fields, from_jsonable, json_line, to_jsonable


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1}',
        b'{"a":1}',
        b"[1, 2.50]",
        b"text",
        b"\xff\xfe",
        b"",
        b'"\\ud800"',
        b"NaN",
        b"\xef\xbb\xbf{}",
        b"9" * 5000,
    ],
)
def test_body_fields_round_trip(body: bytes) -> None:
    fields = body_fields(body)
    assert body_bytes(json.loads(json.dumps(fields))) == body


def test_header_values_round_trip() -> None:
    value = {
        "t": datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "d": Decimal("1.50"),
        "b": b"\x00\xff",
        "n": None,
        "l": [1, "x", {"f": float("nan")}],
        "ok": True,
    }
    encoded = json.loads(json.dumps(to_jsonable(value)))
    decoded = from_jsonable(encoded)
    assert decoded["t"] == value["t"] and decoded["d"] == Decimal("1.50") and decoded["b"] == b"\x00\xff"
    assert decoded["n"] is None and decoded["ok"] is True and decoded["l"][:2] == [1, "x"]


def test_json_line_is_ascii_and_one_line() -> None:
    line = json_line(Delivery("x", "k\u202e\x1b", '{"a": "\u202e\x1b[31m"}'.encode(), headers={"h": "\x9b"}))
    assert line.endswith("\n") and line.count("\n") == 1
    assert line.isascii()
