"""--header and --property: `K=V` arguments into typed AMQP header and property values. Pure.

Headers: `K=V` is the string V; `K:=JSON` is a typed value (number, true/false, null, list,
object, or a tagged {"$timestamp": ...}/{"$decimal": ...}/{"$bytes": ...} as `--json` writes them).
Properties: each name has its type, checked here, so a typo fails before anything is published.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import from_jsonable
from pulp_amqp_tools.messages.subjects import check_short

STRING_PROPERTIES = ("content_type", "content_encoding", "message_id", "correlation_id", "reply_to", "type", "app_id")
PROPERTIES = (*STRING_PROPERTIES, "delivery_mode", "priority", "expiration", "timestamp")
DELIVERY_MODES = {"1": 1, "transient": 1, "2": 2, "persistent": 2}
_INT64 = 2**63
_INT32 = 2**31


def _decimal_fits(value: Decimal) -> bool:
    # AMQP's decimal is a scale octet and a signed 32-bit integer.
    try:
        if not value.is_finite():
            return False
        normal = value.normalize()
        scale = max(0, -int(normal.as_tuple().exponent))
        return scale <= 255 and -_INT32 <= int(normal.scaleb(scale)) < _INT32
    except (InvalidOperation, OverflowError, ValueError):
        return False


def sendable(value: Any) -> Any:
    """A header value pika can encode: it has no float encoder (floats from other clients arrive as
    'd'/'f'), so a float goes out as a decimal of the same digits; what fits no AMQP type goes as text."""
    if isinstance(value, dict):
        return {str(key): sendable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [sendable(item) for item in value]
    if value is None or isinstance(value, (bool, str, bytes, datetime)):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, float):
        exact = Decimal(repr(value)) if math.isfinite(value) else None
        return exact if exact is not None and _decimal_fits(exact) else repr(value)
    if isinstance(value, Decimal):
        return value if _decimal_fits(value) else str(value)
    return str(value)


def _split(text: str, flag: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or key == ":":
        raise UsageError(f"{flag} {text!r}: expected NAME=VALUE")
    return key, value


def parse_header(text: str) -> tuple[str, Any]:
    """`K=V` (a string) or `K:=JSON` (a typed value)."""
    key, value = _split(text, "--header")
    check_short(key.removesuffix(":"), "the --header name")
    if not key.endswith(":"):
        return key, value
    try:
        return key[:-1], sendable(from_jsonable(json.loads(value)))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--header {text!r}: the value after := must be JSON ({exc})") from None


def _timestamp(value: str, text: str) -> int:
    if value == "now":
        return int(datetime.now(timezone.utc).timestamp())
    if value.isascii() and value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(f"--property {text!r}: timestamp is seconds since 1970, ISO-8601 or 'now'") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())


def parse_property(text: str) -> tuple[str, Any]:
    """`NAME=VALUE` for one of the basic properties, the value in the property's type."""
    raw_key, value = _split(text, "--property")
    key = raw_key.replace("-", "_").lower()
    if key not in PROPERTIES:
        raise UsageError(f"--property {text!r}: unknown property; known: {', '.join(PROPERTIES)}")
    if key in STRING_PROPERTIES:
        return key, value
    if key == "delivery_mode":
        if value.lower() not in DELIVERY_MODES:
            raise UsageError(f"--property {text!r}: delivery_mode is 1/transient or 2/persistent")
        return key, DELIVERY_MODES[value.lower()]
    if key == "priority":
        if not (value.isascii() and value.isdigit()) or int(value) > 255:
            raise UsageError(f"--property {text!r}: priority is a whole number from 0 to 255")
        return key, int(value)
    if key == "expiration":
        # AMQP carries it as a string; RabbitMQ closes the channel unless it is whole milliseconds.
        if not (value.isascii() and value.isdigit()):
            raise UsageError(f"--property {text!r}: expiration is a whole number of milliseconds")
        return key, value
    return key, _timestamp(value, text)


def merge(base: Iterable[tuple[str, Any]], extra: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    """`base` with the pairs of `extra` added, a later value replacing an earlier one of the same name."""
    merged = dict(base)
    merged.update(extra)
    return tuple(merged.items())
