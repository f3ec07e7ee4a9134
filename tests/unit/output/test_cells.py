"""Every format character (Cf) is escaped in one-line fields, and --top's fields are never drawn
wider than rich measures them (issue 22, item 11). Pure: no broker, no terminal."""

from __future__ import annotations

import sys
import unicodedata

import pytest
from rich.cells import cell_len

from pulp_amqp_tools.messages.safetext import backslashed, multi_line, one_line, quoted
from pulp_amqp_tools.output.cells import field, fits, terminal_width

FORMAT = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) == "Cf"]


def test_every_format_character_of_this_python_is_escaped_in_one_line_fields() -> None:
    for char in FORMAT:
        for shown in (one_line(f"a{char}b"), backslashed(f"a{char}b"), quoted(f"a{char}b"), field(f"a{char}b")):
            assert char not in shown and shown.isprintable(), (hex(ord(char)), shown)


def test_escapes_are_unambiguous_past_the_basic_plane() -> None:
    assert one_line("a\U000e0041b") == "a\\U000e0041b"  # not \ue0041: that reads as \ue004 and 1
    assert one_line("a\u200bb\u00adc") == "a\\u200bb\\xadc"
    assert multi_line("family \U0001f468\u200d\U0001f469") == "family \U0001f468\u200d\U0001f469"  # bodies keep ZWJ


HOSTILE = [
    "\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone: rich 2 cells, tmux 4
    "\U0001f3fd",  # a modifier alone: rich 0, tmux 2
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
    "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # a tag-sequence flag
    "\U0001f1fa\U0001f1f8",
    "\u2764\ufe0f",
    "e\u0301",
    "\u4e2d\u6587",
    "\u1100\u1161\u11a8",
    "#\ufe0f\u20e3",
    "a\u200bb\u00ad",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_top_field_is_never_narrower_to_rich_than_to_a_terminal(text: str) -> None:
    shown = field(f"s.{text}.x")
    assert fits(shown), (shown, cell_len(shown), terminal_width(shown))


def test_skin_tone_modifiers_are_escaped_and_plain_text_left_alone() -> None:
    assert field("ok.\U0001f44d\U0001f3fd") == "ok.\U0001f44d\\U0001f3fd"
    assert field("pulp.server.repo.sync.finish") == "pulp.server.repo.sync.finish"
    assert field("caf\u00e9 \u4e2d") == "caf\u00e9 \u4e2d"
    assert terminal_width("\U0001f44d\U0001f3fd") == 4 and cell_len("\U0001f44d\U0001f3fd") == 2  # the dispute
