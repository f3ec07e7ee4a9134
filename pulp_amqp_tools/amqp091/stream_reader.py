"""Reading a stream through a consumer: what was handled, what to skip, and pausing without giving back.

A stream has no basic.nack or basic.reject (RabbitMQ closes the whole connection over one:
NOT_IMPLEMENTED), and an acknowledgement there is credit only. So where a queue's consumer gives
a message back for the byte budget (loops/budget.py), a stream's holds its credit instead: the
message and everything after it are left unhandled and unsettled, and when the budget lets the
loop go on, the subscription attaches again at the first offset not handled yet (a fresh channel:
pika's basic_cancel and BlockingChannel.close would reject what is in flight). Each subscription
gets a callback of its own, so a delivery the old one still dispatches is never taken.

A stream read as it is keeps its owner's bindings, so `-s` selects here, by subject, as a binding
would have (messages/topic.py): the others are acknowledged and count as handled.
"""

from __future__ import annotations

from collections.abc import Callable

from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.streams import StreamPosition
from pulp_amqp_tools.transport.interface import OnDelivery, Tag


class StreamReader:
    """The stream's side of one Consumer, across its re-attaches (not across reconnects: the
    position is what outlives those)."""

    def __init__(
        self, position: StreamPosition, ack: Callable[[Tag], None], select: Callable[[str], bool] | None = None
    ) -> None:
        self.position = position
        self._ack = ack  # on the subscription's current channel
        self._select = select  # -s on a stream read as it is: its subjects, as a binding would
        self.holding = False  # paused: nothing more is handled until the next attach
        self._in_hand = False  # a delivery is with the loop right now
        self._subscription = 0

    def subscribe(self, on_delivery: OnDelivery) -> OnDelivery:
        """The callback for a new subscription; the ones of earlier subscriptions go quiet."""
        self._subscription += 1
        self.holding = False
        mine = self._subscription
        position = self.position

        def on_stream_delivery(delivery: Delivery, tag: Tag) -> None:
            if mine != self._subscription or self.holding:
                return  # not handled, not settled: read again after the next attach
            offset = delivery.headers.get("x-stream-offset") if delivery.headers else None
            if not isinstance(offset, int):
                on_delivery(delivery, tag)
                return
            if not position.fresh(offset):
                # After an attach the broker starts at a chunk's beginning: offsets handled before come
                # first. Acknowledged at once (credit only; nothing of the loop's is pending before them).
                self._ack(tag)
                return
            if self._select is not None and not self._select(delivery.subject):
                self._ack(tag)  # as if never bound: not shown, not counted, handled
                position.handled(offset)
                return
            self._in_hand = True
            try:
                on_delivery(delivery, tag)
            finally:
                self._in_hand = False
            if not self.holding:
                position.handled(offset)

        return on_stream_delivery

    def give_back(self) -> bool:
        """The delivery with the loop is handed back (the budget): True when that is done by holding
        (it and what follows are read again after the next attach); False outside a delivery."""
        if not self._in_hand:
            return False
        self.holding = True
        return True

    def hold(self) -> None:
        """Pause: nothing more is handled, nothing settled, until the next attach."""
        self.holding = True
