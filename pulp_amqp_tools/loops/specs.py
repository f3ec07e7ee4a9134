"""What each loop needs of its command's options (ListenSpec, EmitSpec) and their defaults, named once.

The commands' options hold these specs as they are (commands/*/options.py), and argparse's help
quotes the same constants, so a default is written in one place. No I/O, nothing imported but
transport.interface (for types only),
so the parsers can quote the defaults cheaply.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.delivery import Delivery
    from pulp_amqp_tools.messages.filters import Condition
    from pulp_amqp_tools.transport.interface import Topology

DEFAULT_PREFETCH = 1000  # --prefetch: messages the broker may send ahead of our acknowledgements
DEFAULT_MAX_BUFFER = 256 * 1024 * 1024  # --max-buffer: bytes held unacknowledged at most (loops/budget.py)
DEFAULT_WINDOW = 2000  # emit: unconfirmed messages in flight at most
DEFAULT_CONFIRM_TIMEOUT = 30.0  # --confirm-timeout
DEFAULT_TOP_ROWS = 50  # --top-rows: the busiest keys shown; the rest is "(other)"
DEFAULT_TOP_EVERY = 5.0  # --top-every: seconds between JSON snapshots


@dataclass(frozen=True)
class ListenSpec:
    """What listen's loop (and peek's) needs of listen's options."""

    topology: Topology  # with its queue (QueueSpec(None): a private one) and bindings
    prefetch: int = DEFAULT_PREFETCH
    max_buffer: int = DEFAULT_MAX_BUFFER  # bytes of bodies held unacknowledged at most (loops/budget.py)
    count: int | None = None
    timeout: float | None = None  # idle seconds
    deadline: float | None = None  # seconds for the whole run, across reconnects
    where: tuple[Condition, ...] = ()
    fail_where: tuple[Condition, ...] = ()
    properties: bool = True  # the output shows basic properties (every mode but -q)
    decode: Callable[[Delivery], Delivery] | None = None  # --trace: each delivery as the message it records
    ready_note: str | None = None  # said on the ready line (--trace: tracing must be on)

    @property
    def private(self) -> bool:
        """A private queue: it lives only as long as its connection."""
        return self.topology.queue is None or self.topology.queue.name is None


class EmitSpec(NamedTuple):
    """What emit's loop needs of emit's options."""

    topology: Topology
    window: int = DEFAULT_WINDOW  # unconfirmed messages in flight at most
    confirm_timeout: float = DEFAULT_CONFIRM_TIMEOUT
    sequence_header: str | None = None  # header numbering the messages 1..N (resends keep theirs)
