"""pikacompat's assumptions added for streams and drained writes (issue 22, items 1 and 14).

drop_channel(): closing a stream consumer's channel through pika's asynchronous side rejects
nothing (BlockingChannel.close() and basic_cancel() would, and a stream closes the whole
connection over a reject). coalesce_writes(on_empty): called once pika's buffer is written out.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pika
import pytest

from pulp_amqp_tools.amqp091 import pikacompat
from tests.support.broker import BROKER_URL, channel, declare_stream, delete, publish, unique

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def stream() -> Iterator[tuple[str, str]]:
    name, exchange = unique("pat-stream"), unique("pat-sx")
    with channel() as ch:
        declare_stream(ch, name, exchange)
        publish(ch, exchange, [(f"m.{n}", b"x" * 1000) for n in range(3000)])
    yield name, exchange
    delete(queues=[name], exchanges=[exchange])


def test_drop_channel_leaves_the_connection_up_with_deliveries_in_flight(stream: tuple[str, str]) -> None:
    name, _exchange = stream
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        consuming = connection.channel()
        consuming.basic_qos(prefetch_count=10)
        seen: list[int] = []

        def take(ch: Any, method: Any, _props: Any, _body: bytes) -> None:
            seen.append(method.delivery_tag)
            ch.basic_ack(method.delivery_tag)  # credit back: the broker keeps sending

        consuming.basic_consume(name, take, arguments={"x-stream-offset": "first"})
        while len(seen) < 100:
            connection.process_data_events(time_limit=0.2)
        pikacompat.drop_channel(consuming)  # deliveries in flight and not yet dispatched
        again = connection.channel()  # the connection is still up...
        again.queue_declare(name, passive=True)
        connection.process_data_events(time_limit=0.5)
        assert connection.is_open and again.is_open  # ...and no reject closed it meanwhile
    finally:
        if connection.is_open:
            connection.close()


def test_on_empty_is_called_once_the_buffer_is_written() -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        emptied: list[int] = []
        assert pikacompat.coalesce_writes(connection, lambda: emptied.append(1))
        ch = connection.channel()
        ch.queue_declare("", exclusive=True)  # a round trip: frames written, buffer emptied
        assert emptied and pikacompat.unsent_bytes(connection) == 0
    finally:
        connection.close()
