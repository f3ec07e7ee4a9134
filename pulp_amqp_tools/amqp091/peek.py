"""--peek's pika side, below loops/peek.py: the messages a queue holds now, by basic.get, never acknowledged.

When the peek ends its channel closes and the broker puts every message back: a classic queue
puts them where they were, in their order, marked redelivered (measured on RabbitMQ 3.10; an
explicit basic.nack would put them at the back of a quorum queue, closing the channel does not).
basic.get answers "empty" as soon as nothing is ready, so the peek ends on what the queue holds
now, even while other consumers take messages or publishers add them; a consumer with a prefetch
window could not tell. What to show, and when to stop, is loops/peek.py's.
"""

from __future__ import annotations

from collections.abc import Generator

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingConnection

from pulp_amqp_tools.amqp091 import fieldcodec, queues
from pulp_amqp_tools.amqp091.connect import translate
from pulp_amqp_tools.amqp091.consume import delivery_of
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.broker import BrokerSettings
from pulp_amqp_tools.transport.interface import QueueSpec


def _is_stream_refusal(exc: BaseException) -> bool:
    """RabbitMQ's answer to basic.get on a stream: it closes the connection (540 NOT_IMPLEMENTED)."""
    return (
        isinstance(exc, px.ConnectionClosedByBroker)
        and exc.reply_code == 540
        and "not supported by stream queues" in str(exc.reply_text)
    )


def peek(
    connection: BlockingConnection, spec: QueueSpec, properties: bool, settings: BrokerSettings
) -> Generator[Delivery, None, None]:
    """The queue's messages, oldest first; closing the generator gives them all back."""
    fieldcodec.install()  # before any message arrives: a hostile header must not drop the connection
    channel = connection.channel()
    try:
        queue, _type = queues.declare_queue(connection, channel, spec._replace(declare=False), settings.vhost)
        while True:
            method, props, body = channel.basic_get(queue, auto_ack=False)
            if method is None or props is None or body is None:
                return  # nothing (more) ready: that was all the queue held
            yield delivery_of(method, props, body, properties)
            if not method.message_count:
                return  # it was the last one ready when we took it
    except (px.AMQPError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):
            raise
        if _is_stream_refusal(exc):
            raise UsageError(
                f"--peek takes what a queue holds, and queue {quoted(spec.name or '')} is a stream, which "
                "keeps its messages after reading: use --offset first -n N"
            ) from None
        raise translate(exc, settings) from None  # no reconnecting: a peek is one look
    finally:
        try:
            if channel.is_open:
                channel.close()  # unacknowledged: every message goes back, in its place
        except (px.AMQPError, OSError):
            pass  # the connection is gone: the broker gives them back all the same
