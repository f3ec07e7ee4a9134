"""The shared broker as the tests see it: its URL, unique names, and a channel's cleanup and drain.

Everything here touches only names the test made up itself (`unique`), never the broker's own.
"""

from __future__ import annotations

import os
import uuid

import pika
from pika.adapters.blocking_connection import BlockingChannel

BROKER_URL = os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")


def unique(prefix: str = "t") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def broker_problem(url: str = BROKER_URL, timeout: float = 3) -> str | None:
    """Why no AMQP connection to `url` can be opened within `timeout` seconds, or None when it can."""
    params = pika.URLParameters(url)
    params.socket_timeout = params.stack_timeout = timeout
    params.connection_attempts = 1
    try:
        pika.BlockingConnection(params).close()
    except Exception as exc:  # noqa: BLE001 - any failure is the answer, reported by its name
        return f"{type(exc).__name__}: {exc}".rstrip(": ")
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
        assert props is not None and body is not None
        got.append((method.routing_key, props, body))
        if len(got) == n:
            break
    channel.cancel()
    return got
