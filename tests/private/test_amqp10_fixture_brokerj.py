"""The amqp10_brokerj fixture: a private Qpid Broker-J 10.1, over bare proton (no project code).

Broker-J speaks 0-9-1 and 1.0 on one port: the 0-9-1 header gets connection.start, so
`--protocol auto` (transport/detect.py) keeps 0-9-1 there.
"""

from __future__ import annotations

import uuid

import pytest

from pulp_amqp_tools.transport.detect import choose, probe
from tests.support.amqp10_bare import round_trip
from tests.support.amqp10_brokers import Amqp10Broker
from tests.support.amqp10_checks import durable_queue, survive

pytestmark = pytest.mark.private_node

PRODUCT = "Apache Qpid Broker-J Core"


def test_a_message_goes_round_and_the_open_frame_names_broker_j(amqp10_brokerj: Amqp10Broker) -> None:
    key, body = f"pat.{uuid.uuid4().hex}", b"\x00pulp\xff" + uuid.uuid4().bytes
    seen = round_trip(amqp10_brokerj.url, f"amq.topic/{key}", "amq.topic", key, body)  # source EXCHANGE/KEY
    print(f"\nopen frame: {seen.properties}")
    assert (seen.error, seen.body) == ("", body)
    assert (seen.properties["product"], seen.properties["version"]) == (PRODUCT, amqp10_brokerj.version)
    assert amqp10_brokerj.product == PRODUCT


def test_kill_connections_closes_them_and_a_restart_keeps_a_durable_message(amqp10_brokerj: Amqp10Broker) -> None:
    with durable_queue(amqp10_brokerj) as queue:
        survived = survive(amqp10_brokerj, queue, queue)
    assert (survived.sent.error, survived.sent.outcome) == ("", "accepted")
    assert survived.closed, "the broker did not close the connection"
    assert (survived.got.error, survived.got.body) == ("", survived.body)


def test_the_091_header_gets_connection_start(amqp10_brokerj: Amqp10Broker) -> None:
    answer = probe(amqp10_brokerj.host, amqp10_brokerj.port, timeout=30)
    assert answer.raw[:3] == b"\x01\x00\x00"
    assert choose(answer) == "0-9-1"
