"""How a delivery is settled with the broker, whatever the protocol. Pure."""

from __future__ import annotations

import enum


class Fate(enum.Enum):
    """What becomes of a message once a sink is done with it."""

    ACK = "acknowledged"
    REQUEUE = "requeued"  # back to its queue for another try, counted (messages/retries.py)
    REJECT = "rejected"  # not requeued: dead-lettered if the queue has a dead-letter exchange
