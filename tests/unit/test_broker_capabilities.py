"""Issue #20: connection.start's server properties -> Capabilities (amqp091/broker.py), and what the
loops make of the record (loops/fitting.py) and of a refused declare (amqp091/refusals.py). Pure."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from pulp_amqp_tools.amqp091 import refusals
from pulp_amqp_tools.amqp091.bindings import Wanted, match_mode
from pulp_amqp_tools.amqp091.broker import capabilities, version_of
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.loops.fitting import fit, fit_queue
from pulp_amqp_tools.messages.streams import Offset, StreamPosition
from pulp_amqp_tools.transport.capabilities import UNKNOWN
from pulp_amqp_tools.transport.interface import QueueSpec, Topology

# What the brokers sent, as pika decodes it (the RabbitMQ one from the shared 3.10.8 node).
RABBITMQ_3_10: dict[str, Any] = {
    "product": "RabbitMQ",
    "version": "3.10.8",
    "platform": "Erlang/OTP 25.2.3",
    "capabilities": {"publisher_confirms": True, "basic.nack": True, "consumer_cancel_notify": True},
}
GARAGEMQ: dict[str, Any] = {
    "product": "garagemq",
    "version": "0.1",
    "capabilities": {"publisher_confirms": True, "basic.nack": True, "consumer_cancel_notify": True},
}


def test_rabbitmq_3_10_has_everything_the_tool_uses() -> None:
    broker = capabilities(RABBITMQ_3_10)
    assert (broker.product, broker.version, broker.describe()) == ("RabbitMQ", "3.10.8", "RabbitMQ 3.10.8")
    assert broker.server_named_queues and broker.streams and broker.firehose and broker.headers_with_x
    assert broker.queue_types == {"classic", "quorum", "stream"} and broker.default_queue_type == "quorum"
    assert broker.durable_transient == {"quorum", "stream"} and broker.requeue_marks_redelivered
    assert broker.headers_exchange == "amq.headers"


@pytest.mark.parametrize(
    ("version", "quorum", "streams", "with_x"),
    [("3.7.28", False, False, False), ("3.8.0", True, False, False), ("3.9.29", True, True, False),
     ("3.10.0", True, True, True), ("4.0.5", True, True, True), ("3.13.0-rc.2", True, True, True)],
)  # fmt: skip
def test_rabbitmq_abilities_follow_its_version(version: str, quorum: bool, streams: bool, with_x: bool) -> None:
    broker = capabilities({"product": "RabbitMQ", "version": version})
    assert ("quorum" in broker.queue_types, broker.streams, broker.headers_with_x) == (quorum, streams, with_x)
    assert broker.default_queue_type == ("quorum" if quorum else "classic")
    assert broker.server_named_queues and "classic" in broker.queue_types


def test_a_rabbitmq_without_a_readable_version_gets_only_what_every_release_has() -> None:
    broker = capabilities({"product": b"RabbitMQ", "version": "unknown"})
    assert broker.product == "RabbitMQ" and not broker.streams and broker.queue_types == {"classic"}


def test_garagemq_names_no_queue_and_has_no_queue_types() -> None:
    broker = capabilities(GARAGEMQ)
    assert broker.describe() == "garagemq 0.1"
    assert not broker.server_named_queues and not broker.queue_types and broker.default_queue_type is None
    assert not (broker.streams or broker.firehose or broker.headers_with_x or broker.requeue_marks_redelivered)
    assert broker.headers_exchange == "amq.header" and not broker.durable_transient


@pytest.mark.parametrize(
    "properties",
    [None, {}, {"product": "LavinMQ", "version": "1.2.3"}, {"product": 7}, {"product": "Rabbit\x1b[31mMQ"}],
)
def test_other_brokers_get_the_conservative_answers(properties: dict[str, Any] | None) -> None:
    broker = capabilities(properties)
    assert replace(broker, product="", version="") == UNKNOWN  # its name aside, it is UNKNOWN
    assert "\x1b" not in broker.describe()


def test_the_broker_s_own_words_are_one_short_line() -> None:
    broker = capabilities({"product": "Evil\nMQ" + "x" * 500, "version": "1\r\n2"})
    assert "\n" not in broker.describe() and "\r" not in broker.describe() and len(broker.product) <= 64


def test_version_numbers() -> None:
    assert version_of("3.10.8") == (3, 10, 8) and version_of("4.0") == (4, 0, 0) and version_of("x") is None


# --- what a refused declare means (amqp091/refusals.py) ---

GARAGE, RABBIT = capabilities(GARAGEMQ), capabilities(RABBITMQ_3_10)


@pytest.mark.parametrize(
    ("code", "text", "name", "told"),
    [
        (406, "PRECONDITION_FAILED - inequivalent arg 'type' for exchange 'x' in vhost '/': received 'topic' "
              "but current is 'direct'", "x", "direct"),
        (406, "inequivalent arg 'type' for exchange 'x': received 'topic' but current is 'fanout'", "x", "fanout"),
        (406, "PRECONDITION_FAILED - inequivalent arg 'durable' for exchange 'x' in vhost '/': received 'false' "
              "but current is 'true'", "x", "topic"),  # a later field: the type matched
        (406, "PRECONDITION_FAILED - something else entirely", "x", refusals.UNREADABLE),
        (406, "inequivalent arg 'type' for exchange 'x'", "x", refusals.UNREADABLE),
        (403, "ACCESS_REFUSED - exchange name 'amq.header' contains reserved prefix 'amq.*'", "amq.header",
         refusals.RESERVED),
        (403, "ACCESS_REFUSED - configure access to exchange 'x' in vhost '/' refused", "x", refusals.NO_PERMISSION),
        (404, "NOT_FOUND", "x", None),
    ],
)  # fmt: skip
def test_a_refusal_is_read_by_what_it_means(code: int, text: str, name: str, told: str | None) -> None:
    assert refusals.type_from_refusal(code, text, "topic", name, UNKNOWN) == told


def test_the_warnings_say_why_the_type_is_unknown() -> None:
    reserved = refusals.untold_warning("exchange 'amq.x'", refusals.RESERVED, "topic", GARAGE)
    assert "cannot learn the type of a broker exchange" in reserved and "give --exchange-type" in reserved
    assert "permission" not in reserved and "garagemq 0.1" in reserved
    unreadable = refusals.untold_warning("exchange 'x'", refusals.UNREADABLE, "topic", UNKNOWN)
    assert "cannot tell the type" in unreadable and "the broker" in unreadable and "permission" not in unreadable
    assert "no configure permission" in refusals.untold_warning("exchange 'x'", refusals.NO_PERMISSION, "topic", RABBIT)


def test_the_headers_exchange_by_the_name_the_broker_uses() -> None:
    assert refusals.builtin_type("amq.header", GARAGE) == "headers"
    assert refusals.builtin_type("amq.header", RABBIT) is None  # RabbitMQ has no such exchange: it is looked up
    assert refusals.builtin_type("amq.headers", RABBIT) == "headers" == refusals.builtin_type("amq.match", GARAGE)


def test_private_queues_are_named_by_us_only_where_the_broker_cannot() -> None:
    assert refusals.private_queue_name(RABBIT) == ""
    one, two = refusals.private_queue_name(GARAGE), refusals.private_queue_name(UNKNOWN)
    assert one.startswith("pulp-listen-") and two.startswith("pulp-listen-") and one != two
    assert not one.startswith("amq.")


# --- the topology fitted to the broker (loops/fitting.py) ---


def _named(queue_type: str | None = "quorum", given: bool = False) -> Topology:
    return Topology("pulp", queue=QueueSpec("q", queue_type, type_given=given))


def test_rabbitmq_keeps_what_was_asked() -> None:
    assert fit(_named(), RABBIT) == _named()
    assert fit(_named("classic", True), RABBIT) == _named("classic", True)


def test_the_quorum_default_becomes_a_plain_queue_where_there_are_no_queue_types() -> None:
    fitted = fit(_named(), GARAGE).queue
    assert fitted is not None and fitted.queue_type is None and fitted.name == "q"
    classic = fit(_named("classic", True), GARAGE).queue
    assert classic is not None and classic.queue_type is None


def test_an_old_rabbitmq_declares_its_default_when_quorum_was_not_asked() -> None:
    old = capabilities({"product": "RabbitMQ", "version": "3.7.9"})
    fitted = fit(_named(), old).queue
    assert fitted is not None and fitted.queue_type == "classic"
    with pytest.raises(UsageError, match=r"RabbitMQ 3\.7\.9 has no 'quorum' queues"):
        fit(_named("quorum", True), old)


def test_an_asked_queue_type_the_broker_lacks_is_refused() -> None:
    with pytest.raises(UsageError, match=r"garagemq 0\.1 has no 'quorum' queues"):
        fit(_named("quorum", True), GARAGE)


def test_stream_reads_are_refused_without_streams() -> None:
    stream = QueueSpec("s", "stream", stream=StreamPosition(Offset("first", "first")))
    with pytest.raises(UsageError, match="the broker has no stream queues"):
        fit_queue(stream, UNKNOWN)
    assert fit_queue(stream, RABBIT) is stream


def test_the_firehose_and_x_matching_only_where_they_exist() -> None:
    trace = Topology("amq.rabbitmq.trace", queue=QueueSpec())
    assert fit(trace, RABBIT) == trace
    with pytest.raises(UsageError, match=r"garagemq 0\.1 has no firehose"):
        fit(trace, GARAGE)
    tenant = Topology("amq.headers", queue=QueueSpec(), match=(("X-Tenant", "acme"),))
    assert fit(tenant, RABBIT) == tenant
    with pytest.raises(UsageError, match="ignores header names starting with 'x-'"):
        fit(tenant, capabilities({"product": "RabbitMQ", "version": "3.9.0"}))


def test_x_headers_bind_with_the_with_x_modes() -> None:
    assert match_mode(Wanted(matches=(("format", "pdf"),))) == "all"
    assert match_mode(Wanted(matches=(("x-tenant", "acme"), ("format", "pdf")))) == "all-with-x"
    assert match_mode(Wanted(matches=(("X-Tenant", "acme"),), match_any=True)) == "any-with-x"
