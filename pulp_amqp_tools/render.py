"""Turning deliveries into output: subject lines, pretty messages (rich on a terminal), JSON lines.

The only module that touches rich. Every piece of message data passes through safetext before
it is shown, and rich is told to parse no markup, substitute no emoji and highlight nothing of
its own, so a message can neither restyle the output nor write raw control codes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Protocol, TextIO

from pulp_amqp_tools import delivery as dl
from pulp_amqp_tools.delivery import Delivery
from pulp_amqp_tools.safetext import binary, in_json, multi_line, one_line

TERMINAL_BODY_LIMIT = 64 * 1024  # characters of a body shown on a terminal unless --full


class Renderer(Protocol):
    """Writes deliveries to a text stream; the caller flushes."""

    def write(self, delivery: Delivery) -> None: ...


def wants_color(choice: str, stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    """--color auto|always|never, with NO_COLOR, FORCE_COLOR and TERM=dumb honoured for auto."""
    env = os.environ if environ is None else environ
    if choice == "always":
        return True
    if choice == "never":
        return False
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class QuietRenderer:
    """-q: one line per message, its subject."""

    def __init__(self, stream: TextIO) -> None:
        self._write = stream.write

    def write(self, delivery: Delivery) -> None:
        self._write(one_line(delivery.subject) + "\n")


class JsonRenderer:
    """--json: one ASCII JSON object per line."""

    def __init__(self, stream: TextIO) -> None:
        self._write = stream.write

    def write(self, delivery: Delivery) -> None:
        self._write(dl.json_line(delivery))


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return one_line(value)
    try:
        return one_line(json.dumps(dl.to_jsonable(value), ensure_ascii=False))
    except (ValueError, RecursionError):
        return one_line(repr(value))


def _fields(mapping: Mapping[str, Any]) -> str:
    return ", ".join(f"{one_line(dl.wire_text(key))}={_value_text(value)}" for key, value in mapping.items())


def body_text(body: bytes, limit: int | None) -> tuple[str, str, str | None]:
    """(kind, safe text, truncation note) for showing a body to a person."""
    shown = dl.classify(body)
    text: str
    if shown.kind == "json":
        try:
            # allow_nan=False: 1e400 parses to inf, which must not be shown as "Infinity".
            text = in_json(json.dumps(shown.value, indent=2, ensure_ascii=False, allow_nan=False))
        except (ValueError, RecursionError):
            shown = dl.Body("text", shown.text)
            text = multi_line(shown.text)
    elif shown.kind == "binary":
        text = binary(body)
    else:
        text = multi_line(shown.text)
    note = None
    if limit is not None and len(text) > limit:
        text = text[:limit]
        note = (f"[body truncated: showing {limit:,} characters of a {len(body):,}-byte body; "
                "--full shows it all]")
    if shown.kind == "binary":
        prefix = (f"[binary body, {len(body):,} bytes, not UTF-8: other bytes shown as \\xNN, "
                  "a backslash as \\\\]\n")
        text = prefix + text
    return shown.kind, text, note


def _title_parts(delivery: Delivery) -> list[str]:
    parts = [dl.iso_time(delivery.received_at), one_line(delivery.subject),
             f"(exchange: {one_line(delivery.exchange)})"]
    if delivery.redelivered:
        parts.append("[redelivered]")
    return parts


class PlainRenderer:
    """The default view in a pipe: the same content as on a terminal, no colour, no wrapping."""

    def __init__(self, stream: TextIO, limit: int | None = None) -> None:
        self._write = stream.write
        self._limit = limit

    def write(self, delivery: Delivery) -> None:
        lines = [" ".join(_title_parts(delivery))]
        if delivery.properties:
            lines.append(f"  properties: {_fields(delivery.properties)}")
        if delivery.headers:
            lines.append(f"  headers: {_fields(delivery.headers)}")
        _kind, text, note = body_text(delivery.body, self._limit)
        lines.append(text)
        if note:
            lines.append(note)
        self._write("\n".join(lines) + "\n\n")


class RichRenderer:
    """The default view on a terminal: rich, with our own styles applied to escaped data only."""

    def __init__(self, stream: TextIO, limit: int | None, force_terminal: bool) -> None:
        from rich.console import Console
        from rich.highlighter import JSONHighlighter

        # Every decision is ours, none rich's: colour was chosen by wants_color (rich would
        # otherwise apply NO_COLOR/FORCE_COLOR/TERM its own way), only the basic SGR colours
        # are used, no markup, emoji or highlighting of data, and no wrapping or padding
        # (soft_wrap): the terminal wraps long lines itself, and a pipe gets them whole.
        self._console = Console(
            file=stream, force_terminal=force_terminal, no_color=False, color_system="standard",
            markup=False, emoji=False, highlight=False, soft_wrap=True, legacy_windows=False,
        )
        self._json = JSONHighlighter()
        self._limit = limit

    def write(self, delivery: Delivery) -> None:
        from rich.text import Text

        when, subject, exchange, *flags = _title_parts(delivery)
        out = Text()
        out.append(when, style="dim")
        out.append(" ")
        out.append(subject, style="bold cyan")
        out.append(" ")
        out.append(exchange, style="dim")
        for flag in flags:
            out.append(" ")
            out.append(flag, style="bold yellow")
        out.append("\n")
        if delivery.properties:
            out.append(f"  properties: {_fields(delivery.properties)}\n", style="dim")
        if delivery.headers:
            out.append(f"  headers: {_fields(delivery.headers)}\n", style="dim")
        kind, text, note = body_text(delivery.body, self._limit)
        body = Text(text)
        if kind == "json":
            self._json.highlight(body)
        elif kind == "binary":
            body.stylize("magenta", 0, text.index("\n"))
        out.append_text(body)
        if note:
            out.append("\n")
            out.append(note, style="bold yellow")
        out.append("\n")
        self._console.print(out)


def make_renderer(mode: str, stream: TextIO, color: bool, full: bool) -> Renderer:
    """The renderer for -q ("quiet"), --json ("json") or the default view ("pretty")."""
    if mode == "quiet":
        return QuietRenderer(stream)
    if mode == "json":
        return JsonRenderer(stream)
    isatty = getattr(stream, "isatty", None)
    on_terminal = bool(isatty and isatty())
    limit = None if full or not on_terminal else TERMINAL_BODY_LIMIT
    if color:
        return RichRenderer(stream, limit, force_terminal=True)
    return PlainRenderer(stream, limit)
