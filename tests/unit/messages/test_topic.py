"""messages/topic.py: topic matching as RabbitMQ does it, checked against the oracle in tests/support/topic.py."""

from __future__ import annotations

from pulp_amqp_tools.messages.topic import matcher
from tests.support.topic import matches as oracle


def test_topic_matching_follows_rabbitmq() -> None:
    patterns = ["#", "*", "", "a", "a.*", "a.#", "#.b", "*.*", "a.#.b", "#.#", "*.#.*", "a.*.#", "#.*"]
    keys = ["", "a", "b", "a.b", "a.b.c", "a..b", ".", "x.a.b", "a.x.y.b", "pulp.server.repo.sync.finish"]
    for pattern in patterns:
        for key in keys:
            assert matcher([pattern])(key) == oracle(pattern, key), (pattern, key)
    assert matcher(["a.*", "#.b"])("x.b") and not matcher(["a.*", "#.b"])("x.c")
