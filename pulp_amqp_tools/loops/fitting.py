"""What listen asked for, fitted to the broker that answered (Link.broker): refused or adjusted. Pure.

Queue types, streams, the firehose and `x-` header matching are RabbitMQ's. On a broker without
them, options that would be silently ignored (a stream read that reads nothing, a "quorum" queue
that is a plain one, a binding that matches every message) are refused with exit 2 before
anything is declared, naming the broker and why. The quorum default is the tool's own choice,
not the user's: where the broker has no quorum queues it is dropped, and --queue declares a plain
durable queue with no x-queue-type. Runs on every (re)connect: failover may reach another broker.
"""

from __future__ import annotations

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.messages.trace import TRACE_EXCHANGE
from pulp_amqp_tools.transport.capabilities import Capabilities
from pulp_amqp_tools.transport.interface import QueueSpec, Topology


def fit(topology: Topology, broker: Capabilities) -> Topology:
    """`topology` as `broker` can set it up, or the UsageError that says why it cannot."""
    if TRACE_EXCHANGE in topology.exchanges and not broker.firehose:
        raise UsageError(
            f"{broker.describe()} has no firehose: --trace reads RabbitMQ's {TRACE_EXCHANGE} (rabbitmqctl trace_on)"
            + broker.only_over_091()
        )
    _check_matches(topology, broker)
    if topology.queue is None:
        return topology
    return topology._replace(queue=fit_queue(topology.queue, broker))


def _check_matches(topology: Topology, broker: Capabilities) -> None:
    """--match on an `x-` header: only where the broker's headers exchange can match those."""
    named = [name for name, _value in topology.match if name.lower().startswith("x-")]
    if named and not broker.headers_with_x:
        raise UsageError(
            f"--match {quoted(named[0])}: the headers exchange of {broker.describe()} ignores header names "
            "starting with 'x-' (the binding would match every message); x-match all-with-x and any-with-x "
            "are RabbitMQ's (3.10 and later)" + broker.only_over_091()
        )


def fit_queue(queue: QueueSpec, broker: Capabilities) -> QueueSpec:
    """The queue as the broker can declare it: stream reads refused, a queue type only where it means one."""
    if queue.stream is not None or queue.queue_type == "stream":
        if not broker.streams:
            raise UsageError(
                f"{broker.describe()} has no stream queues: --queue-type stream, --offset and --max-age are "
                "RabbitMQ's (3.9 and later); leave them out to read --queue as a plain queue" + broker.only_over_091()
            )
        return queue
    if not broker.streams and (queue.if_stream is not None or queue.no_stream is not None):
        queue = queue._replace(if_stream=None, no_stream=None)  # no existing queue there can be a stream
    if queue.name is None or not queue.declare or queue.queue_type is None:
        return queue
    if queue.queue_type in broker.queue_types:
        return queue
    if not queue.type_given:  # the tool's default, not the user's: the broker's own then
        return queue._replace(queue_type=broker.default_queue_type)
    if queue.queue_type == "classic" and not broker.queue_types:
        return queue._replace(queue_type=None)  # a plain queue is what classic means there
    raise UsageError(
        f"{broker.describe()} has no {quoted(queue.queue_type)} queues (x-queue-type is RabbitMQ's); "
        "leave out --queue-type for a plain durable queue" + broker.only_over_091()
    )
