"""--peek over AMQP 1.0: a receiver with distribution mode `copy` (browse), drained, nothing taken.

Credit is granted with drain set: the broker sends what the queue holds, up to the credit, and then
gives up the rest of the credit, which is how "no more ready now" is known. Brokers that cannot
browse (RabbitMQ 3's plugin and 4, Service Bus) are refused before attaching: consume-and-release
is not a peek (it reorders a quorum queue and counts deliveries).
"""

from __future__ import annotations

from collections.abc import Generator

from proton import Event

from pulp_amqp_tools.amqp10.consume import safe_delivery_of
from pulp_amqp_tools.amqp10.dialects import Source
from pulp_amqp_tools.amqp10.link import Attached, Link, put_source
from pulp_amqp_tools.amqp10.settle import apply
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.interface import Outcome, QueueSpec

BATCH = 100  # credit per drain
DRAIN_TIMEOUT = 10.0  # seconds the broker has to answer a drain


class _Browser(Attached):
    def __init__(self, link: Link, properties: bool) -> None:
        super().__init__()
        self.link = link
        self.properties = properties
        self.held: list[Delivery] = []

    def on_message(self, event: Event) -> None:
        self.held.append(safe_delivery_of(event.message, "", self.properties))
        if event.delivery is not None:
            apply(event.delivery, Outcome.ACK, self.link.dialect)  # a browsed copy: settling takes nothing


def browse(link: Link, spec: QueueSpec, properties: bool) -> Generator[Delivery, None, None]:
    if not link.capabilities.peek:
        raise UsageError(f"--peek: {link.capabilities.describe()} cannot browse a queue")
    name = spec.name or ""
    owner = _Browser(link, properties)
    receiver = link.session().receiver(link.link_name("pulp-peek"))
    put_source(receiver, Source(link.dialect.queue(name)), copy=True)
    link.attach(receiver, owner, f"queue {quoted(name)}")
    try:
        while True:
            receiver.drain(BATCH)
            link.engine.wait(lambda: receiver.credit == 0 and not receiver.queued, DRAIN_TIMEOUT)
            link.raise_if_lost()
            if not owner.held:
                return
            held, owner.held = owner.held, []
            yield from held
    finally:
        link.engine.handler.owners.pop(receiver.name, None)
        if link.is_open:
            receiver.close()
            link.engine.step(0)
