"""Turning deliveries into output: subject lines, pretty messages (coloured on a terminal), JSON lines.

Every piece of message data passes through safetext before it is shown. Colour is rich's styles
turned into SGR codes once (RichRenderer), never rich printing message data: no markup, emoji or
highlighting of our own can restyle the output or let a message write raw control codes. Whether
to colour, and whether stdout is a terminal, the caller says (cli/environment.py decides).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any, Protocol, TextIO

from pulp_amqp_tools.messages import delivery as dl
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.events import SUBJECT_HEADER
from pulp_amqp_tools.messages.safetext import backslashed, backslashed_wire, binary, in_json, multi_line, one_line

TERMINAL_BODY_LIMIT = 64 * 1024  # characters of a body shown on a terminal unless --full


class Renderer(Protocol):
    """Writes deliveries to a text stream; the caller flushes."""

    def write(self, delivery: Delivery) -> None: ...


class NullRenderer:
    """Nothing at all: with --exec only the handler's own output is seen."""

    def write(self, delivery: Delivery) -> None:
        pass


class QuietRenderer:
    """-q: one line per message, its subject (a literal backslash doubled: see safetext.backslashed)."""

    def __init__(self, stream: TextIO) -> None:
        self._write = stream.write

    def write(self, delivery: Delivery) -> None:
        key = delivery.routing_key
        if key.__class__ is str and key:  # nearly always: no copy, no regex unless a control is there
            self._write(backslashed(key) + "\n")
            return
        raw = key or (delivery.headers.get(SUBJECT_HEADER) if delivery.headers else None)
        self._write(backslashed_wire(raw) + "\n")


class JsonRenderer:
    """--json: one ASCII JSON object per line."""

    def __init__(self, stream: TextIO) -> None:
        self._write = stream.write

    def write(self, delivery: Delivery) -> None:
        self._write(dl.json_line(delivery))


# A name or value shown bare only when it cannot be mistaken for our own punctuation
# ("(exchange: ...)", ", ", "=", quotes, spaces): anything else is shown in double quotes.
_BARE = re.compile(r"[\w.\-*#:/@+~%$!?&^|\[\]{}<>]+")
BODY_PREFIX = "  | "  # every body line: a body can never print as a title, header or another message


def label(value: object) -> str:
    """A name or value for a title or a field: bare when plain text, else in double quotes with
    controls escaped, a literal backslash doubled and bytes that are not UTF-8 as \\xNN."""
    if value.__class__ is str and (not value or _BARE.fullmatch(value)):
        return str(value)
    return '"' + backslashed_wire(value).replace('"', '\\"') + '"'


def _value_text(value: Any) -> str:
    if isinstance(value, str):
        return label(value)
    try:
        return one_line(json.dumps(dl.to_jsonable(value), ensure_ascii=False))
    except (ValueError, RecursionError):
        return label(repr(value))


def _fields(mapping: Mapping[str, Any]) -> str:
    return ", ".join(f"{label(key)}={_value_text(value)}" for key, value in mapping.items())


def _as_sent(text: str, value: Any) -> str:
    """The JSON body pretty-printed with its numbers as they were sent (2.5e3 stays 2.5e3).

    json.dumps writes a float as Python's repr (2500.0): each float token is parked as a unique
    string while dumping, and its original text put back afterwards.
    """
    if not any(mark in text for mark in ".eE"):
        return json.dumps(value, indent=2, ensure_ascii=False, allow_nan=False)
    tag = f"\0{os.urandom(6).hex()}:"
    numbers: list[str] = []

    def keep(token: str) -> str:
        if not math.isfinite(float(token)):
            raise ValueError(f"not a finite number: {token[:20]}")  # 1e400: shown as text
        numbers.append(token)
        return f"{tag}{len(numbers) - 1}"

    parked = json.loads(text, parse_float=keep)
    dumped = json.dumps(parked, indent=2, ensure_ascii=False, allow_nan=False)
    if not numbers:
        return dumped
    pattern = re.compile('"' + re.escape(json.dumps(tag)[1:-1]) + r'(\d+)"')
    return pattern.sub(lambda found: numbers[int(found.group(1))], dumped)


def _indented(text: str) -> str:
    return "\n".join(BODY_PREFIX + line if line else BODY_PREFIX.rstrip() for line in text.split("\n"))


def body_text(body: bytes, limit: int | None) -> tuple[str, str, str | None]:
    """(kind, safe text, truncation note) for showing a body to a person, each line set apart."""
    shown = dl.classify(body)
    # Escaping works character by character and never shortens, so on a terminal only the first
    # `limit` characters (or bytes) need escaping: a 10 MB body of controls costs milliseconds.
    end = None if limit is None else limit
    raw: str | bytes
    if shown.kind == "json":
        try:
            # allow_nan=False: 1e400 parses to inf, which must not be shown as "Infinity".
            raw = _as_sent(shown.text, shown.value)
            text = in_json(raw[:end])
        except (ValueError, RecursionError):
            shown = dl.Body("text", shown.text)
            raw = shown.text
            text = multi_line(raw[:end])
    elif shown.kind == "binary":
        raw = body
        text = binary(raw[:end])
    else:
        raw = shown.text
        text = multi_line(raw[:end])
    note = None
    if limit is not None and (len(raw) > limit or len(text) > limit):
        text = text[:limit]
        note = f"  [body truncated: showing {limit:,} characters of a {len(body):,}-byte body; --full shows it all]"
    text = _indented(text)
    if shown.kind == "binary":
        prefix = f"  [binary body, {len(body):,} bytes, not UTF-8: other bytes shown as \\xNN, a backslash as \\\\]\n"
        text = prefix + text
    return shown.kind, text, note


