"""listen's AMQP 1.0 side (transport.interface.Consumer): receiver links, credit, settlement, peek.

Credit is granted only as deliveries are settled (MessagingHandler(prefetch=0) and our own
`flow`), which is what bounds unsettled deliveries to the prefetch. A subscription of several
patterns is one link per pattern where the broker takes one binding filter per link (Qpid,
RabbitMQ 3): a message matching two patterns then arrives on two links, and only the link of the
first pattern that matches shows it (the others settle it silently), so each message is shown once,
as from one queue with several bindings. A selector (Artemis) is a superset: re-checked here.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any

from proton import Condition, Event, Receiver
from proton import Delivery as ProtonDelivery
from proton import Link as ProtonLink

from pulp_amqp_tools.amqp10 import fieldcodec
from pulp_amqp_tools.amqp10.dialects import Source
from pulp_amqp_tools.amqp10.engine import describe
from pulp_amqp_tools.amqp10.link import Attached, Link, NotFound, put_source
from pulp_amqp_tools.amqp10.settle import apply
from pulp_amqp_tools.messages import retries
from pulp_amqp_tools.messages.delivery import Delivery, wire_text
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.messages.topic import matcher
from pulp_amqp_tools.transport.interface import OnDelivery, Outcome, QueueSpec, Tag, Topology, TopologyLost
from pulp_amqp_tools.transport.interface import Source as Heard

if TYPE_CHECKING:
    from proton import Message

EXCHANGE_CHECK_EVERY = 5.0  # idle seconds between checks that the exchange still exists (as over 0-9-1)


def delivery_of(msg: Message, exchange: str, properties: bool, count_tries: bool = False) -> Delivery:
    """A 1.0 message as a Delivery: exchange <- the one subscribed to (a sender can write the
    x-exchange annotation, so it names the exchange only for a queue read as it is), key <- subject,
    redelivered <- delivery-count > 0, bodies copied.

    With `count_tries` (where REQUEUE is `modified{delivery-failed}`, which the broker counts in
    delivery-count), that count is --exec's requeues so far: 1.0 has no default exchange to send a
    counted copy to, so the broker's own count keeps --max-retries. (The publisher writes the
    header's first delivery-count, 0 unless it says otherwise: it can only shorten the retries.)
    """
    annotations: dict[Any, Any] = dict(msg.annotations or {})
    routing_key = msg.subject or annotations.get("x-routing-key") or ""
    tries = msg.delivery_count
    return Delivery(
        exchange=exchange or str(annotations.get("x-exchange", "")),
        routing_key=str(routing_key),
        body=fieldcodec.body_bytes(msg.body),
        redelivered=bool(tries),
        headers=fieldcodec.headers_of(msg),
        properties=fieldcodec.properties_of(msg) if properties else {},
        received_at=time.time(),
        requeues=int(tries or 0) if count_tries else 0,
    )


UNDECODABLE = "(undecodable message)"


def safe_delivery_of(msg: Message, exchange: str, properties: bool, count_tries: bool = False) -> Delivery:
    """delivery_of() that never raises: an exception inside proton's dispatch would deliver the same
    event again and again (a poison message); what cannot be decoded is shown as such."""
    try:
        return delivery_of(msg, exchange, properties, count_tries)
    except Exception as exc:  # noqa: BLE001 - anything a hostile message makes the decoding raise
        return Delivery(exchange=exchange, routing_key="", body=b"", headers={UNDECODABLE: type(exc).__name__})


class _Receiver(Attached):
    """One receiver link of a Consumer: its deliveries go to the consumer's pending list."""

    def __init__(self, consumer: Consumer, source: Source, shown: Callable[[str], bool]) -> None:
        super().__init__()
        self.consumer = consumer
        self.source = source
        self.shown = shown  # is a delivery with this subject this link's to show?
        self.link: Receiver | None = None

    def on_message(self, event: Event) -> None:
        self.consumer.arrived(self, event)

    def on_closed(self, link: ProtonLink, condition: Condition | None) -> None:
        super().on_closed(link, condition)
        if self.opened and self.consumer.cancelled is None:
            self.consumer.cancelled = (
                f"the broker detached our link from {quoted(self.source.address)}: {describe(condition, 'no reason')}"
            )


