"""The publisher's waits end when what they wait for happened, not on a fixed tick (issue 22, item 14).

A one-event pulp-emit sat out a 50 ms I/O pass after its confirm had arrived: pika's
process_data_events() returns early only for events it counts, and neither a confirm nor a
finished write is one. Every timed pass the publisher makes must have a wake-up armed for what it
waits on. Observed with a recording wrapper around the real connection's process_data_events
(every call still goes through to pika, on a real broker).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.amqp091.confirms import StreamingPublisher
from tests.support.broker import BROKER_URL

pytestmark = pytest.mark.broker


class Passes:
    """Each process_data_events() call the publisher makes: its time limit and whether a wake-up was armed."""

    def __init__(self, connection: BlockingConnection) -> None:
        self.calls: list[tuple[float, bool]] = []
        self.publisher: StreamingPublisher | None = None
        real = connection.process_data_events

        def recorded(time_limit: float | None = 0) -> None:
            publisher = self.publisher
            wake_at = getattr(publisher, "_wake_at", None)
            written = bool(getattr(publisher, "_wake_when_written", False))
            armed = publisher is not None and (wake_at is not None or written)
            self.calls.append((float(time_limit or 0), armed))
            real(time_limit=time_limit)

        connection.process_data_events = recorded  # type: ignore[method-assign]

    def unarmed_timed(self) -> list[float]:
        return [limit for limit, armed in self.calls if limit > 0 and not armed]


@pytest.fixture
def bound(admin: BlockingChannel, exchange: str, queue_name: str) -> Iterator[str]:
    """A topic exchange with a queue for every message: confirms come after the queue took them."""
    admin.exchange_declare(exchange, "topic", auto_delete=False)
    admin.queue_declare(queue_name, durable=False)
    admin.queue_bind(queue_name, exchange, "#")
    yield exchange


def _publisher(window: int = 2000) -> tuple[BlockingConnection, StreamingPublisher, Passes]:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    passes = Passes(connection)
    publisher = StreamingPublisher(connection, connection.channel(), window)
    passes.publisher = publisher
    passes.calls.clear()  # setting up is not what is measured
    return connection, publisher, passes


def _outgoing(subject: str, body: bytes) -> tuple[str, bytes, dict[str, Any], tuple[tuple[str, Any], ...]]:
    return (subject, body, {}, ())


def test_one_event_waits_for_its_confirm_with_a_wake_up_armed(bound: str) -> None:
    connection, publisher, passes = _publisher()
    try:
        publisher.publish(bound, _outgoing("repo.sync.start", b"{}"))
        assert publisher.wait(30)
        assert publisher.confirmed == 1
        # Today's code drained the socket with a 50 ms pass nothing could end early.
        assert passes.unarmed_timed() == []
    finally:
        connection.close()


def test_large_bodies_drain_with_a_wake_up_armed(bound: str) -> None:
    """Bodies that fill the socket: each timed pass while writing ends once pika wrote it all."""
    connection, publisher, passes = _publisher()
    try:
        body = b"x" * (4 * 1024 * 1024)
        for number in range(16):
            publisher.publish(bound, _outgoing(f"big.{number}", body))
        assert publisher.wait(60)
        assert publisher.confirmed == 16
        assert passes.unarmed_timed() == []
    finally:
        connection.close()
