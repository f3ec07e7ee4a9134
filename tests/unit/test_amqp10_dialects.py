"""Which AMQP 1.0 dialect a broker gets, and how each spells listen's and emit's nodes (amqp10/dialects.py)."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.amqp10 import dialects, refusals
from pulp_amqp_tools.amqp10.dialects import SELECTOR, TOPIC_BINDING, choose
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.transport.interface import Binding, QueueSpec, Topology


@pytest.mark.parametrize(
    ("product", "version", "name", "unroutable"),
    [
        ("RabbitMQ", "3.10.8", "rabbitmq3", False),
        ("RabbitMQ", "4.0.5", "rabbitmq4", True),
        ("apache-activemq-artemis", "2.40.0", "artemis", False),
        ("qpid-cpp", "1.39.0", "qpid", False),
        ("Apache Qpid Broker-J Core", "10.1.0", "qpid", False),
    ],
)
def test_choose_by_product(product: str, version: str, name: str, unroutable: bool) -> None:
    dialect, guessed = choose(product, version)
    assert (dialect.name, guessed) == (name, False)
    assert dialect.capabilities.protocol == "1.0"
    assert dialect.capabilities.reports_unroutable is unroutable
    assert dialect.capabilities.describe() == f"{product} {version} over AMQP 1.0"


def test_unknown_product_is_a_guess_and_forcing_wins() -> None:
    dialect, guessed = choose("", "")
    assert (dialect.name, guessed) == ("qpid", True)
    assert choose("RabbitMQ", "3.10.8", "artemis")[0].name == "artemis"
    assert choose("", "", "rabbitmq3") == (choose("", "", "rabbitmq3")[0], False)


def test_qpid_one_pattern_is_a_binding_filter_several_a_selector() -> None:
    (one,) = dialects.QPID.subscriptions("pulp", ("pulp.server.#",))
    assert one.address == "pulp" and one.filters == (("subject-filter", TOPIC_BINDING, "pulp.server.#"),)
    (several,) = dialects.QPID.subscriptions("pulp", ("a.*", "b"))
    assert several.filters[0][1] == SELECTOR and several.patterns == ("a.*", "b")
    (everything,) = dialects.QPID.subscriptions("pulp", ())
    assert everything.filters == ()


def test_artemis_and_rabbitmq3_addresses() -> None:
    (artemis,) = dialects.ARTEMIS.subscriptions("pulp", ("a.*",))
    assert artemis.capabilities == ("topic",) and artemis.filters[0][1] == SELECTOR
    rabbit = dialects.RABBITMQ3.subscriptions("pulp", ("a.*", "b"))
    assert [s.address for s in rabbit] == ["/exchange/pulp/a.*", "/exchange/pulp/b"]
    assert dialects.RABBITMQ3.target("pulp") == "/exchange/pulp"
    assert dialects.RABBITMQ3.queue("q") == "/amq/queue/q"
    assert dialects.RABBITMQ3.requeue.outcome == "released"
    assert dialects.QPID.requeue.outcome == "modified"


@pytest.mark.parametrize(
    ("topology", "word"),
    [
        (Topology("x", exchange_type="headers"), "--exchange-type"),
        (Topology("x", match=(("a", "b"),)), "headers"),
        (Topology("x", more_exchanges=("y",)), "several -e"),
        (Topology("x", queue=QueueSpec("q", queue_type="stream")), "streams"),
        (Topology("x", queue=QueueSpec("q", arguments=(("x-max-age", "1D"),))), "queue arguments"),
        (Topology("amq.rabbitmq.trace", bindings=(Binding("#"),)), "--trace"),
    ],
)
def test_refusals_name_the_broker(topology: Topology, word: str) -> None:
    dialect = choose("apache-activemq-artemis", "2.40.0")[0]
    with pytest.raises(UsageError) as caught:
        refusals.check(topology, dialect)
    assert word in caught.value.message and "apache-activemq-artemis 2.40.0" in caught.value.message
    refusals.check(Topology("x", queue=QueueSpec(), bindings=(Binding("a.*"),)), dialect)


@pytest.mark.parametrize(("product", "version"), [("RabbitMQ", "4.0.5"), ("servicebus", "")])
def test_where_no_link_binds_a_queue_a_private_subscription_is_refused(product: str, version: str) -> None:
    dialect = choose(product, version)[0]
    private = Topology("x", queue=QueueSpec(), bindings=(Binding("a.*"),))
    with pytest.raises(UsageError, match=r"private subscription: .*over AMQP 1.0 .*--queue NAME"):
        refusals.check_subscription(private, dialect)
    refusals.check(private, dialect)  # emit's check: a target, no queue needed
    refusals.check_subscription(private._replace(queue=QueueSpec("q")), dialect)
    refusals.check_subscription(private, choose("RabbitMQ", "3.10.8")[0])  # the plugin binds one per link
