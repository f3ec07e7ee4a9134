"""The argument parser both commands use: argparse, but usage errors are one masked line. Pure."""

from __future__ import annotations

import argparse
from typing import Any, NoReturn

from pulp_amqp_tools.cli import helpformat
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.cli.urls import mask_all
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.safetext import one_line


class ArgumentParser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are `prog: error: ...` on one line, exit status 2.

    argparse prints the whole usage block before its error; in a script's log that buries the
    one line that says what was wrong. Its messages can also quote what was typed ("unrecognized
    arguments: amqp://bob:secret@h"), so any URL password in them is masked. Help is laid out
    for `env` (colour and width: cli/environment.py).
    """

    def __init__(self, *args: Any, env: Environment | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", helpformat.formatter)
        super().__init__(*args, **kwargs)
        self.env = env if env is not None else Environment(self.prog)

    def format_help(self) -> str:
        with helpformat.printing(self.env):  # only now may the formatter be rich (helpformat)
            return super().format_help()

    def error(self, message: str) -> NoReturn:
        text = one_line(mask_all(message))
        self.exit(int(ExitStatus.USAGE), f"{self.prog}: error: {text} (see {self.prog} --help)\n")
