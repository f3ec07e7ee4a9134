"""emit's broker side: connect, make sure the exchange exists, stream the messages, collect confirms.

A lost connection does not lose messages silently: the unconfirmed ones are sent again on a new
connection (at-least-once: the broker may already hold some, so duplicates are possible and
counted in `Report.resent`), or, with --no-reconnect or when no broker answers within
--confirm-timeout, the run ends with NotDeliveredError naming how many were left unconfirmed.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pika
import pika.exceptions as px
from pika.spec import BasicProperties

from pulp_amqp_tools.amqp091 import topology
from pulp_amqp_tools.amqp091.confirms import Pending, StreamingPublisher
from pulp_amqp_tools.amqp091.connect import translate
from pulp_amqp_tools.amqp091.session import (
    ConnectionLost,
    Session,
    close_quietly,
    closed_error,
    endpoint_of,
    lost_reason,
)
from pulp_amqp_tools.commands.options import EmitOptions, Message
from pulp_amqp_tools.errors import ConnectError, NotDeliveredError, ToolError
from pulp_amqp_tools.exitcodes import ExitStatus


@dataclass
class Report:
    published: int = 0
    confirmed: int = 0
    unroutable: Counter[str] = field(default_factory=Counter)
    nacked: Counter[str] = field(default_factory=Counter)
    unconfirmed: Counter[str] = field(default_factory=Counter)
    resent: int = 0  # sent again after a reconnect: the broker may hold these twice
    reconnects: int = 0

    def settle(self, publisher: StreamingPublisher) -> None:
        """Add what the broker said on one channel."""
        self.confirmed += publisher.confirmed
        self.nacked.update(publisher.nacked)
        self.unroutable.update(publisher.unroutable)


def _ignore(_message: str) -> None:
    pass


def publish_all(
    options: EmitOptions,
    messages: Iterable[Message],
    pace: Callable[[Message], float] | None = None,
    notice: Callable[[str], None] = _ignore,
) -> Report:
    """Publish every message with mandatory + streamed confirms and say what became of them.

    `pace(message)` (--rate, --speed) says how long to wait before it: waited in pika, so
    heartbeats and confirms are served meanwhile.
    """
    session = Session(options.broker, notice)
    report = Report()
    source = iter(messages)
    resend: deque[Pending] = deque()
    sequence_header = options.sequence_header
    connection: pika.BlockingConnection | None = session.connect()
    try:
        while True:
            assert connection is not None
            publisher: StreamingPublisher | None = None
            in_hand: Pending | None = None  # taken from the source, not yet in the publisher's books
            try:
                topology.ensure_exchange(connection, options.exchange)
                publisher = StreamingPublisher(
                    connection, connection.channel(), options.window, options.broker.heartbeat
                )
                while resend:
                    subject, body, properties = resend.popleft()
                    publisher.publish(options.exchange, subject, body, properties)
                    report.resent += 1
                for message in source:
                    # Pulp's properties: no content type, transient, the subject in a header.
                    headers: dict[str, Any] = dict(message.headers)
                    report.published += 1
                    if sequence_header:
                        headers[sequence_header] = report.published
                    properties = (
                        BasicProperties(headers=headers, **dict(message.properties))
                        if message.properties
                        else BasicProperties(headers=headers)
                    )
                    in_hand = (message.subject, message.body, properties)
                    if pace is not None:
                        delay = pace(message)
                        if delay > 0:
                            connection.sleep(delay)  # the connection may be lost meanwhile
                    publisher.publish(options.exchange, message.subject, message.body, properties)
                    in_hand = None
                publisher.wait(options.confirm_timeout)
                report.settle(publisher)
                report.unconfirmed = publisher.unconfirmed_subjects()
                return report
            except (px.AMQPError, OSError, ConnectionLost) as exc:
                pending = list(resend)
                if publisher is not None:
                    report.settle(publisher)
                    pending = publisher.unconfirmed_messages() + pending
                if in_hand is not None and not any(sent[2] is in_hand[2] for sent in pending):
                    pending.append(in_hand)  # counted as published: it must be sent, or reported
                reason = (
                    exc.reason
                    if isinstance(exc, ConnectionLost)
                    else (lost_reason(closed_error(connection) or exc) or lost_reason(exc))
                )
                if reason is None:
                    raise _not_delivered(translate(exc, options.broker), pending, report, options) from None
                if not options.broker.reconnect:
                    raise _not_delivered(
                        ConnectError(f"lost the connection to {options.broker.describe()}: {reason} (--no-reconnect)"),
                        pending,
                        report,
                        options,
                    ) from None
            lost = endpoint_of(connection)
            close_quietly(connection)
            connection = None
            try:
                connection = session.reconnect(lost, reason, time.monotonic() + options.confirm_timeout)
            except ToolError as error:
                raise _not_delivered(error, pending, report, options) from None
            report.reconnects += 1
            resend = deque(pending)
            notice(
                f"reconnected ({session.where(endpoint_of(connection))}); sending the {len(pending)} "
                "unconfirmed messages again (the broker may already hold some: duplicates possible)"
            )
    finally:
        close_quietly(connection)


def _not_delivered(error: ToolError, pending: list[Pending], report: Report, options: EmitOptions) -> ToolError:
    """A failure that left messages unconfirmed says how many; exit 7 unless the broker refused (4, 5)."""
    if not pending:
        return error
    text = error.message
    if isinstance(error, ToolError) and "blocked publishing" in text:
        text += f" (--blocked-timeout {options.broker.blocked_timeout:g} s)"
    text = (
        f"{text}; {len(pending)} of {report.published} messages published so far were "
        "not confirmed (they may or may not have reached the broker)"
    )
    if error.status in (ExitStatus.ACCESS, ExitStatus.BROKER):
        return ToolError(text, error.status)  # the broker said no: that cause is the more useful status
    return NotDeliveredError(text)
