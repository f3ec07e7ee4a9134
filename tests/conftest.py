"""Fixtures and hooks only: the shared broker's channel and names, the marks' guards.

Helpers live in tests/support/ (import them from there); the private-node fixtures come from
tests/support/fixtures.py, registered here for every module.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.cli.urls import mask
from tests.support.broker import BROKER_URL, broker_problem, delete_exchange, delete_queue, unique

pytest_plugins = ["tests.support.fixtures"]

# A test that takes one of these fixtures must carry the matching mark, so that
# `-m "not broker and not private_node"` never selects it on a machine without RabbitMQ.
MARK_OF_FIXTURE = {
    "admin": "broker",
    "exchange": "broker",
    "queue_name": "broker",
    "private_node": "private_node",
    "tls_node": "private_node",
    "tcp_proxy": "private_node",
    "cluster": "cluster",
    "amqp10_rabbitmq": "private_node",
    "amqp10_brokerj": "private_node",
    "amqp10_artemis": "private_node",
}


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A `cluster` test starts private nodes: it is a `private_node` test too, so that
    `-m "not broker and not private_node"` (the tests that need no RabbitMQ) leaves it out."""
    for item in items:
        if item.get_closest_marker("cluster") and not item.get_closest_marker("private_node"):
            item.add_marker(pytest.mark.private_node)


@cache
def _shared_broker_problem() -> str | None:
    return broker_problem()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail, in one line and before the test starts, what cannot work: an unmarked test that takes a
    broker fixture, or a broker test when no broker answers."""
    missing = sorted(
        {mark for fixture, mark in MARK_OF_FIXTURE.items() if fixture in getattr(item, "fixturenames", ())}
        - {mark.name for mark in item.iter_markers()}
    )
    if missing:
        marks = " and ".join(f"pytest.mark.{mark}" for mark in missing)
        pytest.fail(f"{item.nodeid} takes a fixture that needs {marks}: mark the test with it", pytrace=False)
    if item.get_closest_marker("broker") is not None:
        problem = _shared_broker_problem()
        if problem is not None:
            pytest.fail(
                f"broker test, but no broker at {mask(BROKER_URL)} ({problem}): start RabbitMQ (scripts/test.sh does), "
                "set TEST_AMQP_URL, or run only the pure tests with -m 'not broker and not private_node'",
                pytrace=False,
            )


@pytest.fixture
def admin() -> Iterator[BlockingChannel]:
    """A channel of the test's own, for arranging and inspecting the broker."""
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        yield connection.channel()
    finally:
        if connection.is_open:
            connection.close()


@pytest.fixture
def exchange() -> Iterator[str]:
    """A unique exchange name, deleted after the test whether or not anyone declared it."""
    name = unique("pat-x")
    yield name
    delete_exchange(name)


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A unique queue name, deleted after the test."""
    name = unique("pat-q")
    yield name
    delete_queue(name)
