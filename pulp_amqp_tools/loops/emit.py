"""emit's loop, the level below commands/emit/: messages through a Publisher, the unconfirmed sent again, a report.

A lost connection does not lose messages silently: the unconfirmed ones are sent again on a new
connection (at-least-once: the broker may already hold some, so duplicates are possible and
counted in `Report.resent`), or, with --no-reconnect or when no broker answers within
--confirm-timeout, the run ends with NotDeliveredError naming how many were left unconfirmed.
A broker that stops confirming for --confirm-timeout counts as lost too (ConfirmsStalled), up to
once per broker without a confirm in between; messages the broker refuses (nack) are sent again,
up to NACK_ROUNDS times, before they are reported as rejected.
Protocol-neutral: the broker is reached through transport.interface.
"""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from pulp_amqp_tools.errors import BrokerError, NotDeliveredError, ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops import reconnected
from pulp_amqp_tools.loops.specs import EmitSpec as EmitSpec  # where callers found it first
from pulp_amqp_tools.messages.counts import plural
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.safetext import one_line, quoted
from pulp_amqp_tools.transport.broker import BrokerSettings
from pulp_amqp_tools.transport.interface import ConfirmsStalled, Link, Outgoing, Publisher, Transport

Pace = Callable[[Message], float]
NACK_ROUNDS = 3  # times the messages a broker refused are sent again before they count as rejected


@dataclass
class Report:
    published: int = 0
    confirmed: int = 0
    unroutable: Counter[str] = field(default_factory=Counter)
    nacked: Counter[str] = field(default_factory=Counter)
    unconfirmed: Counter[str] = field(default_factory=Counter)
    resent: int = 0  # sent again after a reconnect or a nack: the broker may hold these twice
    reconnects: int = 0
    refused_again: int = 0  # of `resent`: refused once (nacked), then sent again
    exchange_type: str | None = None  # as the broker told it (None: it would not say)
    unroutable_reported: bool = True  # False: the broker drops unroutable messages without a word
    current: Publisher | None = field(default=None, compare=False, repr=False)  # the channel in use

    def confirmed_so_far(self) -> int:
        """Confirms counted so far, the channel in use included (for a run cut short)."""
        return self.confirmed + (self.current.confirmed if self.current is not None else 0)

    def settle(self, publisher: Publisher) -> None:
        """Add what the broker said on one channel."""
        self.current = None
        self.confirmed += publisher.confirmed
        self.nacked.update(publisher.nacked)
        self.unroutable.update(publisher.unroutable)


def _ignore(_message: str) -> None:
    pass


def run(
    spec: EmitSpec,
    transport: Transport,
    messages: Iterable[Message | None],
    pace: Pace | None = None,
    notice: Callable[[str], None] = _ignore,
    report: Report | None = None,
) -> Report:
    """Publish every message with mandatory + streamed confirms and say what became of them.

    A None among the messages (--follow, while standard input is quiet) only serves the connection.

    `pace(message)` (--rate, --speed) says how long to wait before it: waited in the transport,
    so heartbeats and confirms are served meanwhile. `report` is filled in as the run goes, so a
    caller that is interrupted can still say how far it got.
    """
    emitter = _Emitter(spec, transport, messages, pace, notice)
    if report is not None:
        emitter.report = report
    return emitter.run()


