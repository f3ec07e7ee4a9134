"""Settling a received delivery as ACK, REQUEUE or REJECT, the way the broker's dialect reads them.

REQUEUE is `modified{delivery-failed}` where that marks the message redelivered (qpidd, Broker-J,
Artemis, RabbitMQ 4, Service Bus' abandon) and `released` on RabbitMQ 3's plugin, which ends the
session on `modified` (measured on 3.10.8). REJECT is `rejected`, with Service Bus' dead-letter
condition there, and `modified{undeliverable-here}` on Broker-J, which redelivers a rejected
message to the same link when its queue has no alternate binding. A delivery handed back unseen
(a pause, --max-buffer) is `released`: it was not tried, so it must not count as a failed attempt.
"""

from __future__ import annotations

from proton import Condition, Delivery

from pulp_amqp_tools.amqp10.dialects import Dialect, Settle
from pulp_amqp_tools.transport.interface import Outcome

_STATES = {"accepted": Delivery.ACCEPTED, "released": Delivery.RELEASED, "rejected": Delivery.REJECTED}


def outcome_of(outcome: Outcome, dialect: Dialect, released: bool = False) -> Settle:
    if outcome is Outcome.ACK:
        return Settle("accepted")
    if outcome is Outcome.REJECT:
        return dialect.reject
    return Settle("released") if released else dialect.requeue


def apply(dlv: Delivery, outcome: Outcome, dialect: Dialect, released: bool = False) -> None:
    """Settle `dlv` locally with the dialect's outcome; the disposition goes out on the next step."""
    if dlv.settled:
        return
    chosen = outcome_of(outcome, dialect, released)
    if chosen.outcome == "modified":
        dlv.local.failed = True
        dlv.local.undeliverable = chosen.undeliverable
        dlv.update(Delivery.MODIFIED)
    else:
        if chosen.condition is not None:
            dlv.local.condition = Condition(chosen.condition)
        dlv.update(_STATES[chosen.outcome])
    dlv.settle()
