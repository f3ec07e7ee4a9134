"""Names the broker limits, checked before connecting: AMQP short strings. Pure.

Exchange, queue and vhost names, routing keys and binding patterns, header names and the TLS
server name all travel as an AMQP 0-9-1 shortstr (at most 255 bytes of UTF-8); one that does not
fit is a usage error naming what it was, never a broker error after connecting.
"""

from __future__ import annotations

from pulp_amqp_tools.errors import UsageError

MAX_NAME_BYTES = 255  # AMQP 0-9-1 shortstr
TRACE_EXCHANGE = "amq.rabbitmq.trace"  # RabbitMQ's firehose (messages/trace.py), named here for the usage rules


def check_short(value: str, what: str) -> str:
    """Return `value` if it fits an AMQP short string, else raise a UsageError naming `what`."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise UsageError(f"{what} is not valid Unicode text") from None
    if size > MAX_NAME_BYTES:
        raise UsageError(f"{what} is {size} bytes long; AMQP allows at most {MAX_NAME_BYTES} bytes (UTF-8)")
    return value


def check_name(value: str, what: str) -> str:
    """Validate an exchange, queue or vhost name: non-empty and at most 255 bytes."""
    if not value:
        raise UsageError(f"{what} must not be empty")
    return check_short(value, what)
