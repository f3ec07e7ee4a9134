"""The shared broker as the tests see it: its URL, unique names, and channels to arrange, inspect
and clean up around the commands (publish, take, drain, declare a stream, delete).

Everything here touches only names the test made up itself (`unique`), never the broker's own.
The `url` arguments take a private node's URL instead.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel

BROKER_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def broker_problem(url: str = BROKER_URL, timeout: float = 3) -> str | None:
    """Why no AMQP connection to `url` opens within `timeout` seconds, in a few words; None when one does."""
    params = pika.URLParameters(url)
    try:  # the socket's own error says more than pika's wrapped one ("Connection refused")
        socket.create_connection((params.host, params.port), timeout=timeout).close()
    except OSError as exc:
        return f"{params.host}:{params.port}: {exc.strerror or exc}"
    params.socket_timeout = params.stack_timeout = timeout
    params.connection_attempts = 1
    pika_log = logging.getLogger("pika")
    level = pika_log.level
    pika_log.setLevel(logging.CRITICAL)  # pika logs a traceback for every failed attempt
    try:
        pika.BlockingConnection(params).close()
    except pika.exceptions.AMQPError as exc:
        return f"{type(exc).__name__} {exc}".strip()
    finally:
        pika_log.setLevel(level)
    return None


def delete_exchange(name: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().exchange_delete(name)
    finally:
        connection.close()


def delete_queue(name: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().queue_delete(name)
    finally:
        connection.close()


def drain(channel: BlockingChannel, queue: str, n: int) -> list[tuple[str, pika.BasicProperties, bytes]]:
    """The next `n` messages of `queue` as (routing key, properties, body); fails after 10 s of quiet."""
    got: list[tuple[str, pika.BasicProperties, bytes]] = []
    for method, props, body in channel.consume(queue, auto_ack=True, inactivity_timeout=10):
        assert method is not None, f"only {len(got)} of {n} messages arrived"
        assert method.routing_key is not None and props is not None and body is not None
        got.append((method.routing_key, props, body))
        if len(got) == n:
            break
    channel.cancel()
    return got


@contextmanager
def channel(url: str = BROKER_URL) -> Iterator[BlockingChannel]:
    """A channel of the test's own, for arranging and inspecting the broker."""
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        yield connection.channel()
    finally:
        if connection.is_open:
            connection.close()


def delete(url: str = BROKER_URL, queues: Sequence[str] = (), exchanges: Sequence[str] = ()) -> None:
    with channel(url) as ch:
        for name in queues:
            ch.queue_delete(name)
        for name in exchanges:
            ch.exchange_delete(name)


@contextmanager
def bound_queue(prefix: str) -> Iterator[tuple[str, str]]:
    """(exchange, queue): a topic exchange and a durable classic queue bound to it with `#`, deleted after."""
    exchange, queue = unique(f"{prefix}-x"), unique(f"{prefix}-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
        ch.queue_bind(queue, exchange, "#")
    try:
        yield exchange, queue
    finally:
        delete(queues=[queue], exchanges=[exchange])


def declare_stream(ch: BlockingChannel, name: str, exchange: str, pattern: str = "#", max_age: str = "1D") -> None:
    ch.exchange_declare(exchange, "topic", durable=False)
    ch.queue_declare(name, durable=True, arguments={"x-queue-type": "stream", "x-max-age": max_age})
    ch.queue_bind(name, exchange, pattern)


def publish(
    ch: BlockingChannel,
    exchange: str,
    messages: Sequence[tuple[str, bytes]],
    properties: pika.BasicProperties | None = None,
) -> None:
    """Publish (subject, body) pairs with confirms, so they are in their queues when this returns."""
    ch.confirm_delivery()
    for subject, body in messages:
        ch.basic_publish(exchange, subject, body, properties or pika.BasicProperties(), mandatory=False)


def take(ch: BlockingChannel, queue: str, n: int, timeout: float = 10) -> list[tuple[Any, Any, bytes]]:
    """The next `n` messages of a (non-stream) queue, acknowledged: (method, properties, body)."""
    got: list[tuple[Any, Any, bytes]] = []
    for method, props, body in ch.consume(queue, auto_ack=True, inactivity_timeout=timeout):
        if method is None:
            break
        got.append((method, props, body or b""))
        if len(got) == n:
            break
    ch.cancel()
    return got


def message_count(ch: BlockingChannel, queue: str) -> int:
    return int(ch.queue_declare(queue, passive=True).method.message_count)
