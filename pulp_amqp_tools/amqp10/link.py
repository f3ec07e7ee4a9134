"""One live AMQP 1.0 connection, as the loops see it (transport.interface.Link), and attaching links.

Each consumer and publisher attaches on a session of its own: RabbitMQ 3's plugin answers a
missing exchange by ending the session, which must not take the other links with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from proton import Condition, Data, Described, Endpoint, Event, Session, Terminus, symbol
from proton import Link as ProtonLink

from pulp_amqp_tools.amqp10 import refusals
from pulp_amqp_tools.amqp10.dialects import Dialect, Source
from pulp_amqp_tools.amqp10.engine import Engine, describe
from pulp_amqp_tools.errors import AccessError, BrokerError, ToolError
from pulp_amqp_tools.transport.broker import BrokerSettings, host_port
from pulp_amqp_tools.transport.capabilities import Capabilities
from pulp_amqp_tools.transport.interface import ConnectionLost, QueueSpec, Topology

if TYPE_CHECKING:
    from pulp_amqp_tools.amqp10.consume import Consumer
    from pulp_amqp_tools.amqp10.publish import Publisher
    from pulp_amqp_tools.messages.delivery import Delivery

CLOSE_GRACE = 2.0  # seconds a clean close may take before the socket is simply dropped
ATTACH_TIMEOUT = 10.0  # seconds the broker has to answer an attach


def _quiet(_message: str) -> None:
    pass


class NotFound(BrokerError):
    """The broker has no node at the address attached to (`amqp:not-found`): exit 5 as any BrokerError."""


class Attached:
    """An Owner (engine.Owner) that only tracks the link's state: what probes and bases share."""

    def __init__(self) -> None:
        self.opened = False
        self.closed: Condition | bool | None = False  # False: open; None: closed without a reason

    def on_opened(self, link: ProtonLink) -> None:
        self.opened = True

    def on_closed(self, link: ProtonLink, condition: Condition | None) -> None:
        self.closed = condition

    def on_message(self, event: Event) -> None:
        pass

    def on_outcome(self, event: Event) -> None:
        pass

    def on_sendable(self, event: Event) -> None:
        pass


def put_source(link: ProtonLink, source: Source, durable: bool = False, copy: bool = False) -> None:
    """Address, filters, capabilities and durability of a receiver's source terminus."""
    link.source.address = source.address
    if source.filters:
        link.source.filter.put_dict(
            {symbol(key): Described(symbol(kind), value) for key, kind, value in source.filters}
        )
    put_capabilities(link.source.capabilities, source.capabilities)
    if durable:
        link.source.durability = Terminus.DELIVERIES  # unsettled-state: kept while we are away
        link.source.expiry_policy = Terminus.EXPIRE_NEVER
    if copy:
        link.source.distribution_mode = Terminus.DIST_MODE_COPY


def put_capabilities(data: Data, names: tuple[str, ...]) -> None:
    if names:
        data.put_array(False, Data.SYMBOL)
        data.enter()
        for name in names:
            data.put_symbol(symbol(name))
        data.exit()


class Link:
    """A proton connection with what listen and emit do on it."""

    def __init__(
        self,
        engine: Engine,
        endpoint: tuple[str, int],
        settings: BrokerSettings,
        dialect: Dialect,
        notice: Callable[[str], None] = _quiet,
    ) -> None:
        self.engine = engine
        self.endpoint = endpoint
        self.settings = settings
        self.dialect = dialect
        self.notice = notice
        self._names = 0

    @property
    def capabilities(self) -> Capabilities:
        return self.dialect.capabilities

    @property
    def broker(self) -> Capabilities:
        """The dialect's record, named as the broker's open frame named it (dialects.choose())."""
        return self.dialect.capabilities

    @property
    def where(self) -> str:
        return host_port(*self.endpoint)

    @property
    def is_open(self) -> bool:
        return self.engine.alive

    def link_name(self, base: str) -> str:
        self._names += 1
        return f"{base}-{self._names}"

    def session(self) -> Session:
        session = self.engine.connection.session()
        session.open()
        return session

    def attach(self, link: ProtonLink, owner: Attached, what: str) -> None:
        """Open `link` for `owner` and wait for the broker's answer; BrokerError when it refuses."""
        self.engine.handler.owners[link.name] = owner
        link.open()

        def answered() -> bool:
            if owner.closed is not False:
                return True
            terminus = link.remote_source if link.is_receiver else link.remote_target
            return (owner.opened and terminus.address is not None) or (owner.opened and bool(terminus.dynamic))

        if not self.engine.wait(answered, ATTACH_TIMEOUT):
            self.raise_if_lost()
            raise BrokerError(f"{what}: the broker did not answer within {ATTACH_TIMEOUT:g} s")
        if owner.closed is not False:
            self.engine.handler.owners.pop(link.name, None)
            raise self.refused(owner.closed, what)

    def refused(self, condition: Condition | bool | None, what: str) -> ToolError:
        cond = condition if isinstance(condition, Condition) else None
        text = describe(cond, "refused")
        name = str(cond.name) if cond is not None else ""
        broker = self.capabilities.describe()
        if name == "amqp:unauthorized-access":
            return AccessError(f"{what}: access refused by {broker}: {text}")
        if name == "amqp:not-found":
            hint = "" if self.dialect.creates_nodes else " (it cannot create it here: create it first)"
            return NotFound(f"{what} does not exist on {broker}{hint}: {text}")
        return BrokerError(f"{what}: refused by {broker}: {text}")

    def raise_if_lost(self) -> None:
        lost = self.engine.handler.lost
        if lost is not None:
            raise ConnectionLost(lost)
        if self.engine.connection.state & Endpoint.LOCAL_CLOSED:
            raise ConnectionLost("the connection closed")

    def ensure(self, topology: Topology) -> str | None:
        """emit's setup: the exchange's address must take a sender (a probe, closed at once)."""
        refusals.check(topology, self.dialect)
        self.probe(topology.exchange)
        return None

    def probe(self, exchange: str) -> None:
        """Attach a sender to the exchange's address and close it at once: NotFound when it is gone."""
        from pulp_amqp_tools.amqp10.publish import open_sender

        sender, _owner = open_sender(self, exchange)
        sender.close()
        self.engine.handler.owners.pop(sender.name, None)

    def consume(self, topology: Topology, prefetch: int, properties: bool = True) -> Consumer:
        refusals.check_subscription(topology, self.dialect)
        from pulp_amqp_tools.amqp10.consume import Consumer

        return Consumer(self, topology, prefetch, properties)

    def exchange_type(self, name: str) -> str | None:
        return None  # 1.0 has no exchange types to ask about: the broker would not say

    def peek(self, queue: QueueSpec, properties: bool = True) -> Generator[Delivery, None, None]:
        from pulp_amqp_tools.amqp10.consume import peek

        return peek(self, queue, properties)

    def publisher(self, window: int, stall_after: float | None = None) -> Publisher:
        from pulp_amqp_tools.amqp10.publish import Publisher

        return Publisher(self, window, stall_after)

    def sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self.raise_if_lost()
            left = deadline - time.monotonic()
            if left <= 0:
                return
            self.engine.step(min(left, 1.0))

    def close(self) -> None:
        self.engine.close(CLOSE_GRACE)
