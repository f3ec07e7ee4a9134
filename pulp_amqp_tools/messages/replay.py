"""emit --replay: the records `listen --json` wrote, back into Messages to publish. Pure.

Each line is one record: its subject becomes the routing key, the body comes back byte for byte
(`delivery.body_bytes`), headers and properties with their AMQP types (`delivery.from_jsonable`),
and `received_at` gives the gaps that --speed scales. The whole recording is read and checked
before anything is published, so a bad line never leaves a half-done replay.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import body_bytes, from_jsonable, parse_iso_time
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.names import check_short
from pulp_amqp_tools.messages.properties import BASIC_PROPERTIES, REPLAYED, SETTABLE, parse_property, sendable
from pulp_amqp_tools.messages.safetext import one_line, quoted

# Headers the broker adds on delivery, not the publisher: a stream's position of the message.
BROKER_HEADERS = frozenset(("x-stream-offset",))
_INT64 = 2**63  # AMQP 0-9-1's long-long is signed


@dataclass(frozen=True)
class Recording:
    """A recording's messages and the exchanges they were received from."""

    messages: tuple[Message, ...]
    exchanges: frozenset[str]
    lines: tuple[int, ...] = ()  # the line number of each message, for errors found later


def parse_time(text: Any) -> float | None:
    """`received_at` (ISO-8601, as `listen --json` writes it) as seconds since 1970; None if absent or bad."""
    if not isinstance(text, str):
        return None
    try:
        return parse_iso_time(text).timestamp()
    except ValueError:
        return None


def message_from_record(record: dict[str, Any]) -> Message:
    """One record as a Message; a record that cannot be one raises ValueError."""
    subject = record.get("subject") or record.get("routing_key") or ""
    if not isinstance(subject, str):
        raise ValueError("'subject' is not a string")
    check_short(subject, "the subject")
    if "body" not in record:
        raise ValueError("no 'body'")
    if record.get("body_encoding", "utf-8") not in ("json", "utf-8", "base64"):
        raise ValueError(f"unknown body_encoding {record.get('body_encoding')!r}")
    try:
        if record.get("body_encoding") == "base64":
            base64.b64decode(record["body"], validate=True)  # body_bytes alone would skip bad characters
        body = body_bytes(record)
    except (binascii.Error, UnicodeEncodeError, TypeError) as exc:
        raise ValueError(f"bad body: {exc}") from None
    kept = _properties(record.get("properties") or {})
    sent = _headers(record.get("headers") or {})
    return Message(subject, body, sent, kept, parse_time(record.get("received_at")))


def _decoded(raw: Any, what: str) -> Any:
    """A tagged JSON value back as its AMQP type, refused (ValueError naming `what`) rather than changed."""
    try:
        value = from_jsonable(raw)
        exact(value)
    except ValueError as exc:
        raise ValueError(f"{what}: {exc}") from None
    return value


def exact(value: Any) -> None:
    """Refuse what `sendable` would send as something else: an integer past AMQP's 64 bits, a NaN
    or infinite float (pika has no float encoder, and AMQP's decimal holds neither); both would
    otherwise go out as text, silently. Nested tables and arrays are checked too."""
    if isinstance(value, dict):
        for item in value.values():
            exact(item)
    elif isinstance(value, list):
        for item in value:
            exact(item)
    elif isinstance(value, int) and not isinstance(value, bool) and not -_INT64 <= value < _INT64:
        digits = str(value)
        shown = digits if len(digits) <= 30 else f"{digits[:12]}...({len(digits)} digits)"
        raise ValueError(f"integer {shown} does not fit AMQP's 64-bit signed integer")
    elif isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"float {value!r} cannot be sent: AMQP's decimal has no NaN or infinity")


def _properties(raw: Any) -> tuple[tuple[str, Any], ...]:
    """The recorded basic properties a replay sends again, each checked as --property checks it."""
    if not isinstance(raw, dict):
        raise ValueError("'headers' and 'properties' must be objects")
    kept = []
    for key, recorded in raw.items():
        if key not in REPLAYED or recorded is None:
            continue
        value = _decoded(recorded, f"property {quoted(key)}")
        wanted = BASIC_PROPERTIES[key]
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise ValueError(f"property {key!r} is not a {wanted.__name__}")
        if key in SETTABLE:
            try:  # the ranges --property enforces (priority 0-255, whole-ms expiration...): checked
                parse_property(f"{key}={value}")  # here, not by the broker halfway through
            except UsageError as exc:
                raise ValueError(str(exc).replace("--property", "property")) from None
        kept.append((key, value))
    return tuple(kept)


def _headers(raw: Any) -> tuple[tuple[str, Any], ...]:
    """The recorded headers as they were sent (less the broker's own), with their AMQP types."""
    if not isinstance(raw, dict):
        raise ValueError("'headers' and 'properties' must be objects")
    sent: dict[str, Any] = {}
    for name, recorded in raw.items():
        if name in BROKER_HEADERS:
            continue
        check_short(str(name), "a header name")
        value = _decoded(recorded, f"header {quoted(str(name))}")
        try:
            sent[str(name)] = sendable(value)
        except ValueError as exc:
            raise ValueError(f"header {quoted(str(name))}: {exc}") from None
    return tuple(sent.items())


def parse_line(line: bytes, where: str) -> tuple[Message, str | None]:
    """One line of a recording as (Message, the exchange it was received from); a bad one is a UsageError."""
    try:
        record = json.loads(line)
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        message = message_from_record(record)
    except RecursionError:
        raise UsageError(f"--replay {where}: JSON nested too deeply") from None
    except (ValueError, UsageError) as exc:  # json.JSONDecodeError is a ValueError
        raise UsageError(
            f"--replay {where}: not a record of 'pulp-listen --json' ({one_line(str(exc)[:200])})"
        ) from None
    exchange = record.get("exchange")
    return message, exchange if isinstance(exchange, str) else None


def read_recording(lines: Iterable[bytes], source: str) -> Recording:
    """Every record of a `listen --json` recording; blank lines are skipped, a bad one is a UsageError."""
    return _collect(
        (number, parse_line(line, f"{source} line {number}")) for number, line in enumerate(lines, 1) if line.strip()
    )


def read_files(files: Iterable[tuple[str, bytes]]) -> Recording:
    """A --save-dir directory's records, given as (name, content) in the order to publish them."""
    return _collect((number, parse_line(content, quoted(name))) for number, (name, content) in enumerate(files, 1))


def _collect(parsed: Iterable[tuple[int, tuple[Message, str | None]]]) -> Recording:
    messages: list[Message] = []
    numbers: list[int] = []
    exchanges: set[str] = set()
    for number, (message, exchange) in parsed:
        messages.append(message)
        numbers.append(number)
        if exchange is not None:
            exchanges.add(exchange)
    return Recording(tuple(messages), frozenset(exchanges), tuple(numbers))
