"""The exchange, queue and bindings: declared the same way by listen and emit.

Pulp created a missing exchange itself (topic, non-durable, never auto-delete) and both commands
must work with one somebody else declared, durable or not. A failed declare closes the channel,
so every probe runs on a channel of its own.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.errors import AccessError, BrokerError
from pulp_amqp_tools.messages.safetext import one_line

EXCHANGE_TYPE = "topic"
_TYPE_MISMATCH = re.compile(r"inequivalent arg 'type'.*received '([^']*)' but current is '([^']*)'")
_FLAG_MISMATCH = re.compile(r"inequivalent arg '(durable|auto_delete|internal)'")


@dataclass(frozen=True)
class QueueSpec:
    """The queue listen consumes from: a private one when name is None."""

    name: str | None = None
    queue_type: str | None = None  # "classic" or "quorum" for a named queue


def _refused(exc: px.ChannelClosedByBroker, what: str) -> Exception:
    text = one_line(str(exc.reply_text))
    if exc.reply_code == 403:
        return AccessError(f"{what}: access refused: {text}")
    if exc.reply_code == 405:  # RESOURCE_LOCKED: an exclusive queue of another connection
        return BrokerError(
            f"{what} is held exclusively by another connection (RESOURCE_LOCKED); "
            "choose another --queue name or stop the other consumer"
        )
    return BrokerError(f"{what}: {text}")


def ensure_exchange(connection: BlockingConnection, name: str) -> None:
    """Make sure `name` exists as a topic exchange, creating it as Pulp did when missing."""
    label = f"exchange {one_line(name)!r}"
    channel = connection.channel()
    try:
        channel.exchange_declare(name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise _refused(exc, label) from None
        if name.startswith("amq."):
            raise BrokerError(f"{label} does not exist, and amq.* names are reserved to the broker") from None
        _create(connection, name, label)
        return
    if not name.startswith("amq."):  # amq.* are the broker's: never declared, and amq.topic is a topic
        _check_type(connection, name, label)
    _close(channel)


def _create(connection: BlockingConnection, name: str, label: str) -> None:
    channel = connection.channel()
    try:
        channel.exchange_declare(name, exchange_type=EXCHANGE_TYPE, durable=False, auto_delete=False)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code == 406:  # created meanwhile by somebody else, differently: check it
            _check_type(connection, name, label)
            return
        raise _refused(exc, f"cannot create {label}") from None
    _close(channel)


def _check_type(connection: BlockingConnection, name: str, label: str) -> None:
    """An equivalent active declare succeeds; its 406 names the first argument that differs."""
    flags = {"durable": False, "auto_delete": False, "internal": False}
    for _attempt in range(4):
        channel = connection.channel()
        try:
            channel.exchange_declare(
                name,
                exchange_type=EXCHANGE_TYPE,
                durable=flags["durable"],
                auto_delete=flags["auto_delete"],
                internal=flags["internal"],
            )
        except px.ChannelClosedByBroker as exc:
            text = str(exc.reply_text)
            if exc.reply_code == 406:
                wrong_type = _TYPE_MISMATCH.search(text)
                if wrong_type:
                    raise BrokerError(
                        f"{label} is a {one_line(wrong_type.group(2))} exchange, not a topic "
                        "exchange; use another name or delete it"
                    ) from None
                flag = _FLAG_MISMATCH.search(text)
                if flag:
                    flags[flag.group(1)] = not flags[flag.group(1)]
                    continue
            if exc.reply_code == 403:
                return  # may not declare, but the passive check showed it exists: use it as it is
            raise _refused(exc, label) from None
        _close(channel)
        return


def _close(channel: BlockingChannel) -> None:
    if channel.is_open:
        channel.close()


def declare_queue(connection: BlockingConnection, channel: BlockingChannel, spec: QueueSpec) -> str:
    """Declare the queue to consume from (on `channel`) and return its name."""
    if spec.name is None:
        # A private tap, as the original listen.py had: gone with the listener.
        result = channel.queue_declare("", exclusive=True, auto_delete=True)
        return str(result.method.queue)
    label = f"queue {one_line(spec.name)!r}"
    probe = connection.channel()
    try:
        probe.queue_declare(spec.name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise _refused(exc, label) from None
    else:
        _close(probe)
        return spec.name  # it exists: keep it as its owner declared it
    arguments = {"x-queue-type": spec.queue_type} if spec.queue_type else None
    try:
        channel.queue_declare(spec.name, durable=True, arguments=arguments)
    except px.ChannelClosedByBroker as exc:
        raise _refused(exc, label) from None
    return spec.name


def bind(channel: BlockingChannel, queue: str, exchange: str, patterns: tuple[str, ...]) -> None:
    """Bind `queue` to `exchange` once per pattern."""
    for pattern in patterns:
        try:
            channel.queue_bind(queue, exchange, routing_key=pattern)
        except px.ChannelClosedByBroker as exc:
            raise _refused(exc, f"binding {one_line(pattern)!r} to exchange {one_line(exchange)!r}") from None
