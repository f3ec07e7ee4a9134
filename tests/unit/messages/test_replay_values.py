"""messages/replay.py refuses recorded values it would otherwise send as something else (issue 22,
item 9): bad base64 in $bytes, NaN and infinite floats, integers past 64 bits; record and field named."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages import replay


def line(headers: dict[str, Any], properties: dict[str, Any] | None = None) -> bytes:
    record = {"subject": "a.b", "exchange": "x", "body": "b", "headers": headers, "properties": properties or {}}
    return json.dumps(record).encode()


@pytest.mark.parametrize(
    ("headers", "named"),
    [
        ({"raw": {"$bytes": "!!!!"}}, "header 'raw': $bytes is not base64"),
        ({"raw": {"$bytes": "QUI"}}, "header 'raw': $bytes is not base64"),  # no padding
        ({"n": {"$float": "nan"}}, "header 'n': float nan cannot be sent"),
        ({"n": {"$float": "-inf"}}, "header 'n': float -inf cannot be sent"),
        ({"big": 2**64}, f"header 'big': integer {2**64} does not fit AMQP's 64-bit"),
        ({"big": -(2**63) - 1}, "header 'big': integer"),
        ({"deep": {"l": [1, {"$float": "inf"}]}}, "header 'deep': float inf"),
        ({"deep": [2**200]}, "header 'deep': integer 160693804425...(61 digits)"),
    ],
)
def test_values_a_replay_would_change_are_refused_naming_the_record_and_field(
    headers: dict[str, Any], named: str
) -> None:
    with pytest.raises(UsageError) as caught:
        replay.read_recording([b"\n", line(headers)], "'rec.ndjson'")
    assert "--replay 'rec.ndjson' line 2: " in str(caught.value) and named in str(caught.value)


def test_a_property_with_a_bad_tagged_value_is_named() -> None:
    with pytest.raises(UsageError, match="property 'message_id': \\$bytes is not base64"):
        replay.read_recording([line({}, {"message_id": {"$bytes": "%%"}})], "-")


def test_values_that_fit_still_replay_exactly() -> None:
    (message,) = replay.read_recording(
        [line({"raw": {"$bytes": "AP8="}, "top": 2**63 - 1, "low": -(2**63), "f": 1.5})], "-"
    ).messages
    headers = dict(message.headers)
    assert headers["raw"] == b"\x00\xff" and headers["top"] == 2**63 - 1 and headers["low"] == -(2**63)
