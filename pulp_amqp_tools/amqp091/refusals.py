"""An exchange's type as the broker tells it: by its own exchanges' names, or read from a refused declare. Pure.

amqp091/topology.py learns a type by declaring the exchange as the type it would create. The
answer is read by what it means, never guessed: a 406 in RabbitMQ's wording (garagemq words it the
same) either names the current type or shows a later field differs, so the type matched; a 403 on
a reserved name (`amq.*`) is the rule that no client declares those, even to compare; a 403 on any
other name is a missing configure permission; a 406 worded otherwise tells nothing. Each of the
last three leaves the type unknown (one of UNTOLD), with its own warning.

Also here: the private queue's name where the broker cannot choose one.
"""

from __future__ import annotations

import re

from pulp_amqp_tools.transport.capabilities import Capabilities

NO_PERMISSION = "(unknown)"  # a 403: no configure permission on the exchange
RESERVED = "(reserved)"  # a 403 on an amq.* name: the broker lets no client declare one
UNREADABLE = "(unreadable)"  # a 406 worded in a way we do not know
UNTOLD = frozenset({NO_PERMISSION, RESERVED, UNREADABLE})

# Patterns, not compiled at import: they are needed only when a declare was refused (re caches them).
_INEQUIVALENT = r"inequivalent arg '([^']*)'"
_CURRENT = r"received '[^']*' but current is '([^']*)'"
# The broker's own exchanges have fixed types: known by name, never probed (where they exist).
BUILTIN_TYPES = {
    "amq.direct": "direct",
    "amq.fanout": "fanout",
    "amq.topic": "topic",
    "amq.rabbitmq.trace": "topic",
    "amq.headers": "headers",
    "amq.match": "headers",
}
PRIVATE_PREFIX = "pulp-listen-"  # a client-named private queue: pulp-listen-<32 hex digits>


def builtin_type(name: str, broker: Capabilities) -> str | None:
    """The type of one of the broker's own exchanges (its headers exchange by the name it uses), else None."""
    if name == broker.headers_exchange:
        return "headers"
    return BUILTIN_TYPES.get(name)


def type_from_refusal(code: int, text: str, kind: str, name: str, broker: Capabilities) -> str | None:
    """What a refused declare of `name` as a `kind` exchange says of its type: the type, one of UNTOLD,
    or None when the refusal is an error in itself (not found, locked, ...)."""
    if code == 406:
        field = re.search(_INEQUIVALENT, text)
        if field is None:
            return UNREADABLE
        if field.group(1) != "type":
            return kind  # a later field differs (the type is compared first): the type matched
        current = re.search(_CURRENT, text)
        return current.group(1) if current else UNREADABLE
    if code == 403:
        return RESERVED if name.startswith(broker.reserved_prefix) else NO_PERMISSION
    return None


def untold_warning(label: str, why: str, kind: str, broker: Capabilities) -> str:
    """The warning when `label`'s type stays unknown for reason `why` and it is bound as a `kind` exchange."""
    article = "an" if kind[:1] in "aeiou" else "a"
    if why == RESERVED:
        reason = (
            f"cannot learn the type of a broker exchange, {label}: {broker.describe()} refuses any declare "
            f"of a {broker.reserved_prefix}* name, even one that compares"
        )
    elif why == UNREADABLE:
        reason = f"cannot tell the type of {label}: {broker.describe()} refused the comparing declare in unknown words"
    else:
        reason = f"cannot tell the type of {label} (no configure permission on it)"
    return f"warning: {reason}: binding it as {article} {kind} exchange; give --exchange-type if it is another"


def private_queue_name(broker: Capabilities) -> str:
    """ "" for the broker to choose (amq.gen-...), else a name of our own, unique to this queue."""
    if broker.server_named_queues:
        return ""
    import secrets  # only here: emit, which never declares a queue, does not pay for it

    return PRIVATE_PREFIX + secrets.token_hex(16)
