"""emit's AMQP 1.0 side (transport.interface.Publisher): unsettled sends in a window, outcomes counted.

Each message is sent unsettled (at-least-once) and kept, by reference, until the broker settles it:
`accepted` confirms it; `rejected` with amqp:not-found is "unroutable" (Broker-J, where the
exchange is set to reject what no binding takes); any other `rejected` is a refusal that sending
again would not change (counted as nacked, not offered again); `released` and `modified` mean
"not taken this time" and the message is offered to the loop to send again, except on RabbitMQ 4,
whose `released` means "could not route".
"""

from __future__ import annotations

import time
from collections import Counter, OrderedDict

from proton import Condition, Delivery, Event, Sender
from proton import Link as ProtonLink

from pulp_amqp_tools.amqp10 import fieldcodec
from pulp_amqp_tools.amqp10.link import Attached, Link, put_capabilities
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.interface import ConfirmsStalled, ConnectionLost, Outgoing


class _Sender(Attached):
    def __init__(self, publisher: Publisher | None) -> None:
        super().__init__()
        self.publisher = publisher

    def on_outcome(self, event: Event) -> None:
        if self.publisher is not None and event.delivery is not None:
            self.publisher.settled(event.delivery)

    def on_closed(self, link: ProtonLink, condition: Condition | None) -> None:
        super().on_closed(link, condition)
        if self.publisher is not None and self.opened:
            self.publisher.closed = condition or True


def open_sender(
    link: Link, exchange: str, publisher: Publisher | None = None, address: str | None = None
) -> tuple[Sender, _Sender]:
    """A sender attached to the exchange's address, or `address` (BrokerError naming it when refused)."""
    dialect = link.dialect
    address = address or dialect.target(exchange)
    sender = link.session().sender(link.link_name("pulp-emit"))
    sender.target.address = address
    put_capabilities(sender.target.capabilities, dialect.target_capabilities)
    owner = _Sender(publisher)
    link.attach(sender, owner, f"exchange {quoted(exchange)}")
    return sender, owner


class Publisher:
    """Unsettled sends, at most `window` waiting for an outcome; see the module docstring."""

    def __init__(self, link: Link, window: int, stall_after: float | None = None) -> None:
        self._link = link
        self._window = max(1, window)
        self._stall_after = stall_after
        self._senders: dict[str, Sender] = {}
        # by delivery tag: our own counter, unique across this publisher's senders, so an outcome
        # is found without asking proton for the delivery's link (a new wrapper object each time)
        self._unsettled: OrderedDict[str, Outgoing] = OrderedDict()
        self._tags = 0
        self._message = fieldcodec.Reusable()  # filled again for each send: proton encodes it at once
        self._nacked: list[Outgoing] = []
        self.confirmed = 0
        self.nacked: Counter[str] = Counter()
        self.unroutable: Counter[str] = Counter()
        self.reports_unroutable = link.capabilities.reports_unroutable
        self.closed: Condition | bool | None = None
        self._progress_at = time.monotonic()
        self._reports_released_unroutable = link.dialect.name == "rabbitmq4"

    def _sender(self, exchange: str, subject: str) -> Sender:
        key = exchange or f"queue {subject}"
        sender = self._senders.get(key)
        if sender is None:
            address = self._link.dialect.queue_target(subject) if not exchange else None
            sender, _owner = open_sender(self._link, exchange, self, address)
            self._senders[key] = sender
        return sender

    def settled(self, dlv: Delivery) -> None:
        """Inside proton's dispatch: the broker's outcome for one message."""
        message = self._unsettled.pop(dlv.tag, None)
        if message is None:
            return
        self._progress_at = time.monotonic()
        state = dlv.remote_state
        subject = message[0]
        if state == Delivery.ACCEPTED:
            self.confirmed += 1
        elif state == Delivery.REJECTED:
            condition = dlv.remote.condition
            if condition is not None and condition.name == "amqp:not-found":
                self.confirmed += 1
                self.unroutable[subject] += 1
            else:
                self.nacked[subject] += 1  # a refusal: sending it again would be refused again
        elif state == Delivery.RELEASED and self._reports_released_unroutable:
            self.confirmed += 1
            self.unroutable[subject] += 1
        else:  # released or modified: not taken this time
            self.nacked[subject] += 1
            self._nacked.append(message)

    def publish(self, exchange: str, message: Outgoing) -> None:
        subject, body, headers, props = message
        if exchange == "" and not self._link.dialect.queue_target(subject):
            # No default exchange to send --exec's counted copy to the queue by: refused, and the
            # loop gives the original back as it is (loops/requeue.py; the broker counts it).
            self.nacked[subject] += 1
            return
        msg = fieldcodec.message(subject, body, headers, props, self._message)
        sender = self._sender(exchange, subject)
        if not self._unsettled:
            self._progress_at = time.monotonic()
        if sender.credit <= 0 or len(self._unsettled) >= self._window:
            self._make_room(sender)
        self._tags += 1
        tag = str(self._tags)
        sender.send(msg, tag=tag)
        self._unsettled[tag] = message
        if len(self._unsettled) % 128 == 0:
            self._pump(0)

    def _make_room(self, sender: Sender) -> None:
        """Step until the sender has credit and the window room for a batch, not just for one:
        refilling one slot at a time costs a pass of proton's loop per few messages."""
        low = self._window - self._window // 8
        while sender.credit <= 0 or len(self._unsettled) >= low:
            self._pump(0.25)

    def _pump(self, seconds: float) -> None:
        self._link.engine.step(seconds)
        self._link.raise_if_lost()
        if self.closed is not None:
            reason = self._link.refused(self.closed, "publishing")
            raise ConnectionLost(f"the broker detached our sender: {reason.message}")
        if self._stall_after is not None and self._unsettled:
            silent = time.monotonic() - self._progress_at
            if silent > self._stall_after:
                raise ConfirmsStalled(
                    f"no outcome from the broker for {silent:.0f} s, {len(self._unsettled)} messages waiting"
                )

    def wait(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        left = len(self._unsettled)
        self._pump(0)
        while self._unsettled:
            if len(self._unsettled) < left:
                left = len(self._unsettled)
                deadline = time.monotonic() + timeout
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._pump(min(remaining, 0.25))
        return True

    def unconfirmed(self) -> list[Outgoing]:
        return list(self._unsettled.values())

    def take_nacked(self) -> list[Outgoing]:
        taken, self._nacked = self._nacked, []
        self.nacked.subtract(message[0] for message in taken)
        self.nacked = +self.nacked
        return taken
