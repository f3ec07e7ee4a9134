"""The shared broker as the tests see it: its URL, unique names, and a channel's cleanup and drain.

Everything here touches only names the test made up itself (`unique`), never the broker's own.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid

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
