"""One-line fields of a terminal layout (--top's table and header), in characters whose width is agreed.

rich lays the table out by its own measure (rich.cells.cell_len, which joins an emoji and its
skin-tone modifier into one 2-cell grapheme); a terminal that measures code point by code point,
as wcwidth does (tmux 3.3, many others), draws the pair 4 cells wide. The row then wraps, and on
the last line the screen scrolls the title away. The five modifiers (U+1F3FB-U+1F3FF) are the
characters on whose width the two disagree once `one_line` has escaped every control and format
character (ZWJ sequences included), so they are shown escaped too: what rich measures is then
what every terminal draws, or wider, never narrower. Output-only: rich is imported here.
"""

from __future__ import annotations

import re
import unicodedata

from rich.cells import cell_len

from pulp_amqp_tools.messages.safetext import one_line

_DISPUTED = re.compile("[\U0001f3fb-\U0001f3ff]")


def field(text: str) -> str:
    """`text` as one line for a layout: controls and format characters escaped, and the skin-tone
    modifiers (`\\U0001f3fd`), so rich's measure of it is never below the terminal's."""
    shown = one_line(text)
    return _DISPUTED.sub(lambda found: f"\\U{ord(found.group()):08x}", shown) if not shown.isascii() else shown


def terminal_width(text: str) -> int:
    """Cells a code-point-by-code-point terminal (wcwidth's rules) gives `text`: 2 for wide and
    fullwidth characters, 0 for combining marks, format characters and Hangul jamo that join, 1 for
    the rest."""
    width = 0
    for char in text:
        if unicodedata.category(char) in ("Mn", "Me", "Cf") or "\u1160" <= char <= "\u11ff":
            continue  # (Hangul medial vowels and final consonants join the syllable before them)
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def fits(text: str) -> bool:
    """True when rich measures `text` at least as wide as such a terminal draws it (no wrap)."""
    return cell_len(text) >= terminal_width(text)
