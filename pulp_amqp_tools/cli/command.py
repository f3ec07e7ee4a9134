"""The skeleton both commands share: their common arguments, and argv -> options -> run -> status.

A command is a parser, a way to resolve its parsed arguments into frozen options, and a core
function that takes those options and an Environment. Everything around them happens here,
the same way for both: the argcomplete hook right after the parser is built (before any I/O),
parsing, the one error boundary, and the console script's fast exit.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Generic, NoReturn, TypeVar

from pulp_amqp_tools import __version__
from pulp_amqp_tools.cli import argparser, boundary, completion, credentials, pulpconf
from pulp_amqp_tools.cli.environment import Environment

Options = TypeVar("Options")
_EXCHANGE_DEFAULT = f"[messaging] topic_exchange of the config file, else {pulpconf.DEFAULT_EXCHANGE}"
EXCHANGE_HELP = (
    "exchange to publish to: an existing one of any type is used as it is, a missing one is created as a "
    "topic exchange, as Pulp did; '' is the default exchange (the subject names the queue) "
    f"(default: {_EXCHANGE_DEFAULT})"
)
LISTEN_EXCHANGE_HELP = (
    "exchange to listen on, of any type; repeat for several, all into one queue (a missing one is created "
    f"as a topic exchange, as Pulp did, or as --exchange-type) (default: {_EXCHANGE_DEFAULT})"
)


class Command(Generic[Options]):
    """One command: how to parse its arguments, resolve them into options, and run on them."""

    def __init__(
        self,
        prog: str,
        build_parser: Callable[[Environment], argparse.ArgumentParser],
        resolve: Callable[[argparse.Namespace, Environment], Options],
        run: Callable[[Options, Environment], int],
    ) -> None:
        self.prog = prog
        self.build_parser = build_parser
        self.resolve = resolve
        self.run = run


def new_parser(
    prog: str,
    description: str,
    epilog: str,
    env: Environment | None,
    several_exchanges: bool = False,
    common: tuple[str, ...] = (),
) -> argparse.ArgumentParser:
    """A command's parser, holding the first argument both share: -e/--exchange (listen's repeatable).
    `common`: the dests `-h` shows (`--help` shows all)."""
    parser = argparser.ArgumentParser(prog=prog, description=description, epilog=epilog, env=env, common=common)
    if several_exchanges:
        parser.add_argument("-e", "--exchange", action="append", metavar="NAME", help=LISTEN_EXCHANGE_HELP)
    else:
        parser.add_argument("-e", "--exchange", help=EXCHANGE_HELP)
    return parser


def finish_parser(parser: argparse.ArgumentParser, **completers: completion.Completer) -> argparse.ArgumentParser:
    """The last arguments both share (--traceback, --version), then Tab completion for all of them."""
    parser.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    completion.install(parser, exchange=completion.exchanges, **completers)
    return parser


def password_prompt(env: Environment) -> credentials.Prompt | None:
    """Ask for a missing password only when someone can answer: stdin is a terminal."""
    return credentials.tty_prompt if env.stdin_isatty else None


def main(command: Command[Options], argv: list[str] | None = None, env: Environment | None = None) -> int:
    """Parse `argv` (default: sys.argv), resolve the options and run, inside the one boundary."""
    if env is None:
        boundary.reserve_standard_fds()  # before any socket could take a closed fd 1 or 2
        env = Environment(command.prog)
    parser = command.build_parser(env)
    if "_ARGCOMPLETE" in env.environ:  # a Tab press: argcomplete answers and exits here
        completion.autocomplete(parser)
    args = parser.parse_args(argv)
    return boundary.run(env, lambda: command.run(command.resolve(args, env), env), traceback=args.traceback)


def entry(command: Command[Options]) -> NoReturn:
    """A console script: main(), then the fast exit (boundary.exit_now)."""
    boundary.exit_now(main(command))
