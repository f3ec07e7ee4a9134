"""The help formatter of both commands: rich-argparse on a terminal, plain argparse in a pipe.

`formatter` is what argparse calls (`formatter_class=helpfmt.formatter`) each time it needs a
formatter, and argparse needs one for every add_argument() too (to check the metavar). So the
rich one is made only inside `printing()`, which the parser's format_help() enters: building the
parser, running a command and completing on Tab import neither rich, rich-argparse nor shutil.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

_printing = False


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


@contextmanager
def printing() -> Iterator[None]:
    """While help is being formatted for a person."""
    global _printing
    before, _printing = _printing, True
    try:
        yield
    finally:
        _printing = before


def formatter(prog: str, **kwargs: Any) -> argparse.HelpFormatter:
    """The formatter argparse asks for: rich for help on a terminal, plain otherwise."""
    if not _printing:
        # argparse's internal checks: never shown, so plain, with a fixed width (no shutil lookup).
        kwargs.setdefault("width", 100)
        return PlainHelpFormatter(prog, **kwargs)
    cls = _rich_class() if _on_terminal() else PlainHelpFormatter
    return cls(prog, **kwargs)
