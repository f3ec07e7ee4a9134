"""Help on a terminal: rich-argparse's formatter, drawing with the colours the Environment chose.

Imported only when help is printed to a terminal (cli/helpformat.py). rich is told what to do
rather than left to decide again from NO_COLOR, FORCE_COLOR, TERM or COLUMNS itself.
"""

from __future__ import annotations

import argparse
from typing import Any, Literal, cast

from rich.console import Console
from rich_argparse import RawDescriptionRichHelpFormatter

from pulp_amqp_tools.cli.helpformat import ShowDefaults

ColorSystem = Literal["standard", "256", "truecolor"]


def _as_written(title: str) -> str:
    return title


class RichHelpFormatter(ShowDefaults, RawDescriptionRichHelpFormatter):
    # Our help texts are plain text: "[messaging] topic_exchange" must not be read as markup.
    help_markup = False
    text_markup = False
    # Group titles as written: rich-argparse's default str.title made "Tls (Amqps://)".
    group_name_formatter = staticmethod(_as_written)  # type: ignore[assignment]  # a ClassVar callable


def formatter(prog: str, *, color_system: str, columns: int, **kwargs: Any) -> argparse.HelpFormatter:
    """A coloured help formatter for a terminal of `columns` that shows `color_system`."""
    console = Console(force_terminal=True, no_color=False, color_system=cast(ColorSystem, color_system), width=columns)
    return RichHelpFormatter(prog, console=console, **kwargs)
