"""amqp091/pikacompat.py without a connection: the pika internals we reach into, and the bounded join.

The parts that need a live connection are in tests/broker/test_pikacompat.py."""

from __future__ import annotations

import inspect
import struct
from collections import deque
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pika
import pika.channel
import pika.connection
import pika.data
import pytest
from pika.adapters.utils import io_services_utils

from pulp_amqp_tools.amqp091 import fieldcodec, pikacompat
from pulp_amqp_tools.amqp091.pikacompat import JOIN_LIMIT, _joined


def test_joining_is_bounded() -> None:
    frames = deque([b"m" * 20, b"h" * 30, b"b" * 131_072] * 40)
    chunks = _joined(frames)
    assert b"".join(chunks) == b"".join(frames)
    assert max(map(len, chunks)) <= JOIN_LIMIT
    assert len(chunks) < len(frames) / 2


def parameter_names(function: Any) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


class _Socket:
    def __init__(self) -> None:
        self.sent: list[bytes] = []

    def fileno(self) -> int:
        return 99

    def send(self, data: bytes) -> int:
        self.sent.append(bytes(data))
        return len(data)


class _IoServices:
    def set_reader(self, _fd: int, _callback: Any) -> None:
        pass

    def set_writer(self, _fd: int, _callback: Any) -> None:
        pass

    def remove_writer(self, _fd: int) -> bool:
        return True


def _properties_with_headers(table: bytes) -> bytes:
    """A content header's property list carrying only `headers` (the raw field table)."""
    return struct.pack(">H", pika.spec.BasicProperties.FLAG_HEADERS) + struct.pack(">I", len(table)) + table


def _entry(name: bytes, value: bytes) -> bytes:
    return bytes([len(name)]) + name + value


@pytest.fixture
def decoders() -> Iterator[None]:
    saved = pika.data.decode_value, pika.data.decode_table
    fieldcodec.install()
    yield
    pika.data.decode_value, pika.data.decode_table = saved


def test_the_connection_internals_we_call_exist_with_the_signatures_we_use() -> None:
    connection = pika.connection.Connection
    assert parameter_names(getattr(connection, "_adapter_call_later")) == ["delay", "callback"], "call_later"
    assert parameter_names(getattr(connection, "_adapter_remove_timeout")) == ["timeout_id"], "remove_timeout"
    assert parameter_names(getattr(connection, "_terminate_stream")) == ["error"], "terminate"


def test_coalesce_writes_sends_the_buffered_frames_in_one_send() -> None:
    """pika buffers each frame in `_tx_buffers` (a deque) and flushes them through `self._produce()`."""
    sock = _Socket()
    transport = io_services_utils._AsyncPlaintextTransport(cast(Any, sock), cast(Any, None), cast(Any, _IoServices()))
    assert isinstance(getattr(transport, "_tx_buffers", None), deque), "_tx_buffers is no longer a deque"
    connection = SimpleNamespace(_impl=SimpleNamespace(_transport=transport))
    assert pikacompat.coalesce_writes(cast(Any, connection)), "coalesce_writes found no _transport/_produce"
    for frame in (b"method", b"header", b"body"):
        transport.write(frame)
    getattr(transport, "_on_socket_writable")()  # what pika's I/O loop calls once the socket takes data
    assert sock.sent == [b"methodheaderbody"], "pika no longer flushes through the instance's _produce"


@pytest.mark.usefixtures("decoders")
def test_installed_decoders_are_what_pika_uses_for_message_headers() -> None:
    """pika.spec decodes headers through the module attribute pika.data.decode_table, and
    decode_table its values through the module global decode_value: both replaced by install()."""
    props = pika.spec.BasicProperties()
    props.decode(_properties_with_headers(_entry(b"d", b"d" + struct.pack(">d", 1.5))))
    assert props.headers == {"d": 1.5}, "a double header was not decoded by fieldcodec.decode_value"
    hostile = _entry(b"bad", b"?")
    props = pika.spec.BasicProperties()
    props.decode(_properties_with_headers(hostile))
    assert props.headers == {fieldcodec.UNDECODABLE: hostile}, "pika.spec bypassed fieldcodec.decode_table"


def test_the_original_decoders_are_pikas_own() -> None:
    assert pikacompat.ORIGINAL_DECODE_VALUE.__module__ == "pika.data"
    assert pikacompat.ORIGINAL_DECODE_TABLE.__module__ == "pika.data"
    assert parameter_names(pikacompat.ORIGINAL_DECODE_TABLE) == ["encoded", "offset"]
