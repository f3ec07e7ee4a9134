"""listen's memory bound in bytes: how much message data it holds, and the prefetch that keeps it so.

The broker bounds what it sends ahead of our acknowledgements by a count (the prefetch), and a
count bounds nothing when messages are 50 MB each: 20 of them queued for a paused reader made
2.1 GB. So listen keeps a byte budget (--max-buffer) of the bodies it holds unacknowledged. A
message that would go over it (while anything else is held) is given back to the broker
(settled REQUEUE) instead of kept; the subscription is paused until everything held was
acknowledged, then started again with a prefetch of budget / largest message seen (RabbitMQ
applies a prefetch to new consumers only). One message larger than the whole budget is still
taken, alone. Pure.
"""

from __future__ import annotations


class ByteBudget:
    """Bytes of message bodies held (received, not yet acknowledged) against a limit."""

    def __init__(self, limit: int, prefetch: int) -> None:
        self.limit = limit
        self.prefetch = prefetch  # what the consumer runs with now
        self.held = 0
        self.largest = 0
        self.refused = 0  # given back since the consumer last started: it must start again

    def admit(self, size: int) -> bool:
        """Take a message of `size` bytes (True), or say it must be given back (False)."""
        if size > self.largest:
            self.largest = size
        if self.held and self.held + size > self.limit:
            self.refused += 1
            return False
        self.held += size
        return True

    def release(self) -> None:
        """Everything held was acknowledged."""
        self.held = 0

    def fitting_prefetch(self) -> int:
        """The prefetch that keeps the largest messages seen within the limit (never above the one asked for)."""
        return max(1, min(self.prefetch, self.limit // max(1, self.largest)))

    def needs_restart(self) -> bool:
        """True when the consumer must start again with a lower prefetch (messages were given back,
        or the ones seen are too large for the current prefetch)."""
        return self.refused > 0 or self.fitting_prefetch() < self.prefetch

    def restarted(self) -> int:
        """Note the consumer's new start; returns the prefetch it now runs with."""
        self.prefetch = self.fitting_prefetch()
        self.refused = 0
        return self.prefetch
