"""pytest fixtures for private brokers, registered for every test module by tests/conftest.py.

The node and cluster fixtures are module-scoped: one node (or three-node cluster) per test module,
stopped and deleted afterwards. Tests that break a node (stop it, fill it up...) should build their
own ``PrivateNode`` in a ``with`` block instead.  Tests taking them are marked ``private_node`` or
``cluster`` (conftest checks).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from .amqp10_fixtures import amqp10_artemis, amqp10_brokerj, amqp10_rabbitmq
from .cluster import Cluster
from .private_node import PrivateNode, rabbitmq_available
from .tcp_proxy import TcpProxy
from .tlsgen import TlsFiles, generate_tls_files

__all__ = [
    "amqp10_artemis",
    "amqp10_brokerj",
    "amqp10_rabbitmq",
    "cluster",
    "private_node",
    "require_rabbitmq",
    "tcp_proxy",
    "tls_files",
    "tls_node",
]

SKIP_REASON = (
    "rabbitmq-server/rabbitmqctl (and erl) not installed: cannot start a private "
    "RabbitMQ node (apt-get install rabbitmq-server)"
)


def require_rabbitmq() -> None:
    """Skip the calling test if a private node cannot be started here."""
    if not rabbitmq_available():
        pytest.skip(SKIP_REASON)


@pytest.fixture(scope="module")
def private_node() -> Iterator[PrivateNode]:
    """A started private node (plain AMQP on ``node.port``), one per module."""
    require_rabbitmq()
    with PrivateNode() as node:
        yield node


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A started private three-node cluster, one per module (booting it takes a while: share it).

    Tests that stop or pause nodes should begin with ``cluster.heal()`` so each starts whole.
    """
    require_rabbitmq()
    with Cluster() as started:
        print(f"\ncluster of {len(started.nodes)} nodes started in {started.start_seconds:.1f} s")
        yield started


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """CA / server / client / wrong-CA PEM files in a fresh temp dir."""
    d: Path = tmp_path_factory.mktemp("tls")
    return generate_tls_files(d)


@pytest.fixture(scope="module")
def tls_node(tls_files: TlsFiles) -> Iterator[PrivateNode]:
    """A started private node with a TLS listener on ``node.tls_port`` too."""
    require_rabbitmq()
    with PrivateNode(tls=tls_files) as node:
        yield node


@pytest.fixture
def tcp_proxy(private_node: PrivateNode) -> Iterator[TcpProxy]:
    """A TcpProxy in front of the module's private node (fresh for each test)."""
    with TcpProxy("127.0.0.1", private_node.port) as proxy:
        yield proxy
