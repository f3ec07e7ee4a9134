"""output/top_view.py: the live --top view's text, hostile subjects escaped, rows bounded by the terminal."""

from __future__ import annotations

import io

from pulp_amqp_tools.output.top_sink import Header
from pulp_amqp_tools.output.top_stats import TopStats
from pulp_amqp_tools.output.top_view import LiveView, age_text, merge_rows

T0 = 1_700_000_000.0


HEADER = Header("amqp://guest@localhost:5672", "pulp", ("#", "a.*"), "subject")


def render_text(view: LiveView, stats: TopStats, now: float) -> str:
    from rich.console import Console

    console = Console(file=io.StringIO(), width=160, height=40, force_terminal=False, color_system=None)
    console.print(view.render(stats.snapshot(now)))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert isinstance(text, str)
    return text


def test_the_view_shows_hostile_subjects_as_escaped_text() -> None:
    stats = TopStats(10, T0)
    evil = "evil.\x1b[2J\x1b]8;;http://x\x07[bold]b[/bold]:smile:\u202e\x9b"
    stats.add(evil, T0 + 0.5)
    stats.add("pulp.server.repo.sync.finish", T0 + 0.6, b'{"payload": {"result": "success"}}')
    view = LiveView(io.StringIO(), HEADER, color=False, keys=None)
    try:
        text = render_text(view, stats, T0 + 1)
    finally:
        view.close(stats.snapshot(T0 + 1), T0 + 1, True)
    assert "evil.\\x1b[2J\\x1b]8;;http://x\\x07[bold]b[/bold]:smile:\\u202e\\x9b" in text
    assert "\x1b" not in text and "\x9b" not in text and "😄" not in text
    assert "exchange pulp" in text and "total 2" in text and "success" in text


def test_rows_that_do_not_fit_the_terminal_join_other() -> None:
    stats = TopStats(10, T0)
    for i, key in enumerate("aaabbc"):
        stats.add(key, T0 + i * 0.1)
    snap = stats.snapshot(T0 + 1)
    rows, other = merge_rows(snap.rows, snap.other, 1)
    assert [r.key for r in rows] == ["a"] and other is not None and other.count == 3
    assert merge_rows(snap.rows, snap.other, 5) == (snap.rows, snap.other)
    assert age_text(None) == "" and age_text(3.21) == "3.2s ago" and age_text(300) == "5m ago"
