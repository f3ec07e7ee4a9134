"""messages/safetext.py: every control a terminal would obey is escaped, visibly and unambiguously."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulp_amqp_tools.messages import safetext
from pulp_amqp_tools.messages.safetext import backslashed, backslashed_wire, quoted
from pulp_amqp_tools.output.render import label
from tests.support.terminal import assert_terminal_safe

HOSTILE = [
    "\x1b[2J\x1b[H",
    "\x1b]0;pwned\x07",
    "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\",
    "\x1b]52;c;ZXZpbA==\x07",
    "\x9b31m",
    "\x1bP+q\x1b\\",
    "\x1b_apc\x1b\\",
    "\x7f",
    "\x00",
    "\x07",
    "\x08",
    "\rfake",
    "\x0b\x0c",
    "\x85",
    "\u202eevil",
    "\u2066x\u2069",
    "\u2028",
    "\ufeff",
    "\ud800",
]


@pytest.mark.parametrize("raw", HOSTILE)
def test_one_line_and_multi_line_escape_every_control(raw: str) -> None:
    for escaped in (safetext.one_line(raw), safetext.multi_line(raw)):
        assert_terminal_safe(escaped)
        assert "\n" not in safetext.one_line(raw)


def test_escapes_are_visible_and_named() -> None:
    assert safetext.one_line("a\x1b[31mb\tc\nd") == "a\\x1b[31mb\\tc\\nd"
    assert safetext.one_line("\u202e\x9b\ud800") == "\\u202e\\x9b\\ud800"
    assert safetext.multi_line("a\tb\nc\r\nd\re") == "a\tb\nc\nd\\re"  # CRLF is a line break, CR alone is not


def test_binary_view_is_unambiguous() -> None:
    assert safetext.binary(b"\xff\\xff\x1b\n\xc3\xa9") == "\\xff\\\\xff\\x1b\né"
    assert safetext.binary(b"\xc2\x9b") == "\\x9b"  # a UTF-8 encoded C1 control is still escaped


@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_binary_view_of_utf8_text_matches_the_text_view(text: str) -> None:
    assert safetext.binary(text.encode()) == safetext.multi_line(text.replace("\\", "\\\\"))


def test_in_json_keeps_json_valid() -> None:
    dumped = json.dumps({"k\u202e": "\x9b\ud800\u2028"}, ensure_ascii=False)
    escaped = safetext.in_json(dumped)
    assert_terminal_safe(escaped)
    assert json.loads(escaped) == {"k\u202e": "\x9b\ud800\u2028"}


def test_quoting_and_backslashes() -> None:
    assert quoted("pulp\x1b[31m") == "'pulp\\x1b[31m'"
    assert backslashed("a\\nb") == "a\\\\nb" and backslashed("a\nb") == "a\\nb"
    assert backslashed_wire(b"a\\\xff") == "a\\\\\\xff"
    assert label("pulp.server.repo.sync.start") == "pulp.server.repo.sync.start"
    assert label("1, qpid.subject=x") == '"1, qpid.subject=x"'
    assert label('say "hi"') == '"say \\"hi\\""'
