"""emit's progress bar on a terminal: the only rich user besides render, imported only when shown."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO, TypeVar

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

T = TypeVar("T")
REFRESH = 0.1  # seconds between two updates of the count: per message would cost more than publishing


@contextmanager
def bar(total: int, stream: TextIO) -> Iterator[Callable[[Iterable[T]], Iterator[T]]]:
    """A transient bar on `stream`; yields `track(items)`, which counts the items as they are consumed."""
    console = Console(file=stream, markup=False, emoji=False, highlight=False)
    columns = (TextColumn("publishing"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
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
