"""Bare proton clients for tests: one connection, one job, no project code on the wire.

What the broker fixtures' own tests (and tests that arrange or inspect a 1.0 broker) use:
`round_trip` (receive what one sends), `send` (one message, its outcome), `receive` (one message,
accepted), `Held` (a connection kept open, to see the broker close it). proton is imported on use.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Held", "RoundTrip", "receive", "round_trip", "send"]


@dataclass
class RoundTrip:
    """What one connection saw: the open frame's properties, the body that came back, the outcome."""

    properties: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    outcome: str = ""
    error: str = ""


def _script(url: str, seen: RoundTrip, timeout: float, attach: Any, until: str = "message") -> None:
    """Run one connection: `attach(container, connection)`, then until a message or a settlement
    (`until`) closes it, or `timeout`."""
    from proton import Delivery
    from proton.handlers import MessagingHandler
    from proton.reactor import Container

    class Script(MessagingHandler):
        def __init__(self) -> None:
            super().__init__(prefetch=1, auto_accept=False)

        def on_start(self, event: Any) -> None:
            connection = event.container.connect(url, reconnect=False, allowed_mechs="PLAIN", allow_insecure_mechs=True)
            attach(event.container, connection)
            event.container.schedule(timeout, self)

        def on_connection_opened(self, event: Any) -> None:
            seen.properties = {str(k): str(v) for k, v in (event.connection.remote_properties or {}).items()}

        def on_message(self, event: Any) -> None:
            seen.body = bytes(event.message.body)  # a memoryview over C memory: copy it here
            self.accept(event.delivery)
            if until == "message":
                event.connection.close()

        def on_settled(self, event: Any) -> None:
            names = {Delivery.ACCEPTED: "accepted", Delivery.REJECTED: "rejected", Delivery.RELEASED: "released"}
            seen.outcome = names.get(event.delivery.remote_state, str(event.delivery.remote_state))
            if until == "settled":
                event.connection.close()

        def on_link_error(self, event: Any) -> None:
            seen.error = str(event.link.remote_condition)
            event.connection.close()

        def on_transport_error(self, event: Any) -> None:
            seen.error = seen.error or str(event.transport.condition)

        def on_transport_closed(self, event: Any) -> None:
            event.container.stop()

        def on_timer_task(self, event: Any) -> None:
            seen.error = seen.error or f"not done within {timeout}s"
            event.container.stop()

    Container(Script()).run()


def _capabilities(*names: str) -> Any:
    """A link option setting the target's capabilities (Artemis: `queue` = anycast, `topic` = multicast)."""
    from proton import symbol
    from proton.reactor import LinkOption

    class Capabilities(LinkOption):
        def apply(self, link: Any) -> None:
            terminus = link.target if link.is_sender else link.source
            for name in names:
                terminus.capabilities.put_symbol(symbol(name))

    return Capabilities()


def round_trip(url: str, source: str, target: str, subject: str, body: bytes, timeout: float = 30) -> RoundTrip:
    """Attach a receiver on `source`, then a sender on `target`; send `body` with `subject`, wait for it."""
    from proton import Message

    seen = RoundTrip()

    def attach(container: Any, connection: Any) -> None:
        container.create_receiver(connection, source)  # attached first: bound before the send
        container.create_sender(connection, target).send(Message(body=body, subject=subject))

    _script(url, seen, timeout, attach)
    return seen


def send(url: str, target: str, body: bytes, capabilities: tuple[str, ...] = (), timeout: float = 30) -> RoundTrip:
    """Send one durable message to `target`; `.outcome` is the broker's settlement."""
    from proton import Message

    seen = RoundTrip()

    def attach(container: Any, connection: Any) -> None:
        options = _capabilities(*capabilities) if capabilities else None
        container.create_sender(connection, target, options=options).send(Message(body=body, durable=True))

    _script(url, seen, timeout, attach, until="settled")
    return seen


def receive(url: str, source: str, timeout: float = 30) -> RoundTrip:
    """Take one message from `source` (accepted); `.body` is None when none came within `timeout`."""
    seen = RoundTrip()
    _script(url, seen, timeout, lambda container, connection: container.create_receiver(connection, source))
    return seen


class Held:
    """A 1.0 connection kept open (stepped by hand) until the broker closes it."""

    def __init__(self, url: str, timeout: float = 30) -> None:
        from proton.handlers import MessagingHandler
        from proton.reactor import Container

        self.opened = self.closed = False
        held = self

        class Watch(MessagingHandler):
            def on_connection_opened(self, event: Any) -> None:
                held.opened = True

            def on_connection_remote_close(self, event: Any) -> None:
                held.closed = True

            def on_transport_closed(self, event: Any) -> None:
                held.closed = True

        self.container = Container(Watch())
        self.container.start()
        self.connection = self.container.connect(url, reconnect=False, allowed_mechs="PLAIN", allow_insecure_mechs=True)
        if not self.wait(lambda: self.opened, timeout):
            raise TimeoutError(f"no open frame from {url} within {timeout}s")

    def wait(self, done: Any, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while not done() and time.monotonic() < deadline:
            self.container.timeout = max(0.01, deadline - time.monotonic())
            self.container.process()
        return bool(done())

    def wait_closed(self, timeout: float = 30) -> bool:
        """True once the broker has closed the connection or its socket."""
        return self.wait(lambda: self.closed, timeout)

    def close(self) -> None:
        if not self.closed:
            self.connection.close()
            self.wait(lambda: self.closed, 5)
        self.container.stop()
