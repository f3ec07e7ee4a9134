"""A received message as plain data, its body classified, and its JSON-lines record. Pure.

`--json` output is ASCII only (json's \\uXXXX escapes), so it is safe on any terminal and under
any stdout encoding, and is what `emit --replay` reads back: every field round-trips, the body
byte for byte.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any

from pulp_amqp_tools.messages.events import SUBJECT_HEADER


@dataclass
class Delivery:
    """One message as it came off the queue.

    `exchange` and `routing_key` are what pika gives: bytes when they are not UTF-8 (a hostile
    publisher); readers pass them through `wire_text`. `subject` is always text.
    """

    exchange: str
    routing_key: str
    body: bytes
    redelivered: bool = False
    headers: dict[str, Any] = field(default_factory=dict)
    properties: dict[str, Any] = field(default_factory=dict)  # the basic properties that were set
    received_at: float = 0.0  # time.time() at arrival
    trace: dict[str, Any] | None = None  # --trace: who published it where, beside the original (trace.py)
    requeues: int = 0  # --exec: counted requeues so far, from a copy of ours whose signature held (retries.py)

    @property
    def subject(self) -> str:
        """The routing key, or Pulp's qpid.subject header when the routing key is empty."""
        routing_key = self.routing_key
        if routing_key:
            return routing_key if routing_key.__class__ is str else wire_text(routing_key)
        fallback = self.headers.get(SUBJECT_HEADER) if self.headers else None
        return "" if fallback is None else wire_text(fallback)


def wire_text(value: object) -> str:
    """A name or key off the wire as text: bytes that are not UTF-8 become \\xNN escapes."""
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "backslashreplace")
    return "" if value is None else str(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"not strict JSON: {name}")


def parse_json(text: str) -> tuple[bool, Any]:
    """(True, value) when `text` is strict JSON that Python can hold; (False, None) otherwise.

    Falls back for NaN/Infinity, integers past Python's digit limit, nesting deep enough to
    exhaust the stack, and a leading BOM: all of them arrive in real traffic sooner or later.
    """
    if not text or text[0] not in '{["-0123456789tfn \t\r\n':
        return False, None
    try:
        return True, _decode(text)
    except (ValueError, RecursionError):
        return False, None


