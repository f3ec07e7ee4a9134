# PYTHON_ARGCOMPLETE_OK
"""pulp-emit: publish Pulp's event notifications (or any message) with publisher confirms.

The command as a package: arguments.py (the parser), options.py (the frozen options, the messages
they describe and the usage rules), run.py (the wiring); here the console script (`entry`), which
argcomplete finds by the marker on the first line.
"""

from __future__ import annotations

from pulp_amqp_tools.cli import command
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.commands.emit.arguments import PROG, build_parser
from pulp_amqp_tools.commands.emit.options import EmitOptions, check_sendable, options_from_args
from pulp_amqp_tools.commands.emit.run import emit

__all__ = ["COMMAND", "EmitOptions", "build_parser", "check_sendable", "emit", "entry", "main", "options_from_args"]

COMMAND = command.Command(PROG, build_parser, options_from_args, emit)


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    return command.main(COMMAND, argv, env)


def entry() -> None:
    """The console script: main(), then a fast exit (boundary.exit_now)."""
    command.entry(COMMAND)
