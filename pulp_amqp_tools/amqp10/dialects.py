"""How each AMQP 1.0 broker family spells listen's and emit's nodes, and what it can do. Pure.

The core (amqp10/engine.py and friends) speaks plain 1.0; a Dialect says which addresses, filters
and capabilities a subscription or a publish uses on one broker family, how REQUEUE and REJECT are
settled there, and fills the transport's Capabilities record. The family comes from the open
frame's `product` (choose()), or is forced by BrokerSettings.dialect. Mapping per broker:
/work/shared/docs/amqp10-brokers.md, section 2 (Docs: the Brokers section of the README).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import NamedTuple

from pulp_amqp_tools.amqp10 import selector
from pulp_amqp_tools.transport.broker import DIALECTS
from pulp_amqp_tools.transport.capabilities import Capabilities

TOPIC_BINDING = "apache.org:legacy-amqp-topic-binding:string"  # 0x0000468C00000001
SELECTOR = "apache.org:selector-filter:string"  # 0x0000468C00000004
NAMES = DIALECTS


class Source(NamedTuple):
    """One receiver link's source: its address, filter (key, descriptor, value) and capabilities."""

    address: str
    filters: tuple[tuple[str, str, str], ...] = ()
    capabilities: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()  # what this link is to hear: re-checked on our side (None: all)


class Settle(NamedTuple):
    """A 1.0 outcome: "accepted", "released", "rejected" or "modified" (delivery-failed), with an
    error condition for rejected where the broker reads one."""

    outcome: str
    condition: str | None = None
    undeliverable: bool = False  # modified: never again to this link


MODIFIED = Settle("modified")
REJECTED = Settle("rejected")


@dataclass(frozen=True)
class Dialect:
    """One broker family. Addresses are built by the methods; the fields are facts about it."""

    name: str
    capabilities: Capabilities
    requeue: Settle = MODIFIED
    reject: Settle = REJECTED
    exchange_prefix: str = ""  # target of a publish: prefix + exchange
    creates_nodes: bool = True  # a missing address is made by the broker on attach
    selector_only: bool = False  # no binding filter: one link, patterns as one selector
    source_capabilities: tuple[str, ...] = ()  # of a subscription to an exchange's address
    target_capabilities: tuple[str, ...] = ()
    untested: bool = False

    def target(self, exchange: str) -> str:
        return self.exchange_prefix + exchange

    def subscriptions(self, exchange: str, patterns: tuple[str, ...]) -> list[Source]:
        """The receiver sources that together hear `patterns` (none: everything) on `exchange`."""
        if self.name == "rabbitmq3":
            return [Source(f"/exchange/{exchange}/{p}", patterns=(p,)) for p in patterns or ("#",)]
        if self.selector_only or len(patterns) != 1:
            # qpidd and Broker-J take one binding filter per link; for several patterns one link
            # with a selector (re-checked on our side) keeps their order and one queue
            found = selector.selector(patterns)
            filters = () if found is None else (("selector", SELECTOR, found),)
            return [Source(exchange, filters, self.source_capabilities, patterns)]
        binding = (("subject-filter", TOPIC_BINDING, patterns[0]),)
        return [Source(exchange, binding, self.source_capabilities, patterns)]

    def queue(self, name: str) -> str:
        """The address of an existing queue `name` (--no-declare, --peek, RabbitMQ 3's --queue)."""
        if self.name == "rabbitmq3":
            return f"/amq/queue/{name}"
        if self.name == "rabbitmq4":
            return f"/queues/{name}"
        return name

    def queue_target(self, name: str) -> str | None:
        """Where a message goes straight to queue `name` (--exec's counted copy); None: nowhere."""
        if not name:
            return None
        if self.name == "rabbitmq3":
            return f"/amq/queue/{name}"  # the plugin publishes it by the default exchange
        if self.name == "rabbitmq4":
            return f"/queues/{name}"
        return None  # a durable subscription is no node a sender can attach to

    @property
    def durable_is_queue(self) -> bool:
        """--queue NAME names a queue that must exist (not a durable subscription we create)."""
        return self.name in ("rabbitmq3", "rabbitmq4", "servicebus")


