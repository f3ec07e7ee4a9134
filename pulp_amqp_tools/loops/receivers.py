"""listen's per-delivery work: the closure the consumer calls for every message (loops/listen.py).

Two of them: printing (filter, budget, keep, write, acknowledge in batches) and handing over to
--exec's handlers (each settled later by its own tag). One closure over locals each, since it
runs for every delivery. Protocol-neutral, as the loop.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulp_amqp_tools.loops.sinks import Deferring, Ticket
from pulp_amqp_tools.messages import retries
from pulp_amqp_tools.transport.interface import Consumer, OnDelivery, Outcome, Tag

if TYPE_CHECKING:
    from pulp_amqp_tools.loops.listen import Listener
    from pulp_amqp_tools.messages.delivery import Delivery


def printing(state: Listener, consumer: Consumer) -> OnDelivery:
    """Each delivery: --where, --max-buffer, --save-dir, then written; acknowledged in batches."""
    selector = state.selector
    accept = selector.accept if selector is not None else None
    write = state.renderer.write
    keep = state.keeper.keep if state.keeper is not None else None
    decode = state.spec.decode
    flush_and_ack, admit, budget, restore = state.flush_and_ack, state.budget.admit, state.budget, retries.restore

    def on_delivery(delivery: Delivery, tag: Tag) -> None:
        if state.done or (selector is not None and selector.failed is not None):
            return  # past --count or --fail-where: left unacknowledged, so a durable queue keeps it
        if not delivery.exchange and delivery.headers:
            delivery = restore(delivery)  # a copy --exec requeued: as it was first delivered
        if not admit(len(delivery.body)):  # over --max-buffer: handed back, to come again later
            consumer.settle(tag, Outcome.REQUEUE)
            state.given_back += 1
            return
        if delivery.redelivered and state.given_back:  # most likely one we handed back, never shown
            state.given_back -= 1
            delivery.redelivered = False
        if decode is not None:
            delivery = decode(delivery)
        if accept is None or accept(delivery):  # filtered out: acknowledged, neither shown nor counted
            if keep is not None:
                keep(delivery)  # --save-dir: its file first; a failure raises before this is acknowledged
            write(delivery)
            state.seen += 1
        state.last_tag = tag
        state.unacked += 1
        if state.unacked >= max(1, budget.prefetch // 4):  # keep the broker's pipeline full in a long batch
            flush_and_ack(consumer)

    return on_delivery


def handing_over(state: Listener, consumer: Consumer, handler: Deferring) -> OnDelivery:
    """--exec: each selected message goes to the handlers and is settled when its own handler
    ends (Listener.settle_handled); the others are acknowledged at once, one by one, since an
    acknowledgement of many would also settle messages whose handlers still run."""
    selector = state.selector
    write = state.renderer.write
    number = state.consumers

    def on_delivery(delivery: Delivery, tag: Tag) -> None:
        if state.done or (selector is not None and selector.failed is not None):
            return
        if not delivery.exchange and delivery.headers:
            delivery = retries.restore(delivery)
        if selector is not None and not selector.accept(delivery):
            consumer.settle(tag, Outcome.ACK)
            return
        write(delivery)  # -q or --json with --exec: the line too
        state.seen += 1
        handler.accept(delivery, Ticket(number, tag))

    return on_delivery


def settle_handled(state: Listener, consumer: Consumer, handler: Deferring) -> None:
    """Settle each message whose handler ended, by its own tag; a counted requeue is a copy."""
    for handled in handler.poll():
        if handled.ticket.consumer != state.consumers or not consumer.is_open:
            continue  # its consumer is gone: unsettled, the broker delivers it again
        state.out.flush()  # its line (-q, --json) before its acknowledgement, if the reader takes it
        if handled.fate is Outcome.REQUEUE:
            assert state.link is not None
            state.requeuer.requeue(state.link, consumer, handled.ticket.tag, handled.delivery)
        else:
            consumer.settle(handled.ticket.tag, handled.fate)
