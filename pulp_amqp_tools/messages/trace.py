"""--trace: a message of RabbitMQ's firehose (amq.rabbitmq.trace) as the original message it records. Pure.

The firehose republishes every message published (`publish.<exchange>`) and delivered
(`deliver.<queue>`) on a vhost whose tracing is on (`rabbitmqctl trace_on`): the original body,
and in the headers `exchange_name`, `routing_keys` (CC/BCC included), `properties` (the original
basic properties, its headers inside), `node`, `vhost`, `connection`, `channel`, `user`, plus
`routed_queues` (publish) or `redelivered` (deliver). We turn that back into the original
delivery, and keep the rest beside it as `trace`, so --json records replay as the originals.
"""

from __future__ import annotations

from typing import Any

from pulp_amqp_tools.messages.delivery import Delivery, wire_text
from pulp_amqp_tools.messages.names import TRACE_EXCHANGE as TRACE_EXCHANGE

DEFAULT_PATTERNS = ("publish.#",)
READY_REMINDER = (
    "the firehose carries messages only while tracing is on for the vhost (rabbitmqctl trace_on "
    "-p VHOST), and tracing costs the broker throughput: trace_off when done"
)
_BESIDE = ("node", "vhost", "connection", "channel", "user", "routing_keys", "routed_queues")


def _text(value: Any) -> str:
    return wire_text(value) if isinstance(value, (str, bytes, bytearray)) else ""


def original(traced: Delivery) -> Delivery:
    """The original message a firehose delivery records; one that is not a trace record stays as it came."""
    return from_trace(traced.routing_key, traced.headers, traced.body, traced.received_at) or traced


def from_trace(routing_key: Any, headers: dict[str, Any], body: bytes, received_at: float) -> Delivery | None:
    """The original message a firehose message records, or None when it is not a trace record."""
    event, _, where = _text(routing_key).partition(".")
    properties = headers.get("properties")
    if event not in ("publish", "deliver") or not isinstance(properties, dict):
        return None
    original_headers = properties.get("headers")
    keys = headers.get("routing_keys")
    first_key = keys[0] if isinstance(keys, list) and keys else ""
    trace: dict[str, Any] = {"event": event}
    if event == "deliver":
        trace["queue"] = where
    for name in _BESIDE:
        if name in headers:
            trace[name] = headers[name]
    return Delivery(
        exchange=headers.get("exchange_name") or "",
        routing_key=first_key,
        body=body,
        redelivered=bool(headers.get("redelivered")),
        headers=original_headers if isinstance(original_headers, dict) else {},
        properties={key: value for key, value in properties.items() if key != "headers" and value is not None},
        received_at=received_at,
        trace=trace,
    )
