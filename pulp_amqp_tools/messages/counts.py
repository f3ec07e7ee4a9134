"""How a count of things is worded in notices and errors: '1 message', '2 messages'. Pure."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """`count` and `word`, with an s unless the count is one."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"
