"""The seam: what listen's and emit's loops need from a broker, whatever the protocol. Pure.

loops/listen.py and loops/emit.py drive a Transport; amqp091/ implements it with pika, and an AMQP
1.0 transport would be a sibling package implementing it again. Nothing here imports a protocol
library, and nothing in the loops knows which protocol delivered a message.

    Transport   one command run: connect(), then recover() after each loss (backoff, failover)
      Link      one live connection: broker, ensure(topology), consume(...), peek(queue), publisher(...),
                sleep(), close()
        Consumer    one subscription: start(on_delivery), poll(), settle(tag, outcome), verify(), description
        Publisher   one confirm window: publish(), wait(), unconfirmed()
"""

from __future__ import annotations

import enum
from collections import Counter
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.delivery import Delivery
    from pulp_amqp_tools.messages.streams import StreamPosition
    from pulp_amqp_tools.transport.broker import BrokerSettings
    from pulp_amqp_tools.transport.capabilities import Capabilities

EXCHANGE_TYPES = ("direct", "fanout", "headers", "topic")  # what --exchange-type may create, on any transport

Tag = int
"""A delivery's number on its Consumer: 1, 2, 3... in arrival order, valid until that consumer closes."""

OnDelivery = Callable[["Delivery", Tag], None]
"""Called by Consumer.poll() once per delivery, in arrival order."""

Outgoing = tuple[str, bytes, dict[str, Any], tuple[tuple[str, Any], ...]]
"""A message on its way out: subject, body, headers, basic properties by name (see messages/message.py).

A plain tuple, built once per message; a Publisher keeps the very object until it is confirmed, so
the loop can tell by identity which messages still need sending after a loss.
"""


class Outcome(enum.Enum):
    """How a delivery is settled. AMQP 1.0 names: accepted, released, rejected."""

    ACK = "ack"  # done with it: the broker forgets it
    REQUEUE = "requeue"  # put it back, to come again (marked redelivered)
    REJECT = "reject"  # refuse it: dead-lettered where the queue says so, else dropped


class QueueSpec(NamedTuple):
    """The queue listen consumes from: a private one when name is None.

    A named queue that exists is used as its owner declared it; a missing one is declared durable,
    as `queue_type`, with `arguments` (x-arguments of queue types built on this). `declare` False
    (--no-declare, --peek): the queue exactly as it is; it must exist, nothing is declared or bound.
    A private queue is named by the broker where it can, else by the transport (unique, exclusive).
    `stream`: read a stream from where that position says (after a loss: one past the last offset
    handled); a stream that exists is read as it is (its bindings are the stream's, not the
    reader's), a missing one is declared with `arguments` (x-max-age) and bound.
    """

    name: str | None = None
    queue_type: str | None = None  # "classic", "quorum" or "stream" for a named queue
    declare: bool = True
    arguments: tuple[tuple[str, Any], ...] = ()
    stream: StreamPosition | None = None  # shared across reconnects: it moves with every delivery
    type_given: bool = True  # False: queue_type is the tool's default, and a broker without it uses its own
    # A named queue given without stream options that turns out to be an existing stream is read
    # as it is (never bound) from `if_stream`; or, where a stream cannot work, refused: `no_stream`
    # says why (--exec: "--exec needs a queue that can requeue and reject").
    if_stream: StreamPosition | None = None
    no_stream: str | None = None


class Binding(NamedTuple):
    """A -s subject to bind with: a pattern on a topic exchange, a literal key on a direct one.

    The transport binds each on the exchanges whose type takes it (none given: '#' on topic ones).
    """

    key: str
    arguments: tuple[tuple[str, Any], ...] = ()  # for exchange types that match on more (headers)


class Topology(NamedTuple):
    """What must exist on the broker before messages flow; declared the same way by both commands.

    emit needs the exchange only; listen adds its queue and bindings. Extend with fields that
    default to today's behaviour (at the end), so every existing caller keeps meaning the same.
    These records are NamedTuples, not dataclasses: a frozen dataclass costs ~0.4 ms to define,
    paid by every one-event `pulp-emit` at import.
    """

    exchange: str
    exchange_type: str = "topic"  # what a missing exchange is created as
    queue: QueueSpec | None = None  # None: no queue (publishing)
    bindings: tuple[Binding, ...] = ()
    # Issue #12: an existing exchange of any type is used as it is, bound the way its type routes.
    more_exchanges: tuple[str, ...] = ()  # -e repeated: the queue is bound on each of them too
    match: tuple[tuple[str, Any], ...] = ()  # headers exchanges: header name -> value to match
    match_any: bool = False  # ... any one of them is enough (else all)
    require_type: bool = False  # an existing exchange of another type than exchange_type is an error

    @property
    def exchanges(self) -> tuple[str, ...]:
        return (self.exchange, *self.more_exchanges)


class ConnectionLost(Exception):
    """The connection died (or was given up as dead); `reason` says how, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConfirmsStalled(ConnectionLost):
    """The link looks alive but the broker stopped confirming: no reply to any outstanding message
    for the confirm timeout. Recovered like a loss, on another broker first.

    Seen on a RabbitMQ 3.10 cluster whose quorum queue lost its leader to a partition: a channel
    opened before the queue's new leader was known sends its messages to the old one and is then
    blocked by flow control for as long as the partition lasts, heartbeats and all still fine.
    """


class TopologyLost(Exception):
    """The connection is fine but the consumer or its bindings are gone: set them up again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Source(NamedTuple):
    """Where a subscription's messages come from, for a display (--top's header).

    `exchanges` it is bound on and what it hears there (`patterns`: topic patterns, direct keys,
    headers matches as NAME=VALUE); no exchanges for a queue or stream read as it is, whose own
    bindings decide (`reads` says which, and on a stream `patterns` are what -s selects).
    """

    exchanges: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()
    reads: str = ""


