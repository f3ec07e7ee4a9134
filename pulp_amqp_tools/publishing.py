"""emit's broker side: connect, make sure the exchange exists, stream the messages, collect confirms."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import pika.exceptions as px
from pika.spec import BasicProperties

from pulp_amqp_tools import topology
from pulp_amqp_tools.connection import connect, translate
from pulp_amqp_tools.options import EmitOptions, Message
from pulp_amqp_tools.publisher import StreamingPublisher


@dataclass
class Report:
    published: int = 0
    confirmed: int = 0
    unroutable: Counter[str] = field(default_factory=Counter)
    nacked: Counter[str] = field(default_factory=Counter)
    unconfirmed: Counter[str] = field(default_factory=Counter)


def publish_all(options: EmitOptions, messages: Iterable[Message],
                pace: Callable[[Message], float] | None = None) -> Report:
    """Publish every message with mandatory + streamed confirms and say what became of them.

    `pace(message)` (--rate, --speed) says how long to wait before it: waited in pika, so
    heartbeats and confirms are served meanwhile.
    """
    connection = connect(options.broker)
    try:
        try:
            topology.ensure_exchange(connection, options.exchange)
            publisher = StreamingPublisher(connection, connection.channel(), options.window)
            for message in messages:
                if pace is not None:
                    delay = pace(message)
                    if delay > 0:
                        connection.sleep(delay)
                # Pulp's properties: no content type, transient, the subject in a header.
                properties = BasicProperties(headers=dict(message.headers), **dict(message.properties)) \
                    if message.properties else BasicProperties(headers=dict(message.headers))
                publisher.publish(options.exchange, message.subject, message.body, properties)
            publisher.wait(options.confirm_timeout)
        except (px.AMQPError, OSError) as exc:
            raise translate(exc, options.broker) from None
        return Report(
            published=publisher.published,
            confirmed=publisher.confirmed,
            unroutable=publisher.unroutable,
            nacked=publisher.nacked,
            unconfirmed=publisher.unconfirmed_subjects(),
        )
    finally:
        if connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real error
                pass