def _title_parts(delivery: Delivery) -> list[str]:
    parts = [
        dl.iso_time(delivery.received_at),
        label(delivery.routing_key or delivery.subject),
        f"(exchange: {label(delivery.exchange)})",
    ]
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
        if delivery.trace is not None:
            lines.append(f"  traced: {_fields(delivery.trace)}")
        _kind, text, note = body_text(delivery.body, self._limit)
        lines.append(text)
        if note:
            lines.append(note)
        self._write("\n".join(lines) + "\n\n")


# JSON tokens of json.dumps' own output: a string (a key when a colon follows), a number, a literal.
# Strings are matched whole from their opening quote, so nothing inside one is taken for a token.
# The closing quote is optional: a body truncated on a terminal can end inside a string, and a
# required quote made every escaped quote in that tail rescan it to the end (quadratic: 16 s for
# an 80 KB body of \" pairs). json.dumps never leaves a raw newline inside a string.
_JSON_TOKEN = re.compile(r'("(?:[^"\\\n]|\\.)*"?)(:?)|(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)|\b(true|false|null)\b')
_STYLES = {
    "when": "dim",
    "subject": "bold cyan",
    "exchange": "dim",
    "flag": "bold yellow",
    "fields": "dim",
    "binary": "magenta",
    "note": "bold yellow",
    "key": "bold blue",
    "str": "green",
    "number": "bold cyan",
    "true": "italic bright_green",
    "false": "italic bright_red",
    "null": "italic magenta",
}


class RichRenderer:
    """The default view on a terminal: rich's styles as SGR colour codes around escaped data.

    rich turns each style into its SGR codes once; messages are then written with plain string
    operations. rich's own printing costs about a millisecond per message (it splits and renders
    every line), and everything it would decide for us we decide ourselves: colour already chosen
    by the Environment (not rich's NO_COLOR/FORCE_COLOR/TERM rules), basic colours only, no markup,
    emoji or highlighting of data, no wrapping or padding (the terminal wraps long lines itself,
    a pipe gets them whole). The only escape sequences written are ESC [ ... m.
    """

    def __init__(self, stream: TextIO, limit: int | None) -> None:
        from rich.color import ColorSystem
        from rich.style import Style

        self._write = stream.write
        self._limit = limit
        self._on: dict[str, str] = {}
        for name, style in _STYLES.items():
            codes = Style.parse(style).render("\0", color_system=ColorSystem.STANDARD)
            self._on[name] = codes.split("\0")[0]
        self._off = "\x1b[0m"

    def _paint(self, name: str, text: str) -> str:
        return f"{self._on[name]}{text}{self._off}"

    def _json_token(self, match: re.Match[str]) -> str:
        string, colon, number, literal = match.groups()
        if string is not None:
            return self._paint("key", string) + colon if colon else self._paint("str", string)
        if number is not None:
            return self._paint("number", number)
        return self._paint(literal, literal)

    def write(self, delivery: Delivery) -> None:
        when, subject, exchange, *flags = _title_parts(delivery)
        paint = self._paint
        parts = [paint("when", when), " ", paint("subject", subject), " ", paint("exchange", exchange)]
        for flag in flags:
            parts += [" ", paint("flag", flag)]
        parts.append("\n")
        if delivery.properties:
            parts += [paint("fields", f"  properties: {_fields(delivery.properties)}"), "\n"]
        if delivery.headers:
            parts += [paint("fields", f"  headers: {_fields(delivery.headers)}"), "\n"]
        if delivery.trace is not None:
            parts += [paint("fields", f"  traced: {_fields(delivery.trace)}"), "\n"]
        kind, text, note = body_text(delivery.body, self._limit)
        if kind == "json":
            text = _JSON_TOKEN.sub(self._json_token, text)
        elif kind == "binary":
            first, rest = text.split("\n", 1)
            text = f"{paint('binary', first)}\n{rest}"
        parts.append(text)
        if note:
            parts += ["\n", paint("note", note)]
        parts.append("\n\n")
        self._write("".join(parts))


def make_renderer(
    mode: str, stream: TextIO, color: bool = False, full: bool = False, *, terminal: bool = False
) -> Renderer:
    """The renderer for -q ("quiet"), --json ("json"), the default view ("pretty") or none ("none":
    --exec prints nothing of its own unless -q or --json asks).

    On a `terminal`, bodies are cut at TERMINAL_BODY_LIMIT characters unless `full`.
    """
    if mode == "none":
        return NullRenderer()
    if mode == "quiet":
        return QuietRenderer(stream)
    if mode == "json":
        return JsonRenderer(stream)
    limit = None if full or not terminal else TERMINAL_BODY_LIMIT
    if color:
        return RichRenderer(stream, limit)
    return PlainRenderer(stream, limit)