class Consumer(Protocol):
    """One subscription on a Link. Nothing is delivered before start(); settle() after writing."""

    @property
    def queue(self) -> str:
        """The queue's name as the broker knows it (a private queue's is the broker's choice, or the transport's)."""

    @property
    def is_open(self) -> bool:
        """False once the subscription's channel (or link) closed: settling is then pointless."""

    @property
    def cancelled(self) -> str | None:
        """Why the broker ended the subscription (a deleted queue), once it did; else None."""

    @property
    def description(self) -> str:
        """What it listens on, in words, for the ready line: `exchange 'x' (topic) for '#' (queue 'q')`."""

    @property
    def source(self) -> Source:
        """The same as a record: what it is bound on, or what it reads as it is."""

    def start(self, on_delivery: OnDelivery) -> None:
        """Begin receiving; deliveries reach `on_delivery` only from inside poll()."""

    def poll(self, seconds: float) -> None:
        """Serve the connection for up to `seconds`: deliveries, heartbeats, a dead-peer check.

        Raises ConnectionLost or one of the Transport's `failures` when the connection is lost.
        """

    def settle(self, tag: Tag, outcome: Outcome = Outcome.ACK, multiple: bool = False) -> None:
        """Settle delivery `tag` (with `multiple`, every unsettled one up to it) as `outcome`."""

    def pause(self) -> None:
        """Stop deliveries (what arrived but was not handed out yet goes back to the queue); the
        queue stays, with its bindings, even a private one."""

    def resume(self, prefetch: int) -> None:
        """Deliver again, now with at most `prefetch` unsettled deliveries, to the same callback."""

    def verify(self, idle: float) -> None:
        """Called once per pass with the seconds since the last delivery: TopologyLost if the
        exchange or bindings are gone (a transport may probe the broker while idle, rate-limited)."""

    def close(self) -> None:
        """End the subscription (a private queue goes with it); the Link stays open."""


class Publisher(Protocol):
    """A window of unconfirmed messages on a Link; `confirmed`, `nacked`, `unroutable` count replies."""

    confirmed: int
    nacked: Counter[str]  # by subject
    unroutable: Counter[str]  # by subject: accepted, but no binding matched (mandatory)
    reports_unroutable: bool  # False: the broker accepts and drops what no binding takes, unsaid

    def publish(self, exchange: str, message: Outgoing) -> None:
        """Send one message; blocks (serving the connection) while the window is full."""

    def wait(self, timeout: float) -> bool:
        """Serve the connection until every message is confirmed or nacked; False on timeout."""

    def unconfirmed(self) -> list[Outgoing]:
        """What was sent (or was being sent) without a reply yet, oldest first."""

    def take_nacked(self) -> list[Outgoing]:
        """The messages the broker refused (nacked) since the last call, oldest first, to be sent
        again; they leave the `nacked` count."""


class Link(Protocol):
    """One live connection to a broker."""

    @property
    def where(self) -> str:
        """`host:port` of the broker it reached, for notices."""

    @property
    def is_open(self) -> bool: ...

    @property
    def broker(self) -> Capabilities:
        """What the broker that answered is and can do (transport/capabilities.py), as it said itself."""

    def ensure(self, topology: Topology) -> str | None:
        """Make `topology` exist (see Topology); the queue's name when it has one."""

    def consume(self, topology: Topology, prefetch: int, properties: bool = True) -> Consumer:
        """Ensure `topology` and subscribe to its queue with at most `prefetch` unsettled deliveries.

        `properties`: fill Delivery.properties (costly per message; quiet output does not show them).
        """

    def exchange_type(self, name: str) -> str | None:
        """The type of exchange `name` as ensure() or consume() found it; None when the broker would not say."""

    def peek(self, queue: QueueSpec, properties: bool = True) -> Generator[Delivery, None, None]:
        """The messages `queue` holds now, oldest first, none taken: when the iterator is closed
        (or the link) every one goes back into the queue. Ends when no more are ready."""

    def publisher(self, window: int, stall_after: float | None = None) -> Publisher:
        """A publisher with confirms and mandatory routing, at most `window` messages unconfirmed.

        With `stall_after`, it raises ConfirmsStalled once messages are outstanding and no confirm
        came for that many seconds.
        """

    def sleep(self, seconds: float) -> None:
        """Wait while serving the connection (heartbeats, confirms): pacing waits here."""

    def close(self) -> None:
        """Close cleanly but never wait on a dead peer for long; harmless when already closed."""


class Transport(Protocol):
    """Connections for one command run: the first fails fast; recover() is the one reconnect step."""

    settings: BrokerSettings
    failures: tuple[type[BaseException], ...]  # what the loops catch as "the link failed"

    def connect(self) -> Link:
        """The first connection: a typo or a dead broker fails at once, as one ToolError."""

    def blames_message(self, error: BaseException) -> bool:
        """True when `error` (one of `failures`) is a loss the message being sent can cause: a frame
        the broker refused, memory running out while sending it. Not a broker shutdown, a network
        break or a silent peer. emit ends the run when it happens twice in a row for one message."""

    def recover(self, error: BaseException, deadline: Callable[[], float | None]) -> Link:
        """After `error` (one of `failures`) broke the last link: say why, close it, connect again.

        Tries the other brokers first, with backoff, one notice per event. Raises the ToolError to
        exit with when `error` is no loss (a refusal), under --no-reconnect, or when no broker
        answered by `deadline()` (a time.monotonic() value, asked after the old link closed).
        """
