"""pika's AMQP field-table decoder made total, so no header value can stop the listener.

pika decodes a message's headers while it reads the frame, before our callback runs, and an
exception there drops the whole connection: on a durable queue the message comes back and stops
every listener for good (a poison message). Seen with pika 1.4.4 on RabbitMQ 3.10, which passes
these through: a timestamp past year 9999 (`OverflowError`/`ValueError`) and tables or arrays
nested past Python's recursion limit (`RecursionError`). pika also truncates float and double
values to integers (its 'f' and 'd' branches go through int()).

`install()` wraps pika.data's decoders: floats decode as floats, an out-of-range timestamp as its
integer seconds, nesting deeper than MAX_DEPTH is refused, and a headers table that still cannot
be decoded becomes `{UNDECODABLE: <its raw bytes>}`: shown like any other header, never fatal.
"""

from __future__ import annotations

import struct
from datetime import datetime, timezone
from typing import Any

from pulp_amqp_tools.amqp091 import pikacompat

UNDECODABLE = "(undecodable headers)"
MAX_DEPTH = 64  # tables and arrays inside tables; real headers nest a few levels at most

_original_value = pikacompat.ORIGINAL_DECODE_VALUE
_original_table = pikacompat.ORIGINAL_DECODE_TABLE
_depth = 0


def decode_value(encoded: bytes, offset: int) -> tuple[Any, int]:
    """pika's decode_value with floats kept, timestamps total and nesting bounded."""
    global _depth
    kind = encoded[offset : offset + 1]
    if kind == b"d":
        return struct.unpack_from(">d", encoded, offset + 1)[0], offset + 9
    if kind == b"f":
        return struct.unpack_from(">f", encoded, offset + 1)[0], offset + 5
    if kind == b"T":
        seconds: int = struct.unpack_from(">Q", encoded, offset + 1)[0]
        try:
            return datetime.fromtimestamp(seconds, timezone.utc), offset + 9
        except (OverflowError, ValueError, OSError):
            return seconds, offset + 9
    if kind in (b"A", b"F"):
        if _depth >= MAX_DEPTH:
            raise ValueError(f"field tables nested deeper than {MAX_DEPTH}")
        _depth += 1
        try:
            return _original_value(encoded, offset)
        finally:
            _depth -= 1
    return _original_value(encoded, offset)


def decode_table(encoded: bytes, offset: int) -> tuple[dict[Any, Any], int]:
    """pika's decode_table; at the top level, a table it cannot decode becomes its raw bytes."""
    if _depth:
        return _original_table(encoded, offset)
    size: int = struct.unpack_from(">I", encoded, offset)[0]
    end = offset + 4 + size
    try:
        return _original_table(encoded, offset)
    except Exception:  # noqa: BLE001 - anything a hostile table raises; the frame stays readable
        return {UNDECODABLE: bytes(encoded[offset + 4 : end])}, end


def install() -> None:
    """Route pika's table decoding (message headers included) through the functions above."""
    pikacompat.install_decoders(decode_value, decode_table)
