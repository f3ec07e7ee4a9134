"""emit's progress bar on a terminal: rich, imported only when a bar is shown.

What the terminal is (colours, width, whether it redraws in place) the Environment decided;
rich is told, not left to read NO_COLOR, FORCE_COLOR, TERM or COLUMNS again itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Literal, TextIO, TypeVar, cast

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

T = TypeVar("T")
ColorSystem = Literal["standard", "256", "truecolor"]
REFRESH = 0.1  # seconds between two updates of the count: per message would cost more than publishing


def _console(stream: TextIO, *, color: bool, color_system: str | None, columns: int, redraw: bool) -> Console:
    return Console(
        file=stream,
        force_terminal=True,
        force_interactive=redraw,
        no_color=not color,
        color_system=cast(ColorSystem | None, color_system),
        width=columns,
        markup=False,
        emoji=False,
        highlight=False,
    )


@contextmanager
def bar(
    total: int, stream: TextIO, *, color: bool, color_system: str | None, columns: int, redraw: bool
) -> Iterator[Callable[[Iterable[T]], Iterator[T]]]:
    """A transient bar on the terminal `stream`; yields `track(items)`, which counts items as they pass.

    `color` False: styles without colours; `color_system` None: no escape codes at all (a dumb
    terminal), which also means no redrawing in place (`redraw`).
    """
    console = _console(stream, color=color, color_system=color_system, columns=columns, redraw=redraw)
    columns_shown = (
        TextColumn("publishing"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns_shown, console=console, transient=True) as progress:
        task = progress.add_task("publishing", total=total)

        def track(items: Iterable[T]) -> Iterator[T]:
            done = 0
            last = 0.0
            clock = time.monotonic
            for item in items:
                yield item
                done += 1
                now = clock()
                if now - last >= REFRESH:
                    progress.update(task, completed=done)
                    last = now
            progress.update(task, completed=done)

        yield track
