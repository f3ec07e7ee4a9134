"""The AMQP 1.0 broker fixtures work: each takes a message and gives it back, over bare proton.

No project code on the wire here (tests/support/amqp10_bare.py: proton's Container and nothing
else), so a failure points at the fixture or the broker, never at the transport under test. The
open frame's product and version are printed: the transport's dialect detection keys on them.
`restart()` keeps a durable message; `kill_connections()` makes the broker close a connection.
How each answers the 0-9-1 protocol header is here too (transport/detect.py, `--protocol auto`):
it costs no broker start of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pika
import pytest

from pulp_amqp_tools.transport.detect import choose, probe
from tests.support.amqp10_bare import Held, receive, round_trip, send
from tests.support.amqp10_brokers import Amqp10Broker

pytestmark = pytest.mark.private_node


def check_round_trip(broker: Amqp10Broker, source: str, target: str, subject: str) -> None:
    body = b"\x00pulp\xff" + uuid.uuid4().bytes
    seen = round_trip(broker.url, source, target, subject, body)
    print(f"\nopen frame of {broker!r}: {seen.properties}")
    assert seen.error == ""
    assert seen.body == body
    assert (seen.properties["product"], seen.properties["version"]) == (broker.product, broker.version)


def check_survivals(broker: Amqp10Broker, queue: str, send_to: str, capabilities: tuple[str, ...] = ()) -> None:
    """A durable message outlives kill_connections() and restart(); a held connection does not."""
    body = uuid.uuid4().bytes
    sent = send(broker.url, send_to, body, capabilities)
    assert (sent.error, sent.outcome) == ("", "accepted")
    held = Held(broker.url)
    try:
        broker.kill_connections()
        assert held.wait_closed(), "the broker did not close the connection"
    finally:
        held.close()
    broker.restart()
    print(f"\n{broker!r} restarted in {broker.start_seconds:.1f} s")
    got = receive(broker.url, queue)
    assert (got.error, got.body) == ("", body)


def declare_durable(broker: Amqp10Broker, queue: str, vhost: str = "%2F") -> Callable[[], None]:
    """Declare a durable queue over 0-9-1 (both brokers speak it on the same port); returns its deletion."""
    connection = pika.BlockingConnection(pika.URLParameters(f"{broker.url}/{vhost}"))
    connection.channel().queue_declare(queue, durable=True)
    connection.close()

    def delete() -> None:
        again = pika.BlockingConnection(pika.URLParameters(f"{broker.url}/{vhost}"))
        again.channel().queue_delete(queue)
        again.close()

    return delete


def test_rabbitmq_plugin_round_trip(amqp10_rabbitmq: Amqp10Broker) -> None:
    key = f"pat.{uuid.uuid4().hex}"
    check_round_trip(amqp10_rabbitmq, f"/exchange/amq.topic/{key}", "/exchange/amq.topic", key)
    assert amqp10_rabbitmq.product == "RabbitMQ"


def test_rabbitmq_plugin_restart_and_kill(amqp10_rabbitmq: Amqp10Broker) -> None:
    queue = f"pat-{uuid.uuid4().hex}"
    delete = declare_durable(amqp10_rabbitmq, queue)
    try:
        check_survivals(amqp10_rabbitmq, f"/amq/queue/{queue}", f"/amq/queue/{queue}")
    finally:
        delete()


def test_brokerj_round_trip(amqp10_brokerj: Amqp10Broker) -> None:
    key = f"pat.{uuid.uuid4().hex}"
    check_round_trip(amqp10_brokerj, f"amq.topic/{key}", "amq.topic", key)
    assert amqp10_brokerj.product == "Apache Qpid Broker-J Core"


def test_brokerj_restart_and_kill(amqp10_brokerj: Amqp10Broker) -> None:
    queue = f"pat-{uuid.uuid4().hex}"
    delete = declare_durable(amqp10_brokerj, queue)
    try:
        check_survivals(amqp10_brokerj, queue, queue)
    finally:
        delete()


def test_artemis_round_trip(amqp10_artemis: Amqp10Broker) -> None:
    address = f"pat-{uuid.uuid4().hex}"
    check_round_trip(amqp10_artemis, address, address, "pulp.server.test")
    assert amqp10_artemis.product == "apache-activemq-artemis"


def test_artemis_restart_and_kill(amqp10_artemis: Amqp10Broker) -> None:
    # capability `queue`: an anycast queue auto-created by the send and emptied by the receive
    # (then auto-deleted by the broker).
    queue = f"pat-{uuid.uuid4().hex}"
    check_survivals(amqp10_artemis, queue, queue, ("queue",))


@pytest.mark.parametrize(
    ("fixture", "raw_start", "chosen"),
    [
        ("amqp10_rabbitmq", b"\x01\x00\x00", "0-9-1"),  # connection.start: 0-9-1 on the port
        ("amqp10_brokerj", b"\x01\x00\x00", "0-9-1"),
        ("amqp10_artemis", b"AMQP\x00\x01\x00\x00", "1.0"),  # no 0-9-1 acceptor: its own header
    ],
)
def test_auto_detection_answer(fixture: str, raw_start: bytes, chosen: str, request: pytest.FixtureRequest) -> None:
    broker: Amqp10Broker = request.getfixturevalue(fixture)
    answer = probe(broker.host, broker.port, timeout=30)
    print(f"\n{broker.product}: {answer.describe()} {answer.raw!r}")
    assert answer.raw.startswith(raw_start)
    assert choose(answer) == chosen
