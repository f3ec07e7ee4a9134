"""Fixtures and hooks only: the shared broker's channel and names.

Helpers live in tests/support/ (import them from there); the private-node fixtures come from
tests/support/fixtures.py, registered here for every module.
"""

from __future__ import annotations

from collections.abc import Iterator

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.broker import BROKER_URL, delete_exchange, delete_queue, unique

pytest_plugins = ["tests.support.fixtures"]


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
