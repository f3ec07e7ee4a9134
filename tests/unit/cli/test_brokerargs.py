"""The broker arguments: where the address comes from, the exchange default, TLS flags."""

from __future__ import annotations

import argparse

import pytest

from pulp_amqp_tools.cli import brokerargs, pulpconf
from pulp_amqp_tools.errors import UsageError
from tests.support.cliargs import resolve


def args(**kw: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    brokerargs.add_broker_arguments(parser)
    ns = parser.parse_args([])
    for key, value in kw.items():
        setattr(ns, key, value)
    return ns


def test_precedence_address_over_url_over_env_over_config() -> None:
    pulp = pulpconf.PulpConfig(url="tcp://conf-host:1111")
    assert brokerargs.broker_from_args(args(), pulp, "t", {}).endpoints == (("conf-host", 1111),)
    env = {"AMQP_URL": "amqp://u:p@env-host:2222/v"}
    resolved = brokerargs.broker_from_args(args(), pulp, "t", env)
    assert resolved.endpoints == (("env-host", 2222),) and resolved.vhost == "v" and resolved.username == "u"
    resolved = brokerargs.broker_from_args(args(url=["amqp://url-host"]), pulp, "t", env)
    assert resolved.endpoints == (("url-host", 5672),) and resolved.vhost == "/"
    resolved = brokerargs.broker_from_args(args(url=["amqp://url-host:9"], address="a-host"), pulp, "t", env)
    assert resolved.endpoints == (("a-host", 9),)
    resolved = brokerargs.broker_from_args(args(port=7), pulpconf.PulpConfig(), "t", {})
    assert resolved.endpoints == (("localhost", 7),)


def test_describe_never_shows_the_password() -> None:
    resolved = brokerargs.broker_from_args(args(url=["amqp://bob:hunter2@h/"]), pulpconf.PulpConfig(), "t", {})
    assert resolved.password == "hunter2" and "hunter2" not in resolved.describe()


def test_exchange_default() -> None:
    assert brokerargs.exchange_from_args(None, pulpconf.PulpConfig()) == "amq.topic"
    assert brokerargs.exchange_from_args(None, pulpconf.PulpConfig(topic_exchange="pulp")) == "pulp"
    assert brokerargs.exchange_from_args("mine", pulpconf.PulpConfig(topic_exchange="pulp")) == "mine"


def test_tls_port_and_flags() -> None:
    assert resolve("--tls", "-u", "amqp://h/").endpoints == (("h", 5671),)
    assert resolve("-u", "amqps://h/").endpoints == (("h", 5671),)
    assert resolve("--tls", "-u", "amqp://h:5999/").endpoints == (("h", 5999),)
    broker = resolve("--tls", "--cacert", "ca.pem", "--cert", "c.pem", "--key", "k.pem", "--tls-server-name", "n")
    assert (
        broker.tls,
        broker.tls_cacert,
        broker.tls_cert,
        broker.tls_key,
        broker.tls_server_name,
        broker.tls_verify,
        broker.warnings,
    ) == (True, "ca.pem", "c.pem", "k.pem", "n", True, ())
    insecure = resolve("-u", "amqps://h/", "--insecure")
    assert not insecure.tls_verify and insecure.warnings == (brokerargs.INSECURE_WARNING,)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--cacert", "ca.pem"], "--cacert applies only to TLS"),
        (["--insecure", "--tls-server-name", "n"], "--tls-server-name, --insecure apply only to TLS"),
        (["--tls", "--key", "k.pem"], "--key needs --cert"),
        (["--tls", "--tls-server-name", ""], "must not be empty"),
        (["--user", ""], "user name must not be empty"),
    ],
)
def test_tls_and_user_flag_errors(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError, match=message):
        resolve(*argv, prompt=lambda _text: "pw")
