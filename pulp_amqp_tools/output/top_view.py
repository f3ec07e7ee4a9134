"""--top on a terminal: rich's Live table, redrawn about twice a second, with keys q and p.

Every piece of message data (subjects, --top-by values, names) passes through cells.field
(safetext.one_line, and the characters terminals measure differently escaped) and into rich as
plain Text, never as markup, so a subject can neither restyle the view, write control codes nor
be drawn wider than rich laid it out. The view owns the screen (the terminal's alternate screen) while it runs, so
notices meant for stderr are shown in it and written to stderr once it is gone.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from pulp_amqp_tools.output.cells import field
from pulp_amqp_tools.output.keys import KeyReader
from pulp_amqp_tools.output.top_sink import Header
from pulp_amqp_tools.output.top_stats import OTHER, Row, Snapshot, sparkline

REFRESH = 0.5  # seconds between redraws
HEADER_LINES = 4  # lines above the table's rows (header, figures, notes, column titles)


def age_text(age: float | None) -> str:
    if age is None:
        return ""
    if age < 10:
        return f"{age:.1f}s ago"
    if age < 120:
        return f"{age:.0f}s ago"
    if age < 7200:
        return f"{age / 60:.0f}m ago"
    return f"{age / 3600:.0f}h ago"


def rate_text(rate: float) -> str:
    return f"{rate:,.1f}" if rate < 1000 else f"{rate:,.0f}"


def merge_rows(rows: tuple[Row, ...], other: Row | None, fit: int) -> tuple[tuple[Row, ...], Row | None]:
    """At most `fit` rows; the rest go into "(other)" with it (a short terminal shows fewer rows)."""
    if len(rows) <= fit:
        return rows, other
    rest = list(rows[fit:]) + ([other] if other is not None else [])
    ages = [row.age for row in rest if row.age is not None]
    merged = Row(
        OTHER,
        sum(row.count for row in rest),
        sum(row.rate_recent for row in rest),
        sum(row.rate_average for row in rest),
        min(ages) if ages else None,
    )
    return rows[:fit], merged


class LiveView:
    """The live table; `show` redraws it (unless paused), `poll` reads the keys."""

    interval = REFRESH

    def __init__(
        self,
        stream: TextIO,
        header: Header,
        color: bool,
        keys: KeyReader | None,
        later: Callable[[str], None] | None = None,
    ) -> None:
        self.quit = False
        self.paused = False
        self.header = header
        self._keys = keys
        self._later = later  # where notices shown in the view go once it is gone (stderr)
        self._notes: deque[str] = deque(maxlen=3)
        self._all_notes: deque[str] = deque(maxlen=50)
        self._last: Snapshot | None = None
        self._console = Console(
            file=stream,
            force_terminal=True,
            color_system="standard" if color else None,
            no_color=not color,
            highlight=False,
            markup=False,
            emoji=False,
        )
        self._live = Live(
            console=self._console, auto_refresh=False, screen=True, redirect_stdout=False, redirect_stderr=False
        )
        self._live.start()

    def note(self, message: str) -> None:
        """A notice shown in the view (and written to stderr when the view is gone)."""
        self._notes.append(message)
        self._all_notes.append(message)
        if self._last is not None and not self.paused:
            self._draw(self._last)

    def poll(self) -> None:
        if self._keys is None:
            return
        for key in self._keys.read():
            self._press(key)

    def _press(self, key: str) -> None:
        if key in "qQ":
            self.quit = True
        elif key in "pP":
            self.paused = not self.paused
            if self._last is not None:
                self._draw(self._last)  # say so (or show what was counted meanwhile)

    def show(self, snapshot: Snapshot, now: float) -> None:
        if not self.paused:
            self._last = snapshot
            self._draw(snapshot)
        elif self._last is None:
            self._last = snapshot

    def close(self, snapshot: Snapshot, now: float, finished: bool) -> None:
        try:
            self._live.stop()
        finally:
            if self._keys is not None:
                self._keys.restore()
            if self._later is not None:
                for message in self._all_notes:
                    self._later(message)

    def _draw(self, snapshot: Snapshot) -> None:
        self._live.update(self.render(snapshot), refresh=True)

    def render(self, snapshot: Snapshot) -> Group:
        """The whole screen for one snapshot."""
        header = self.header
        patterns = ", ".join(repr(field(p)) for p in header.patterns)
        source = f"exchange {field(header.exchange)}" if header.exchange else field(header.reads)
        title = Text(f"pulp-listen --top  {field(header.connection)}  {source}  ")
        title.append(f"{'selects' if header.reads else 'patterns'} {patterns}  " if patterns else "", style="dim")
        title.append(f"by {field(header.by)}", style="dim")
        figures = Text(f"total {snapshot.total:,}  ", style="bold")
        figures.append(
            f"{rate_text(snapshot.rate_recent)}/s over 10 s  {rate_text(snapshot.rate_average)}/s since start  "
        )
        figures.append(sparkline(snapshot.spark), style="cyan")
        figures.append("  last minute  ")
        figures.append(
            "paused (p resumes)" if self.paused else "q quits, p pauses", style="bold yellow" if self.paused else "dim"
        )
        notes = Text("\n".join(field(n) for n in self._notes), style="yellow") if self._notes else Text("")
        fit = max(1, self._console.height - HEADER_LINES - len(self._notes) - 3)
        rows, other = merge_rows(snapshot.rows, snapshot.other, fit)
        return Group(title, figures, notes, self._table(rows, other))

    def _table(self, rows: tuple[Row, ...], other: Row | None) -> Table:
        table = Table(expand=True, box=None, show_edge=False, pad_edge=False, header_style="bold")
        table.add_column(self.header.by, overflow="ellipsis", no_wrap=True, ratio=1)
        for name in ("count", "/s 10 s", "/s avg", "last"):
            table.add_column(name, justify="right", no_wrap=True)
        table.add_column("result", no_wrap=True, overflow="ellipsis", max_width=16)
        for row in rows:
            table.add_row(*self._cells(row))
        if other is not None:
            table.add_row(*self._cells(other), style="dim")
        return table

    @staticmethod
    def _cells(row: Row) -> list[Text]:
        result = Text("")
        if row.result is not None:
            result = Text(field(row.result), style="green" if row.result == "success" else "red")
        return [
            Text(field(row.key)),
            Text(f"{row.count:,}"),
            Text(rate_text(row.rate_recent)),
            Text(rate_text(row.rate_average)),
            Text(age_text(row.age)),
            result,
        ]
