"""A message's own fate on the broker: ack, reject, or a requeue that counts (--exec).

Lines written to stdout are acknowledged in batches by the consume loop; a message handed to a
handler is settled here, by its own delivery tag, when its handler ends (never with multiple=True,
which would also settle earlier messages still running). A requeue publishes a copy straight to
the queue, with publisher confirms on a channel of its own, and acknowledges the original only
once the copy is confirmed (messages/retries.py says why); if the copy cannot be placed, the
original is given back as it is (basic.nack requeue=true), uncounted, rather than lost.
"""

from __future__ import annotations

from collections.abc import Callable

import pika
import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.messages import retries
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.properties import sendable
from pulp_amqp_tools.messages.settlement import Fate


class Settler:
    """Settles single deliveries of one consuming channel."""

    def __init__(
        self,
        connection: pika.BlockingConnection,
        channel: BlockingChannel,
        queue: str,
        notice: Callable[[str], None],
    ) -> None:
        self._connection = connection
        self._channel = channel
        self._queue = queue
        self._notice = notice
        self._confirming: BlockingChannel | None = None

    def settle(self, tag: int, fate: Fate, delivery: Delivery) -> None:
        if fate is Fate.ACK:
            self._channel.basic_ack(tag)
        elif fate is Fate.REJECT:
            self._channel.basic_nack(tag, requeue=False)
        else:
            self._requeue(tag, delivery)

    def _requeue(self, tag: int, delivery: Delivery) -> None:
        props = pika.BasicProperties(**delivery.properties, headers=sendable(retries.requeue_headers(delivery)))
        try:
            channel = self._confirm_channel()
            channel.basic_publish("", self._queue, delivery.body, props, mandatory=True)
        except (px.UnroutableError, px.NackError, px.ChannelClosed) as exc:
            self._notice(f"could not requeue a counted copy ({type(exc).__name__}): the message goes back uncounted")
            self._channel.basic_nack(tag, requeue=True)
            return
        self._channel.basic_ack(tag)

    def _confirm_channel(self) -> BlockingChannel:
        if self._confirming is None or not self._confirming.is_open:
            self._confirming = self._connection.channel()
            self._confirming.confirm_delivery()
        return self._confirming

    def close(self) -> None:
        if self._confirming is not None and self._confirming.is_open:
            try:
                self._confirming.close()
            except (px.AMQPError, OSError):
                pass
