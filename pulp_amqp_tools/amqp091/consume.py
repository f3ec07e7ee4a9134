"""listen's pika side (transport.interface.Consumer): a channel with bounded prefetch, the delivery
callback that turns pika's frames into a Delivery, settling, and noticing a lost subscription.

What to do with each delivery, when to acknowledge and when to stop is loops/listen.py's.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.spec import Basic, BasicProperties

from pulp_amqp_tools.amqp091 import fieldcodec, pikacompat
from pulp_amqp_tools.amqp091.stream_reader import StreamReader
from pulp_amqp_tools.amqp091.topology import Prepared
from pulp_amqp_tools.amqp091.watchdog import Watchdog
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.properties import PROPERTY_NAMES
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.interface import OnDelivery, Outcome, Source, Tag, TopologyLost

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.streams import StreamPosition

EXCHANGE_CHECK_EVERY = 5.0  # idle seconds between checks that the exchange still exists
_NOT_A_STREAM = re.compile(r"invalid arg 'x-stream-offset'.*of queue type (?:rabbit_)?(\w+?)(?:_queue)?$")

PikaCallback = Callable[[BlockingChannel, Basic.Deliver, BasicProperties, bytes], None]
Prepare = Callable[[BlockingChannel], Prepared]  # sets the topology up, the queue on the given channel


def properties_of(props: BasicProperties) -> dict[str, Any]:
    """The basic properties that are set, headers aside."""
    found = {}
    for name in PROPERTY_NAMES:
        value = getattr(props, name)
        if value is not None:
            found[name] = value
    return found


def delivery_of(method: Basic.Deliver | Basic.GetOk, props: BasicProperties, body: bytes, properties: bool) -> Delivery:
    """pika's frames as a Delivery: what a peek's basic.get-ok holds (consumers inline it, below)."""
    return Delivery(
        exchange=method.exchange or "",
        routing_key=method.routing_key or "",
        body=body,
        redelivered=bool(method.redelivered),
        headers=cast(dict[str, Any], props.headers or {}),  # a fresh dict pika decoded for this message
        properties=properties_of(props) if properties else {},
        received_at=time.time(),
    )


def _receiver(on_delivery: OnDelivery, properties: bool) -> PikaCallback:
    """pika's per-message callback: one Delivery and its tag to `on_delivery`, nothing else.

    delivery_of() inlined: this runs for every message.
    """
    now = time.time

    def on_message(_ch: BlockingChannel, method: Basic.Deliver, props: BasicProperties, body: bytes) -> None:
        on_delivery(
            Delivery(
                exchange=method.exchange or "",
                routing_key=method.routing_key or "",
                body=body,
                redelivered=bool(method.redelivered),
                headers=cast(dict[str, Any], props.headers or {}),  # a fresh dict pika decoded for this message
                properties=properties_of(props) if properties else {},
                received_at=now(),
            ),
            method.delivery_tag or 0,
        )

    return on_message


def _stream_reader(
    prepared: Prepared, position: StreamPosition | None, ack: Callable[[Tag], None]
) -> StreamReader | None:
    """A stream's reader, when the queue is one: -s selects on a stream read as it is (not bound)."""
    if position is None or not prepared.stream:
        return None
    patterns = prepared.wanted.patterns if prepared.wanted is not None and not prepared.kinds else ()
    if not patterns:
        return StreamReader(position, ack)
    from pulp_amqp_tools.messages.topic import matcher

    return StreamReader(position, ack, matcher(patterns))