class _Emitter:
    """What survives a reconnect: the report, the source, and what must be sent again."""

    def __init__(
        self,
        spec: EmitSpec,
        transport: Transport,
        messages: Iterable[Message | None],
        pace: Pace | None,
        notice: Callable[[str], None],
    ) -> None:
        self.spec = spec
        self.transport = transport
        self.pace = pace
        self.notice = notice
        self.report = Report()
        self.source = iter(messages)
        self.resend: deque[Outgoing] = deque()
        self.publisher: Publisher | None = None
        self.in_hand: Outgoing | None = None  # taken from the source, maybe not in the publisher's books
        self.stalled: list[int] = []  # report.confirmed at each stall since the last one that made progress
        self.blamed: tuple[Outgoing, int] | None = None  # the first pending message at the last loss, confirms then

    def run(self) -> Report:
        link = self.transport.connect()
        try:
            while True:
                try:
                    return self._attempt(link)
                except self.transport.failures as exc:
                    error = exc
                link = self._recover(error, link.where)
        finally:
            link.close()

    def _attempt(self, link: Link) -> Report:
        """One connection's worth: the exchange, what is to be sent again, the rest, the last confirms."""
        self.publisher = None
        self.in_hand = None
        link.ensure(self.spec.topology)
        self.report.exchange_type = link.exchange_type(self.spec.topology.exchange)
        publisher = self.publisher = self.report.current = link.publisher(self.spec.window, self.spec.confirm_timeout)
        self.report.unroutable_reported = publisher.reports_unroutable
        self._resend(publisher)
        self._publish_new(link, publisher)
        publisher.wait(self.spec.confirm_timeout)
        self._send_refused_again(publisher)
        self.report.settle(publisher)
        self.report.unconfirmed = Counter(message[0] for message in publisher.unconfirmed())
        return self.report

    def _resend(self, publisher: Publisher) -> None:
        exchange = self.spec.topology.exchange
        while self.resend:
            self.in_hand = self.resend.popleft()
            publisher.publish(exchange, self.in_hand)
            self.in_hand = None
            self.report.resent += 1

    def _send_refused_again(self, publisher: Publisher) -> None:
        """Messages the broker nacked get NACK_ROUNDS more chances on this link (at-least-once)."""
        for _round in range(NACK_ROUNDS):
            refused = publisher.take_nacked()
            if not refused:
                return
            self.notice(f"the broker refused {plural(len(refused), 'message')} (nack); sending them again")
            self.resend.extend(refused)
            self.report.refused_again += len(refused)
            self._resend(publisher)
            publisher.wait(self.spec.confirm_timeout)

    def _publish_new(self, link: Link, publisher: Publisher) -> None:
        """The hot loop: per message one headers dict, one tuple, one publish (and a pace, if any)."""
        report = self.report
        exchange = self.spec.topology.exchange
        sequence_header = self.spec.sequence_header
        pace = self.pace
        publish = publisher.publish
        outgoing: Outgoing | None = None
        try:
            for message in self.source:
                if message is None:  # --follow: no input yet; serve heartbeats and confirms meanwhile
                    link.sleep(0)
                    continue
                headers: dict[str, Any] = dict(message.headers)
                report.published += 1
                if sequence_header:
                    headers[sequence_header] = report.published
                outgoing = (message.subject, message.body, headers, message.properties)
                if pace is not None:
                    _wait(link, pace(message))
                publish(exchange, outgoing)
                outgoing = None
        except BaseException:
            self.in_hand = outgoing  # counted as published: it must be sent, or reported
            raise

    def _pending(self) -> list[Outgoing]:
        """After a failure: every message not confirmed yet, oldest first, each once."""
        pending = list(self.resend)
        if self.publisher is not None:
            refused = self.publisher.take_nacked()  # refused on the lost link: another chance on the next
            self.report.settle(self.publisher)
            pending = self.publisher.unconfirmed() + refused + pending
        in_hand = self.in_hand
        if in_hand is not None and not any(sent is in_hand for sent in pending):
            pending.append(in_hand)
        return pending

    def _recover(self, error: BaseException, before: str) -> Link:
        pending = self._pending()
        self._end_if_poisoned(error, pending)
        confirm_timeout = self.spec.confirm_timeout
        if isinstance(error, ConfirmsStalled):
            self._count_stall(error, pending)
        else:
            self.stalled.clear()
        try:
            link = self.transport.recover(error, lambda: time.monotonic() + confirm_timeout)
        except ToolError as failure:
            raise _not_delivered(failure, pending, self.report, self.transport.settings) from None
        self.report.reconnects += 1
        self.resend = deque(pending)
        self.notice(
            f"{reconnected(link.where, before)}; sending the {plural(len(pending), 'unconfirmed message')} again "
            "(the broker may already hold some: duplicates possible)"
        )
        return link

    def _count_stall(self, error: ConfirmsStalled, pending: list[Outgoing]) -> None:
        """Another broker may confirm (a quorum queue's new leader), so a stall is recovered from,
        until every broker stalled once with no confirm at all in between: then nothing will."""
        if self.stalled and self.stalled[-1] != self.report.confirmed:
            self.stalled.clear()  # confirms came since the last stall: that one was recovered from
        self.stalled.append(self.report.confirmed)
        brokers = len(set(self.transport.settings.endpoints))
        if len(self.stalled) > brokers:
            failure = NotDeliveredError(
                f"the broker stopped confirming ({error.reason}), on each of the {brokers} broker(s) tried"
            )
            raise _not_delivered(failure, pending, self.report, self.transport.settings)

    def _end_if_poisoned(self, error: BaseException, pending: list[Outgoing]) -> None:
        """A message that closed the connection twice in a row, with no confirm in between, is the
        cause (a frame the broker refuses, pika out of memory): sent again, it would close every
        next connection too. End the run naming it: exit 5, or 7 when others were unconfirmed."""
        if not pending or not self.transport.blames_message(error):
            self.blamed = None
            return
        head, confirmed = pending[0], self.report.confirmed
        if self.blamed is None or self.blamed[0] is not head or self.blamed[1] != confirmed:
            self.blamed = (head, confirmed)
            return
        text = f"message {quoted(head[0])} cannot be sent: it closed the connection twice in a row ({_why(error)})"
        if len(pending) == 1:
            raise BrokerError(text)
        raise NotDeliveredError(
            f"{text}; {len(pending) - 1} other of {plural(self.report.published, 'message')} were not confirmed"
        )


def _why(error: BaseException) -> str:
    reason = getattr(error, "reason", None)
    return one_line(reason if isinstance(reason, str) else str(error) or type(error).__name__)[:200]


def _wait(link: Link, delay: float) -> None:
    """--rate, --speed: wait serving the connection (which may be lost meanwhile)."""
    if delay > 0:
        link.sleep(delay)


def _not_delivered(error: ToolError, pending: list[Outgoing], report: Report, settings: BrokerSettings) -> ToolError:
    """A failure that left messages unconfirmed says how many; exit 7 unless the broker refused (4, 5)."""
    if not pending:
        return error
    text = error.message
    if "blocked publishing" in text:
        text += f" (--blocked-timeout {settings.blocked_timeout:g} s)"
    text = (
        f"{text}; {len(pending)} of {plural(report.published, 'message')} published so far were "
        "not confirmed (they may or may not have reached the broker)"
    )
    if error.status in (ExitStatus.ACCESS, ExitStatus.BROKER):
        return ToolError(text, error.status)  # the broker said no: that cause is the more useful status
    return NotDeliveredError(text)
