"""The help formatter of both commands: rich-argparse on a terminal, plain argparse in a pipe.

`formatter` is what argparse calls (`formatter_class=helpfmt.formatter`) each time it formats
help or usage, so rich is imported only when help is actually printed to a terminal: building
the parser, running a command and completing on Tab never import it.
"""

from __future__ import annotations

import argparse
import os
import sys
from functools import cache
from typing import Any


class _ShowDefaults(argparse.HelpFormatter):
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


class PlainHelpFormatter(_ShowDefaults, argparse.RawDescriptionHelpFormatter):
    """Plain text: for pipes, files, NO_COLOR and dumb terminals."""


@cache
def _rich_class() -> type[argparse.HelpFormatter]:
    from rich_argparse import RawDescriptionRichHelpFormatter

    class RichHelpFormatter(_ShowDefaults, RawDescriptionRichHelpFormatter):
        # Our help texts are plain text: "[messaging] topic_exchange" must not be read as markup.
        help_markup = False
        text_markup = False

    return RichHelpFormatter


def _on_terminal() -> bool:
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    # Help goes to stdout, usage errors to stderr: colour only when neither lands in a file.
    return all(_isatty(stream) for stream in (sys.stdout, sys.stderr))


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def formatter(prog: str, **kwargs: Any) -> argparse.HelpFormatter:
    """The formatter argparse asks for: rich on a terminal, plain otherwise."""
    cls = _rich_class() if _on_terminal() else PlainHelpFormatter
    return cls(prog, **kwargs)
