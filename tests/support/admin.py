"""An admin side for black-box tests: the test's own pika connection declares, publishes, counts
and reads back what the commands under test should see. Every name is unique; `Admin.cleanup()`
deletes whatever the test declared (or said the command under test created)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import pika
import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel

from .broker import BROKER_URL, unique


class Admin:
    """The test's own connection: declares, publishes, counts and reads back; cleans up after."""

    def __init__(self) -> None:
        self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        self.channel: BlockingChannel = self.connection.channel()
        self.channel.confirm_delivery()
        self.exchanges: list[str] = []
        self.queues: list[str] = []

    def exchange(self, kind: str, durable: bool = False, arguments: Mapping[str, Any] | None = None) -> str:
        name = unique(f"xt-{kind}")
        self.channel.exchange_declare(
            name, exchange_type=kind, durable=durable, arguments=dict(arguments) if arguments else None
        )
        self.exchanges.append(name)
        return name

    def forget_exchange(self, name: str) -> str:
        """Delete `name` after the test (one the command under test created)."""
        self.exchanges.append(name)
        return name

    def queue(self, arguments: Mapping[str, Any] | None = None, durable: bool = True) -> str:
        name = unique("xt-q")
        self.channel.queue_declare(name, durable=durable, arguments=dict(arguments) if arguments else None)
        self.queues.append(name)
        return name

    def forget_queue(self, name: str) -> str:
        self.queues.append(name)
        return name

    def tap(self, exchange: str, routing_key: str = "", arguments: Mapping[str, Any] | None = None) -> str:
        """A private queue bound to `exchange`, to see what a publisher sent there."""
        queue = str(self.channel.queue_declare("", exclusive=True).method.queue)
        self.channel.queue_bind(queue, exchange, routing_key, arguments=dict(arguments) if arguments else None)
        return queue

    def publish(
        self, exchange: str, key: str, body: bytes | str = b"{}", headers: Mapping[str, Any] | None = None
    ) -> None:
        data = body.encode() if isinstance(body, str) else body
        self.channel.basic_publish(
            exchange, key, data, pika.BasicProperties(headers=dict(headers) if headers else None)
        )

    def ready_count(self, queue: str) -> int:
        """Messages ready in `queue` now (as a passive declare reports them)."""
        return int(self.channel.queue_declare(queue, passive=True).method.message_count)

    def wait_count(self, queue: str, n: int, timeout: float = 5) -> int:
        deadline = time.monotonic() + timeout
        count = self.ready_count(queue)
        while count != n and time.monotonic() < deadline:
            time.sleep(0.05)
            count = self.ready_count(queue)
        return count

    def take_all(self, queue: str) -> list[tuple[str, bytes, bool]]:
        """Every ready message of `queue` as (routing key, body, redelivered), removed from it."""
        got: list[tuple[str, bytes, bool]] = []
        while True:
            method, _props, body = self.channel.basic_get(queue, auto_ack=True)
            if method is None or body is None:
                return got
            got.append((str(method.routing_key), body, bool(method.redelivered)))

    def exists(self, kind: str, name: str) -> bool:
        """Whether exchange or queue `name` exists (a passive declare on a channel of its own)."""
        probe = self.connection.channel()
        try:
            if kind == "exchange":
                probe.exchange_declare(name, passive=True)
            else:
                probe.queue_declare(name, passive=True)
        except px.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                return False
            raise
        probe.close()
        return True

    def cleanup(self) -> None:
        if not self.connection.is_open:
            self.connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = self.connection.channel()
        for name in self.queues:
            channel.queue_delete(name)
        for name in self.exchanges:
            channel.exchange_delete(name)
        self.connection.close()
