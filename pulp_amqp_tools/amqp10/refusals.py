"""What an AMQP 1.0 dialect cannot do, refused with one line naming the broker before anything is attached. Pure."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulp_amqp_tools.amqp10.dialects import Dialect
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.transport.interface import Topology


def problem(topology: Topology, dialect: Dialect) -> str | None:
    """Why `topology` cannot be set up over this dialect, or None."""
    broker = dialect.capabilities.describe()  # "... over AMQP 1.0"
    queue = topology.queue
    if topology.require_type or topology.exchange_type not in dialect.capabilities.exchange_types:
        return f"--exchange-type {topology.exchange_type}: {broker} has no exchange types to choose from"
    if topology.match:
        return f"headers matching (--match): {broker} cannot bind on headers"
    if topology.more_exchanges:
        return f"several -e: {broker} takes one address per listener"
    if queue is not None and (queue.stream is not None or queue.queue_type == "stream"):
        return f"streams (--offset, --queue-type stream): {broker} has no stream queues"
    if queue is not None and queue.arguments:
        return f"queue arguments (--max-age): {broker} declares no queues"
    if any(binding.arguments for binding in topology.bindings):
        return f"binding arguments: {broker} cannot bind with arguments"
    if topology.exchange.startswith("amq.rabbitmq.trace"):
        return f"--trace: {broker} has no firehose"
    return None


def check_subscription(topology: Topology, dialect: Dialect) -> None:
    """listen's own refusals: check()'s, and a private subscription where no link can make one."""
    check(topology, dialect)
    queue = topology.queue
    # RabbitMQ 3's plugin binds a queue per /exchange/X/P link; RabbitMQ 4 and Service Bus read
    # only queues and subscriptions that exist
    if dialect.durable_is_queue and dialect.name != "rabbitmq3" and (queue is None or queue.name is None):
        raise UsageError(
            f"a private subscription: {dialect.capabilities.describe()} binds no queue for a link; listen on "
            "one that exists and is bound (--queue NAME)"
        )


def check(topology: Topology, dialect: Dialect) -> None:
    found = problem(topology, dialect)
    if found is not None:
        raise UsageError(found)


def header_problem(headers: Iterable[tuple[str, Any]]) -> str | None:
    """Why these headers cannot travel as 1.0 application properties (no maps, no lists), or None."""
    for key, value in headers:
        if isinstance(value, (dict, list, tuple)):
            return f"header {key!r}: AMQP 1.0 application properties cannot hold a map or a list"
    return None
