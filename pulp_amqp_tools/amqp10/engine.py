"""One AMQP 1.0 connection driven step by step: proton's Container, one handler, what happened.

The handler never raises and never calls back into the loops: proton keeps an event in its
collector until its handler returns, so an exception there would deliver the same event again
on the next step. It records what happened (a delivery, an outcome, a link closed with its
condition, the connection lost) on the link's owner or on itself; `Engine.step()` runs one
`container.process()` bounded by `container.timeout` and the callers look at the records.
Never `BlockingConnection` (one round trip per sent message), never proton's own reconnect.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any, Protocol

from proton import Condition, Connection, Endpoint, Event, Link
from proton._reactor import GlobalOverrides  # Container's own part (see _Container)
from proton.handlers import MessagingHandler
from proton.reactor import Container

from pulp_amqp_tools.messages.safetext import one_line


class Owner(Protocol):
    """What owns a link (a consumer, a publisher, a probe): told what happened to it."""

    def on_opened(self, link: Link) -> None: ...

    def on_closed(self, link: Link, condition: Condition | None) -> None: ...

    def on_message(self, event: Event) -> None: ...

    def on_outcome(self, event: Event) -> None: ...

    def on_sendable(self, event: Event) -> None: ...


def describe(condition: Condition | None, default: str) -> str:
    """A peer's error condition in one line: its description, else its name."""
    if condition is None:
        return default
    text = condition.description or condition.name or default
    return one_line(str(text))


class Handler(MessagingHandler):
    """Records connection state and routes link events to their owners (by link name)."""

    def __init__(self) -> None:
        super().__init__(prefetch=0, auto_accept=False, auto_settle=True, peer_close_is_error=False)
        self.opened = False
        self.lost: str | None = None  # why the connection ended, once it did
        self.condition: Condition | None = None  # the peer's or the transport's error condition
        self.owners: dict[str, Owner] = {}
        self.remote_properties: dict[Any, Any] = {}

    def _owner(self, event: Event) -> tuple[Owner, Link] | None:
        link = event.link
        owner = None if link is None else self.owners.get(link.name)
        return None if owner is None or link is None else (owner, link)

    def on_connection_opened(self, event: Event) -> None:
        self.opened = True
        if event.connection is not None:
            self.remote_properties = dict(event.connection.remote_properties or {})

    def on_connection_error(self, event: Event) -> None:
        self.condition = event.connection.remote_condition if event.connection is not None else None
        self.lost = f"the broker closed it: {describe(self.condition, 'no reason given')}"

    def on_connection_closing(self, event: Event) -> None:
        self.lost = self.lost or "the broker closed it"

    def on_transport_error(self, event: Event) -> None:
        condition = event.transport.condition if event.transport is not None else None
        self.condition = self.condition or condition
        self.lost = self.lost or describe(condition, "the network connection broke")

    def on_disconnected(self, event: Event) -> None:
        self.lost = self.lost or "the network connection broke"

    def on_session_error(self, event: Event) -> None:
        # RabbitMQ 3's plugin ends the session, not the link (a missing exchange, a bad outcome).
        if event.session is None or event.connection is None:
            return
        condition = event.session.remote_condition
        for link in _links_of(event.connection, event.session):
            owner = self.owners.get(link.name)
            if owner is not None:
                owner.on_closed(link, condition)

    def on_session_closing(self, event: Event) -> None:
        self.on_session_error(event)

    def on_link_opened(self, event: Event) -> None:
        found = self._owner(event)
        if found is not None:
            found[0].on_opened(found[1])

    def on_link_error(self, event: Event) -> None:
        found = self._owner(event)
        if found is not None:
            found[0].on_closed(found[1], found[1].remote_condition)

    def on_link_closing(self, event: Event) -> None:
        self.on_link_error(event)

    def on_message(self, event: Event) -> None:
        found = self._owner(event)
        if found is not None:
            found[0].on_message(event)

    def on_accepted(self, event: Event) -> None:
        found = self._owner(event)
        if found is not None:
            found[0].on_outcome(event)

    on_rejected = on_accepted
    on_released = on_accepted

    def on_sendable(self, event: Event) -> None:
        found = self._owner(event)
        if found is not None:
            found[0].on_sendable(event)


def _links_of(connection: Connection, session: Any) -> list[Link]:
    found: list[Link] = []
    link = connection.link_head(0)
    while link is not None:
        if link.session == session:
            found.append(link)
        link = link.next(0)
    return found


class _Container(Container):
    """proton's Container without the default SSL domains its __init__ builds for nothing (~0.1 s).

    Container() makes a client and a server SSLDomain (OpenSSL's CA store loaded each time), the
    defaults for an amqps URL connected without an ssl_domain and for listening. We never listen
    and always pass our own domain for amqps (connect.ssl_domain), so `ssl` is None, as proton
    itself leaves it without TLS: a one-shot emit spent a third of its time building them. The rest
    is Container.__init__ as in proton 0.39/0.40 (tests/unit compare the attributes).
    """

    def __init__(self) -> None:
        super(Container, self).__init__()  # Reactor.__init__, skipping Container's
        self.ssl = None  # type: ignore[assignment]  # what proton sets where TLS is missing
        self.global_handler = GlobalOverrides(self._global_handler)
        self.trigger = None
        self.container_id = str(uuid.uuid4())
        self.allow_insecure_mechs = True
        self.allowed_mechs = None
        self.sasl_enabled = True
        self.user = None
        self.password = None


class Engine:
    """A Container with one connection on it; `step()` is one bounded I/O pass."""

    def __init__(self, url: str, container_id: str, **options: Any) -> None:
        self.handler = Handler()
        self.container = _Container()
        self.container.container_id = container_id
        self.container.timeout = 0.0
        self.container.start()
        self.connection: Connection = self.container.connect(
            url=url, handler=self.handler, reconnect=False, container_id=container_id, **options
        )

    @property
    def alive(self) -> bool:
        return self.handler.lost is None and not (self.connection.state & Endpoint.LOCAL_CLOSED)

    def step(self, seconds: float) -> None:
        """One pass of proton's I/O: events handled, then one select of at most `seconds`."""
        self.container.timeout = max(0.0, seconds)
        self.container.process()

    def wait(self, done: Callable[[], bool], seconds: float) -> bool:
        """Step until `done()` or the connection is lost; False when `seconds` passed first."""
        deadline = time.monotonic() + seconds
        while not done():
            if self.handler.lost is not None:
                return False
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.step(min(left, 0.25))
        return True

    def close(self, grace: float) -> None:
        """Close the connection, waiting up to `grace` for the broker's answer; never raises."""
        try:
            if self.alive and self.handler.opened:
                self.connection.close()
                self.wait(lambda: bool(self.connection.state & Endpoint.REMOTE_CLOSED), grace)
        except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real outcome
            pass
        try:
            self.container.stop()
            self.container.process()
        except Exception:  # noqa: BLE001
            pass
