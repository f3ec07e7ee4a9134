"""What one AMQP 0-9-1 message can carry, checked before it is sent. Uses pika's own encoder.

All properties and headers of a message travel in one content-header frame, which must fit the
connection's frame_max (RabbitMQ's default: 131,072 bytes): a larger one makes the broker close
the whole connection (FRAME_ERROR, frame_too_large), and re-sending it after a reconnect only
closes the next one. pika also raises, mid-run, on values its encoder cannot take. So emit asks
here first, before connecting where it can (exit 2), and per connection with the frame_max the
broker actually granted (exit 5).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pika.data
from pika.adapters.blocking_connection import BlockingConnection
from pika.spec import BasicProperties

from pulp_amqp_tools.amqp091 import pikacompat
from pulp_amqp_tools.messages.safetext import quoted

FRAME_MAX = 131_072  # RabbitMQ's default, and what pika asks for
# A frame's own header and end octet (8), and the content header's class, weight and body size (12).
_FRAME_OVERHEAD = 8 + 12


def _reason(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "nested too deeply"
    text = str(exc)
    return f"{type(exc).__name__}" + (f": {text[:80]}" if text and len(text) <= 80 else "")


def header_frame_size(headers: Iterable[tuple[str, Any]], properties: Iterable[tuple[str, Any]], extra: int = 0) -> int:
    """The bytes of the content-header frame (`extra` for a header added later); ValueError naming
    the header or property that pika cannot encode."""
    table = dict(headers)
    for name, value in table.items():
        try:
            pika.data.encode_table([], {name: value})
        except Exception as exc:  # noqa: BLE001 - whatever pika's encoder raises, it would raise mid-run
            raise ValueError(f"header {quoted(name)} cannot be sent ({_reason(exc)})") from None
    props = dict(properties)
    for name, value in props.items():
        try:
            BasicProperties(**{name: value}).encode()
        except Exception as exc:  # noqa: BLE001
            raise ValueError(f"property {name} cannot be sent ({_reason(exc)})") from None
    encoded = BasicProperties(headers=table, **props).encode()
    return sum(len(piece) for piece in encoded) + _FRAME_OVERHEAD + extra


def frame_problem(
    headers: Iterable[tuple[str, Any]],
    properties: Iterable[tuple[str, Any]],
    frame_max: int = FRAME_MAX,
    extra: int = 0,
) -> str | None:
    """Why these headers and properties cannot be sent on a connection with `frame_max`, or None."""
    try:
        size = header_frame_size(headers, properties, extra)
    except ValueError as exc:
        return str(exc)
    if size > frame_max:
        return (
            f"its headers and properties take {size:,} bytes, more than the broker's frame_max of "
            f"{frame_max:,} bytes allows in one frame"
        )
    return None


def granted_frame_max(connection: BlockingConnection) -> int:
    """The frame_max the broker granted `connection` (RabbitMQ's default when pika does not say)."""
    return pikacompat.frame_max(connection) or FRAME_MAX
