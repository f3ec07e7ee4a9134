# PYTHON_ARGCOMPLETE_OK
"""pulp-listen: bind a queue to exchanges of any type (or read a queue as it is) and print what arrives.

The command as a package: arguments.py (the parser), options.py (the frozen options and the usage
rules), run.py (the wiring); here the console script (`entry`), which argcomplete finds by the
marker on the first line.
"""

from __future__ import annotations

from pulp_amqp_tools.cli import command
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.commands.listen.arguments import PROG, build_parser
from pulp_amqp_tools.commands.listen.options import ListenOptions, options_from_args
from pulp_amqp_tools.commands.listen.run import listen

__all__ = ["COMMAND", "ListenOptions", "build_parser", "entry", "listen", "main", "options_from_args"]

COMMAND = command.Command(PROG, build_parser, options_from_args, listen)


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    return command.main(COMMAND, argv, env)


def entry() -> None:
    """The console script: main(), then a fast exit (boundary.exit_now)."""
    command.entry(COMMAND)
