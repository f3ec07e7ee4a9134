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
from decimal import Decimal
from typing import Any

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import from_jsonable, parse_iso_time
from pulp_amqp_tools.messages.names import check_short
from pulp_amqp_tools.messages.safetext import quoted

# The one table of AMQP 0-9-1 basic properties (headers aside): pika's names in the spec's order,
# which is the order listen shows and writes them in, and the type each value has on the wire.
BASIC_PROPERTIES: dict[str, type] = {
    "content_type": str,
    "content_encoding": str,
    "delivery_mode": int,
    "priority": int,
    "correlation_id": str,
    "reply_to": str,
    "expiration": str,  # whole milliseconds, as text
    "message_id": str,
    "timestamp": int,  # seconds since 1970
    "type": str,
    "user_id": str,
    "app_id": str,
    "cluster_id": str,
}
PROPERTY_NAMES = tuple(BASIC_PROPERTIES)
# RabbitMQ refuses a publish whose user_id is not the publishing connection's user (406), which
# closes the channel mid-run: neither --property nor --replay sends one. cluster_id is
# deprecated: replayed as recorded, not offered to --property.
SETTABLE = tuple(name for name in PROPERTY_NAMES if name not in ("user_id", "cluster_id"))
REPLAYED = frozenset(PROPERTY_NAMES) - {"user_id"}
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
    except (ArithmeticError, ValueError):  # decimal.Overflow (1e999999999) is an ArithmeticError
        return False


def sendable(value: Any) -> Any:
    """A header value pika can encode: it has no float encoder (floats from other clients arrive as
    'd'/'f'), so a float goes out as a decimal of the same digits; what fits no AMQP type goes as text."""
    if isinstance(value, dict):
        return {str(key): sendable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [sendable(item) for item in value]
    if value is None or isinstance(value, (bool, str, bytes)):
        return value
    if isinstance(value, datetime):
        # AMQP's timestamp is unsigned 64-bit seconds: nothing before 1970 (pika would fail mid-run).
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        if value.timestamp() < 0:
            raise ValueError(f"timestamp {value.isoformat()} is before 1970, which AMQP cannot carry")
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, float):
        exact = Decimal(repr(value)) if math.isfinite(value) else None
        return exact if exact is not None and _decimal_fits(exact) else repr(value)
    if isinstance(value, Decimal):
        if not _decimal_fits(value):  # asked for by name ({"$decimal": ...}): not silently text
            raise ValueError("decimal does not fit AMQP's decimal (a 32-bit integer and a scale of 0-255)")
        return value
    return str(value)


def _split(text: str, flag: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key or key == ":":
        raise UsageError(f"{flag} {_short(text)}: expected NAME=VALUE")
    return key, value


def _short(text: str) -> str:
    """A typed argument, quoted and cut to a readable length for an error line."""
    return quoted(text if len(text) <= 60 else text[:60] + "...")


def parse_header(text: str, flag: str = "--header") -> tuple[str, Any]:
    """`K=V` (a string) or `K:=JSON` (a typed value); `flag` names the option in errors."""
    key, value = _split(text, flag)
    check_short(key.removesuffix(":"), f"the {flag} name")
    if not key.endswith(":"):
        return key, value
    try:
        return key[:-1], sendable(from_jsonable(json.loads(value)))
    except RecursionError:
        raise UsageError(f"{flag} {_short(text)}: JSON nested too deeply") from None
    except (ValueError, TypeError) as exc:
        raise UsageError(f"{flag} {_short(text)}: the value after := must be JSON and sendable ({exc})") from None


def _timestamp(value: str, text: str) -> int:
    if value == "now":
        return int(datetime.now(timezone.utc).timestamp())
    if value.isascii() and value.isdigit():
        if len(value) > 20 or int(value) >= 2**64:
            raise UsageError(f"--property {_short(text)}: timestamp must be below 2**64 seconds")
        return int(value)
    try:
        moment = parse_iso_time(value)
    except ValueError:
        raise UsageError(f"--property {_short(text)}: timestamp is seconds since 1970, ISO-8601 or 'now'") from None
    seconds = int((moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp())
    if seconds < 0:
        raise UsageError(f"--property {_short(text)}: timestamp is before 1970, which AMQP cannot carry")
    return seconds


def _delivery_mode(value: str, text: str) -> int:
    if value.lower() not in DELIVERY_MODES:
        raise UsageError(f"--property {_short(text)}: delivery_mode is 1/transient or 2/persistent")
    return DELIVERY_MODES[value.lower()]


def _priority(value: str, text: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) > 255:
        raise UsageError(f"--property {_short(text)}: priority is a whole number from 0 to 255")
    return int(value)


def _expiration(value: str, text: str) -> str:
    # AMQP carries it as a string; RabbitMQ closes the channel unless it is whole milliseconds.
    if not (value.isascii() and value.isdigit()):
        raise UsageError(f"--property {_short(text)}: expiration is a whole number of milliseconds")
    return value


_PARSERS = {"delivery_mode": _delivery_mode, "priority": _priority, "expiration": _expiration, "timestamp": _timestamp}


def parse_property(text: str) -> tuple[str, Any]:
    """`NAME=VALUE` for one of the basic properties, the value in the property's type."""
    raw_key, value = _split(text, "--property")
    key = raw_key.replace("-", "_").lower()
    if key not in SETTABLE:
        raise UsageError(f"--property {_short(text)}: unknown property; known: {', '.join(SETTABLE)}")
    parser = _PARSERS.get(key)
    return key, (check_short(value, f"--property {key}") if parser is None else parser(value, text))


def merge(base: Iterable[tuple[str, Any]], extra: Iterable[tuple[str, Any]]) -> tuple[tuple[str, Any], ...]:
    """`base` with the pairs of `extra` added, a later value replacing an earlier one of the same name."""
    merged = dict(base)
    merged.update(extra)
    return tuple(merged.items())