class Consumer:
    """One basic.consume on a channel of its own, manual acks, `prefetch` unacknowledged at most."""

    def __init__(
        self,
        connection: BlockingConnection,
        prepare: Prepare,
        prefetch: int,
        properties: bool,
        heartbeat: int,
        stream: StreamPosition | None = None,
        if_stream: StreamPosition | None = None,
    ) -> None:
        fieldcodec.install()  # before any delivery arrives: a hostile header must not drop the connection
        self._connection = connection
        self._heartbeat = heartbeat
        self._properties = properties
        self._channel: BlockingChannel = connection.channel()
        self._channel.basic_qos(prefetch_count=prefetch)  # streams refuse a consumer without one
        self.prepared = prepare(self._channel)
        self.queue = self.prepared.queue or ""
        self._reader = _stream_reader(self.prepared, stream or if_stream, self._ack)
        self.cancelled: str | None = None
        self._exchange_check: _ExchangeCheck | None = None
        self._watchdog: Watchdog | None = None
        self._on_delivery: OnDelivery | None = None
        self._tag = ""

    @property
    def description(self) -> str:
        """The ready line's middle; on a stream, where reading starts (or, after a loss, goes on)."""
        if self._reader is None:
            return self.prepared.describe()
        return f"{self.prepared.describe()} from {self._reader.position.describe()}"

    @property
    def source(self) -> Source:
        return self.prepared.source()

    @property
    def is_open(self) -> bool:
        return bool(self._channel.is_open)

    def start(self, on_delivery: OnDelivery) -> None:
        self._channel.add_on_cancel_callback(self._on_cancel)
        self._on_delivery = on_delivery
        self._subscribe()
        self._watchdog = Watchdog(self._connection, self._heartbeat)
        self._exchange_check = _ExchangeCheck(self._connection, tuple(name for name, _kind in self.prepared.kinds))

    def pause(self) -> None:
        if self._reader is not None:
            self._reader.hold()  # a stream: credit held (stream_reader.py)
            return
        # pika requeues (basic.nack) what arrived for this consumer and was not dispatched yet.
        self._channel.basic_cancel(self._tag)

    def resume(self, prefetch: int) -> None:
        if self._reader is not None:
            # A stream: attach again on a fresh channel (closing the old one rejects nothing).
            pikacompat.drop_channel(self._channel)
            self._channel = self._connection.channel()
            self._channel.add_on_cancel_callback(self._on_cancel)
        # RabbitMQ applies a per-consumer prefetch to consumers started after the basic.qos.
        self._channel.basic_qos(prefetch_count=prefetch)
        self._subscribe()

    def _ack(self, tag: Tag) -> None:
        self._channel.basic_ack(tag)

    def _subscribe(self) -> None:
        """basic.consume with our callback; on a stream, from the first offset not handled yet."""
        assert self._on_delivery is not None, "subscribing before start()"
        reader = self._reader
        on_delivery = self._on_delivery if reader is None else reader.subscribe(self._on_delivery)
        callback = _receiver(on_delivery, self._properties)
        arguments = None if reader is None else {"x-stream-offset": reader.position.attach()}
        try:
            self._tag = self._channel.basic_consume(self.queue, callback, auto_ack=False, arguments=arguments)
        except px.ChannelClosedByBroker as exc:
            not_a_stream = _NOT_A_STREAM.search(str(exc.reply_text)) if exc.reply_code == 406 else None
            if not_a_stream is None:
                raise
            raise UsageError(
                f"--offset reads a stream, and queue {quoted(self.queue)} is a {not_a_stream.group(1)} queue"
            ) from None

    def _on_cancel(self, _frame: Any) -> None:
        self.cancelled = f"the broker cancelled our consumer: queue {quoted(self.queue)} was deleted"

    def poll(self, seconds: float) -> None:
        self._connection.process_data_events(time_limit=seconds)
        if self._watchdog is not None:
            self._watchdog.check()

    def settle(self, tag: Tag, outcome: Outcome = Outcome.ACK, multiple: bool = False) -> None:
        if outcome is Outcome.REQUEUE and self._reader is not None and self._reader.give_back():
            return  # a stream has no nack: held instead, read again from its offset after the next attach
        if outcome is Outcome.ACK:
            self._channel.basic_ack(tag, multiple=multiple)
        else:  # basic.reject cannot settle many at once; basic.nack is RabbitMQ's extension that can
            self._channel.basic_nack(tag, multiple=multiple, requeue=outcome is Outcome.REQUEUE)

    def verify(self, idle: float) -> None:
        if idle >= EXCHANGE_CHECK_EVERY and self._exchange_check is not None:
            self._exchange_check.run()

    def close(self) -> None:
        side = self._exchange_check.channel if self._exchange_check is not None else None
        for used in (self._channel, side):
            if used is not None and used.is_open:
                used.close()  # drops the consumer (and a private queue with it)


class _ExchangeCheck:
    """RabbitMQ drops the bindings of a deleted exchange without telling the consumer: look.

    A passive declare on a side channel, at most every EXCHANGE_CHECK_EVERY idle seconds (a busy
    stream proves the exchange exists), so it costs nothing per message.
    """

    def __init__(self, connection: BlockingConnection, exchanges: tuple[str, ...]) -> None:
        self._connection = connection
        # The broker's own exchanges cannot be deleted; a queue read as it is has none of ours.
        self._exchanges = tuple(name for name in exchanges if not name.startswith("amq."))
        self.channel: BlockingChannel | None = None
        self._next = time.monotonic() + EXCHANGE_CHECK_EVERY

    def run(self) -> None:
        if not self._exchanges or time.monotonic() < self._next:
            return
        self._next = time.monotonic() + EXCHANGE_CHECK_EVERY
        if self.channel is None or not self.channel.is_open:
            self.channel = self._connection.channel()
        for name in self._exchanges:
            try:
                self.channel.exchange_declare(name, passive=True)
            except px.ChannelClosedByBroker as exc:
                if exc.reply_code == 404:
                    raise TopologyLost(f"exchange {quoted(name)} was deleted, and our bindings with it") from None
                raise
