"""--exec's requeue that counts: the message goes back to its queue as a signed copy with a retry header. Pure.

AMQP's own requeue (basic.nack requeue=true) gives the message back unchanged, so the broker
cannot count tries for us (only quorum queues do). The transport instead publishes a copy straight
to the queue (the default exchange) with RETRY_HEADER raised by one and the original exchange and
routing key in two more headers, then acknowledges the original. `restore` undoes the detour when
the copy arrives, before --where sees it, so a handler, a filter and --json see the original
subject; the copy is marked redelivered, which it is.

Anyone who may publish to the default exchange can write those headers too, so they are trusted
only with MAC_HEADER: an HMAC-SHA256 of the origin and the count under a key that never reaches
the broker (this process's own, or the user's key file: handlers/requeue_key.py). A copy without
a valid one is an ordinary message, its headers shown as they came, its count 0.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any, cast

from pulp_amqp_tools.messages.delivery import Delivery

RETRY_HEADER = "x-pulp-listen-retries"
ORIGIN_EXCHANGE = "x-pulp-listen-exchange"
ORIGIN_ROUTING_KEY = "x-pulp-listen-routing-key"
MAC_HEADER = "x-pulp-listen-mac"
_CONTEXT = b"pulp-listen requeued copy v1"

# The key copies are signed with until use_key() installs a lasting one: random, so nobody else
# can know it; copies it signed are recognised by this process only.
_keys = [secrets.token_bytes(32)]


def use_key(key: bytes) -> None:
    """Sign and check copies with `key` from now on (the user's key file, read before connecting)."""
    _keys[0] = key


def retries_of(headers: Mapping[str, Any] | None) -> int:
    """The count in a RETRY_HEADER; garbage counts as 0. Trusted only on a copy `restore` verified."""
    if not headers:
        return 0
    value = headers.get(RETRY_HEADER)
    if isinstance(value, bool) or not isinstance(value, int):
        return 0
    return max(0, value)


def _field(value: str | bytes) -> bytes:
    data = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else bytes(value)
    return len(data).to_bytes(4, "big") + data  # length-prefixed: no two field lists sign alike


def signature(exchange: str | bytes, routing_key: str | bytes, retries: int, key: bytes | None = None) -> str:
    """The MAC_HEADER value of a copy with this origin and count."""
    signed = _CONTEXT + _field(exchange) + _field(routing_key) + _field(str(retries))
    return hmac.new(key or _keys[0], signed, hashlib.sha256).hexdigest()


def requeue_headers(delivery: Delivery, key: bytes | None = None) -> dict[str, Any]:
    """The headers of the copy to requeue: the retry count raised by one, the origin kept, signed.

    The origin is the delivery's own (restored when it was a copy of ours), never a header that
    came with it: those could have been written by the publisher."""
    headers = dict(delivery.headers)
    count = delivery.requeues + 1
    headers[RETRY_HEADER] = count
    headers[ORIGIN_EXCHANGE] = delivery.exchange
    headers[ORIGIN_ROUTING_KEY] = delivery.routing_key
    headers[MAC_HEADER] = signature(delivery.exchange, delivery.routing_key, count, key)
    return headers


def restore(delivery: Delivery, key: bytes | None = None) -> Delivery:
    """A requeued copy of ours as the original was delivered; anything else unchanged."""
    headers = delivery.headers
    if delivery.exchange or not headers or ORIGIN_ROUTING_KEY not in headers:
        return delivery
    exchange = headers.get(ORIGIN_EXCHANGE, "")
    routing_key = headers[ORIGIN_ROUTING_KEY]
    mac = headers.get(MAC_HEADER)
    count = headers.get(RETRY_HEADER)
    if not isinstance(exchange, (str, bytes)) or not isinstance(routing_key, (str, bytes)):
        return delivery  # not ours after all
    if isinstance(count, bool) or not isinstance(count, int) or not isinstance(mac, (str, bytes)):
        return delivery
    given = mac.encode("utf-8", "surrogatepass") if isinstance(mac, str) else bytes(mac)
    if not hmac.compare_digest(signature(exchange, routing_key, count, key).encode("ascii"), given):
        return delivery  # forged, or signed with a key we do not hold: an ordinary message
    # Bytes when not UTF-8, as pika gives such names (see Delivery).
    return dataclasses.replace(
        delivery,
        exchange=cast(str, exchange),
        routing_key=cast(str, routing_key),
        redelivered=True,
        requeues=count,
    )