def _no_default(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _make_encode() -> Callable[[Any], str]:
    """json.dumps' output (default separators, ASCII only), strict about NaN, built once.

    JSONEncoder.encode builds a new C encoder on every call, a third of its cost for the small
    values --json writes per message; CPython's json exposes the factory, so we keep one.
    Without the C accelerator, the plain encoder gives the same text.
    """
    factory = getattr(json.encoder, "c_make_encoder", None)
    if factory is None:
        return json.JSONEncoder(allow_nan=False).encode
    iterencode = factory(None, _no_default, json.encoder.encode_basestring_ascii, None, ": ", ", ", False, False, False)
    join = "".join

    def encode(value: Any) -> str:
        return join(iterencode(value, 0))

    return encode


# Built once: json.loads(text, parse_constant=...) would build a new decoder for every message.
_decode = json.JSONDecoder(parse_constant=_reject_constant).decode
_encode = _make_encode()
_quote = json.encoder.encode_basestring_ascii  # one str as an ASCII JSON string


@dataclass(frozen=True)
class Body:
    """A body classified for display: kind is "json", "text" or "binary"."""

    kind: str
    text: str  # the decoded text ("binary": empty; safetext.binary shows the bytes, as far as needed)
    value: Any = None  # the parsed JSON value when kind == "json"


def classify(body: bytes) -> Body:
    """Decide how to show a body: parsed JSON, UTF-8 text, or binary."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Body("binary", "")  # decoding 10 MB with an error handler takes seconds: left to the viewer
    ok, value = parse_json(text)
    return Body("json", text, value) if ok else Body("text", text)


def to_jsonable(value: Any) -> Any:
    """A header or property value as JSON; AMQP types JSON lacks become tagged objects.

    {"$bytes": base64}, {"$timestamp": ISO-8601}, {"$decimal": "1.50"}, {"$float": "nan"}:
    `from_jsonable` turns them back into the same AMQP field types for replay.
    """
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": repr(value)}
    if isinstance(value, (bytes, bytearray)):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return {"$timestamp": moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict):
        return {wire_text(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    return str(value)


def from_jsonable(value: Any) -> Any:
    """Undo `to_jsonable`."""
    if isinstance(value, list):
        return [from_jsonable(item) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((tag, raw),) = value.items()
        if tag == "$bytes" and isinstance(raw, str):
            try:  # validate: b64decode alone drops what is not base64, and "!!" would become b""
                return base64.b64decode(raw, validate=True)
            except binascii.Error:
                raise ValueError(f"$bytes is not base64: {raw[:40]!r}") from None
        if tag == "$timestamp" and isinstance(raw, str):
            return parse_iso_time(raw)
        if tag == "$decimal" and isinstance(raw, str):
            try:
                return Decimal(raw)
            except InvalidOperation:
                raise ValueError(f"not a decimal: {raw[:40]!r}") from None
        if tag == "$float" and isinstance(raw, str):
            return float(raw)
    return {key: from_jsonable(item) for key, item in value.items()}


def body_fields(body: bytes) -> dict[str, Any]:
    """The body as JSON fields: body_encoding "json" (parsed), "utf-8" (text) or "base64".

    With "json", `body` re-serialised by json.dumps' defaults gives back the original bytes;
    where it would not (other spacing, key order, number forms), `body_text` keeps the exact text.
    Read back from the text `json_line` writes, so the two can never disagree.
    """
    fields: dict[str, Any] = json.loads("{" + _body_json(body) + "}")
    return fields


def body_bytes(record: dict[str, Any]) -> bytes:
    """The exact body bytes a `--json` record stands for (the inverse of `body_fields`)."""
    encoding = record.get("body_encoding", "utf-8")
    if encoding == "base64":
        return base64.b64decode(record.get("body", ""))
    if encoding == "json":
        text = record.get("body_text")
        if not isinstance(text, str):
            text = json.dumps(record.get("body"))
        return text.encode("utf-8", "surrogatepass")
    body = record.get("body", "")
    return (body if isinstance(body, str) else json.dumps(body)).encode("utf-8", "surrogatepass")


def parse_iso_time(text: str) -> datetime:
    """An ISO-8601 time as `--json`, `$timestamp` and people write it; ValueError for anything else.

    "Z" is read as UTC on Python 3.10 too (its fromisoformat knows only "+00:00"). A time without
    an offset stays naive: each caller says what it means.
    """
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


_second_cache: dict[int, str] = {}


def iso_time(epoch: float) -> str:
    """An arrival time as ISO-8601 UTC with milliseconds."""
    second = int(epoch)
    prefix = _second_cache.get(second)
    if prefix is None:  # formatted once per second: a busy listener sees thousands per second
        if len(_second_cache) > 16:
            _second_cache.clear()
        prefix = _second_cache[second] = datetime.fromtimestamp(second, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.")
    return f"{prefix}{int((epoch - second) * 1000):03d}Z"


def _plain(mapping: dict[str, Any]) -> bool:
    """True when a headers/properties mapping is already JSON as it is (the common case)."""
    for key, value in mapping.items():
        if key.__class__ is not str or (value.__class__ is not str and value.__class__ is not int):
            return False
    return True


def _body_json(body: bytes) -> str:
    """The body fields of a `--json` record as JSON text, the same fields `body_fields` gives.

    A body that is already exactly what json.dumps writes (Pulp's) is copied in as it is: it is
    then ASCII-only JSON, and neither written out again nor re-escaped.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return '"body_encoding": "base64", "body": "' + base64.b64encode(body).decode("ascii") + '"'
    ok, value = parse_json(text)
    if ok:
        try:
            dumped = _encode(value)
        except (ValueError, RecursionError):  # 1e400 (inf), nesting past the encoder's stack
            pass
        else:
            if dumped == text:
                return '"body_encoding": "json", "body": ' + text
            return '"body_encoding": "json", "body": ' + dumped + ', "body_text": ' + _encode(text)
    return '"body_encoding": "utf-8", "body": ' + _encode(text)


def _mapping_json(mapping: dict[str, Any]) -> str:
    if not mapping:
        return "{}"
    return _encode(mapping if _plain(mapping) else to_jsonable(mapping))


def json_line(delivery: Delivery) -> str:
    """One ASCII line of JSON for `--json`, the record of one delivery; never raises for any message.

    Assembled from pieces rather than one dict through the encoder: this runs once per message.
    """
    return (
        '{"subject": '
        + _quote(delivery.subject)
        + ', "exchange": '
        + _quote(wire_text(delivery.exchange))
        + ', "routing_key": '
        + _quote(wire_text(delivery.routing_key))
        + ', "received_at": "'
        + iso_time(delivery.received_at)
        + '", "redelivered": '
        + ("true" if delivery.redelivered else "false")
        + ', "properties": '
        + _mapping_json(delivery.properties)
        + ', "headers": '
        + _mapping_json(delivery.headers)
        + (", " if delivery.trace is None else ', "trace": ' + _mapping_json(delivery.trace) + ", ")
        + _body_json(delivery.body)
        + "}\n"
    )
