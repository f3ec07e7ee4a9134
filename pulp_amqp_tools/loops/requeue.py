"""--exec's counted requeue over the seam: a confirmed copy straight to the queue, then the ack.

AMQP's own requeue gives the message back unchanged, so it cannot count tries; the copy carries
its count and origin (messages/retries.py). It goes to the queue through the default exchange, so
other queues bound to the exchange do not see the message again, and the original is acknowledged
only once the broker confirmed the copy: a failure can duplicate a message, never lose it. If the
copy is refused or not confirmed, the original goes back as it is, uncounted. Protocol-neutral.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from pulp_amqp_tools.messages import retries
from pulp_amqp_tools.messages.properties import sendable
from pulp_amqp_tools.transport.interface import Consumer, Link, Outcome, Publisher, Tag

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.delivery import Delivery

CONFIRM_TIMEOUT = 10.0  # seconds to wait for the broker to confirm a requeued copy


class Requeuer:
    """Counted requeues, with one confirm window per link (made when first needed)."""

    def __init__(self, notice: Callable[[str], None]) -> None:
        self._notice = notice
        self._window: tuple[Link, Publisher] | None = None

    def requeue(self, link: Link, consumer: Consumer, tag: Tag, delivery: Delivery) -> None:
        if self._window is None or self._window[0] is not link:
            self._window = (link, link.publisher(1))
        publisher = self._window[1]
        refused = _refused(publisher)
        headers = sendable(retries.requeue_headers(delivery))
        publisher.publish("", (consumer.queue, delivery.body, headers, tuple(delivery.properties.items())))
        if publisher.wait(CONFIRM_TIMEOUT) and _refused(publisher) == refused:
            consumer.settle(tag, Outcome.ACK)
            return
        self._notice("the broker did not take a counted copy to requeue: the message goes back uncounted")
        consumer.settle(tag, Outcome.REQUEUE)


def _refused(publisher: Publisher) -> int:
    return sum(publisher.nacked.values()) + sum(publisher.unroutable.values())
