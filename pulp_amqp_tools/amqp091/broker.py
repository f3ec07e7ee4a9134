"""Which 0-9-1 broker answered, and what it can do: connection.start's server properties as Capabilities. Pure.

The only place that compares product names. RabbitMQ's abilities follow its version (from its
release notes: quorum queues 3.8.0, streams 3.9.0, `x-match` any-with-x 3.10.0); garagemq
(0.1, Debian's package) is known from its source: no server-named queues (an empty queue name is
COMMAND_INVALID), no queue types, `amq.header` as its headers exchange, a requeued message comes
back with redelivered false. Every other broker, or a RabbitMQ whose version does not parse,
gets the answers of `transport.capabilities.UNKNOWN`: nothing beyond the 0-9-1 spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.transport.capabilities import UNKNOWN, Capabilities

_LONGEST = 64  # characters of a product or version kept: it is the broker's text, shown in messages


def _text(value: Any) -> str:
    """A server property as one short line (pika gives str, or bytes when it is not UTF-8)."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return one_line(value)[:_LONGEST] if isinstance(value, str) else ""


def version_of(text: str) -> tuple[int, int, int] | None:
    """`3.10.8` -> (3, 10, 8); `4.0.0-rc.1` -> (4, 0, 0); None when it does not start with a number."""
    numbers: list[int] = []
    for piece in text.strip().split(".", 2):
        digits = piece[: len(piece) - len(piece.lstrip("0123456789"))]
        if not digits:
            break
        numbers.append(int(digits))
        if digits != piece:
            break  # "0-rc.1": the number ends there
    if len(numbers) < 2:
        return None
    major, minor, *rest = numbers
    return major, minor, rest[0] if rest else 0


def rabbitmq(version: str) -> Capabilities:
    """RabbitMQ `version`: what it has by then; an unreadable version gets only what every release has."""
    number = version_of(version) or (0, 0, 0)
    quorum, streams = number >= (3, 8, 0), number >= (3, 9, 0)
    kinds = {"classic"} | ({"quorum"} if quorum else set()) | ({"stream"} if streams else set())
    return Capabilities(
        product="RabbitMQ",
        version=version,
        server_named_queues=True,
        queue_types=frozenset(kinds),
        default_queue_type="quorum" if quorum else "classic",
        # A quorum queue (and a stream) writes every message to disk, transient ones too.
        durable_transient=frozenset(kinds - {"classic"}),
        streams=streams,
        firehose=True,
        headers_exchange="amq.headers",
        headers_with_x=number >= (3, 10, 0),
        requeue_marks_redelivered=True,
    )


def garagemq(version: str) -> Capabilities:
    """garagemq: the spec's four exchange types and plain queues, named by the client."""
    return replace(UNKNOWN, product="garagemq", version=version, headers_exchange="amq.header")


def capabilities(server_properties: Mapping[str, Any] | None) -> Capabilities:
    """The record for the broker whose connection.start said `server_properties`."""
    properties = server_properties or {}
    product, version = _text(properties.get("product")), _text(properties.get("version"))
    name = product.casefold()
    if name == "rabbitmq":
        return rabbitmq(version)
    if name == "garagemq":
        return garagemq(version)
    return UNKNOWN.with_identity(product, version)
