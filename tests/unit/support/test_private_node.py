"""tests/support/private_node.py without a node: ports it picks stay clear of the shared broker's."""

from __future__ import annotations

from tests.support.private_node import free_port


def test_free_port_avoids_shared_ports() -> None:
    for _ in range(20):
        assert free_port() not in {5672, 5671, 4369, 25672, 15672}
