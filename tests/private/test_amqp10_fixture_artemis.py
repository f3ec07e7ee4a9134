"""The amqp10_artemis fixture: a private ActiveMQ Artemis 2.40, over bare proton (no project code).

Artemis has no 0-9-1 acceptor: it answers the 0-9-1 header with its own 1.0 header, so
`--protocol auto` (transport/detect.py) must choose 1.0 there.
"""

from __future__ import annotations

import uuid

import pytest

from pulp_amqp_tools.transport.detect import choose, probe
from tests.support.amqp10_bare import round_trip
from tests.support.amqp10_brokers import Amqp10Broker
from tests.support.amqp10_checks import survive

pytestmark = pytest.mark.private_node

PRODUCT = "apache-activemq-artemis"


def test_a_message_goes_round_and_the_open_frame_names_artemis(amqp10_artemis: Amqp10Broker) -> None:
    address, body = f"pat-{uuid.uuid4().hex}", b"\x00pulp\xff" + uuid.uuid4().bytes
    seen = round_trip(amqp10_artemis.url, address, address, "pulp.server.test", body)  # auto-created
    print(f"\nopen frame: {seen.properties}")
    assert (seen.error, seen.body) == ("", body)
    assert (seen.properties["product"], seen.properties["version"]) == (PRODUCT, amqp10_artemis.version)
    assert amqp10_artemis.product == PRODUCT


def test_kill_connections_is_a_restart_that_keeps_a_durable_message(amqp10_artemis: Amqp10Broker) -> None:
    # Target capability `queue`: the send auto-creates an anycast queue, which the read empties (and
    # Artemis then deletes).
    queue = f"pat-{uuid.uuid4().hex}"
    survived = survive(amqp10_artemis, queue, queue, ("queue",))
    assert (survived.sent.error, survived.sent.outcome) == ("", "accepted")
    assert survived.closed, "the broker did not close the connection"
    assert (survived.got.error, survived.got.body) == ("", survived.body)


def test_the_091_header_gets_a_10_header_back(amqp10_artemis: Amqp10Broker) -> None:
    answer = probe(amqp10_artemis.host, amqp10_artemis.port, timeout=30)
    assert answer.raw == b"AMQP\x00\x01\x00\x00"
    assert choose(answer) == "1.0"