def _plan(topology: Topology, link: Link) -> tuple[list[Source], str, bool]:
    """The sources to attach, how the ready line names them, and whether they are durable."""
    dialect = link.dialect
    spec = topology.queue or QueueSpec()
    patterns = tuple(binding.key for binding in topology.bindings)
    said = ", ".join(quoted(p) for p in patterns or ("#",))
    if spec.name is not None and not spec.declare:
        return (
            [Source(dialect.queue(spec.name))],
            f"queue {quoted(spec.name)} as it is (not declared, not bound)",
            False,
        )
    if spec.name is not None and dialect.durable_is_queue:
        source = Source(dialect.queue(spec.name), patterns=patterns)
        queue = quoted(spec.name)
        return (
            [source],
            f"exchange {quoted(topology.exchange)} through queue {queue} (its own bindings; -s selects {said})",
            False,
        )
    sources = dialect.subscriptions(topology.exchange, patterns)
    kind = "private subscription" if spec.name is None else f"durable subscription {quoted(spec.name)}"
    return sources, f"exchange {quoted(topology.exchange)} for {said} ({kind})", spec.name is not None


def _heard(topology: Topology) -> Heard:
    """What the subscription hears, for --top's header: the exchange and patterns, or a queue as it is."""
    spec = topology.queue or QueueSpec()
    patterns = tuple(binding.key for binding in topology.bindings)
    if spec.name is not None and not spec.declare:
        return Heard((), (), f"queue {quoted(spec.name)} as it is")
    return Heard((topology.exchange,), patterns or ("#",))


