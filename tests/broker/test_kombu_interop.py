"""Issue #20: another client on the other side. kombu (what Pulp 2 itself used) reads pulp-emit's
events as Pulp's own, and pulp-listen reads what kombu publishes, on the shared RabbitMQ."""

from __future__ import annotations

import json
from typing import Any

import pytest
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.message import Message
from kombu.messaging import Consumer, Producer

from tests.support.broker import BROKER_URL, unique
from tests.support.processes import run, start_listener

pytestmark = pytest.mark.broker

ALL_FOUR = [
    "pulp.server.repo.sync.start",
    "pulp.server.repo.sync.finish",
    "pulp.server.repo.publish.start",
    "pulp.server.repo.publish.finish",
]


def _pulp_exchange(name: str) -> Exchange:
    """The exchange as Pulp (and pulp-emit) creates it: topic, not durable, not auto-delete."""
    return Exchange(name, type="topic", durable=False, auto_delete=False)


def test_kombu_consumes_pulp_emit_s_events(exchange: str) -> None:
    received: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

    def on_message(_body: Any, message: Message) -> None:
        received.append((message.delivery_info["routing_key"], json.loads(message.body), dict(message.headers)))
        message.ack()

    with Connection(BROKER_URL) as connection:
        queue = Queue(unique("pat-kombu"), _pulp_exchange(exchange), routing_key="pulp.server.#", exclusive=True)
        with Consumer(connection, [queue], callbacks=[on_message]):
            emitted = run("emit", "-e", exchange)
            assert emitted.returncode == 0, emitted.stderr
            while len(received) < 4:
                connection.drain_events(timeout=10)
    assert [subject for subject, _body, _headers in received] == ALL_FOUR
    for subject, body, headers in received:
        assert set(body) == {"event_type", "payload", "call_report"}
        assert subject == f"pulp.server.{body['event_type']}" == headers["qpid.subject"]
        assert body["payload"]["repo_id"]


def test_pulp_listen_reads_what_kombu_publishes(exchange: str) -> None:
    listener = start_listener("-e", exchange, "--json", "-n", "2", "-s", "pulp.server.repo.*.finish")
    body = {"event_type": "repo.sync.finish", "payload": {"repo_id": "zoo", "result": "success"}, "call_report": None}
    with Connection(BROKER_URL) as connection:
        producer = Producer(connection.channel(), exchange=_pulp_exchange(exchange))
        producer.publish(body, routing_key="pulp.server.repo.sync.start", serializer="json")  # not bound: not heard
        producer.publish(
            body, routing_key="pulp.server.repo.sync.finish", serializer="json", headers={"x-origin": "kombu"}
        )
        producer.publish(b"plain bytes", routing_key="pulp.server.repo.publish.finish", content_type="text/plain")
    assert listener.wait() == 0, listener.stderr
    first, second = (json.loads(line) for line in listener.lines())
    assert first["subject"] == "pulp.server.repo.sync.finish" and first["exchange"] == exchange
    assert first["body"] == body and first["headers"]["x-origin"] == "kombu"
    assert first["properties"]["content_type"] == "application/json"
    assert second["subject"] == "pulp.server.repo.publish.finish" and second["body"] == "plain bytes"
    assert "warning" not in listener.stderr and "Traceback" not in listener.stderr, listener.stderr
