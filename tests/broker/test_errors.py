"""The error catalogue against the shared broker: bad logins, vhosts and exchanges, one line each, no password."""

from __future__ import annotations

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.exitcodes import ExitStatus
from tests.support.broker import BROKER_URL, unique
from tests.support.failures import SECRET, check_error
from tests.support.processes import command_env, run


@pytest.mark.broker
def test_authentication_failure_names_the_user_not_the_password() -> None:
    env = command_env(AMQP_URL=BROKER_URL.replace("guest:guest", f"guest:{SECRET}"))
    check_error(run("emit", env=env), "pulp-emit", ExitStatus.ACCESS, "authentication failed for user 'guest'")


@pytest.mark.broker
def test_unknown_vhost() -> None:
    vhost = unique("no-vhost")
    env = command_env(AMQP_URL=BROKER_URL.rsplit("/", 1)[0] + f"/{vhost}")
    check_error(run("listen", env=env), "pulp-listen", ExitStatus.ACCESS, f"vhost {vhost!r}", "not found")


@pytest.mark.broker
def test_exchange_of_another_type_than_required(admin: BlockingChannel, exchange: str) -> None:
    admin.exchange_declare(exchange, exchange_type="fanout")
    check_error(
        run("listen", "-e", exchange, "--exchange-type", "topic"),
        "pulp-listen",
        ExitStatus.BROKER,
        f"exchange {exchange!r} is a fanout exchange, not a topic exchange (--exchange-type topic)",
    )


@pytest.mark.broker
def test_durable_exchange_of_someone_else_is_used_as_it_is(admin: BlockingChannel, exchange: str) -> None:
    """Durability differs from Pulp's (non-durable): no 406, the exchange is used as declared."""
    admin.exchange_declare(exchange, exchange_type="topic", durable=True)
    queue = admin.queue_declare("", exclusive=True).method.queue
    admin.queue_bind(queue, exchange, "#")
    result = run("emit", "-e", exchange, "-t", "repo.sync.finish")
    assert result.returncode == 0, result.stderr
    assert admin.queue_declare(queue, passive=True).method.message_count == 1


@pytest.mark.broker
def test_missing_amq_exchange_on_listen() -> None:
    name = unique("amq.pat-missing")
    check_error(run("listen", "-e", name), "pulp-listen", ExitStatus.BROKER, "does not exist")
