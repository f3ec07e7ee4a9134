"""The benchmark scenarios, one module each, by their --only name.  Each fills in ``Row`` objects,
ours vs baseline.

Every scenario interleaves baseline and ours within each repeat so that slow
drift on the shared machine hits both alike.  A failing "ours" measurement is
recorded on its row and not retried; the rest carries on.
"""

from __future__ import annotations

from collections.abc import Callable

from report import Row

from .amqp10 import amqp10
from .common import Ctx
from .completion import completion
from .emit import emit
from .latency import latency
from .memory import memory
from .oneshot import oneshot
from .pipe import listen_pipe
from .stream import stream_read
from .top import listen_top
from .tty import listen_tty

__all__ = ["SCENARIOS", "Ctx"]

SCENARIOS: dict[str, Callable[[Ctx], list[Row]]] = {
    "pipe": listen_pipe,
    "tty": listen_tty,
    "emit": emit,
    "oneshot": oneshot,
    "latency": latency,
    "memory": memory,
    "completion": completion,
    "stream": stream_read,
    "top": listen_top,
    "amqp10": amqp10,
}
