"""--peek: show what a queue holds now and leave every message in it, in its order.

Messages are taken one at a time with basic.get and never acknowledged; when the peek ends its
channel closes and the broker puts them all back. A classic queue puts them back where they were,
in their order, marked redelivered (measured on RabbitMQ 3.10). basic.get answers "empty" as soon
as nothing is ready, so the peek ends on what the queue holds now, even while other consumers
take messages or publishers add them. Meanwhile the peeked messages are held by us: other
consumers get them only after the peek, marked redelivered. A quorum queue counts each peek as
a delivery attempt (x-delivery-count) and may return them in another order (README).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.amqp091 import fieldcodec, topology
from pulp_amqp_tools.amqp091.connect import translate
from pulp_amqp_tools.amqp091.consume import properties_of
from pulp_amqp_tools.amqp091.session import Session, close_quietly
from pulp_amqp_tools.commands.options import ListenOptions
from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import filters, stopping
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.output.render import Renderer
from pulp_amqp_tools.output.sink import Sink


class _Tally:
    taken = 0  # messages taken from the queue (all go back)
    shown = 0  # ... of which --where kept (-n counts these)


def peek(options: ListenOptions, renderer: Renderer, out: Sink, notice: Callable[[str], None]) -> ExitStatus:
    """Show the messages of --queue (the first -n shown ones), give them all back, exit."""
    assert options.queue is not None
    fieldcodec.install()  # before any frame arrives: a hostile header must not drop the connection
    connection = Session(options.broker, notice).connect()
    tally = _Tally()
    try:
        channel = connection.channel()
        spec = topology.QueueSpec(options.queue, declare=False)
        queue = topology.declare_queue(connection, channel, spec, options.broker.vhost)
        try:
            _read(channel, queue, options, renderer, tally)
        except ToolError:
            out.drain()  # --fail-where: the message that met it is shown before the error line
            raise
        out.drain()
    except (px.AMQPError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):
            raise  # our reader went away (`| head -1`): the boundary exits quietly
        raise translate(exc, options.broker) from None
    finally:
        close_quietly(connection)  # unacknowledged: the broker puts every message back
    notice(_summary(options.queue, tally, bool(options.where)))
    return ExitStatus.OK


def _read(channel: BlockingChannel, queue: str, options: ListenOptions, renderer: Renderer, tally: _Tally) -> None:
    selector = filters.selector(options.where, options.fail_where)
    need_properties = options.mode != "quiet" or (selector is not None and selector.needs_properties)
    while options.count is None or tally.shown < options.count:
        method, props, body = channel.basic_get(queue, auto_ack=False)
        if method is None or props is None or body is None:
            return  # nothing more ready: that was all the queue held
        tally.taken += 1
        delivery = Delivery(
            exchange=method.exchange or "",
            routing_key=method.routing_key or "",
            body=body,
            redelivered=bool(method.redelivered),
            headers=cast(dict[str, Any], props.headers or {}),
            properties=properties_of(props) if need_properties else {},
            received_at=time.time(),
        )
        if selector is None or selector.accept(delivery):
            renderer.write(delivery)
            tally.shown += 1
        if selector is not None and selector.failed is not None:
            raise stopping.failed(selector.failed)
        if not method.message_count:
            return  # the last one ready when we took it


def _summary(queue: str, tally: _Tally, selected: bool) -> str:
    shown = f" ({tally.shown} shown by --where)" if selected else ""
    return f"peeked at {tally.taken} messages in queue {one_line(queue)!r}{shown}; every one is back in the queue" + (
        ", marked redelivered" if tally.taken else ""
    )
