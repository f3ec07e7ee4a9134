"""output/render.py with untrusted messages: body fallbacks, binary and large bodies, markup, colour,
and any bytes anywhere never crash or reach the terminal raw."""

from __future__ import annotations

import base64
import io
import json
import re
from datetime import timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.output import render
from tests.support.terminal import SGR, assert_terminal_safe


def test_binary_body_on_a_terminal_is_marked_and_truncated() -> None:
    body = b"\xff\x1b" * render.TERMINAL_BODY_LIMIT
    for color in (False, True):
        shown = SGR.sub("", rendered("pretty", Delivery("x", "k", body), color=color, tty=True))
        assert f"[binary body, {len(body):,} bytes, not UTF-8:" in shown
        assert f"of a {len(body):,}-byte body; --full shows it all]" in shown
        assert shown.count("\\xff\\x1b") == render.TERMINAL_BODY_LIMIT // 8
        assert_terminal_safe(shown)


FALLBACKS = {
    "lone surrogate": (b'"\\ud800"', "json"),
    "deep nesting": (b"[" * 100_000 + b"]" * 100_000, "text"),
    "nesting the pretty printer cannot follow": (b"[" * 990 + b"]" * 990, None),
    "huge integer": (b"[" + b"9" * 5000 + b"]", "text"),
    "BOM": (b"\xef\xbb\xbf{}", "text"),
    "NaN": (b'{"a": NaN}', "text"),
    "Infinity": (b"-Infinity", "text"),
    "overflowing float": (b"[1e400]", "text"),
    "control character in a string": (b'{"a": "\x1b[31m"}', "text"),
}


@pytest.mark.parametrize("name", FALLBACKS)
def test_json_python_chokes_on_falls_back_to_safe_text(name: str) -> None:
    body, kind = FALLBACKS[name]
    shown_kind, text, _note = render.body_text(body, None)
    if kind is not None:
        assert shown_kind == kind
    assert_terminal_safe(text)
    assert "Infinity" not in text or b"Infinity" in body
    line = json_line(Delivery("x", "k", body))
    assert line.isascii() and line.endswith("\n") and line.count("\n") == 1
    record = json.loads(line)
    if record["body_encoding"] == "utf-8":
        assert record["body"].encode("utf-8") == body
    if body.startswith(b"\xef\xbb\xbf"):
        assert record["body"] == "\ufeff{}"


def test_bom_is_shown_visibly() -> None:
    assert render.body_text(b"\xef\xbb\xbf{}", None)[1] == "  | \\ufeff{}"


# --- fieldcodec: pika's table decoder made total ------------------------------------------------


# --- the renderers --------------------------------------------------------------------------------


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def rendered(mode: str, delivery: Delivery, color: bool = False, tty: bool = False, full: bool = False) -> str:
    out: io.StringIO = Tty() if tty else io.StringIO()
    render.make_renderer(mode, out, color=color, terminal=tty, full=full).write(delivery)
    return out.getvalue()


MARKUP = "[bold red]styled[/] [link=https://evil.example]click[/link] :warning: oops [/] x 127.0.0.1"


@pytest.mark.parametrize("color", [False, True])
def test_markup_is_literal_and_nothing_is_wrapped_or_padded(color: bool) -> None:
    body = (MARKUP + " " + "w" * 300).encode()
    text = rendered("pretty", Delivery(MARKUP, MARKUP, body, headers={MARKUP: MARKUP}), color=color, tty=True)
    plain = SGR.sub("", text)
    assert plain.count(MARKUP) == 5 and "⚠" not in plain
    assert (MARKUP + " " + "w" * 300 + "\n") in plain
    assert not any(line.endswith(" ") for line in plain.splitlines())
    assert "\x1b]" not in text and (("\x1b[" in text) == color)


def test_colour_codes_are_sgr_only_and_json_is_highlighted() -> None:
    body = b'{"a": "x\\u001b[31m", "n": [1, -2.5, true, false, null]}'
    text = rendered("pretty", Delivery("x", "k", body, properties={"content_type": "a/b"}), color=True, tty=True)
    assert_terminal_safe(text)
    assert set(re.findall(r"\x1b(.)", text)) == {"["}
    assert '\x1b[1;34m"a"\x1b[0m' in text and "\x1b[1;36m-2.5\x1b[0m" in text
    assert SGR.sub("", text).split("\n", 3)[2] == "  | {"


