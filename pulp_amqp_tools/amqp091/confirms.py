"""emit's pika side (transport.interface.Publisher): streamed publisher confirms, many in flight.

pika's BlockingChannel only offers publish-and-wait confirms (one round trip per message, the
documented throughput anti-pattern). Its underlying Channel, pika's asynchronous API, streams
them: we publish on it directly and let the BlockingConnection pump I/O, keeping at most
`window` messages unconfirmed.

Each unconfirmed message is kept (a reference, no copy) until its confirm arrives, so after a lost
connection loops/emit.py can send exactly those again on a new channel (at-least-once). pika's
private parts used here (the channel's `_impl`, write coalescing) are in pikacompat.py.
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict
from typing import Any

from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection
from pika.channel import Channel
from pika.frame import Method
from pika.spec import Basic, BasicProperties

from pulp_amqp_tools.amqp091 import frames, pikacompat
from pulp_amqp_tools.amqp091.watchdog import Watchdog
from pulp_amqp_tools.errors import BrokerError, NotDeliveredError
from pulp_amqp_tools.messages.counts import plural
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.interface import ConfirmsStalled, ConnectionLost, Outgoing


def _nothing() -> None:
    pass


class StreamingPublisher:
    """Publish mandatory messages on a channel in confirm mode and count what the broker said."""

    PUMP_EVERY = 128  # publishes between two non-blocking I/O passes
    reports_unroutable = True  # mandatory publishing: basic.return
    MAX_UNSENT = 16 * 1024 * 1024  # bytes of frames waiting for the socket before publish() waits
    STALL = 30.0  # seconds without a byte written before publish() gives the connection up

    def __init__(
        self,
        connection: BlockingConnection,
        channel: BlockingChannel,
        window: int = 2000,
        heartbeat: int = 0,
        stall_after: float | None = None,
    ) -> None:
        self._connection = connection
        self._channel = channel
        # The asynchronous channel behind the blocking one (see the module docstring).
        self._async = pikacompat.channel_impl(channel)
        self._window = window
        self._seq = 0
        self._unconfirmed: OrderedDict[int, Outgoing] = OrderedDict()  # delivery tag -> message
        self.confirmed = 0
        self.nacked: Counter[str] = Counter()
        self._nacked: list[Outgoing] = []  # refused by the broker, not yet taken to be sent again
        self.unroutable: Counter[str] = Counter()
        self._stall_after = stall_after
        # The last sign that our messages get on: a confirm, frames taken by the socket, or the
        # window becoming non-empty. A stall is a long time without any of them.
        self._progress_at = time.monotonic()
        self.closed: BaseException | None = None  # why the broker closed our channel, if it did
        self._wake_at: int | None = None  # while pumping: return once this few are unconfirmed
        self._wake_when_written = False  # while draining: return once pika wrote everything out
        self._async.add_on_close_callback(self._on_close)
        pikacompat.coalesce_writes(connection, self._on_written)
        self._async.confirm_delivery(self._on_confirm)
        self._async.add_on_return_callback(self._on_return)
        connection.process_data_events(time_limit=0)
        self._watchdog = Watchdog(connection, heartbeat)
        self._frame_max = frames.granted_frame_max(connection)  # below RabbitMQ's default: check each message

    def _on_confirm(self, frame: Method[Any]) -> None:
        self._progress_at = time.monotonic()
        method = frame.method
        tag = method.delivery_tag
        if method.multiple:
            settled = []
            while self._unconfirmed:
                first = next(iter(self._unconfirmed))
                if first > tag:
                    break
                settled.append(self._unconfirmed.popitem(last=False)[1])
        else:
            message = self._unconfirmed.pop(tag, None)
            settled = [] if message is None else [message]
        if isinstance(method, Basic.Nack):
            # The broker could not take them (a quorum queue losing its leader, say): kept, so the
            # loop can send them again.
            self._nacked.extend(settled)
            self.nacked.update(message[0] for message in settled)
        else:
            self.confirmed += len(settled)
        if self._wake_at is not None and len(self._unconfirmed) <= self._wake_at:
            # Confirms arrive inside pika's I/O loop, which process_data_events() does not count
            # as an event: without a wake-up it would sleep out its whole time limit each time.
            self._wake_at = None
            self._connection.add_callback_threadsafe(_nothing)

    def _on_written(self) -> None:
        # Writes, like confirms, end no process_data_events() on their own (see _on_confirm).
        if self._wake_when_written:
            self._wake_when_written = False
            self._connection.add_callback_threadsafe(_nothing)

    def _on_return(self, _channel: Channel, method: Basic.Return, _props: BasicProperties, _body: bytes) -> None:
        # A basic.return precedes the ack of the same message: it was accepted but went nowhere.
        self.unroutable[method.routing_key or ""] += 1

    def _on_close(self, _channel: Channel, reason: BaseException) -> None:
        # The broker closes the channel over a message it will not take (larger than its
        # max_message_size, no write permission): the confirms we wait for will never come.
        self.closed = reason

    def _raise_if_closed(self) -> None:
        if self.closed is not None:
            raise self.closed

    def publish(self, exchange: str, message: Outgoing) -> None:
        subject, body, headers, props = message
        # Pulp's properties when none are given: no content type, transient, the subject in a header.
        properties = BasicProperties(headers=headers, **dict(props)) if props else BasicProperties(headers=headers)
        self._raise_if_closed()
        if not self._unconfirmed:
            self._progress_at = time.monotonic()  # nothing was waiting: the stall clock starts now
        if self._frame_max < frames.FRAME_MAX:
            self._refuse_if_too_large(message)
        self._seq += 1
        # Kept before sending: if the send fails the message still counts as unconfirmed.
        self._unconfirmed[self._seq] = message
        self._async.basic_publish(exchange, subject, body, properties, mandatory=True)
        if self._seq % self.PUMP_EVERY == 0 or len(body) >= 65536:
            self._connection.process_data_events(time_limit=0)
            self._check_stall()
            # Frames wait in pika until the socket takes them: a bound in bytes, not only in
            # messages, keeps memory flat when the bodies are large.
            if pikacompat.unsent_bytes(self._connection) > self.MAX_UNSENT and not self._drain(
                self.MAX_UNSENT // 2, self.STALL
            ):
                raise ConnectionLost(f"the broker took no data for {self.STALL:g} s")
        while len(self._unconfirmed) >= self._window:
            self._pump(0.25, wake_at=self._window // 2)

    def _pump(self, time_limit: float, wake_at: int | None = None) -> None:
        """Run pika's I/O for up to `time_limit`, returning early once `wake_at` or fewer are unconfirmed."""
        self._wake_at = wake_at
        self._connection.process_data_events(time_limit=time_limit)
        self._wake_at = None
        self._raise_if_closed()
        self._watchdog.check()
        self._check_stall()
        if not self._async.is_open:  # closed by the broker, e.g. the exchange was deleted meanwhile
            reason = pikacompat.closing_reason(self._channel)
            if reason is not None:
                raise reason
            raise ConnectionLost("the channel closed")

    def _check_stall(self) -> None:
        if self._stall_after is None or not self._unconfirmed:
            return
        silent = time.monotonic() - self._progress_at
        if silent > self._stall_after:
            raise ConfirmsStalled(
                f"no confirm from the broker for {silent:.0f} s, {plural(len(self._unconfirmed), 'message')} waiting"
            )

    def _refuse_if_too_large(self, message: Outgoing) -> None:
        """A message whose headers do not fit the smaller frame_max this broker granted would close
        the connection (FRAME_ERROR): refuse it, after the ones before it were answered. Exit 5
        when they all were confirmed, else 7."""
        subject, _body, headers, props = message
        problem = frames.frame_problem(headers.items(), props, self._frame_max)
        if problem is None:
            return
        text = f"message {quoted(subject)} cannot be sent on this connection: {problem}"
        self.wait(self.STALL)
        left = len(self._unconfirmed)
        self._unconfirmed.clear()  # reported here: the loop must not send them again
        if left:
            raise NotDeliveredError(
                f"{text}; {plural(left, 'other message')} {'was' if left == 1 else 'were'} not confirmed"
            )
        raise BrokerError(text)

    def _drain(self, limit: int, stall: float) -> bool:
        """Pump until at most `limit` bytes wait for the socket; False when none went out for `stall` s.

        A non-blocking pass first: the socket mostly takes a few messages at once, and a timed pass
        would then sit out its whole time limit (a one-event emit idled 49 ms after its confirm).
        While the socket is full, each pass ends when pika wrote everything out, or after 50 ms.
        """
        waiting = pikacompat.unsent_bytes(self._connection)
        if waiting > limit:
            self._pump(0)
            waiting = pikacompat.unsent_bytes(self._connection)
        progress_at = time.monotonic()
        while waiting > limit:
            self._wake_when_written = True
            self._pump(0.05)
            self._wake_when_written = False
            now = pikacompat.unsent_bytes(self._connection)
            if now < waiting:
                progress_at = self._progress_at = time.monotonic()
            elif time.monotonic() - progress_at > stall:
                return False
            waiting = now
        return True

    def wait(self, timeout: float) -> bool:
        """Pump until every message is confirmed or nacked; False once `timeout` passed without progress.

        The timeout starts once the last byte went out (a gigabyte of bodies takes a while to
        write, and the broker cannot confirm what it has not read yet) and starts again with
        each confirm that arrives: only a broker that stopped answering is given up on.
        """
        if not self._drain(0, timeout):
            return False
        deadline = time.monotonic() + timeout
        left = len(self._unconfirmed)
        while self._unconfirmed:
            if len(self._unconfirmed) < left:
                left = len(self._unconfirmed)
                deadline = time.monotonic() + timeout
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._pump(min(remaining, 0.25), wake_at=max(0, left - 1))
        return True

    def unconfirmed(self) -> list[Outgoing]:
        """What was sent (or was being sent) without a confirm yet, oldest first."""
        return list(self._unconfirmed.values())

    def take_nacked(self) -> list[Outgoing]:
        """The messages the broker refused since the last call, oldest first; `nacked` forgets them."""
        taken, self._nacked = self._nacked, []
        self.nacked.subtract(message[0] for message in taken)
        self.nacked = +self.nacked  # drop the zero counts
        return taken
