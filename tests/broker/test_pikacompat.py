"""amqp091/pikacompat.py: every private part of pika we rely on, checked against the installed pika.

When one of these fails after a pika upgrade, the named assumption broke: fix pikacompat.py (and
only it), do not skip the test. The pure tests run anywhere; the `broker` ones need a live connection,
because pika sets most of what we use up in a connection's constructor.
"""

from __future__ import annotations

import inspect
import os
import struct
import uuid
from collections import deque
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any, cast

import pika
import pika.channel
import pika.connection
import pika.data
import pika.exceptions as px
import pytest
from pika.adapters.utils import io_services_utils

from pulp_amqp_tools.amqp091 import fieldcodec, pikacompat

BROKER_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def parameter_names(function: Any) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


# --- pure: what can be checked on pika's classes and module functions ------------------------------


def test_the_connection_internals_we_call_exist_with_the_signatures_we_use() -> None:
    connection = pika.connection.Connection
    assert parameter_names(getattr(connection, "_adapter_call_later")) == ["delay", "callback"], "call_later"
    assert parameter_names(getattr(connection, "_adapter_remove_timeout")) == ["timeout_id"], "remove_timeout"
    assert parameter_names(getattr(connection, "_terminate_stream")) == ["error"], "terminate"


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


# --- broker: what pika sets up in a live connection -------------------------------------------------


@pytest.fixture
def connection() -> Iterator[pika.BlockingConnection]:
    parameters = pika.URLParameters(BROKER_URL)
    parameters.client_properties = {"connection_name": f"test-pikacompat-{uuid.uuid4().hex[:8]}"}
    opened = pika.BlockingConnection(parameters)
    yield opened
    if opened.is_open:
        opened.close()


@pytest.mark.broker
def test_a_live_connection_has_what_we_reach_into(connection: pika.BlockingConnection) -> None:
    impl = pikacompat.impl(connection)
    assert isinstance(impl, pika.connection.Connection), "BlockingConnection._impl"
    host, port = pikacompat.endpoint(connection)
    assert (host, port) == (impl.params.host, impl.params.port) and port > 0, "_impl.params"
    assert pikacompat.bytes_received(impl) > 0, "Connection.bytes_received"
    assert pikacompat.closed_error(connection) is None, "_closed_result while open"
    assert pikacompat.coalesce_writes(connection), "_impl._transport._tx_buffers/_produce"
    assert pikacompat.frame_max(connection) == 131_072, "_impl.params.frame_max after connection.tune"
    assert pikacompat.unsent_bytes(connection) == 0, "_impl._transport.get_write_buffer_size()"


@pytest.mark.broker
def test_timers_on_the_connection_fire_and_cancel(connection: pika.BlockingConnection) -> None:
    impl = pikacompat.impl(connection)
    fired: list[str] = []
    pikacompat.call_later(impl, 0.01, lambda: fired.append("kept"))
    cancelled = pikacompat.call_later(impl, 0.01, lambda: fired.append("cancelled"))
    pikacompat.remove_timeout(impl, cancelled)
    connection.process_data_events(time_limit=0.2)
    assert fired == ["kept"]


@pytest.mark.broker
def test_terminate_drops_the_stream_and_closed_error_says_why(connection: pika.BlockingConnection) -> None:
    """A call on a channel of a dead connection raises ChannelWrongStateError; the real reason
    waits in `_closed_result` (until BlockingConnection raises it and cleans up)."""
    channel = connection.channel()
    impl = pikacompat.impl(connection)
    pikacompat.terminate(impl, px.AMQPHeartbeatTimeout("test: dropped"))
    ioloop = getattr(impl, "ioloop")
    for _ in range(3):  # run pika's I/O loop without the BlockingConnection raising the error
        ioloop.process_timeouts()
        if pikacompat.closed_error(connection) is not None:
            break
        ioloop.poll()
    assert not connection.is_open and not channel.is_open
    with pytest.raises(px.ChannelWrongStateError):
        channel.basic_publish("", "nowhere", b"")
    error = pikacompat.closed_error(connection)
    assert isinstance(error, px.AMQPHeartbeatTimeout), f"_closed_result.value.error is {error!r}"
    assert isinstance(pikacompat.closing_reason(channel), px.AMQPHeartbeatTimeout)


@pytest.mark.broker
def test_a_channel_has_its_async_channel_and_closing_reason(connection: pika.BlockingConnection) -> None:
    channel = connection.channel()
    assert isinstance(pikacompat.channel_impl(channel), pika.channel.Channel), "BlockingChannel._impl"
    assert pikacompat.closing_reason(channel) is None
    with pytest.raises(px.ChannelClosedByBroker):
        channel.exchange_declare(f"test-missing-{uuid.uuid4().hex[:8]}", passive=True)
    reason = pikacompat.closing_reason(channel)
    assert isinstance(reason, px.ChannelClosedByBroker) and reason.reply_code == 404, "_closing_reason"
