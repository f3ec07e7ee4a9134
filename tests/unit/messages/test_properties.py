"""messages/properties.py: --header and --property values, and those pika cannot encode."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages import properties


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
