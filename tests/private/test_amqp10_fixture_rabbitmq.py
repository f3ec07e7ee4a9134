"""The amqp10_rabbitmq fixture: a private RabbitMQ 3.10 node with rabbitmq_amqp1_0, over bare proton.

No project code on the wire (tests/support/amqp10_bare.py), so a failure points at the fixture or
the broker, never at the transport under test. The open frame's product and version are printed:
the transport's dialect detection keys on them. The 0-9-1 header probe (transport/detect.py,
`--protocol auto`) is checked here too, where the broker already runs.
"""

from __future__ import annotations

import uuid

import pytest

from pulp_amqp_tools.transport.detect import choose, probe
from tests.support.amqp10_bare import round_trip
from tests.support.amqp10_brokers import Amqp10Broker
from tests.support.amqp10_checks import durable_queue, survive

pytestmark = pytest.mark.private_node


def test_a_message_goes_round_and_the_open_frame_names_rabbitmq(amqp10_rabbitmq: Amqp10Broker) -> None:
    key, body = f"pat.{uuid.uuid4().hex}", b"\x00pulp\xff" + uuid.uuid4().bytes
    seen = round_trip(amqp10_rabbitmq.url, f"/exchange/amq.topic/{key}", "/exchange/amq.topic", key, body)
    print(f"\nopen frame: {seen.properties}")
    assert (seen.error, seen.body) == ("", body)
    assert (seen.properties["product"], seen.properties["version"]) == ("RabbitMQ", amqp10_rabbitmq.version)
    assert amqp10_rabbitmq.product == "RabbitMQ"


def test_kill_connections_closes_them_and_a_restart_keeps_a_durable_message(amqp10_rabbitmq: Amqp10Broker) -> None:
    with durable_queue(amqp10_rabbitmq) as queue:
        survived = survive(amqp10_rabbitmq, f"/amq/queue/{queue}", f"/amq/queue/{queue}")
    assert (survived.sent.error, survived.sent.outcome) == ("", "accepted")
    assert survived.closed, "the broker did not close the connection"
    assert (survived.got.error, survived.got.body) == ("", survived.body)


def test_the_091_header_gets_connection_start(amqp10_rabbitmq: Amqp10Broker) -> None:
    answer = probe(amqp10_rabbitmq.host, amqp10_rabbitmq.port, timeout=30)
    assert answer.raw[:3] == b"\x01\x00\x00"
    assert choose(answer) == "0-9-1"
