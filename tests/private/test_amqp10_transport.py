"""The AMQP 1.0 transport against each real 1.0 broker, at the seam: connect, consume with patterns,
publish with settlement outcomes, requeue and reject, a missing address, reconnect after a
restart, and a durable subscription that loses nothing across a restart.

The brokers come from tests/support/amqp10_brokers.py (private processes, stopped by PID).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("proton")

from pulp_amqp_tools.amqp10.link import Link
from pulp_amqp_tools.amqp10.session import Session
from pulp_amqp_tools.errors import BrokerError
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.transport.broker import BrokerSettings
from pulp_amqp_tools.transport.interface import Binding, Consumer, Outcome, QueueSpec, Topology

pytestmark = pytest.mark.private_node

BROKERS = ["amqp10_rabbitmq", "amqp10_brokerj", "amqp10_artemis"]
DIALECT = {"amqp10_rabbitmq": "rabbitmq3", "amqp10_brokerj": "qpid", "amqp10_artemis": "artemis"}
SEED = [
    "pulp.server.repo.sync.start",
    "pulp.server.repo.sync.finish",
    "pulp.server.repo.publish.start",
    "pulp.server.repo.publish.finish",
]


@pytest.fixture(params=BROKERS)
def broker(request: pytest.FixtureRequest) -> Any:
    found = request.getfixturevalue(request.param)
    found.fixture_name = request.param
    return found


def settings(broker: Any, **more: Any) -> BrokerSettings:
    return BrokerSettings(endpoints=((broker.host, broker.port),), connect_timeout=10, **more)


@pytest.fixture
def link(broker: Any) -> Iterator[Link]:
    opened = Session(settings(broker), lambda _line: None).connect()
    yield opened
    opened.close()


def exchange_for(broker: Any) -> str:
    """An exchange every broker has (Artemis makes the address on first use)."""
    return f"pat-{uuid.uuid4().hex[:8]}" if broker.fixture_name == "amqp10_artemis" else "amq.topic"


class Heard:
    def __init__(self, consumer: Consumer) -> None:
        self.consumer = consumer
        self.got: list[tuple[Delivery, int]] = []
        consumer.start(lambda delivery, tag: self.got.append((delivery, tag)))

    def until(self, count: int, seconds: float = 10.0) -> list[Delivery]:
        end = time.monotonic() + seconds
        while len(self.got) < count and time.monotonic() < end:
            self.consumer.poll(0.2)
        return [delivery for delivery, _tag in self.got]

    def quiet(self, seconds: float = 1.0) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.consumer.poll(0.2)

    def ack_all(self) -> None:
        if self.got:
            self.consumer.settle(self.got[-1][1], Outcome.ACK, multiple=True)


def publish(link: Link, exchange: str, subjects: list[str], prefix: str = "") -> Any:
    publisher = link.publisher(100)
    for subject in subjects:
        publisher.publish(exchange, (prefix + subject, f"body of {subject}".encode(), {"n": 1}, ()))
    assert publisher.wait(10)
    return publisher


def test_dialect_from_the_open_frame(broker: Any, link: Link) -> None:
    assert link.dialect.name == DIALECT[broker.fixture_name]
    assert link.capabilities.protocol == "1.0"
    assert broker.product in link.capabilities.describe()


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([], SEED),
        (["{p}pulp.server.repo.publish.*"], SEED[2:]),
        (["{p}pulp.server.repo.*.finish"], [SEED[1], SEED[3]]),
        (["{p}pulp.server.repo.sync.*", "{p}#.publish.finish", "{p}pulp.#"], SEED),
    ],
)
def test_consume_with_patterns(broker: Any, link: Link, patterns: list[str], expected: list[str]) -> None:
    prefix = f"t{uuid.uuid4().hex[:6]}."
    exchange = exchange_for(broker)
    keys = [pattern.format(p=prefix) for pattern in patterns] or [prefix + "#"]
    heard = Heard(link.consume(Topology(exchange, queue=QueueSpec(), bindings=tuple(map(Binding, keys))), 100))
    publisher = publish(link, exchange, SEED, prefix)
    assert publisher.confirmed == 4 and not publisher.nacked
    got = heard.until(len(expected))
    heard.quiet()
    subjects = [delivery.subject.removeprefix(prefix) for delivery in heard.until(len(expected))]
    if link.dialect.name == "rabbitmq3" and len(keys) > 1:
        subjects.sort(key=SEED.index)  # one link per pattern there: order across patterns is not kept
    assert subjects == expected
    assert all(delivery.body == f"body of {delivery.subject.removeprefix(prefix)}".encode() for delivery in got)
    heard.ack_all()


def test_unroutable_is_counted_only_where_reported(broker: Any, link: Link) -> None:
    publisher = publish(link, exchange_for(broker), [f"nobody.{uuid.uuid4().hex}"])
    assert publisher.confirmed == 1 and not publisher.nacked
    assert sum(publisher.unroutable.values()) == (1 if link.capabilities.reports_unroutable else 0)


def test_requeue_comes_again_and_reject_does_not(broker: Any, link: Link) -> None:
    prefix = f"r{uuid.uuid4().hex[:6]}."
    exchange = exchange_for(broker)
    heard = Heard(link.consume(Topology(exchange, queue=QueueSpec(), bindings=(Binding(prefix + "#"),)), 10))
    publish(link, exchange, ["one"], prefix)
    first = heard.until(1)[0]
    assert not first.redelivered
    heard.consumer.settle(heard.got[0][1], Outcome.REQUEUE)
    again = heard.until(2)[1]
    assert again.body == first.body
    assert again.redelivered is link.capabilities.requeue_marks_redelivered
    heard.consumer.settle(heard.got[1][1], Outcome.REJECT)
    heard.quiet(1.5)
    assert len(heard.got) == 2 and heard.consumer.is_open


def test_missing_exchange_is_one_line(broker: Any, link: Link) -> None:
    if link.dialect.creates_nodes and broker.fixture_name == "amqp10_artemis":
        pytest.skip("Artemis creates a missing address (auto-create-addresses)")
    name = f"missing-{uuid.uuid4().hex[:8]}"
    for attempt in (lambda: link.ensure(Topology(name)), lambda: link.consume(Topology(name, queue=QueueSpec()), 1)):
        with pytest.raises(BrokerError) as caught:
            attempt()
        assert name in caught.value.message and "\n" not in caught.value.message
    assert link.is_open  # a refused attach (RabbitMQ 3: an ended session) leaves the connection up


def _lost(heard: Heard, seconds: float = 60.0) -> BaseException:
    """Poll until the consumer reports the connection lost (bounded, never a timing assertion)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            heard.consumer.poll(0.5)
        except Session.failures as exc:
            return exc
    raise AssertionError(f"the loss was not noticed within {seconds:g} s")


