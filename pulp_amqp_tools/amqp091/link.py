"""One live pika connection, as the loops see it (transport.interface.Link)."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.amqp091 import pikacompat, topology
from pulp_amqp_tools.amqp091.broker import capabilities
from pulp_amqp_tools.transport.broker import BrokerSettings, host_port
from pulp_amqp_tools.transport.capabilities import Capabilities
from pulp_amqp_tools.transport.interface import QueueSpec, Topology

if TYPE_CHECKING:
    from pulp_amqp_tools.amqp091.confirms import StreamingPublisher
    from pulp_amqp_tools.amqp091.consume import Consumer
    from pulp_amqp_tools.messages.delivery import Delivery

CLOSE_GRACE = 2.0  # seconds a clean close may take before the socket is simply dropped


def _quiet(_message: str) -> None:
    pass


def close_quietly(connection: BlockingConnection | None) -> None:
    """Close cleanly (an exclusive queue goes with it) but never wait on a dead peer for long."""
    if connection is None or not connection.is_open:
        return
    impl = pikacompat.impl(connection)
    timer = pikacompat.call_later(
        impl, CLOSE_GRACE, lambda: pikacompat.terminate(impl, px.AMQPHeartbeatTimeout("close timed out"))
    )
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real outcome
        pass
    finally:
        try:
            pikacompat.remove_timeout(impl, timer)
        except Exception:  # noqa: BLE001
            pass


class Link:
    """A BlockingConnection with what listen and emit do on it; the publisher and consumer are lazy
    imports, so a one-event emit loads no consumer code."""

    def __init__(
        self, connection: BlockingConnection, settings: BrokerSettings, notice: Callable[[str], None] = _quiet
    ) -> None:
        self.connection = connection
        self.endpoint = pikacompat.endpoint(connection)  # the broker that answered
        self._heartbeat = settings.heartbeat
        self._vhost = settings.vhost
        self._settings = settings
        self._notice = notice  # warnings while setting up (an exchange whose type the broker will not tell)
        self._types: dict[str, str | None] = {}  # each exchange set up on this link: its type, if told
        # What the broker said of itself in connection.start: asked by the loops, and by topology.
        self._broker = capabilities(getattr(pikacompat.impl(connection), "server_properties", None))

    @property
    def broker(self) -> Capabilities:
        return self._broker

    @property
    def where(self) -> str:
        return host_port(*self.endpoint)

    @property
    def is_open(self) -> bool:
        return bool(self.connection.is_open)

    def ensure(self, wanted: Topology) -> str | None:
        return self._ensure(wanted).queue

    def _ensure(self, wanted: Topology, channel: BlockingChannel | None = None) -> topology.Prepared:
        prepared = topology.ensure(self.connection, wanted, channel, self._notice, self._vhost, self._broker)
        self._types.update((name, prepared.exchange_type(name)) for name, _kind in prepared.kinds)
        return prepared

    def consume(self, wanted: Topology, prefetch: int, properties: bool = True) -> Consumer:
        from pulp_amqp_tools.amqp091.consume import Consumer

        queue = wanted.queue
        return Consumer(
            self.connection,
            lambda channel: self._ensure(wanted, channel),
            prefetch,
            properties,
            self._heartbeat,
            queue.stream if queue is not None else None,
            queue.if_stream if queue is not None else None,
        )

    def exchange_type(self, name: str) -> str | None:
        return self._types.get(name)

    def peek(self, queue: QueueSpec, properties: bool = True) -> Generator[Delivery, None, None]:
        from pulp_amqp_tools.amqp091.peek import peek

        return peek(self.connection, queue, properties, self._settings)

    def publisher(self, window: int, stall_after: float | None = None) -> StreamingPublisher:
        from pulp_amqp_tools.amqp091.confirms import StreamingPublisher

        return StreamingPublisher(self.connection, self.connection.channel(), window, self._heartbeat, stall_after)

    def sleep(self, seconds: float) -> None:
        self.connection.sleep(seconds)

    def close(self) -> None:
        close_quietly(self.connection)
