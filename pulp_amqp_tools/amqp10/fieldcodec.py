"""Headers and basic properties to an AMQP 1.0 message and back, by their 0-9-1 names.

Headers are the application properties, which cannot hold a map or a list (core spec 3.2.5): such
a header is refused with one line, never sent mangled. 1.0 timestamps are milliseconds (0-9-1's
are seconds). Properties: content_type/content_encoding/correlation_id/reply_to/message_id map to
the 1.0 properties section, delivery_mode 2 to header.durable, priority and expiration (ms) to the
header, timestamp to creation-time; type, app_id and cluster_id have no 1.0 field and travel as
message annotations (`x-basic-type`...). What arrives is made total: any value a hostile peer
sends becomes something the output can show; binary values are copied out of proton's memory.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from cproton import PN_OVERFLOW, pn_message_encode  # type: ignore[import-untyped]  # proton's own binding
from proton import Message, symbol, timestamp

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import to_jsonable, wire_text
from pulp_amqp_tools.messages.safetext import quoted

ANNOTATED = {"type": "x-basic-type", "app_id": "x-basic-app-id", "cluster_id": "x-basic-cluster-id"}
_FROM_ANNOTATION = {value: key for key, value in ANNOTATED.items()}
DEFAULT_PRIORITY = 4  # 1.0's default: a message without a header has it


def _outgoing_value(key: str, value: Any) -> Any:
    if isinstance(value, (dict, list, tuple)):
        raise UsageError(
            f"header {quoted(key)}: AMQP 1.0 application properties cannot hold a map or a list; "
            "send it as a string (--header K=JSON-TEXT)"
        )
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
        return timestamp(int(moment.timestamp() * 1000))
    if isinstance(value, Decimal):
        return str(value)  # proton's decimal types are raw IEEE bits: the digits travel as text
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    return value


def application_properties(headers: dict[str, Any]) -> dict[str, Any]:
    return {str(key): _outgoing_value(str(key), value) for key, value in headers.items()}


class Reusable(Message):
    """A Message a publisher fills again for every send, encoded in one try where proton needs seven.

    proton's `encode()` starts with a 16-byte buffer and doubles it on each overflow, encoding the
    whole message every time; a ~1 KB event took 7 encodes. This one starts from the last size
    that sufficed (message sizes in a run are alike) and still grows when one is larger.
    """

    _size = 1024

    def encode(self) -> bytes:
        self._pre_encode()  # proton's own: the Python-side sections into the C message
        size = self._size
        while True:
            err, data = pn_message_encode(self._msg, size)
            if err != PN_OVERFLOW:
                break
            size *= 2
        self._check(err)
        self._size = size
        return bytes(data)


def message(
    subject: str, body: bytes, headers: dict[str, Any], props: tuple[tuple[str, Any], ...], into: Message | None = None
) -> Message:
    """The 1.0 message for an Outgoing: the body as one data section, the subject as the key.

    `into`: a Message to fill again (cleared first), so a publisher reuses one instead of
    allocating a new proton message per send."""
    if into is None:
        msg = Message(body=body, subject=subject or None, inferred=True)
    else:
        msg = into
        msg.clear()
        msg.body, msg.inferred = body, True
        if subject:
            msg.subject = subject
    if headers:
        msg.properties = application_properties(headers)  # type: ignore[assignment]
    annotations: dict[symbol, Any] = {}
    for name, value in props:
        if value is None:
            continue
        if name in ANNOTATED:
            annotations[symbol(ANNOTATED[name])] = str(value)
        else:
            _set_property(msg, name, value)
    if annotations:
        msg.annotations = annotations  # type: ignore[assignment]
    return msg


def _set_property(msg: Message, name: str, value: Any) -> None:
    if name == "content_type":
        msg.content_type = symbol(str(value))
    elif name == "content_encoding":
        msg.content_encoding = symbol(str(value))
    elif name == "correlation_id":
        msg.correlation_id = str(value)
    elif name == "reply_to":
        msg.reply_to = str(value)
    elif name == "message_id":
        msg.id = str(value)
    elif name == "delivery_mode":
        msg.durable = int(value) == 2
    elif name == "priority":
        msg.priority = int(value)
    elif name == "expiration":
        msg.ttl = int(value) / 1000.0  # proton takes seconds
    elif name == "timestamp":
        msg.creation_time = float(int(value))  # proton takes seconds, sends milliseconds
    elif name == "user_id":
        msg.user_id = str(value).encode()


def incoming_value(value: Any) -> Any:
    """A value off the wire as the output shows it: proton's own types as plain Python ones."""
    if isinstance(value, timestamp):
        try:
            return datetime.fromtimestamp(int(value) / 1000.0, timezone.utc)
        except (OverflowError, ValueError, OSError):
            return int(value)
    if isinstance(value, str):
        return str(value)  # a symbol, a char: plain text
    if isinstance(value, (bool, float)) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    if isinstance(value, dict):
        return {wire_text(incoming_value(k)): incoming_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [incoming_value(item) for item in value]
    return wire_text(str(value))


def body_bytes(body: Any) -> bytes:
    """The body as bytes, copied now (since proton 0.39 binary is a view over C memory)."""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", "surrogatepass")
    if body is None:
        return b""
    if isinstance(body, list) and all(isinstance(part, (bytes, memoryview)) for part in body):
        return b"".join(bytes(part) for part in body)  # several data sections
    return json.dumps(to_jsonable(incoming_value(body))).encode()


def headers_of(msg: Message) -> dict[str, Any]:
    found = msg.properties
    if not found:
        return {}
    return {wire_text(incoming_value(key)): incoming_value(value) for key, value in found.items()}


def _symbol(value: Any) -> str | None:
    # proton 0.40 gives symbol('None') for a content type that is not set
    return None if value is None or str(value) == "None" else str(value)


def properties_of(msg: Message) -> dict[str, Any]:
    """The 0-9-1 names that have a value, then the 1.0-only fields (subject, to, annotations)."""
    found: dict[str, Any] = {}
    pairs = (
        ("content_type", _symbol(msg.content_type)),
        ("content_encoding", _symbol(msg.content_encoding)),
        ("delivery_mode", 2 if msg.durable else None),
        ("priority", msg.priority if msg.priority != DEFAULT_PRIORITY else None),
        ("correlation_id", msg.correlation_id),
        ("reply_to", msg.reply_to),
        ("expiration", str(round(msg.ttl * 1000)) if msg.ttl else None),
        ("message_id", msg.id),
        ("timestamp", int(msg.creation_time) if msg.creation_time else None),
        ("user_id", bytes(msg.user_id).decode("utf-8", "backslashreplace") if msg.user_id else None),
    )
    for name, value in pairs:
        if value is not None and value != "":
            found[name] = incoming_value(value)
    annotations: dict[Any, Any] = dict(msg.annotations or {})
    for key, value in annotations.items():
        basic = _FROM_ANNOTATION.get(str(key))
        if basic is not None:
            found[basic] = wire_text(incoming_value(value))
    for name, text in (("subject", msg.subject), ("to", msg.address), ("group_id", msg.group_id)):
        if text:
            found[name] = wire_text(text)
    others = {str(key): value for key, value in annotations.items() if str(key) not in _FROM_ANNOTATION}
    if others:
        found["annotations"] = incoming_value(others)
    return found
