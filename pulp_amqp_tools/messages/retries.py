"""--exec's requeue that counts: the message goes back to its queue as a copy with a retry header. Pure.

AMQP's own requeue (basic.nack requeue=true) gives the message back unchanged, so the broker
cannot count tries for us (only quorum queues do). The transport instead publishes a copy straight
to the queue (the default exchange) with RETRY_HEADER raised by one and the original exchange and
routing key in two more headers, then acknowledges the original. `restore` undoes the detour when
the copy arrives, before --where sees it, so a handler, a filter and --json see the original
subject; the copy is marked redelivered, which it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, cast

from pulp_amqp_tools.messages.delivery import Delivery

RETRY_HEADER = "x-pulp-listen-retries"
ORIGIN_EXCHANGE = "x-pulp-listen-exchange"
ORIGIN_ROUTING_KEY = "x-pulp-listen-routing-key"


def retries_of(headers: Mapping[str, Any] | None) -> int:
    """How often the message was requeued by a handler before; garbage counts as 0."""
    if not headers:
        return 0
    value = headers.get(RETRY_HEADER)
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, value)


def requeue_headers(delivery: Delivery) -> dict[str, Any]:
    """The headers of the copy to requeue: the retry count raised by one, the origin kept."""
    headers = dict(delivery.headers)
    headers[RETRY_HEADER] = retries_of(delivery.headers) + 1
    headers.setdefault(ORIGIN_EXCHANGE, delivery.exchange)
    headers.setdefault(ORIGIN_ROUTING_KEY, delivery.routing_key)
    return headers


def restore(delivery: Delivery) -> Delivery:
    """A requeued copy as the original was delivered (anything else unchanged)."""
    headers = delivery.headers
    if delivery.exchange or not headers or ORIGIN_ROUTING_KEY not in headers:
        return delivery
    exchange = headers.get(ORIGIN_EXCHANGE, "")
    routing_key = headers[ORIGIN_ROUTING_KEY]
    if not isinstance(exchange, (str, bytes)) or not isinstance(routing_key, (str, bytes)):
        return delivery  # not ours after all
    # Bytes when not UTF-8, as pika gives such names (see Delivery).
    return dataclasses.replace(
        delivery, exchange=cast(str, exchange), routing_key=cast(str, routing_key), redelivered=True
    )