def test_terminal_truncates_large_bodies_with_a_marker_unless_full() -> None:
    body = b"Q" * (render.TERMINAL_BODY_LIMIT + 10)
    for color in (False, True):
        shown = SGR.sub("", rendered("pretty", Delivery("x", "k", body), color=color, tty=True))
        assert shown.count("Q") == render.TERMINAL_BODY_LIMIT
        assert f"of a {len(body):,}-byte body; --full shows it all" in shown
        whole = rendered("pretty", Delivery("x", "k", body), color=color, tty=True, full=True)
        assert whole.count("Q") == len(body) and "truncated" not in whole
    assert rendered("pretty", Delivery("x", "k", body)).count("Q") == len(body)  # a pipe: never truncated


@pytest.mark.timeout(60)
def test_a_body_truncated_inside_a_json_string_is_coloured_as_one_string() -> None:
    # Each escaped quote in the cut-off tail used to restart a scan to the end: quadratic.
    body = ('{"a": "' + '\\"' * 100_000 + '"}').encode()
    text = rendered("pretty", Delivery("x", "k", body), color=True, tty=True)
    start = text.index('\x1b[32m"')  # the str colour opens once, at the string's quote ...
    assert text.count("\x1b[32m") == 1
    tail = text[start : text.index("\x1b[0m", start)]  # ... and covers the whole truncated tail
    assert len(tail) > render.TERMINAL_BODY_LIMIT - 20 and tail.endswith('\\"')


# --- property: any bytes anywhere, no crash and nothing raw ---------------------------------------


def as_pika(raw: bytes) -> Any:
    """What pika makes of a short or long string off the wire: str when UTF-8, else the bytes."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def wire_text() -> st.SearchStrategy[Any]:
    return (
        st.binary(max_size=64).map(as_pika)
        | st.text(max_size=64)
        | st.binary(max_size=64).map(lambda raw: raw.decode("utf-8", "surrogateescape"))
    )


header_values: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.binary(max_size=32)
    | wire_text()
    | st.decimals(allow_nan=False, allow_infinity=False)
    | st.datetimes(timezones=st.just(timezone.utc)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(wire_text(), inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=st.binary(max_size=512) | st.text(max_size=128).map(lambda t: t.encode("utf-8", "surrogatepass")),
    subject=wire_text(),
    exchange=wire_text(),
    headers=st.dictionaries(wire_text(), header_values, max_size=4),
    raw_key=st.binary(max_size=16),
)
def test_random_bytes_never_crash_and_never_emit_escapes(
    body: bytes, subject: Any, exchange: Any, headers: dict[Any, Any], raw_key: bytes
) -> None:
    delivery = Delivery(
        exchange,
        subject,
        body,
        headers={**headers, as_pika(raw_key): raw_key},
        properties={"content_type": raw_key, "timestamp": 2**64 - 1},
    )
    for mode, color, tty in (
        ("quiet", False, False),
        ("pretty", False, False),
        ("pretty", True, True),
        ("pretty", False, True),
    ):
        assert_terminal_safe(rendered(mode, delivery, color=color, tty=tty))
    line = rendered("json", delivery)
    assert line.isascii() and line.count("\n") == 1
    record = json.loads(line)
    if record["body_encoding"] == "base64":
        assert base64.b64decode(record["body"]) == body


def test_bytes_routing_key_and_exchange_become_escaped_text() -> None:
    delivery = Delivery(b"ex\xff", b"rk.\xff\x1b", b"")  # type: ignore[arg-type]
    assert rendered("quiet", delivery) == "rk.\\xff\\x1b\n"
    # quoted: not plain text, and so a literal backslash (doubled) never reads like a byte
    assert rendered("pretty", delivery).startswith('1970-01-01T00:00:00.000Z "rk.\\xff\\x1b" (exchange: "ex\\xff")\n')
    record = json.loads(json_line(delivery))
    assert record["routing_key"] == record["subject"] == "rk.\\xff\x1b" and record["exchange"] == "ex\\xff"
    assert Delivery("x", "", b"", headers={"qpid.subject": b"s\xff"}).subject == "s\\xff"
