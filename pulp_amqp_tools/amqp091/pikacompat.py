"""Every use of pika's private API, in one module, each saying what it relies on (pika 1.3, 1.4).

pika's public API cannot stream publisher confirms, tell why a connection closed, drop a dead
peer's stream, bound a clean close, or decode any header value: these helpers reach inside it
for that. tests/test_pikacompat.py checks every assumption below and fails loudly, naming it,
when a pika upgrade changes one. Nothing else in the package touches a `_name` of pika's.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any, Protocol, cast

import pika.data
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.channel import Channel
from pika.connection import Connection


class Decoder(Protocol):
    """pika.data's decoder signature: (value, offset after it)."""

    def __call__(self, encoded: bytes, offset: int) -> tuple[Any, int]: ...


# pika.data's own field-table decoders, before fieldcodec replaces them (pika.spec calls the
# module attributes, and decode_table calls decode_value through the module's globals).
ORIGINAL_DECODE_VALUE: Decoder = pika.data.decode_value
ORIGINAL_DECODE_TABLE: Decoder = pika.data.decode_table


def install_decoders(decode_value: Decoder, decode_table: Decoder) -> None:
    """Route all of pika's field-table decoding (message headers included) through these."""
    pika.data.decode_value = decode_value
    pika.data.decode_table = decode_table


def impl(connection: BlockingConnection) -> Connection:
    """The asynchronous connection a BlockingConnection wraps (`_impl`)."""
    return cast(Connection, getattr(connection, "_impl"))


def channel_impl(channel: BlockingChannel) -> Channel:
    """The asynchronous channel a BlockingChannel wraps (`_impl`): it can publish without waiting."""
    return cast(Channel, getattr(channel, "_impl"))


def closing_reason(channel: BlockingChannel) -> BaseException | None:
    """Why a BlockingChannel closed (`_closing_reason`), when it did."""
    reason = getattr(channel, "_closing_reason", None)
    return reason if isinstance(reason, BaseException) else None


def closed_error(connection: BlockingConnection) -> BaseException | None:
    """Why a BlockingConnection closed (`_closed_result`, ready once closed, `.value.error`)."""
    result = getattr(connection, "_closed_result", None)
    if result is not None and result.ready:
        return cast(BaseException | None, getattr(result.value, "error", None))
    return None


def endpoint(connection: BlockingConnection) -> tuple[str, int]:
    """The host and port this connection reached (`_impl.params`: the parameters that succeeded)."""
    params = impl(connection).params
    return str(params.host), int(params.port)


def bytes_received(connection: Connection) -> int:
    """Bytes read from the broker so far (`bytes_received`: public in pika, missing from its stubs)."""
    return int(getattr(connection, "bytes_received"))


def terminate(connection: Connection, error: BaseException) -> None:
    """Drop the TCP stream at once (`_terminate_stream`), as pika's own heartbeat checker does."""
    if not connection.is_closed:
        getattr(connection, "_terminate_stream")(error)


def call_later(connection: Connection, delay: float, callback: Callable[[], None]) -> object:
    """A timer on the connection's I/O loop (`_adapter_call_later`); cancel with remove_timeout."""
    return cast(object, getattr(connection, "_adapter_call_later")(delay, callback))


def remove_timeout(connection: Connection, timer: object) -> None:
    """Cancel a call_later timer (`_adapter_remove_timeout`)."""
    getattr(connection, "_adapter_remove_timeout")(timer)


def coalesce_writes(connection: BlockingConnection) -> bool:
    """Send what pika has buffered in one send() instead of one per frame; False if pika differs.

    pika queues every frame (three per message: method, header, body) as its own chunk in
    `_impl._transport._tx_buffers` (a deque) and `_produce()` sends them one syscall each; a
    streamed publish buffers hundreds of frames between two I/O passes, so joining them first
    saves most of the per-message system-call cost. Where pika is not what we expect, it is
    left as it is (slower, still correct).
    """
    transport = getattr(getattr(connection, "_impl", None), "_transport", None)
    buffers = getattr(transport, "_tx_buffers", None)
    produce = getattr(transport, "_produce", None)
    if transport is None or not isinstance(buffers, deque) or not callable(produce):
        return False

    def produce_joined() -> None:
        if len(buffers) > 1:
            joined = b"".join(buffers)
            buffers.clear()
            buffers.append(joined)
        produce()

    transport._produce = produce_joined
    return True
