"""`--protocol auto`'s probe against the shared RabbitMQ: it answers 0-9-1, so auto keeps 0-9-1."""

from __future__ import annotations

import urllib.parse

import pytest

from pulp_amqp_tools.transport.detect import choose, probe
from tests.support.broker import BROKER_URL

pytestmark = pytest.mark.broker


def test_the_shared_rabbitmq_answers_with_connection_start() -> None:
    url = urllib.parse.urlsplit(BROKER_URL)
    answer = probe(url.hostname or "127.0.0.1", url.port or 5672, timeout=10)
    assert answer.protocol == "0-9-1"
    assert answer.raw[:3] == b"\x01\x00\x00"  # a method frame on channel 0
    assert choose(answer) == "0-9-1"