def test_reconnect_after_restart(broker: Any) -> None:
    notices: list[str] = []
    transport = Session(settings(broker), notices.append)
    link = transport.connect()
    prefix = f"c{uuid.uuid4().hex[:6]}."
    exchange = exchange_for(broker)
    topology = Topology(exchange, queue=QueueSpec(), bindings=(Binding(prefix + "#"),))
    heard = Heard(link.consume(topology, 10))
    broker.restart()
    link = transport.recover(_lost(heard), lambda: time.monotonic() + 120)
    try:
        assert any("reconnecting" in line for line in notices), notices
        heard = Heard(link.consume(topology, 10))
        publish(link, exchange, ["after"], prefix)
        assert [d.subject for d in heard.until(1)] == [prefix + "after"]
        heard.ack_all()
    finally:
        link.close()


def _declare_rabbit_queue(broker: Any, name: str, key: str) -> None:
    """RabbitMQ 3's plugin reads an existing queue (/amq/queue/NAME): declared over 0-9-1, as a user would."""
    import pika

    connection = pika.BlockingConnection(pika.ConnectionParameters(broker.host, broker.port))
    try:
        channel = connection.channel()
        if key:
            channel.queue_declare(name, durable=True)
            channel.queue_bind(name, "amq.topic", key)
        else:
            channel.queue_delete(name)
    finally:
        connection.close()


def test_durable_subscription_loses_nothing_across_a_restart(broker: Any) -> None:
    name = f"pat-dur-{uuid.uuid4().hex[:8]}"
    prefix = f"{name}."
    exchange = exchange_for(broker)
    durable = settings(broker, container_id=f"pulp-listen-{name}")
    topology = Topology(exchange, queue=QueueSpec(name), bindings=(Binding(prefix + "#"),))
    rabbit = broker.fixture_name == "amqp10_rabbitmq"
    if rabbit:
        _declare_rabbit_queue(broker, name, prefix + "#")
    link = Session(durable, lambda _line: None).connect()
    try:
        heard = Heard(link.consume(topology, 10))
        publisher = link.publisher(10)
        persistent = (("delivery_mode", 2),)
        publisher.publish(exchange, (prefix + "first", b"first", {}, persistent))
        assert publisher.wait(10)
        assert [d.body for d in heard.until(1)] == [b"first"]
        heard.ack_all()
        heard.quiet(0.5)  # the acknowledgement goes out before we leave
        heard.consumer.close()  # a durable subscription is detached, not closed: it stays
        link.close()
        link = Session(settings(broker), lambda _line: None).connect()
        publisher = link.publisher(10)
        for word in ("a", "b", "c"):
            publisher.publish(exchange, (prefix + word, word.encode(), {}, persistent))
        assert publisher.wait(10) and publisher.confirmed == 3
        link.close()
        broker.restart()
        link = Session(durable, lambda _line: None).connect()
        heard = Heard(link.consume(topology, 10))
        assert [d.body for d in heard.until(3)] == [b"a", b"b", b"c"]
        heard.ack_all()
        heard.quiet(0.5)
        if not rabbit:  # closing (not detaching) the link ends the subscription: the test leaves nothing
            for receiver in heard.consumer._receivers:  # type: ignore[attr-defined]
                receiver.link.close()
            heard.quiet(0.5)
    finally:
        link.close()
        if rabbit:
            _declare_rabbit_queue(broker, name, "")


def test_peek_browses_and_leaves_every_message(broker: Any, link: Link) -> None:
    from pulp_amqp_tools.errors import UsageError

    name = f"pat-peek-{uuid.uuid4().hex[:8]}"
    if not link.capabilities.peek:
        with pytest.raises(UsageError) as caught:
            next(link.peek(QueueSpec(name, declare=False)))
        assert "cannot browse" in caught.value.message
        return
    if broker.fixture_name != "amqp10_brokerj":
        pytest.skip("an Artemis queue to browse needs an anycast address made for it")
    import pika

    connection = pika.BlockingConnection(pika.ConnectionParameters(broker.host, broker.port))
    channel = connection.channel()
    try:
        channel.queue_declare(name)
        for word in ("one", "two"):
            channel.basic_publish("", name, word.encode())
        end = time.monotonic() + 10  # no confirms from Broker-J over 0-9-1: wait until both are queued
        while channel.queue_declare(name, passive=True).method.message_count < 2 and time.monotonic() < end:
            time.sleep(0.1)
        for _look in range(2):  # a second look sees the same: nothing was taken
            assert [d.body for d in link.peek(QueueSpec(name, declare=False))] == [b"one", b"two"]
    finally:
        channel.queue_delete(name)
        connection.close()
