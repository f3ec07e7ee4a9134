"""pytest fixtures for the private AMQP 1.0 brokers: amqp10_rabbitmq, amqp10_brokerj, amqp10_artemis.

Session-scoped: one broker of each kind per pytest process (per xdist worker), started when a
test first asks for it, stopped by PID and deleted at the end. A broker takes 10-30 s to start,
so the 1.0 test modules share them; every test uses names of its own, and a test that restarts
the broker or closes its connections leaves it running. Tests taking them are marked
`private_node` (conftest checks). Each yields an `Amqp10Broker` (tests/support/amqp10_brokers.py).
When this machine cannot run one (no proton, Java, Maven or artifact), the test is skipped with the
reason, or fails with it when PAT_REQUIRE_AMQP10=1 (CI sets it, so that 1.0 never goes untested).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from typing import NoReturn

import pytest

from .amqp10_brokers import Amqp10Broker, RabbitAmqp10
from .amqp10_dists import Unavailable, require_java
from .amqp10_java import Artemis, BrokerJ
from .private_node import rabbitmq_available

__all__ = ["amqp10_artemis", "amqp10_brokerj", "amqp10_rabbitmq", "require_amqp10"]

FIXTURES = ("amqp10_rabbitmq", "amqp10_brokerj", "amqp10_artemis")


def _unavailable(reason: str) -> NoReturn:
    if os.environ.get("PAT_REQUIRE_AMQP10") == "1":
        pytest.fail(f"PAT_REQUIRE_AMQP10=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def require_amqp10() -> None:
    """Skip (or fail, see above) unless proton, the 1.0 client the fixtures use, is installed."""
    if importlib.util.find_spec("proton") is None:
        _unavailable("python-qpid-proton not installed: pip install -e '.[amqp10]' (scripts/test.sh does)")


def _serve(make: Callable[[], Amqp10Broker], needs_java: bool) -> Iterator[Amqp10Broker]:
    require_amqp10()
    try:
        if needs_java:
            require_java()
        broker = make()
    except Unavailable as e:
        _unavailable(str(e))
    with broker:
        print(f"\n{broker.product} {broker.version} on port {broker.port} started in {broker.start_seconds:.1f} s")
        yield broker


@pytest.fixture(scope="session")
def amqp10_rabbitmq() -> Iterator[Amqp10Broker]:
    """A private RabbitMQ 3.x node with rabbitmq_amqp1_0 (1.0 and 0-9-1 on `port`)."""
    if not rabbitmq_available():
        _unavailable("rabbitmq-server/rabbitmqctl (and erl) not installed (apt-get install rabbitmq-server)")
    yield from _serve(RabbitAmqp10, needs_java=False)


@pytest.fixture(scope="session")
def amqp10_brokerj() -> Iterator[Amqp10Broker]:
    """A private Qpid Broker-J (1.0 and 0-9-1 on `port`, management HTTP on `http_port`)."""
    yield from _serve(BrokerJ, needs_java=True)


@pytest.fixture(scope="session")
def amqp10_artemis() -> Iterator[Amqp10Broker]:
    """A private ActiveMQ Artemis (1.0 only on `port`; its core protocol on `core_port`)."""
    yield from _serve(Artemis, needs_java=True)
