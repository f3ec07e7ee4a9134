"""The sinks listen's loop hands messages to, besides the renderer: a keeper, deferring and ticking sinks.

One family, by what the loop asks of each: a renderer (output/render.py) writes each selected
message and the loop acknowledges it once the line is out; a `Keeper` (output/savedir.py) stores
it before that; a `Deferring` sink (the --exec handlers, handlers/exec_sink.py) instead takes each
selected message with a ticket and says later, in any order, how each is settled; a `Ticking`
sink (the --top view, output/top_sink.py) wants a call between batches to redraw, and may ask the
loop to stop. (output/sink.py's Sink is not one of them: it is the stdout they write through.)
No protocol, no rich, no I/O.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple, Protocol, runtime_checkable

from pulp_amqp_tools.transport.interface import Outcome, Source, Tag

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.delivery import Delivery


class Keeper(Protocol):
    """Where each shown message is also kept before it is acknowledged (--save-dir: output/savedir.py)."""

    def keep(self, delivery: Delivery) -> None:
        """Store it, or raise the ToolError to end with (it is then not acknowledged)."""

    def commit(self) -> None:
        """Make what was kept durable: runs before every acknowledgement."""


class Ticket(NamedTuple):
    """A delivery's identity for a deferred settlement: which consumer, which tag on it."""

    consumer: int  # counts the consumers of one run: a tag means nothing on another one
    tag: Tag


class Handled(Protocol):
    """One message a Deferring sink is done with."""

    @property
    def ticket(self) -> Ticket: ...

    @property
    def delivery(self) -> Delivery: ...

    @property
    def fate(self) -> Outcome: ...  # REQUEUE: put back counted (messages/retries.py), not as it is


class Deferring(Protocol):
    @property
    def busy(self) -> bool:
        """Messages taken and not yet handled: the loop waits for them before it ends by a rule."""

    def accept(self, delivery: Delivery, ticket: Ticket) -> None: ...

    def poll(self) -> Sequence[Handled]:
        """The messages handled since the last call, in the order they ended."""


class Ticking(Protocol):
    @property
    def quit(self) -> bool:
        """The user asked to stop (the loop ends with status 0)."""

    def wait(self) -> float:
        """Seconds the loop may wait for deliveries before the next tick."""

    def tick(self) -> None: ...


@runtime_checkable
class Titled(Protocol):
    """A Ticking sink whose display says where the figures come from: told once the broker said
    (an existing stream, a queue read as it is, an exchange's type are known only then)."""

    def listening(self, source: Source) -> None: ...
