"""The one AMQP 1.0 round trip the broker fixtures need: open a connection, read the open frame.

Bare proton (no project code), so that a broker fixture can say it is ready, and what product
it is, without the transport under test. proton is the `amqp10` extra: imported on use.
"""

from __future__ import annotations

from typing import Any

__all__ = ["OpenFailed", "open_properties"]


class OpenFailed(RuntimeError):
    """The broker did not complete SASL and open within the time given."""


def open_properties(url: str, timeout: float = 5.0) -> dict[str, str]:
    """The broker's open-frame `properties` (product, version...) as plain strings."""
    from proton.handlers import MessagingHandler
    from proton.reactor import Container

    class Opener(MessagingHandler):
        def __init__(self) -> None:
            super().__init__(prefetch=0)
            self.properties: dict[Any, Any] | None = None
            self.error = "no answer"
            self.connection: Any = None

        def on_start(self, event: Any) -> None:
            self.connection = event.container.connect(
                url, reconnect=False, allowed_mechs="PLAIN", allow_insecure_mechs=True
            )
            event.container.schedule(timeout, self)

        def on_connection_opened(self, event: Any) -> None:
            self.properties = dict(event.connection.remote_properties or {})
            event.connection.close()

        def on_transport_error(self, event: Any) -> None:
            condition = event.transport.condition
            self.error = f"{condition.name}: {condition.description}" if condition else "transport error"

        def on_transport_closed(self, event: Any) -> None:
            event.container.stop()  # else the pending timer keeps run() going until it fires

        def on_timer_task(self, event: Any) -> None:
            self.error = f"no open frame within {timeout}s"
            transport = self.connection.transport
            if transport is not None:  # drop the socket too: a slow broker would keep a stray connection
                transport.close_tail()
                transport.close_head()
            event.container.stop()

    opener = Opener()
    Container(opener).run()
    if opener.properties is None:
        raise OpenFailed(opener.error)
    return {str(key): str(value) for key, value in opener.properties.items()}