def _caps(name: str, **facts: object) -> Capabilities:
    base = Capabilities(
        protocol="1.0",
        dialect=name,
        exchange_types=frozenset({"topic"}),
        headers_exchange="",
        reserved_prefix="",
        firehose=False,
        streams=False,
    )
    return replace(base, **facts)  # type: ignore[arg-type]


QPID = Dialect(
    "qpid",
    _caps("qpid", requeue_marks_redelivered=True, reports_unroutable=False, peek=True),
    creates_nodes=False,  # Broker-J: amqp:not-found; qpidd only with create-on-demand, which we do not ask
)
# Broker-J rejects an unroutable message (amqp:not-found) only where the exchange is set to
# (unroutableMessageBehaviour REJECT); its amq.* exchanges accept and drop. A `rejected` delivery
# comes straight back unless the queue has an alternate binding, so REJECT is "never again to this
# link" there (all measured on 10.1.0).
BROKER_J = replace(QPID, reject=Settle("modified", undeliverable=True))
ARTEMIS = Dialect(
    "artemis",
    _caps("artemis", requeue_marks_redelivered=True, reports_unroutable=False, peek=True),
    selector_only=True,
    source_capabilities=("topic",),
    target_capabilities=("topic",),
)
RABBITMQ3 = Dialect(
    "rabbitmq3",
    _caps("rabbitmq3", requeue_marks_redelivered=False, reports_unroutable=False, peek=False),
    requeue=Settle("released"),  # settling as modified ends the session on 3.10 (measured)
    exchange_prefix="/exchange/",
    creates_nodes=False,
)
RABBITMQ4 = Dialect(
    "rabbitmq4",
    _caps("rabbitmq4", requeue_marks_redelivered=True, reports_unroutable=True, peek=False),
    exchange_prefix="/exchanges/",
    creates_nodes=False,
    untested=True,
)
SERVICEBUS = Dialect(
    "servicebus",
    _caps("servicebus", requeue_marks_redelivered=True, reports_unroutable=False, peek=False),
    reject=Settle("rejected", "com.microsoft:dead-letter"),
    creates_nodes=False,
    selector_only=True,
    untested=True,
)
BY_NAME = {"qpid": QPID, "artemis": ARTEMIS, "rabbitmq3": RABBITMQ3, "rabbitmq4": RABBITMQ4, "servicebus": SERVICEBUS}


def _major(version: str) -> int:
    digits = version.split(".", 1)[0]
    return int(digits) if digits.isdigit() else 0


def _by_product(product: str, version: str) -> Dialect | None:
    lowered = product.lower()
    if "rabbitmq" in lowered:
        return RABBITMQ4 if _major(version) >= 4 else RABBITMQ3
    if "artemis" in lowered or "activemq" in lowered:
        return ARTEMIS
    if "qpid-cpp" in lowered or lowered == "qpidd":
        return QPID
    if "qpid" in lowered or "broker-j" in lowered:
        return BROKER_J
    if "servicebus" in lowered or "microsoft" in lowered:
        return SERVICEBUS
    return None


def choose(product: str, version: str, forced: str | None = None) -> tuple[Dialect, bool]:
    """The dialect for a broker that named itself `product` `version` (or `forced`); True when guessed.

    An unknown product gets the Qpid dialect, plain AMQP 1.0 addressing (the address is the node,
    the subject is the key), and is reported as a guess.
    """
    found = _by_product(product, version)
    if forced and (found is None or found.name != forced):
        found = BY_NAME[forced]
    if found is None:
        return _named(QPID, product, version), True
    return _named(found, product, version), False


def _named(dialect: Dialect, product: str, version: str) -> Dialect:
    return replace(dialect, capabilities=dialect.capabilities.with_identity(product, version))
