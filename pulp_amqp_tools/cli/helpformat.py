"""The help formatter of both commands: rich-argparse on a terminal, plain argparse in a pipe.

`formatter` is what argparse calls (`formatter_class=helpformat.formatter`) each time it needs a
formatter, and argparse needs one for every add_argument() too (to check the metavar). So the
rich one is made only inside `printing()`, which the parser's format_help() enters: building the
parser, running a command and completing on Tab import neither rich nor rich-argparse. Whether
help is coloured, and how wide it is, the Environment decides (cli/environment.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulp_amqp_tools.cli.environment import Environment

_printing_for: Environment | None = None  # set while help is formatted for a person
UNSEEN_WIDTH = 100  # argparse's internal checks are never shown: a fixed width, no terminal lookup


class ShowDefaults(argparse.HelpFormatter):
    """Append "(default: X)" to options whose help does not already name their default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help
        if text is None or text is argparse.SUPPRESS or "default" in text:
            return text
        value = action.default
        if value is None or value is argparse.SUPPRESS or isinstance(value, bool) or value == []:
            return text
        if action.option_strings or action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE):
            return text + " (default: %(default)s)"
        return text


class PlainHelpFormatter(ShowDefaults, argparse.RawDescriptionHelpFormatter):
    """Plain text: for pipes, files, NO_COLOR and dumb terminals."""


@contextmanager
def printing(env: Environment) -> Iterator[None]:
    """While help is being formatted for a person, in `env`."""
    global _printing_for
    before, _printing_for = _printing_for, env
    try:
        yield
    finally:
        _printing_for = before


def formatter(prog: str, **kwargs: Any) -> argparse.HelpFormatter:
    """The formatter argparse asks for: rich for help on a terminal, plain otherwise."""
    env = _printing_for
    if env is None:
        kwargs.setdefault("width", UNSEEN_WIDTH)
        return PlainHelpFormatter(prog, **kwargs)
    columns = env.columns()
    kwargs.setdefault("width", columns - 2)  # what argparse itself would take off the terminal's width
    if not env.help_color:
        return PlainHelpFormatter(prog, **kwargs)
    from pulp_amqp_tools.output import richhelp

    return richhelp.formatter(prog, color_system=env.color_system, columns=columns, **kwargs)
