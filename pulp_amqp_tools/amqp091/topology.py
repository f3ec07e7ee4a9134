"""The exchange, queue and bindings: declared the same way by listen and emit.

Pulp created a missing exchange itself (topic, non-durable, never auto-delete) and both commands
must work with one somebody else declared, durable or not. A failed declare closes the channel,
so every probe runs on a channel of its own.
"""

from __future__ import annotations

import re

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.errors import AccessError, BrokerError
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.transport.interface import Binding, QueueSpec, Topology

_TYPE_MISMATCH = re.compile(r"inequivalent arg 'type'.*received '([^']*)' but current is '([^']*)'")
_FLAG_MISMATCH = re.compile(r"inequivalent arg '(durable|auto_delete|internal)'")


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


def ensure(connection: BlockingConnection, topology: Topology, channel: BlockingChannel | None = None) -> str | None:
    """Make `topology` exist: the exchange, then the queue and its bindings (on `channel`) if it has one."""
    ensure_exchange(connection, topology)
    if topology.queue is None:
        return None
    return ensure_queue(connection, channel or connection.channel(), topology)


def ensure_queue(connection: BlockingConnection, channel: BlockingChannel, topology: Topology) -> str:
    """Declare the topology's queue (on `channel`), bind it, and return its name."""
    queue = declare_queue(connection, channel, topology.queue or QueueSpec())
    bind(channel, queue, topology.exchange, topology.bindings)
    return queue


def ensure_exchange(connection: BlockingConnection, topology: Topology) -> None:
    """Make sure the exchange exists with the topology's type, creating it as Pulp did when missing."""
    name, kind = topology.exchange, topology.exchange_type
    label = f"exchange {one_line(name)!r}"
    channel = connection.channel()
    try:
        channel.exchange_declare(name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise _refused(exc, label) from None
        if name.startswith("amq."):
            raise BrokerError(f"{label} does not exist, and amq.* names are reserved to the broker") from None
        _create(connection, name, kind, label)
        return
    if not name.startswith("amq."):  # amq.* are the broker's: never declared, and amq.topic is a topic
        _check_type(connection, name, kind, label)
    _close(channel)


def _create(connection: BlockingConnection, name: str, kind: str, label: str) -> None:
    channel = connection.channel()
    try:
        channel.exchange_declare(name, exchange_type=kind, durable=False, auto_delete=False)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code == 406:  # created meanwhile by somebody else, differently: check it
            _check_type(connection, name, kind, label)
            return
        raise _refused(exc, f"cannot create {label}") from None
    _close(channel)


def _check_type(connection: BlockingConnection, name: str, kind: str, label: str) -> None:
    """An equivalent active declare succeeds; its 406 names the first argument that differs."""
    flags = {"durable": False, "auto_delete": False, "internal": False}
    for _attempt in range(4):
        channel = connection.channel()
        try:
            channel.exchange_declare(
                name,
                exchange_type=kind,
                durable=flags["durable"],
                auto_delete=flags["auto_delete"],
                internal=flags["internal"],
            )
        except px.ChannelClosedByBroker as exc:
            if exc.reply_code == 406 and _flip_mismatch(exc, flags, kind, label):
                continue  # that flag differed: declare again with the other value
            if exc.reply_code == 403:
                return  # may not declare, but the passive check showed it exists: use it as it is
            raise _refused(exc, label) from None
        _close(channel)
        return


def _flip_mismatch(exc: px.ChannelClosedByBroker, flags: dict[str, bool], kind: str, label: str) -> bool:
    """Read a 406 PRECONDITION_FAILED: another type is an error; a differing flag is flipped (True)."""
    text = str(exc.reply_text)
    wrong_type = _TYPE_MISMATCH.search(text)
    if wrong_type:
        raise BrokerError(
            f"{label} is a {one_line(wrong_type.group(2))} exchange, not a {kind} "
            "exchange; use another name or delete it"
        ) from None
    flag = _FLAG_MISMATCH.search(text)
    if not flag:
        return False
    flags[flag.group(1)] = not flags[flag.group(1)]
    return True


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


def bind(channel: BlockingChannel, queue: str, exchange: str, bindings: tuple[Binding, ...]) -> None:
    """Bind `queue` to `exchange` once per binding."""
    for binding in bindings:
        try:
            channel.queue_bind(queue, exchange, routing_key=binding.key, arguments=dict(binding.arguments) or None)
        except px.ChannelClosedByBroker as exc:
            raise _refused(exc, f"binding {one_line(binding.key)!r} to exchange {one_line(exchange)!r}") from None
