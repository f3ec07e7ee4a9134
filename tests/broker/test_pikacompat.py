"""amqp091/pikacompat.py on a live connection: the parts pika sets up in a connection's constructor.

When one of these fails after a pika upgrade, the named assumption broke: fix pikacompat.py (and
only it), do not skip the test. The parts that need no connection: tests/unit/amqp091/test_pikacompat.py."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pika
import pika.channel
import pika.connection
import pika.data
import pika.exceptions as px
import pytest

from pulp_amqp_tools.amqp091 import pikacompat

BROKER_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


# --- pure: what can be checked on pika's classes and module functions ------------------------------


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
