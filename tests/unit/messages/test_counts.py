"""One of anything is '1 message', never '1 messages' (issue 22, item 15)."""

from __future__ import annotations

from pulp_amqp_tools.loops.peek import summary
from pulp_amqp_tools.messages.counts import plural


def test_plural() -> None:
    assert (plural(0, "message"), plural(1, "message"), plural(2, "bad line")) == (
        "0 messages",
        "1 message",
        "2 bad lines",
    )


def test_peek_summary_of_one_message() -> None:
    assert (
        summary("dlq", 1, None)
        == "peeked at 1 message in queue 'dlq'; every one is back in the queue, marked redelivered"
    )
    assert summary("dlq", 2, 1).startswith("peeked at 2 messages in queue 'dlq' (1 shown by --where)")
