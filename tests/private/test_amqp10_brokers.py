"""The AMQP 1.0 broker fixtures work: each takes a message and gives it back, over bare proton.

No project code on the wire here (proton's Container and nothing else), so a failure points at the
fixture or the broker, never at the transport under test. The open frame's product and version
are printed: the transport's dialect detection keys on them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest

from tests.support.amqp10_brokers import Amqp10Broker

pytestmark = pytest.mark.private_node


@dataclass
class RoundTrip:
    """What one connection saw: the open frame's properties and the body that came back."""

    properties: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    error: str = ""


def round_trip(url: str, source: str, target: str, subject: str, body: bytes, timeout: float = 30) -> RoundTrip:
    """Attach a receiver on `source` and a sender on `target`, send `body` with `subject`, wait for it."""
    from proton import Message
    from proton.handlers import MessagingHandler
    from proton.reactor import Container

    seen = RoundTrip()

    class Handler(MessagingHandler):
        def __init__(self) -> None:
            super().__init__(prefetch=1)
            self.sent = False

        def on_start(self, event: Any) -> None:
            connection = event.container.connect(url, reconnect=False, allowed_mechs="PLAIN", allow_insecure_mechs=True)
            event.container.create_receiver(connection, source)  # attached first: bound before the send
            event.container.create_sender(connection, target)
            event.container.schedule(timeout, self)

        def on_connection_opened(self, event: Any) -> None:
            seen.properties = {str(k): str(v) for k, v in (event.connection.remote_properties or {}).items()}

        def on_sendable(self, event: Any) -> None:
            if not self.sent:
                event.sender.send(Message(body=body, subject=subject))
                self.sent = True

        def on_message(self, event: Any) -> None:
            seen.body = bytes(event.message.body)  # a memoryview over C memory: copy it here
            event.connection.close()

        def on_link_error(self, event: Any) -> None:
            seen.error = str(event.link.remote_condition)
            event.connection.close()

        def on_transport_error(self, event: Any) -> None:
            seen.error = str(event.transport.condition)

        def on_transport_closed(self, event: Any) -> None:
            event.container.stop()

        def on_timer_task(self, event: Any) -> None:
            seen.error = seen.error or f"nothing back within {timeout}s"
            event.container.stop()

    Container(Handler()).run()
    return seen


def check(broker: Amqp10Broker, source: str, target: str, subject: str) -> None:
    body = b"\x00pulp\xff" + uuid.uuid4().bytes
    seen = round_trip(broker.url, source, target, subject, body)
    print(f"\nopen frame of {broker!r}: {seen.properties}")
    assert seen.error == ""
    assert seen.body == body
    assert seen.properties["product"] == broker.product
    assert seen.properties["version"] == broker.version


def test_rabbitmq_plugin_round_trip(amqp10_rabbitmq: Amqp10Broker) -> None:
    key = f"pat.{uuid.uuid4().hex}"
    check(amqp10_rabbitmq, f"/exchange/amq.topic/{key}", "/exchange/amq.topic", key)
    assert amqp10_rabbitmq.product == "RabbitMQ"


def test_brokerj_round_trip(amqp10_brokerj: Amqp10Broker) -> None:
    key = f"pat.{uuid.uuid4().hex}"
    check(amqp10_brokerj, f"amq.topic/{key}", "amq.topic", key)
    assert amqp10_brokerj.product == "Apache Qpid Broker-J Core"


def test_artemis_round_trip(amqp10_artemis: Amqp10Broker) -> None:
    address = f"pat-{uuid.uuid4().hex}"
    check(amqp10_artemis, address, address, "pulp.server.test")
    assert "artemis" in amqp10_artemis.product.lower()
