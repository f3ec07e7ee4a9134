"""Every use of pika's private API, in one module, each saying what it relies on (pika 1.3, 1.4).

pika's public API cannot stream publisher confirms, tell why a connection closed, drop a dead
peer's stream, bound a clean close, or decode any header value: these helpers reach inside it
for that. tests/unit/amqp091/test_pikacompat.py, tests/broker/test_pikacompat.py and
tests/broker/test_pikacompat_drop_channel.py check every assumption below and fail loudly, naming
it, when a pika upgrade changes one. Nothing else in the package touches a `_name` of pika's.
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


def drop_channel(channel: BlockingChannel) -> None:
    """Close `channel` through its asynchronous side (`_impl.close()`), not waiting for close-ok.

    BlockingChannel.close() and basic_cancel() reject (basic.reject) every delivery that arrived
    and was not dispatched yet, and a stream closes the whole connection over a reject. The
    asynchronous close cancels the consumers and marks the channel closing before anything more
    is read, and pika drops, never rejects, what then arrives for a closing channel.
    """
    impl = channel_impl(channel)
    if impl.is_open:
        impl.close()


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


JOIN_LIMIT = 256 * 1024  # bytes per joined chunk: two body frames of RabbitMQ's default frame_max


def _joined(buffers: deque[bytes]) -> list[bytes]:
    """The buffered frames as chunks of up to JOIN_LIMIT bytes (a larger frame stays whole)."""
    out: list[bytes] = []
    group: list[bytes] = []
    size = 0
    for chunk in buffers:
        if group and size + len(chunk) > JOIN_LIMIT:
            out.append(group[0] if len(group) == 1 else b"".join(group))
            group, size = [], 0
        group.append(chunk)
        size += len(chunk)
    if group:
        out.append(group[0] if len(group) == 1 else b"".join(group))
    return out


def coalesce_writes(connection: BlockingConnection, on_empty: Callable[[], None] | None = None) -> bool:
    """Send what pika has buffered in chunks of up to JOIN_LIMIT, not one send() per frame; False
    if pika differs. `on_empty` is called after each send pass that left nothing buffered (a
    writer waiting for the socket can stop waiting then: pika does not count it as an event).

    pika queues every frame (three per message: method, header, body) as its own chunk in
    `_impl._transport._tx_buffers` (a deque) and `_produce()` sends them one syscall each; a
    streamed publish buffers hundreds of frames between two I/O passes, so joining them first
    saves most of the per-message system-call cost. Joining *everything* did not: after a partial
    send() pika re-slices the rest of its chunk, so one joined chunk of 300 MB was copied again
    every few MB (quadratic: 26 s and 1 GB for 40 bodies of 8 MB). Where pika is not what we
    expect, it is left as it is (slower, still correct).
    """
    transport = getattr(getattr(connection, "_impl", None), "_transport", None)
    buffers = getattr(transport, "_tx_buffers", None)
    produce = getattr(transport, "_produce", None)
    if transport is None or not isinstance(buffers, deque) or not callable(produce):
        return False

    def produce_joined() -> None:
        if len(buffers) > 1:
            chunks = _joined(buffers)
            buffers.clear()
            buffers.extend(chunks)
        try:
            produce()
        finally:  # a full socket raises out of produce(): only an empty buffer calls on_empty
            if on_empty is not None and not buffers:
                on_empty()

    transport._produce = produce_joined
    return True


def unsent_bytes(connection: BlockingConnection) -> int:
    """Bytes pika buffered for the socket and has not written yet (`_impl._transport`'s public
    get_write_buffer_size()); 0 when it cannot tell."""
    transport = getattr(getattr(connection, "_impl", None), "_transport", None)
    size = getattr(transport, "get_write_buffer_size", None)
    try:
        return int(size()) if callable(size) else 0
    except Exception:  # noqa: BLE001 - a transport that is gone has nothing to write
        return 0


def frame_max(connection: BlockingConnection) -> int | None:
    """The frame_max the broker and pika agreed on (`_impl.params.frame_max`, updated by pika
    from connection.tune); None when it cannot tell."""
    value = getattr(getattr(getattr(connection, "_impl", None), "params", None), "frame_max", None)
    return value if isinstance(value, int) and value > 0 else None
