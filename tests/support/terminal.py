"""What may reach a terminal: our SGR colour codes, and nothing else that a terminal would obey."""

from __future__ import annotations

import re

SGR = re.compile(r"\x1b\[[0-9;]*m")
# What must never reach a terminal raw: C0 but tab and newline, DEL, C1, bidi controls, BOM.
UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]"
)


def assert_terminal_safe(text: str) -> None:
    """Only our SGR colour codes may carry ESC; nothing else unsafe at all."""
    found = UNSAFE.search(SGR.sub("", text))
    assert found is None, f"raw {found.group()!r} at {found.start()} in {text[:200]!r}"
