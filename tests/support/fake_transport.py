"""A scripted, in-memory transport.interface.Transport: the loops' tests run without a broker.

It is also the smallest example of what a second transport (amqp10/) implements. mypy checks it
against the Protocols (`_conforms` below), so the fake cannot drift from the seam.

A FakeConsumer plays a script: one entry per poll(), either a list of deliveries (handed to the
loop with tags 1, 2, 3...), an exception to raise, or a callable run at that point. A
FakePublisher can be told to fail at the Nth publish, before or after taking the message into its
books (a channel closed before the send vs. a connection lost in the I/O after it).
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Generator
from dataclasses import dataclass, field

from pulp_amqp_tools.amqp091.broker import rabbitmq
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.transport.broker import BrokerSettings
from pulp_amqp_tools.transport.capabilities import Capabilities
from pulp_amqp_tools.transport.interface import (
    ConfirmsStalled,
    ConnectionLost,
    Consumer,
    Link,
    OnDelivery,
    Outcome,
    Outgoing,
    Publisher,
    QueueSpec,
    Source,
    Tag,
    Topology,
    Transport,
)

Step = list[Delivery] | BaseException | Callable[["FakeConsumer"], None]


def delivery(subject: str, body: bytes = b"{}", redelivered: bool = False) -> Delivery:
    return Delivery(exchange="ex", routing_key=subject, body=body, redelivered=redelivered)


class FakeConsumer:
    def __init__(self, link: FakeLink, topology: Topology, script: list[Step]) -> None:
        self.link = link
        self.topology = topology
        self.script = script
        self.queue = "amq.gen-fake" if topology.queue is None or topology.queue.name is None else topology.queue.name
        self.is_open = True
        self.cancelled: str | None = None
        self.settled: list[tuple[Tag, Outcome, bool]] = []
        self._on_delivery: OnDelivery | None = None
        self._tag = 0
        self.paused = False
        self.prefetch = 0

    @property
    def description(self) -> str:
        patterns = ", ".join(repr(b.key) for b in self.topology.bindings)
        return f"exchange {self.topology.exchange!r} for {patterns} (queue {self.queue!r})"

    @property
    def source(self) -> Source:
        return Source(self.topology.exchanges, tuple(b.key for b in self.topology.bindings))

    def start(self, on_delivery: OnDelivery) -> None:
        self._on_delivery = on_delivery

    def poll(self, seconds: float) -> None:
        if not self.script:
            time.sleep(min(seconds, 0.005))  # nothing more to deliver: idle
            return
        step = self.script.pop(0)
        if isinstance(step, BaseException):
            self.link.is_open = False
            raise step
        if callable(step):
            step(self)
            return
        assert self._on_delivery is not None, "poll() before start()"
        for message in step:
            self._tag += 1
            self._on_delivery(message, self._tag)

    def settle(self, tag: Tag, outcome: Outcome = Outcome.ACK, multiple: bool = False) -> None:
        self.settled.append((tag, outcome, multiple))

    def pause(self) -> None:
        self.paused = True

    def resume(self, prefetch: int) -> None:
        self.paused = False
        self.prefetch = prefetch

    def verify(self, idle: float) -> None:
        pass

    def close(self) -> None:
        self.is_open = False


@dataclass
class FakePublisher:
    fail_at: int | None = None  # the Nth publish raises ConnectionLost ...
    fail_after_taking: bool = False  # ... after taking the message into its books (else before)
    nack_first: int = 0  # wait() refuses (nacks) this many messages before it confirms any
    stall: bool = False  # wait() raises ConfirmsStalled while messages are outstanding
    confirmed: int = 0
    nacked: Counter[str] = field(default_factory=Counter)
    unroutable: Counter[str] = field(default_factory=Counter)
    reports_unroutable: bool = True
    sent: list[tuple[str, Outgoing]] = field(default_factory=list)
    books: list[Outgoing] = field(default_factory=list)
    refused: list[Outgoing] = field(default_factory=list)

    def publish(self, exchange: str, message: Outgoing) -> None:
        failing = self.fail_at is not None and len(self.sent) + 1 == self.fail_at
        if failing and not self.fail_after_taking:
            raise ConnectionLost("the channel closed")
        self.sent.append((exchange, message))
        self.books.append(message)
        if failing:
            raise ConnectionLost("the network connection broke")

    def wait(self, timeout: float) -> bool:
        if self.stall and self.books:
            raise ConfirmsStalled(f"no confirm from the broker for {timeout:g} s, {len(self.books)} messages waiting")
        for message in self.books:
            if self.nack_first > 0:
                self.nack_first -= 1
                self.refused.append(message)
                self.nacked[message[0]] += 1
            else:
                self.confirmed += 1
        self.books.clear()
        return True

    def unconfirmed(self) -> list[Outgoing]:
        return list(self.books)

    def take_nacked(self) -> list[Outgoing]:
        taken, self.refused = self.refused, []
        self.nacked.subtract(message[0] for message in taken)
        self.nacked = +self.nacked
        return taken


RABBITMQ = rabbitmq("3.10.8")  # what a FakeLink says it is unless told otherwise: the shared broker


class FakeLink:
    def __init__(
        self,
        number: int,
        scripts: list[list[Step]],
        publisher: FakePublisher | None = None,
        broker: Capabilities = RABBITMQ,
    ) -> None:
        self.number = number
        self.broker = broker
        self.scripts = scripts  # one script per consume() on this link
        self.is_open = True
        self.consumers: list[FakeConsumer] = []
        self.ensured: list[Topology] = []
        self.publishers: list[FakePublisher] = []
        self._publisher = publisher
        self.slept: list[float] = []
        self.closed = False
        self.exchange_types: dict[str, str] = {}
        self.held: list[Delivery] = []  # what peek() shows
        self.peeked = 0
        self.peek_closed = False

    @property
    def where(self) -> str:
        return f"fake:{self.number}"

    def ensure(self, topology: Topology) -> str | None:
        self.ensured.append(topology)
        return None

    def consume(self, topology: Topology, prefetch: int, properties: bool = True) -> FakeConsumer:
        consumer = FakeConsumer(self, topology, self.scripts.pop(0) if self.scripts else [])
        self.consumers.append(consumer)
        return consumer

    def exchange_type(self, name: str) -> str | None:
        return self.exchange_types.get(name)

    def peek(self, queue: QueueSpec, properties: bool = True) -> Generator[Delivery, None, None]:
        """The held messages one by one; `self.peeked` counts those handed out, `self.peek_closed` the end."""
        try:
            for message in self.held:
                self.peeked += 1
                yield message
        finally:
            self.peek_closed = True

    def publisher(self, window: int, stall_after: float | None = None) -> FakePublisher:
        publisher = self._publisher or FakePublisher()
        self.publishers.append(publisher)
        return publisher

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def close(self) -> None:
        self.closed = True
        self.is_open = False


@dataclass
class FakeTransport:
    """`links` are handed out in order: the first by connect(), the others by recover()."""

    links: list[FakeLink]
    settings: BrokerSettings = field(default_factory=BrokerSettings)
    failures: tuple[type[BaseException], ...] = (ConnectionLost, OSError)
    recovered: list[BaseException] = field(default_factory=list)
    refuse: BaseException | None = None  # recover() raises this instead
    last: FakeLink | None = None

    def connect(self) -> FakeLink:
        self.last = self.links.pop(0)
        return self.last

    def blames_message(self, error: BaseException) -> bool:
        """Like amqp091's for a frame error: `error` says so in its text."""
        return "frame_too_large" in str(error)

    def recover(self, error: BaseException, deadline: Callable[[], float | None]) -> FakeLink:
        """Like amqp091's: the lost link is closed before connecting again."""
        self.recovered.append(error)
        assert self.last is not None
        self.last.close()
        deadline()
        if self.refuse is not None:
            raise self.refuse
        self.last = self.links.pop(0)
        return self.last


def _conforms(transport: FakeTransport, link: FakeLink, consumer: FakeConsumer, publisher: FakePublisher) -> None:
    """Never called: mypy checks that the fakes implement the seam's Protocols."""
    _t: Transport = transport
    _l: Link = link
    _c: Consumer = consumer
    _p: Publisher = publisher
