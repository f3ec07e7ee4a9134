"""The queue listen consumes from: declared, found, or checked as it is, and its type told. AMQP 0-9-1 (pika).

A named queue that exists is kept as its owner declared it; a missing one is declared durable,
of the type asked for (quorum unless told otherwise: commands/listen/options.py), where the broker
has queue types (Capabilities.queue_types; loops/fitting.py drops the default elsewhere). A private
queue is named by the broker where it can, else by us (amqp091/refusals.py). Each probe runs
on a channel of its own, since a failed declare closes its channel. Also the two channel helpers
amqp091/topology.py shares: a refusal as one error, and a quiet close.
"""

from __future__ import annotations

import re

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.amqp091.refusals import private_queue_name
from pulp_amqp_tools.errors import AccessError, BrokerError
from pulp_amqp_tools.messages.safetext import one_line, quoted
from pulp_amqp_tools.transport.capabilities import UNKNOWN, Capabilities
from pulp_amqp_tools.transport.interface import QueueSpec


def refused(exc: px.ChannelClosedByBroker, what: str) -> Exception:
    text = one_line(str(exc.reply_text))
    if exc.reply_code == 403:
        return AccessError(f"{what}: access refused: {text}")
    if exc.reply_code == 405:  # RESOURCE_LOCKED: an exclusive queue of another connection
        return BrokerError(
            f"{what} is held exclusively by another connection (RESOURCE_LOCKED); "
            "choose another --queue name or stop the other consumer"
        )
    return BrokerError(f"{what}: {text}")


def close_channel(channel: BlockingChannel) -> None:
    if channel.is_open:
        channel.close()


def queue_exists(connection: BlockingConnection, name: str) -> bool:
    """Whether queue `name` exists (a passive declare on a channel of its own); a refusal is an error."""
    probe = connection.channel()
    try:
        probe.queue_declare(name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise refused(exc, f"queue {quoted(name)}") from None
        return False
    close_channel(probe)
    return True


def declare_queue(
    connection: BlockingConnection,
    channel: BlockingChannel,
    spec: QueueSpec,
    vhost: str = "/",
    broker: Capabilities = UNKNOWN,
) -> tuple[str, str | None]:
    """Declare the queue to consume from (on `channel`); only check it when not spec.declare.

    Returns its name and, for a named queue that was declared or checked, its type: an existing
    queue is kept as its owner declared it, and its type told by existing_queue_type().
    """
    if spec.name is None:
        # A private tap, as the original listen.py had: exclusive (gone with its connection), not
        # auto-delete (it must outlive the byte budget's moments without a consumer, loops/budget.py);
        # named by us where the broker cannot choose a name (garagemq: "queue name is required").
        result = channel.queue_declare(private_queue_name(broker), exclusive=True)
        return str(result.method.queue), None
    label = f"queue {quoted(spec.name)}"
    probe = connection.channel()
    try:
        probe.queue_declare(spec.name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise refused(exc, label) from None
        if not spec.declare:
            raise BrokerError(f"{label} does not exist in vhost {quoted(vhost)}") from None
    else:
        close_channel(probe)
        # it exists: keep it as its owner declared it (--no-declare: not even a probe)
        told = spec.declare and bool(broker.queue_types)  # a broker without queue types says nothing of them
        return spec.name, existing_queue_type(connection, spec) if told else None
    arguments = dict(spec.arguments)
    if spec.queue_type:
        arguments["x-queue-type"] = spec.queue_type
    try:
        channel.queue_declare(spec.name, durable=True, arguments=arguments or None)
    except px.ChannelClosedByBroker as exc:
        raise refused(exc, label) from None
    return spec.name, spec.queue_type or ("classic" if "classic" in broker.queue_types else None)


_CURRENT_TYPE = re.compile(r"inequivalent arg 'x-queue-type'.* but current is (?:'([^']*)'|(none))")


def existing_queue_type(connection: BlockingConnection, spec: QueueSpec) -> str | None:
    """The type of an existing queue, told by declaring it the way we would (AMQP has no query).

    An equivalent declare changes nothing and confirms our type; a 406 names the queue's own
    x-queue-type ("none": a classic queue declared without one), or shows it is not durable, which
    only a classic queue can be. Any other answer (other arguments differ, no configure
    permission) leaves the type unknown. The probe's channel is closed either way.
    """
    wanted = spec.queue_type or "classic"
    channel = connection.channel()
    try:
        channel.queue_declare(spec.name or "", durable=True, arguments={**dict(spec.arguments), "x-queue-type": wanted})
    except px.ChannelClosedByBroker as exc:
        text = str(exc.reply_text)
        found = _CURRENT_TYPE.search(text)
        if exc.reply_code == 406 and found:
            return found.group(1) or "classic"
        if exc.reply_code == 406 and "inequivalent arg 'durable'" in text:
            return "classic"
        return None
    close_channel(channel)
    return wanted
