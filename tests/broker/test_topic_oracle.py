"""The topic-matching oracle of tests/support/topic.py agrees with what a real topic binding receives."""

from __future__ import annotations

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.topic import CASES, matches


@pytest.mark.broker
def test_matches_agrees_with_rabbitmq(admin: BlockingChannel) -> None:
    """Bind one queue per pattern, publish every subject, compare what arrived with matches()."""
    exchange = f"pat-match-{id(admin)}"
    admin.exchange_declare(exchange, exchange_type="topic", auto_delete=False)
    try:
        patterns = sorted({p for p, _, _ in CASES})
        subjects = sorted({s for _, s, _ in CASES})
        queues = {}
        for pattern in patterns:
            queue = admin.queue_declare("", exclusive=True).method.queue
            admin.queue_bind(queue, exchange, pattern)
            queues[pattern] = queue
        admin.confirm_delivery()
        for subject in subjects:
            admin.basic_publish(exchange, subject, subject.encode() or b"<empty>", pika.BasicProperties())
        for pattern, queue in queues.items():
            received = set()
            while True:
                method, _props, body = admin.basic_get(queue, auto_ack=True)
                if method is None:
                    break
                assert body is not None
                received.add(body.decode() if body != b"<empty>" else "")
            expected = {s for s in subjects if matches(pattern, s)}
            assert received == expected, pattern
    finally:
        admin.exchange_delete(exchange)
