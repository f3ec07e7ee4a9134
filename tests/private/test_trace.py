"""--trace, black-box, on a private node with the firehose on (never on the shared broker).

A message published to the default exchange (which nobody can bind to) is seen through
amq.rabbitmq.trace as the original: its exchange, routing key, properties and headers, with the
node and connection that published it beside them; its --json record replays as the original.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pika
import pytest

from tests.support.broker import take, unique
from tests.support.private_node import PrivateNode
from tests.support.processes import records, run, start

pytest_plugins = ["tests.support.fixtures"]
pytestmark = [pytest.mark.private_node, pytest.mark.timeout(120)]

HEADERS: dict[str, Any] = {"qpid.subject": "pulp.server.repo.sync.finish", "x-try": 3}


@pytest.fixture(scope="module")
def traced(private_node: PrivateNode) -> Iterator[PrivateNode]:
    private_node.ctl("trace_on")
    yield private_node
    private_node.ctl("trace_off")


def test_default_exchange_traffic_is_shown_as_the_original_and_replays_as_it(traced: PrivateNode) -> None:
    connection = pika.BlockingConnection(traced.params())
    ch = connection.channel()
    target = ch.queue_declare(unique("pat-traced")).method.queue
    listener = start("pulp-listen", "--trace", "--json", "-n", "1", url=traced.url)
    ready = listener.wait_stderr("listening on")
    assert "trace_on" in ready and "amq.rabbitmq.trace" in ready
    props = pika.BasicProperties(content_type="application/json", message_id="m-1", delivery_mode=2, headers=HEADERS)
    ch.confirm_delivery()
    ch.basic_publish("", target, b'{"hello": "firehose"}', props)
    assert listener.wait() == 0, listener.stderr
    (record,) = records(listener.stdout)
    assert record["exchange"] == ""
    assert record["routing_key"] == target and record["subject"] == target
    assert record["headers"] == HEADERS
    assert record["properties"]["content_type"] == "application/json"
    assert record["properties"]["message_id"] == "m-1"
    assert record["body"] == {"hello": "firehose"}
    trace = record["trace"]
    assert trace["event"] == "publish" and trace["node"].startswith("pat-") and trace["user"] == "guest"
    assert "->" in trace["connection"]
    assert trace["routed_queues"] == [target]

    # The record replays as the original message (to an exchange of our choosing).
    exchange = unique("pat-trace-x")
    ch.exchange_declare(exchange, "topic")
    copy = ch.queue_declare("", exclusive=True).method.queue
    ch.queue_bind(copy, exchange, "#")
    replayed = run("pulp-emit", "--replay", "-", "-e", exchange, url=traced.url, input=listener.stdout)
    assert replayed.returncode == 0, replayed.stderr
    ((method, got, body),) = take(ch, copy, 1)
    assert method.routing_key == target and body == b'{"hello": "firehose"}'
    assert got.headers == HEADERS and got.message_id == "m-1" and got.content_type == "application/json"
    ch.exchange_delete(exchange)
    ch.queue_delete(target)
    connection.close()


def test_deliveries_are_traced_with_s_deliver(traced: PrivateNode) -> None:
    connection = pika.BlockingConnection(traced.params())
    ch = connection.channel()
    target = ch.queue_declare(unique("pat-traced-d")).method.queue
    listener = start("pulp-listen", "--trace", "-s", "deliver.#", "--json", "-n", "1", url=traced.url)
    listener.wait_stderr("listening on")
    ch.basic_publish("amq.topic", "not.routed", b"nobody gets this")  # published, never delivered
    ch.basic_publish("", target, b"delivered")
    assert take(ch, target, 1)[0][2] == b"delivered"
    assert listener.wait() == 0, listener.stderr
    (record,) = records(listener.stdout)
    assert record["body"] == "delivered" and record["routing_key"] == target
    assert record["trace"]["event"] == "deliver" and record["trace"]["queue"] == target
    ch.queue_delete(target)
    connection.close()


def test_trace_and_exchange_do_not_go_together() -> None:
    result = run("pulp-listen", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "--trace", "-e", "pulp")
    assert result.returncode == 2
    assert "--trace" in result.stderr.decode()
