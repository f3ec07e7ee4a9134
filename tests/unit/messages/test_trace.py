"""messages/trace.py: firehose records (amq.rabbitmq.trace) become the message that was published."""

from __future__ import annotations

import io
import json

from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.messages.replay import parse_line
from pulp_amqp_tools.messages.trace import from_trace, original
from pulp_amqp_tools.output.render import make_renderer

TRACED_HEADERS = {
    "exchange_name": "",
    "routing_keys": ["target-q", "cc.key"],
    "node": "rabbit@h",
    "vhost": "/",
    "connection": "127.0.0.1:1 -> 127.0.0.1:5672",
    "channel": 1,
    "user": "guest",
    "routed_queues": ["target-q"],
    "properties": {
        "content_type": "application/json",
        "delivery_mode": 2,
        "timestamp": 1700000000,
        "headers": {"qpid.subject": "s", "x": 1},
    },
}


def test_a_traced_publish_becomes_the_original_message() -> None:
    delivery = original(Delivery("amq.rabbitmq.trace", "publish.", b"{}", headers=dict(TRACED_HEADERS), received_at=5))
    assert (delivery.exchange, delivery.routing_key, delivery.subject) == ("", "target-q", "target-q")
    assert delivery.headers == {"qpid.subject": "s", "x": 1}
    assert delivery.properties == {"content_type": "application/json", "delivery_mode": 2, "timestamp": 1700000000}
    assert delivery.trace is not None and delivery.trace["event"] == "publish"
    assert delivery.trace["routing_keys"] == ["target-q", "cc.key"] and delivery.trace["node"] == "rabbit@h"
    record = json.loads(json_line(delivery))
    assert record["trace"]["connection"] == "127.0.0.1:1 -> 127.0.0.1:5672" and record["exchange"] == ""
    message, exchange = parse_line(json_line(delivery).encode(), "-")
    assert (message.subject, exchange, dict(message.headers)) == ("target-q", "", {"qpid.subject": "s", "x": 1})


def test_a_traced_delivery_names_its_queue_and_redelivery() -> None:
    headers = dict(TRACED_HEADERS, redelivered=1)
    del headers["routed_queues"]
    delivery = from_trace("deliver.target-q", headers, b"x", 0.0)
    assert delivery is not None
    assert delivery.redelivered and delivery.trace == {
        "event": "deliver",
        "queue": "target-q",
        "node": "rabbit@h",
        "vhost": "/",
        "connection": "127.0.0.1:1 -> 127.0.0.1:5672",
        "channel": 1,
        "user": "guest",
        "routing_keys": ["target-q", "cc.key"],
    }


def test_something_else_on_the_trace_exchange_is_shown_as_it_came() -> None:
    traced = Delivery("amq.rabbitmq.trace", "other.key", b"x", headers={"a": 1})
    assert original(traced) is traced
    malformed = Delivery("amq.rabbitmq.trace", "publish.x", b"x", headers={"properties": "no"})
    assert original(malformed) is malformed


def test_plain_records_have_no_trace_field() -> None:
    assert "trace" not in json.loads(json_line(Delivery("x", "k", b"b")))


def test_the_default_view_shows_who_published_a_traced_message() -> None:
    out = io.StringIO()
    traced = original(Delivery("amq.rabbitmq.trace", "publish.", b"{}", headers=dict(TRACED_HEADERS)))
    make_renderer("pretty", out).write(traced)
    text = out.getvalue()
    assert "traced: event=publish" in text and "node=rabbit@h" in text and "target-q" in text.splitlines()[0]
