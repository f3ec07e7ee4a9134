"""The listen loop: connect, declare, consume with bounded prefetch, write, flush, then ack.

Messages are acknowledged only after their lines were written and flushed, in one
`multiple=True` ack per batch, so a durable --queue loses nothing on Ctrl-C or a crash, and a
paused stdout stops the broker sending (back-pressure) instead of growing our memory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TextIO

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from pulp_amqp_tools import fieldcodec, filters, stopping, topology
from pulp_amqp_tools.connection import connect, translate
from pulp_amqp_tools.delivery import Delivery
from pulp_amqp_tools.errors import BrokerError, ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.options import ListenOptions
from pulp_amqp_tools.render import Renderer
from pulp_amqp_tools.safetext import one_line

_PROPERTY_NAMES = ("content_type", "content_encoding", "delivery_mode", "priority", "correlation_id",
                   "reply_to", "expiration", "message_id", "timestamp", "type", "user_id", "app_id",
                   "cluster_id")


def properties_of(props: BasicProperties) -> dict[str, Any]:
    """The basic properties that are set, headers aside."""
    found = {}
    for name in _PROPERTY_NAMES:
        value = getattr(props, name)
        if value is not None:
            found[name] = value
    return found


class _State:
    def __init__(self, limit: int | None) -> None:
        self.seen = 0
        self.limit = limit
        self.last_tag = 0  # highest delivery tag written but not yet acknowledged
        self.unacked = 0
        self.cancelled = False
        self.last_arrival = time.monotonic()

    @property
    def done(self) -> bool:
        return self.limit is not None and self.seen >= self.limit


def ready_line(options: ListenOptions, queue: str) -> str:
    patterns = ", ".join(repr(one_line(p)) for p in options.patterns)
    return (f"listening on exchange {one_line(options.exchange)!r} for {patterns} "
            f"(queue {one_line(queue)!r}); Ctrl-C to stop")


def consume(options: ListenOptions, renderer: Renderer, out: TextIO, notice: Callable[[str], None]) -> ExitStatus:
    """Run the listener until --count, --timeout, a signal or an error."""
    fieldcodec.install()  # before any frame arrives: a hostile header must not drop the connection
    connection = connect(options.broker)
    try:
        try:
            return _consume(connection, options, renderer, out, notice)
        except (px.AMQPError, OSError) as exc:
            if isinstance(exc, BrokenPipeError):
                raise
            raise translate(exc, options.broker) from None
    finally:
        if connection.is_open:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real error
                pass


def _consume(connection: Any, options: ListenOptions, renderer: Renderer, out: TextIO,
             notice: Callable[[str], None]) -> ExitStatus:
    topology.ensure_exchange(connection, options.exchange)
    channel: BlockingChannel = connection.channel()
    channel.basic_qos(prefetch_count=options.prefetch)
    queue = topology.declare_queue(connection, channel, topology.QueueSpec(options.queue, options.queue_type))
    topology.bind(channel, queue, options.exchange, options.patterns)

    state = _State(options.count)
    ack_every = max(1, options.prefetch // 2)
    selector = filters.selector(options.where, options.fail_where)  # None: no per-message cost
    accept = selector.accept if selector is not None else None
    need_properties = options.mode != "quiet" or (selector is not None and selector.needs_properties)
    write = renderer.write
    now = time.time

    def on_message(_ch: BlockingChannel, method: Basic.Deliver, props: BasicProperties, body: bytes) -> None:
        if state.done or (selector is not None and selector.failed is not None):
            return  # past --count or --fail-where: left unacknowledged, so a durable queue keeps it
        delivery = Delivery(
            exchange=method.exchange or "",
            routing_key=method.routing_key or "",
            body=body,
            redelivered=bool(method.redelivered),
            headers=dict(props.headers) if props.headers else {},
            properties=properties_of(props) if need_properties else {},
            received_at=now(),
        )
        if accept is None or accept(delivery):  # filtered out: acknowledged, neither shown nor counted
            write(delivery)
            state.seen += 1
        state.last_tag = method.delivery_tag or 0
        state.unacked += 1
        if state.unacked >= ack_every:  # keep the broker's pipeline full within a long batch
            flush_and_ack()

    def flush_and_ack() -> None:
        out.flush()  # written and flushed before acked: a crash now loses nothing
        channel.basic_ack(state.last_tag, multiple=True)
        state.last_tag = 0
        state.unacked = 0

    def on_cancel(_frame: Any) -> None:
        state.cancelled = True

    channel.add_on_cancel_callback(on_cancel)
    channel.basic_consume(queue, on_message, auto_ack=False)
    notice(ready_line(options, queue))

    idle_limit = options.timeout
    deadline = time.monotonic() + options.deadline if options.deadline is not None else None
    seen_before = 0
    while True:
        wait = min(idle_limit, 1.0) if idle_limit else 1.0
        connection.process_data_events(time_limit=wait if deadline is None else
                                       max(0.0, min(wait, deadline - time.monotonic())))
        if state.seen != seen_before:
            seen_before = state.seen
            state.last_arrival = time.monotonic()
        if state.last_tag:
            flush_and_ack()
        if selector is not None and selector.failed is not None:
            raise stopping.failed(selector.failed)
        if state.done:
            return ExitStatus.OK
        if deadline is not None and time.monotonic() >= deadline:
            return stopping.deadline_passed(state.seen, options.count, options.deadline or 0.0)
        if state.cancelled:
            raise BrokerError(f"the broker cancelled our consumer: queue {one_line(queue)!r} was deleted")
        if idle_limit is not None and time.monotonic() - state.last_arrival >= idle_limit:
            if state.seen:
                return ExitStatus.OK
            raise ToolError(f"no message arrived within {idle_limit:g} s", ExitStatus.TIMEOUT)
