"""Publishing with streamed publisher confirms: many messages in flight, acks handled as they come.

pika's BlockingChannel only offers publish-and-wait confirms (one round trip per message, the
documented throughput anti-pattern). Its underlying Channel, pika's asynchronous API, streams
them: we publish on it directly and let the BlockingConnection pump I/O, keeping at most
`window` messages unconfirmed.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from typing import Any, cast

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.channel import Channel
from pika.frame import Method
from pika.spec import Basic, BasicProperties


class StreamingPublisher:
    """Publish mandatory messages on a channel in confirm mode and count what the broker said."""

    PUMP_EVERY = 128  # publishes between two non-blocking I/O passes

    def __init__(self, connection: BlockingConnection, channel: BlockingChannel, window: int = 2000) -> None:
        self._connection = connection
        # The asynchronous channel behind the blocking one (see the module docstring).
        self._impl = cast(Channel, getattr(channel, "_impl"))
        self._window = window
        self._seq = 0
        self._unconfirmed: OrderedDict[int, str] = OrderedDict()  # delivery tag -> subject
        self.confirmed = 0
        self.nacked: Counter[str] = Counter()
        self.unroutable: Counter[str] = Counter()
        self.closed: BaseException | None = None  # why the broker closed our channel, if it did
        self._impl.add_on_close_callback(self._on_close)
        self._impl.confirm_delivery(self._on_confirm)
        self._impl.add_on_return_callback(self._on_return)
        connection.process_data_events(time_limit=0)

    @property
    def published(self) -> int:
        return self._seq

    @property
    def outstanding(self) -> int:
        return len(self._unconfirmed)

    def _on_confirm(self, frame: Method[Any]) -> None:
        method = frame.method
        tag = method.delivery_tag
        if method.multiple:
            settled = []
            while self._unconfirmed:
                first = next(iter(self._unconfirmed))
                if first > tag:
                    break
                settled.append(self._unconfirmed.popitem(last=False)[1])
        else:
            subject = self._unconfirmed.pop(tag, None)
            settled = [] if subject is None else [subject]
        if isinstance(method, Basic.Nack):
            self.nacked.update(settled)
        else:
            self.confirmed += len(settled)

    def _on_return(self, _channel: Channel, method: Basic.Return, _props: BasicProperties, _body: bytes) -> None:
        # A basic.return precedes the ack of the same message: it was accepted but went nowhere.
        self.unroutable[method.routing_key or ""] += 1

    def _on_close(self, _channel: Channel, reason: BaseException) -> None:
        # The broker closes the channel over a message it will not take (larger than its
        # max_message_size, no write permission): the confirms we wait for will never come.
        self.closed = reason

    def _raise_if_closed(self) -> None:
        if self.closed is not None:
            raise self.closed

    def publish(self, exchange: str, subject: str, body: bytes, properties: BasicProperties) -> None:
        self._raise_if_closed()
        self._impl.basic_publish(exchange, subject, body, properties, mandatory=True)
        self._seq += 1
        self._unconfirmed[self._seq] = subject
        if self._seq % self.PUMP_EVERY == 0:
            self._connection.process_data_events(time_limit=0)
        while len(self._unconfirmed) >= self._window:
            self._connection.process_data_events(time_limit=0.05)
            self._raise_if_closed()

    def wait(self, timeout: float) -> bool:
        """Pump until every message is confirmed or nacked; False if `timeout` ran out first."""
        deadline = time.monotonic() + timeout
        while self._unconfirmed:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._connection.process_data_events(time_limit=min(remaining, 0.05))
            self._raise_if_closed()
        return True

    def unconfirmed_subjects(self) -> Counter[str]:
        return Counter(self._unconfirmed.values())
