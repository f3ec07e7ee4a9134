"""Fixtures and hooks only: each test's kind by its folder, the shared broker's channel and names, the guards.

A test's folder says what it needs, and conftest marks it so (nobody writes these marks by hand):

- tests/unit/: nothing. No broker, no network (they pass under `unshare -n`). The files mirror the
  package: tests/unit/<subpackage>/test_<module>.py tests pulp_amqp_tools/<subpackage>/<module>.py,
  tests/unit/test_<module>.py a top-level module, test_<module>_<aspect>.py one aspect of a module
  with many tests, tests/unit/commands/ the commands' usage errors (real processes, no broker) and
  tests/unit/support/ the test helpers themselves.
- tests/broker/: the shared broker (TEST_AMQP_URL, else 127.0.0.1:5672), marked `broker`.
- tests/private/: private nodes the tests start (private_node, tls_node, tcp_proxy...), marked
  `private_node`; one node per module (scripts/test.sh runs a module on one worker).
- tests/cluster/: the private three-node cluster, marked `cluster` and `private_node`.

Helpers live in tests/support/ (import them from there); the private-node fixtures come from
tests/support/fixtures.py, registered here for every module.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.cli.urls import mask
from tests.support.broker import BROKER_URL, broker_problem, delete_exchange, delete_queue, unique

pytest_plugins = ["tests.support.fixtures"]

TESTS = Path(__file__).resolve().parent
# The marks each folder gives its tests.
MARKS_OF_FOLDER: dict[str, tuple[str, ...]] = {
    "unit": (),
    "broker": ("broker",),
    "private": ("private_node",),
    "cluster": ("cluster", "private_node"),
}
FOLDER_OF_MARK = {"broker": "tests/broker/", "private_node": "tests/private/", "cluster": "tests/cluster/"}
# A test that takes one of these fixtures must carry the matching mark (be in its folder), so that
# `pytest tests/unit` or `-m "not broker and not private_node"` never selects it on a machine
# without RabbitMQ.
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


def folder_of(item: pytest.Item) -> str | None:
    """The kind folder `item` lives in (unit, broker, private, cluster), None when in none of them."""
    try:
        parts = item.path.resolve().relative_to(TESTS).parts
    except ValueError:
        return None
    return parts[0] if len(parts) > 1 and parts[0] in MARKS_OF_FOLDER else None


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test by its folder. A `cluster` test starts private nodes: it is a `private_node`
    test too, so that `-m "not broker and not private_node"` (the tests that need no RabbitMQ) leaves it out."""
    for item in items:
        for mark in MARKS_OF_FOLDER.get(folder_of(item) or "", ()):
            item.add_marker(getattr(pytest.mark, mark))
        if item.get_closest_marker("cluster") and not item.get_closest_marker("private_node"):
            item.add_marker(pytest.mark.private_node)


@cache
def _shared_broker_problem() -> str | None:
    return broker_problem()


def misplaced(item: pytest.Item) -> str | None:
    """Why `item` is in the wrong folder for what it needs, in one line; None when it is not."""
    folder = folder_of(item)
    if folder is None:
        return (
            f"{item.nodeid} is in no kind folder: move it to tests/unit, tests/broker, tests/private or tests/cluster"
        )
    marks = {mark.name for mark in item.iter_markers()}
    missing = sorted(
        {mark for fixture, mark in MARK_OF_FIXTURE.items() if fixture in getattr(item, "fixturenames", ())} - marks
    )
    if missing:
        where = " or ".join(FOLDER_OF_MARK[mark] for mark in missing)
        return f"{item.nodeid} takes a fixture that needs {' and '.join(missing)}: move the test to {where}"
    if folder == "unit" and marks & set(FOLDER_OF_MARK):
        kind = sorted(marks & set(FOLDER_OF_MARK))[0]
        return f"{item.nodeid} is marked {kind}, but tests/unit/ needs no broker: move it to {FOLDER_OF_MARK[kind]}"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Fail, in one line and before the test starts, what cannot work: a test outside the folder of
    what it needs (a broker fixture outside tests/broker/, say), or a broker test when no broker answers."""
    problem = misplaced(item)
    if problem is not None:
        pytest.fail(problem, pytrace=False)
    if item.get_closest_marker("broker") is not None:
        problem = _shared_broker_problem()
        if problem is not None:
            pytest.fail(
                f"broker test, but no broker at {mask(BROKER_URL)} ({problem}): start RabbitMQ (scripts/test.sh does), "
                "set TEST_AMQP_URL, or run only the tests that need none: pytest tests/unit",
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
