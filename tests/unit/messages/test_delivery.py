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


def test_body_fields_of_binary_is_base64() -> None:
    assert body_fields(b"\x00\xff\x1b") == {"body_encoding": "base64", "body": "AP8b"}


def test_every_field_type_pika_decodes_is_jsonable() -> None:
    moment = datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    value = {
        "s": "t",
        "b": b"\x00\xff",
        "t": True,
        "i": -5,
        "l": 2**62,
        "f": 1.5,
        "nan": float("nan"),
        "inf": float("-inf"),
        "d": Decimal("1.50"),
        "ts": moment,
        "big-ts": 2**63,
        "v": None,
        "a": [1, "x", [b"\x01"], {"k": None}],
        "table": {"inner": {"deeper": moment}},
        b"\xffkey": "bytes key",
    }
    data = to_jsonable(value)
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["b"] == {"$bytes": "AP8="} and data["d"] == {"$decimal": "1.50"}
    assert data["ts"] == {"$timestamp": "2024-01-02T03:04:05Z"} and data["nan"] == {"$float": "nan"}
    assert data["inf"] == {"$float": "-inf"} and data["f"] == 1.5 and data["v"] is None
    assert data["a"] == [1, "x", [{"$bytes": "AQ=="}], {"k": None}]
    assert data["\\xffkey"] == "bytes key"
