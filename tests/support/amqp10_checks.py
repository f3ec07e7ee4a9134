"""What the 1.0 broker fixtures' own tests do on every broker: restart and kill, queues over 0-9-1.

Over bare proton (amqp10_bare.py) and pika only, no project code. The tests assert on what these
return, one module per broker so that pytest-xdist spreads the three brokers over its workers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pika

from .amqp10_bare import Held, RoundTrip, receive, send
from .amqp10_brokers import Amqp10Broker

__all__ = ["Survival", "durable_queue", "survive"]


@dataclass
class Survival:
    """A durable message sent, a connection the broker was asked to close, what came back after."""

    body: bytes
    sent: RoundTrip
    closed: bool
    got: RoundTrip


def survive(broker: Amqp10Broker, send_to: str, read_from: str, capabilities: tuple[str, ...] = ()) -> Survival:
    """Send a durable message, kill_connections() under a held connection, restart(), read it back.

    One restart only where kill_connections() already is one (Artemis)."""
    body = uuid.uuid4().bytes
    sent = send(broker.url, send_to, body, capabilities)
    held = Held(broker.url)
    try:
        broker.kill_connections()
        closed = held.wait_closed()
    finally:
        held.close()
    if not broker.kill_restarts:
        broker.restart()
    print(f"\n{broker!r} restarted in {broker.start_seconds:.1f} s")
    return Survival(body, sent, closed, receive(broker.url, read_from))


@contextmanager
def durable_queue(broker: Amqp10Broker) -> Iterator[str]:
    """A durable queue declared over 0-9-1 (RabbitMQ and Broker-J speak it on the same port), deleted after."""
    name = f"pat-{uuid.uuid4().hex}"
    params = pika.URLParameters(f"{broker.url}/%2F")
    connection = pika.BlockingConnection(params)
    connection.channel().queue_declare(name, durable=True)
    connection.close()
    try:
        yield name
    finally:
        again = pika.BlockingConnection(params)
        again.channel().queue_delete(name)
        again.close()
