"""The listen loop: connect, declare, consume with bounded prefetch, write, flush, then ack.

Messages are acknowledged only after their lines were written and flushed, in one
`multiple=True` ack per batch, so a durable --queue loses nothing on Ctrl-C or a crash, and a
paused stdout stops the broker sending (back-pressure) instead of growing our memory.

After the first connection, a lost connection, a cancelled consumer (queue deleted) or a deleted
exchange restarts the setup (see session.py) unless --no-reconnect: written but unacknowledged
messages come again, marked redelivered. A pipe whose reader pauses never stalls this thread
(sink.py): acks wait until the lines are out, heartbeats go on. A terminal that blocks (Ctrl-S)
does stall it; the broker then drops us and we reconnect once the write returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, cast

import pika
import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel
from pika.spec import Basic, BasicProperties

from pulp_amqp_tools.amqp091 import fieldcodec, topology
from pulp_amqp_tools.amqp091.connect import translate
from pulp_amqp_tools.amqp091.session import (
    ConnectionLost,
    Session,
    Watchdog,
    close_quietly,
    closed_error,
    endpoint_of,
    lost_reason,
)
from pulp_amqp_tools.commands.options import ListenOptions
from pulp_amqp_tools.errors import BrokerError, ConnectError, ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import filters, stopping
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.output.render import Renderer
from pulp_amqp_tools.output.sink import Sink

_PROPERTY_NAMES = (
    "content_type",
    "content_encoding",
    "delivery_mode",
    "priority",
    "correlation_id",
    "reply_to",
    "expiration",
    "message_id",
    "timestamp",
    "type",
    "user_id",
    "app_id",
    "cluster_id",
)
EXCHANGE_CHECK_EVERY = 5.0  # idle seconds between checks that the exchange still exists


def properties_of(props: BasicProperties) -> dict[str, Any]:
    """The basic properties that are set, headers aside."""
    found = {}
    for name in _PROPERTY_NAMES:
        value = getattr(props, name)
        if value is not None:
            found[name] = value
    return found


class _Reset(Exception):
    """The connection is fine but our consumer or bindings are gone: set them up again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _State:
    """What survives a reconnect: counts and the idle clock."""

    def __init__(self, limit: int | None) -> None:
        self.seen = 0
        self.seen_before = 0
        self.limit = limit
        self.last_tag = 0  # highest delivery tag written but not yet acknowledged
        self.unacked = 0
        self.cancelled = False
        self.last_arrival = time.monotonic()
        self.deadline: float | None = None  # --deadline, for the whole run across reconnects

    @property
    def done(self) -> bool:
        return self.limit is not None and self.seen >= self.limit


def ready_line(options: ListenOptions, queue: str) -> str:
    patterns = ", ".join(repr(one_line(p)) for p in options.patterns)
    return (
        f"listening on exchange {one_line(options.exchange)!r} for {patterns} "
        f"(queue {one_line(queue)!r}); Ctrl-C to stop"
    )


def consume(options: ListenOptions, renderer: Renderer, out: Sink, notice: Callable[[str], None]) -> ExitStatus:
    """Run the listener until --count, --timeout, a signal or an error, reconnecting on loss."""
    fieldcodec.install()  # before any frame arrives: a hostile header must not drop the connection
    session = Session(options.broker, notice)
    state = _State(options.count)
    if options.deadline is not None:
        state.deadline = time.monotonic() + options.deadline
    connection: pika.BlockingConnection | None = session.connect()
    announce: Callable[[ListenOptions, str], str] = ready_line
    try:
        while True:
            assert connection is not None
            try:
                return _consume(connection, options, renderer, out, notice, state, announce)
            except _Reset as exc:
                if not options.broker.reconnect:
                    raise BrokerError(exc.reason) from None
                notice(f"{exc.reason} (messages published meanwhile were missed); setting up again")
                announce = _back_line(connection, session, "set up again")
                if connection.is_open:
                    continue
                reason = "the connection closed"
            except (px.AMQPError, OSError, ConnectionLost) as exc:
                if isinstance(exc, BrokenPipeError):
                    raise  # our reader went away (`| head -1`): the boundary exits quietly
                if isinstance(exc, ConnectionLost):
                    reason = exc.reason
                else:
                    reason = lost_reason(closed_error(connection) or exc) or lost_reason(exc) or ""
                if not reason:
                    raise translate(exc, options.broker) from None
            if not options.broker.reconnect:
                raise ConnectError(f"lost the connection to {options.broker.describe()}: {reason} (--no-reconnect)")
            lost = endpoint_of(connection)
            close_quietly(connection)
            connection = None
            ends = [
                t
                for t in (state.deadline, state.last_arrival + options.timeout if options.timeout else None)
                if t is not None
            ]
            deadline = min(ends) if ends else None
            connection = session.reconnect(lost, reason, deadline)
            announce = _back_line(connection, session, "reconnected")
            if options.queue is None:
                notice(
                    "messages published while we were disconnected were missed (a private queue "
                    "lives only as long as its connection; --queue NAME keeps them)"
                )
    finally:
        close_quietly(connection)


