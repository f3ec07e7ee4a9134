"""What a handler is given: the body on stdin, metadata in AMQP_* variables, the record in a file. No pika.

Values are passed as bytes, exactly as they came (a routing key that is not UTF-8 stays those
bytes), with two exceptions an environment forces on us: a NUL byte cannot be passed and becomes
the four characters \\x00, and a value longer than VALUE_LIMIT bytes is left out and named in
AMQP_OMITTED (the whole record is always in the AMQP_RECORD file). No shell ever sees a value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulp_amqp_tools.messages.delivery import Delivery, json_line

VALUE_LIMIT = 32 * 1024  # Linux refuses a single environment string over 128 KiB (MAX_ARG_STRLEN)
PREFIX = b"AMQP_"


def _raw(value: object) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    elif value is None:
        data = b""
    else:
        data = str(value).encode("utf-8", "backslashreplace")  # a lone surrogate cannot be UTF-8
    return data.replace(b"\0", b"\\x00")


def variables(delivery: Delivery, record_line: str, record_path: str, retries: int) -> dict[bytes, bytes]:
    """The AMQP_* variables of one message (to add to the listener's own environment)."""
    record: dict[str, Any] = json.loads(record_line)
    subject: object = delivery.routing_key or delivery.subject  # the routing key's own bytes, if any
    found = {
        b"AMQP_SUBJECT": _raw(subject),
        b"AMQP_EXCHANGE": _raw(delivery.exchange),
        b"AMQP_ROUTING_KEY": _raw(delivery.routing_key),
        b"AMQP_REDELIVERED": b"true" if delivery.redelivered else b"false",
        b"AMQP_MESSAGE_ID": _raw(delivery.properties.get("message_id")),
        b"AMQP_HEADERS": json.dumps(record["headers"]).encode("ascii"),
        b"AMQP_RETRIES": str(retries).encode("ascii"),
        b"AMQP_RECORD": _raw(record_path),
    }
    omitted = [name for name, value in found.items() if len(value) > VALUE_LIMIT]
    for name in omitted:
        found[name] = b""
    found[b"AMQP_OMITTED"] = b" ".join(omitted)
    return found


def environment(base: Mapping[bytes, bytes], extra: Mapping[bytes, bytes]) -> dict[bytes, bytes]:
    """The listener's environment without stale AMQP_* message variables, plus `extra`."""
    env = {name: value for name, value in base.items() if name not in extra}
    env.update(extra)
    return env


def record_text(delivery: Delivery) -> str:
    """The whole `--json` record of the message, as the AMQP_RECORD file holds it."""
    return json_line(delivery)
