"""Make untrusted text safe for a terminal: every control and bidi character shown escaped. Pure.

A message on a shared broker is written by whoever may publish to the exchange. rich strips only
a few C0 controls, so ESC sequences (titles, OSC 8 links, OSC 52 clipboard writes), 8-bit C1
controls, DEL, NUL and bidi overrides would reach the terminal raw (cf. CVE-2021-25743 in kubectl,
CVE-2024-52005 in git). Everything shown to a person passes through here first.
"""

from __future__ import annotations

import functools
import re

# C0 and C1 controls and DEL, bidi embeddings/overrides/isolates and marks, line/paragraph
# separators, invisible format characters that reorder or hide text (deprecated shaping controls,
# the BOM / zero-width no-break space, interlinear annotations), and lone surrogates (which cannot
# even be encoded).
# Every one of them is unprintable to str.isprintable() (categories Cc, Cf, Cs, Zl, Zp), so text
# that is printable needs no escaping at all: the common case, decided without any regex.
_BASE = "\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\u206a-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff"
# Every format character (Unicode category Cf, as of Unicode 15): in a one-line field they are
# invisible (zero-width space, soft hyphen, joiners, tag characters), so two subjects that differ
# only by one would look identical. Bodies keep them (ZWJ emoji sequences in text are common).
_FORMAT = (
    "\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f"
)


@functools.cache
def _pattern(which: str) -> re.Pattern[str]:
    # Compiled on first use: a one-shot emit that never escapes anything pays for none of them.
    sources = {
        "one_line": f"[\x00-\x1f{_BASE}{_FORMAT}]",
        "multi_line": f"\r\n|[\x00-\x08\x0b-\x1f{_BASE}]",  # keeps tab, newline and CRLF
        "in_json": f"[\x00-\x08\x0b-\x1f{_BASE}]",
    }
    return re.compile(sources[which])


_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r", "\r\n": "\n"}


def _python_escape(match: re.Match[str]) -> str:
    char = match.group()
    named = _NAMED.get(char)
    if named:
        return named
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"  # \ue0041 would read as \ue004 and 1


def _json_escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def one_line(text: str) -> str:
    """Escape every control character, newlines and tabs included: for subjects, names, headers."""
    if text.isprintable():
        return text
    return _pattern("one_line").sub(_python_escape, text)


def quoted(text: str) -> str:
    """`text` in quotes for a message line, every control escaped exactly once: 'a\\x1b[31m'.

    Python's repr escapes backslashes, quotes and everything `one_line` escapes (the whole of
    Unicode was checked against it), so a name holding a real ESC and one holding the four
    characters \\ x 1 b read differently; `one_line` on top is a guard that finds nothing to do.
    """
    return one_line(repr(text))


def backslashed(text: str) -> str:
    """`one_line` with literal backslashes doubled first: -q's subject lines, so a routing key
    holding a backslash and an n never prints like one holding a newline."""
    return one_line(text.replace("\\", "\\\\")) if "\\" in text else one_line(text)


def backslashed_wire(value: object) -> str:
    """`backslashed` for a key as pika gives it: bytes that are not UTF-8 as \\xNN (and a literal
    backslash doubled, so the two never look alike)."""
    if isinstance(value, str):
        return backslashed(value)
    if isinstance(value, (bytes, bytearray)):
        text = bytes(value).decode("utf-8", "surrogateescape").replace("\\", "\\\\")
        return one_line(_SURROGATE_BYTE.sub(lambda found: f"\\x{ord(found.group()) - 0xDC00:02x}", text))
    return "" if value is None else backslashed(str(value))


_SURROGATE_BYTE = re.compile("[\udc80-\udcff]")


def multi_line(text: str) -> str:
    """Escape control characters but keep tabs and line breaks (LF, CRLF): for message bodies."""
    if text.isprintable():
        return text
    return _pattern("multi_line").sub(_python_escape, text)


@functools.cache
def _binary_table() -> dict[int, str]:
    # What multi_line escapes, as a str.translate table: a binary body is mostly matches, and
    # translate handles 10 MB in a fraction of a second where a regex callback per byte takes seconds.
    table: dict[int, str] = {}
    escaped = _pattern("multi_line")
    for code in range(0x10000):  # everything multi_line escapes lies in the BMP
        match = escaped.match(chr(code))
        if match:
            table[code] = _python_escape(match)
    table.update({code: f"\\x{code - 0xDC00:02x}" for code in range(0xDC80, 0xDD00)})  # surrogateescape'd bytes
    table[ord("\\")] = "\\\\"
    return table


def binary(data: bytes) -> str:
    """Bytes that are not UTF-8, shown unambiguously: the UTF-8 runs as text (escaped as by
    `multi_line`), every other byte as \\xNN and a literal backslash doubled."""
    text = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    return text.translate(_binary_table())


def in_json(text: str) -> str:
    """Escape inside JSON text as \\uXXXX, so the escaped text is still valid JSON."""
    if text.isprintable():
        return text
    return _pattern("in_json").sub(_json_escape, text)