def _back_line(connection: pika.BlockingConnection, session: Session, what: str) -> Callable[[ListenOptions, str], str]:
    where = session.where(endpoint_of(connection))

    def line(options: ListenOptions, queue: str) -> str:
        patterns = ", ".join(repr(one_line(p)) for p in options.patterns)
        return (
            f"{what} ({where}): listening again on exchange {one_line(options.exchange)!r} for "
            f"{patterns} (queue {one_line(queue)!r})"
        )

    return line


def _consume(
    connection: pika.BlockingConnection,
    options: ListenOptions,
    renderer: Renderer,
    out: Sink,
    notice: Callable[[str], None],
    state: _State,
    announce: Callable[[ListenOptions, str], str],
) -> ExitStatus:
    topology.ensure_exchange(connection, options.exchange)
    channel: BlockingChannel = connection.channel()
    channel.basic_qos(prefetch_count=options.prefetch)
    queue = topology.declare_queue(connection, channel, topology.QueueSpec(options.queue, options.queue_type))
    topology.bind(channel, queue, options.exchange, options.patterns)

    state.last_tag = 0  # delivery tags belong to a channel: a new one starts again at 1
    state.unacked = 0
    state.cancelled = False
    ack_every = max(1, options.prefetch // 4)
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
            headers=cast(dict[str, Any], props.headers or {}),  # a fresh dict pika decoded for this message
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
        if not out.flush():
            return  # the reader is not reading: no acks, so the broker stops at --prefetch
        channel.basic_ack(state.last_tag, multiple=True)  # written before acked: a crash loses nothing
        state.last_tag = 0
        state.unacked = 0

    def on_cancel(_frame: Any) -> None:
        state.cancelled = True

    channel.add_on_cancel_callback(on_cancel)
    channel.basic_consume(queue, on_message, auto_ack=False)
    notice(announce(options, queue))

    watchdog = Watchdog(connection, options.broker.heartbeat)
    exchange_check = _ExchangeCheck(connection, options.exchange)
    idle_limit = options.timeout
    deadline = state.deadline
    finished = False  # left the loop by its own rule, not by a signal or an error

    def loop() -> ExitStatus:
        while True:
            wait = min(idle_limit, 1.0) if idle_limit else 1.0
            if out.pending:
                wait = 0.02  # lines wait for a paused reader: try again soon
            connection.process_data_events(
                time_limit=wait if deadline is None else max(0.0, min(wait, deadline - time.monotonic()))
            )
            watchdog.check()
            if state.seen != state.seen_before:
                state.seen_before = state.seen
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
                raise _Reset(f"the broker cancelled our consumer: queue {one_line(queue)!r} was deleted")
            idle = time.monotonic() - state.last_arrival
            if idle_limit is not None and idle >= idle_limit:
                if state.seen:
                    return ExitStatus.OK
                raise ToolError(f"no message arrived within {idle_limit:g} s", ExitStatus.TIMEOUT)
            if idle >= EXCHANGE_CHECK_EVERY:
                exchange_check.run()

    try:
        status = loop()
        finished = True
        return status
    except ToolError:
        finished = True  # our own rules (--fail-where, --timeout): what was printed goes out first
        raise
    except _Reset:
        _settle(channel, state, out, wait=False)
        for used in (channel, exchange_check.channel):
            if used is not None and used.is_open:
                used.close()  # drops the old consumer (and a private queue with it)
        raise
    finally:
        # Lines still waiting for a paused reader are written out only when we finish by our own
        # rule; on Ctrl-C, SIGTERM or an error they stay unacknowledged and come again.
        _settle(channel, state, out, wait=finished)


def _settle(channel: BlockingChannel, state: _State, out: Sink, wait: bool = True) -> None:
    """On the way out (done, Ctrl-C, a reset), ack what was written so it is not sent again.

    On the way out the lines are written whatever it takes (`wait`); before a reconnect, only
    as far as the reader takes them now, and what is left unacknowledged comes again.
    """
    if wait:
        out.drain()
    if not state.last_tag or not channel.is_open:
        return
    try:
        if out.flush():
            channel.basic_ack(state.last_tag, multiple=True)
    except Exception:  # noqa: BLE001 - best effort: unacked messages come again, marked redelivered
        pass
    state.last_tag = 0


class _ExchangeCheck:
    """RabbitMQ drops the bindings of a deleted exchange without telling the consumer: look.

    A passive declare on a side channel, at most every EXCHANGE_CHECK_EVERY idle seconds (a busy
    stream proves the exchange exists), so it costs nothing per message.
    """

    def __init__(self, connection: pika.BlockingConnection, exchange: str) -> None:
        self._connection = connection
        self._exchange = exchange
        self.channel: BlockingChannel | None = None
        self._next = time.monotonic() + EXCHANGE_CHECK_EVERY

    def run(self) -> None:
        if self._exchange.startswith("amq.") or time.monotonic() < self._next:
            return  # the broker's own exchanges cannot be deleted
        self._next = time.monotonic() + EXCHANGE_CHECK_EVERY
        if self.channel is None or not self.channel.is_open:
            self.channel = self._connection.channel()
        try:
            self.channel.exchange_declare(self._exchange, passive=True)
        except px.ChannelClosedByBroker as exc:
            if exc.reply_code == 404:
                raise _Reset(f"exchange {one_line(self._exchange)!r} was deleted, and our bindings with it") from None
            raise
