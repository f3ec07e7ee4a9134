"""The run's surroundings, decided once: streams, variables, terminal, colour and width, asked here. No pika.

As httpie's Environment: a command is handed one and never asks sys.stdout, os.environ or
isatty() itself, so a test passes its own streams and variables, and each rule below exists
once. Imports neither rich nor shutil: the completion path and a one-shot emit stay cheap.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any, TextIO

from pulp_amqp_tools.messages.safetext import one_line

DEFAULT_COLUMNS = 80  # what shutil.get_terminal_size() falls back to


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


class Environment:
    """Where a command reads and writes, and what those places are (default: this process's)."""

    def __init__(
        self,
        prog: str = "pulp-amqp-tools",
        *,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        stderr: TextIO | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self.prog = prog
        self.stdin = sys.stdin if stdin is None else stdin
        self.stdout = sys.stdout if stdout is None else stdout  # data only
        self.stderr = sys.stderr if stderr is None else stderr  # notices, warnings, errors
        self.environ: Mapping[str, str] = os.environ if environ is None else environ

    @classmethod
    def of(cls, value: Environment | Mapping[str, str] | None, prog: str = "pulp-amqp-tools") -> Environment:
        """`value` itself, or the process's streams with these variables (None: os.environ)."""
        if isinstance(value, Environment):
            return value
        return cls(prog, environ=value)

    @cached_property
    def stdin_isatty(self) -> bool:
        return _isatty(self.stdin)

    @cached_property
    def stdout_isatty(self) -> bool:
        return _isatty(self.stdout)

    @cached_property
    def stderr_isatty(self) -> bool:
        return _isatty(self.stderr)

    def color(self, choice: str = "auto", terminal: bool | None = None) -> bool:
        """--color always|never|auto; auto: NO_COLOR, then FORCE_COLOR, then TERM=dumb, then a terminal.

        `terminal` says whether the output in question is a terminal (default: stdout is one).
        """
        if choice != "auto":
            return choice == "always"
        if self.environ.get("NO_COLOR"):
            return False
        if self.environ.get("FORCE_COLOR"):
            return True
        if self.dumb_terminal:
            return False
        return self.stdout_isatty if terminal is None else terminal

    @property
    def help_color(self) -> bool:
        """Help goes to stdout, usage errors to stderr: colour only when neither lands in a file."""
        return self.color(terminal=self.stdout_isatty and self.stderr_isatty)

    @property
    def stderr_color(self) -> bool:
        return self.color(terminal=self.stderr_isatty)

    @property
    def dumb_terminal(self) -> bool:
        """TERM=dumb: the terminal understands no escape sequences (no colour, nothing redrawn)."""
        return self.environ.get("TERM") == "dumb"

    @property
    def color_system(self) -> str:
        """Which colours a terminal shows, in rich's names: "truecolor", "256" or "standard"."""
        if self.environ.get("COLORTERM", "").lower() in ("truecolor", "24bit"):
            return "truecolor"
        return "256" if "256" in self.environ.get("TERM", "") else "standard"

    def columns(self, stream: TextIO | None = None) -> int:
        """The width to lay text out in: COLUMNS, else the terminal's, else 80 (as shutil decides it)."""
        try:
            columns = int(self.environ.get("COLUMNS", "0"))
        except ValueError:
            columns = 0
        if columns > 0:
            return columns
        try:
            return os.get_terminal_size((stream or self.stdout).fileno()).columns or DEFAULT_COLUMNS
        except (AttributeError, ValueError, OSError):
            return DEFAULT_COLUMNS

    def notice(self, message: str) -> None:
        """One line on stderr (never stdout, which carries data only); nothing when stderr is closed.

        `one_line` once more over the whole line: whatever a message quotes (a host from AMQP_URL,
        a broker's reply text) can never split it. Text escaped already is left as it is.
        """
        if self.stderr is None:  # started with stderr closed (2>&-): Python gives us None
            return
        try:
            self.stderr.write(f"{self.prog}: {one_line(message)}\n")
            self.stderr.flush()
        except (OSError, ValueError):
            pass  # stderr closed or gone: nowhere left to say it

    def warn(self, warnings: Iterable[str]) -> None:
        """Each warning as its own `prog: warning: ...` line on stderr."""
        for text in warnings:
            self.notice(f"warning: {text}")