class Consumer:
    """Receiver links for one subscription, at most `prefetch` unsettled deliveries in all."""

    def __init__(self, link: Link, topology: Topology, prefetch: int, properties: bool) -> None:
        self._link = link
        self._exchange = topology.exchange
        self._properties = properties
        sources, self.description, durable = _plan(topology, link)
        spec = topology.queue or QueueSpec()
        self.queue = spec.name or ""
        self.source = _heard(topology)
        self.cancelled: str | None = None
        self._durable = durable
        exchange = topology.exchange
        self._check_exchange = bool(exchange) and not exchange.startswith("amq.") and not link.dialect.creates_nodes
        self._next_check = time.monotonic() + EXCHANGE_CHECK_EVERY
        self._count_tries = link.capabilities.requeue_marks_redelivered
        self._per_link = max(1, prefetch // len(sources))
        self._paused = False
        self._pending: list[tuple[Delivery, Tag]] = []
        self._unsettled: dict[Tag, tuple[ProtonDelivery, _Receiver]] = {}
        self._tag = 0
        self._on_delivery: OnDelivery | None = None
        reads_queue = spec.name is not None and not durable
        self._what = f"queue {quoted(spec.name or '')}" if reads_queue else f"exchange {quoted(exchange)}"
        self._receivers = [self._attach(source, index, sources, spec.name) for index, source in enumerate(sources)]

    def _attach(self, source: Source, index: int, sources: list[Source], name: str | None) -> _Receiver:
        earlier = [p for s in sources[:index] for p in s.patterns]
        own = matcher(source.patterns) if source.patterns else None
        before = matcher(earlier) if earlier else None

        def shown(subject: str) -> bool:
            return (own is None or own(subject)) and (before is None or not before(subject))

        owner = _Receiver(self, source, shown)
        base = name if name is not None and self._durable else "pulp-listen"
        link_name = base if self._durable and len(sources) == 1 else self._link.link_name(base)
        receiver = self._link.session().receiver(link_name)
        put_source(receiver, source, durable=self._durable)
        owner.link = receiver
        self._link.attach(receiver, owner, self._what)
        return owner

    @property
    def is_open(self) -> bool:
        return self._link.is_open and all(r.closed is False for r in self._receivers)

    def start(self, on_delivery: OnDelivery) -> None:
        self._on_delivery = on_delivery
        for receiver in self._receivers:
            if receiver.link is not None:
                receiver.link.flow(self._per_link)

    def arrived(self, receiver: _Receiver, event: Event) -> None:
        """Inside proton's dispatch: decode (copying the body) and queue; poll() hands it out."""
        dlv = event.delivery
        assert dlv is not None, "a message event has its delivery"
        delivery = safe_delivery_of(event.message, self._exchange, self._properties, self._count_tries)
        if self._paused:
            apply(dlv, Outcome.REQUEUE, self._link.dialect, released=True)
            return
        subject = delivery.routing_key
        if self.queue and subject == self.queue and retries.ORIGIN_ROUTING_KEY in delivery.headers:
            delivery.exchange = ""  # --exec's counted copy, sent straight to the queue: the loop restores it
            subject = wire_text(delivery.headers[retries.ORIGIN_ROUTING_KEY])
        if not receiver.shown(subject):
            apply(dlv, Outcome.ACK, self._link.dialect)  # another link shows it, or the selector's superset
            if receiver.link is not None:
                receiver.link.flow(1)
            return
        self._tag += 1
        self._unsettled[self._tag] = (dlv, receiver)
        self._pending.append((delivery, self._tag))

    def poll(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self._link.engine.step(max(0.0, deadline - time.monotonic()))
            self._link.raise_if_lost()
            if self._pending:
                self._hand_out()
                return
            if time.monotonic() >= deadline or self.cancelled is not None:
                return

    def _hand_out(self) -> None:
        assert self._on_delivery is not None, "poll() before start()"
        pending, self._pending = self._pending, []
        on_delivery = self._on_delivery
        for index, (delivery, tag) in enumerate(pending):
            try:
                on_delivery(delivery, tag)
            except BaseException:
                self._pending = pending[index + 1 :] + self._pending
                raise

    def settle(self, tag: Tag, outcome: Outcome = Outcome.ACK, multiple: bool = False) -> None:
        tags = [t for t in self._unsettled if t <= tag] if multiple else [tag]
        credit: dict[int, int] = {}
        for each in tags:
            found = self._unsettled.pop(each, None)
            if found is None:
                continue
            dlv, receiver = found
            apply(dlv, outcome, self._link.dialect)
            credit[id(receiver)] = credit.get(id(receiver), 0) + 1
        if self._paused:
            return
        for receiver in self._receivers:
            granted = credit.get(id(receiver))
            if granted and receiver.link is not None and receiver.closed is False:
                receiver.link.flow(granted)

    def pause(self) -> None:
        self._paused = True
        for _delivery, tag in self._pending:
            found = self._unsettled.pop(tag, None)
            if found is not None:
                apply(found[0], Outcome.REQUEUE, self._link.dialect, released=True)
        self._pending = []

    def resume(self, prefetch: int) -> None:
        self._paused = False
        self._per_link = max(1, prefetch // len(self._receivers))
        for receiver in self._receivers:
            link = receiver.link
            if link is None or receiver.closed is not False:
                continue
            held = sum(1 for _dlv, owner in self._unsettled.values() if owner is receiver)
            link.flow(max(0, self._per_link - link.credit - held))

    def verify(self, idle: float) -> None:
        """A deleted exchange: RabbitMQ 3's plugin drops a subscription's bindings without a word, so
        look, as 0-9-1's passive declare does: attach a sender to it, at most every
        EXCHANGE_CHECK_EVERY idle seconds. Not where the broker makes a missing address on attach
        (Artemis: the look would make it again) nor on the broker's own amq.* exchanges."""
        if idle < EXCHANGE_CHECK_EVERY or not self._check_exchange or time.monotonic() < self._next_check:
            return
        self._next_check = time.monotonic() + EXCHANGE_CHECK_EVERY
        try:
            self._link.probe(self._exchange)
        except NotFound:
            raise TopologyLost(f"exchange {quoted(self._exchange)} was deleted, and our subscription with it") from None

    def close(self) -> None:
        """Detach a durable subscription (closing one would delete it), close the others."""
        for receiver in self._receivers:
            link = receiver.link
            if link is None or receiver.closed is not False:
                continue
            try:
                link.detach() if self._durable else link.close()
            except Exception:  # noqa: BLE001 - the connection may be gone already
                pass
            self._link.engine.handler.owners.pop(link.name, None)
        if self._link.is_open:
            self._link.engine.step(0)


def peek(link: Link, spec: QueueSpec, properties: bool) -> Generator[Delivery, None, None]:
    """--peek over 1.0: browse (distribution mode copy) what the queue holds, none taken."""
    from pulp_amqp_tools.amqp10.browse import browse

    return browse(link, spec, properties)
