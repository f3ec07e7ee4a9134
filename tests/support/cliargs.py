"""The broker options as the commands read them: argv through the project's parser, then resolved
to BrokerSettings with a given environment, Pulp config and password prompt."""

from __future__ import annotations

import argparse

from pulp_amqp_tools.cli import argparser, brokerargs, credentials, pulpconf


def broker_args(*argv: str) -> argparse.Namespace:
    """`argv` parsed by a parser (prog "t") with the broker arguments only."""
    parser = argparser.ArgumentParser(prog="t")
    brokerargs.add_broker_arguments(parser)
    return parser.parse_args(list(argv))


def resolve(
    *argv: str,
    env: dict[str, str] | None = None,
    prompt: credentials.Prompt | None = None,
    pulp: pulpconf.PulpConfig | None = None,
) -> brokerargs.BrokerSettings:
    return brokerargs.broker_from_args(broker_args(*argv), pulp or pulpconf.PulpConfig(), "t", env or {}, prompt)


def no_prompt(text: str) -> str:
    raise AssertionError(f"prompted unexpectedly: {text}")
