"""The exchanges, the queue and its bindings: found, created and bound the same way by listen and emit.

An existing exchange is used as its owner declared it: the tools create one only when it is
missing (as Pulp did: non-durable, never auto-delete; topic unless --exchange-type says
otherwise). Its type is learned before anything is bound: the broker's `amq.*` exchanges by
their fixed names, any other with one active declare of the type we would create. RabbitMQ
compares the type first (then durable, auto_delete, internal, arguments), so that declare either
matches and changes nothing, or fails with a 406 that names the current type, or fails on a later
field, which means the type matched; the exchange itself is never altered. A failed declare
closes its channel, so every probe runs on a channel of its own.

Listen's whole setup is `prepare()`: learn the types, check the options fit them
(amqp091/bindings.py; a usage error before anything is created), create what is missing, declare
the queue (`QueueSpec`), bind. A queue read as it is (--no-declare, --peek) is only checked.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.amqp091.bindings import BUILTIN_TYPES, TOPIC, Binding, Wanted, describe, plan
from pulp_amqp_tools.commands.options import ListenOptions
from pulp_amqp_tools.errors import AccessError, BrokerError
from pulp_amqp_tools.messages.safetext import one_line

EXCHANGE_TYPE = TOPIC  # what Pulp created, and emit creates
_TYPE_MISMATCH = re.compile(r"inequivalent arg 'type'.*received '([^']*)' but current is '([^']*)'")
MISSING = "(missing)"  # what look_up() says of an exchange that does not exist
UNKNOWN = "(unknown)"  # ... of one whose type the broker will not tell us (no configure permission)


@dataclass(frozen=True)
class QueueSpec:
    """The queue listen consumes from.

    `name` None: a private queue (exclusive, auto-delete). A named queue that exists is used as it
    is; a missing one is declared durable, as `queue_type` when given, with `arguments` added
    (x-arguments of the queue types built on this, e.g. streams). `declare` False (--no-declare,
    --peek): the queue must exist; nothing is declared or bound.
    """

    name: str | None = None
    queue_type: str | None = None  # "classic" | "quorum" for a missing named queue
    declare: bool = True
    arguments: tuple[tuple[str, Any], ...] = ()

    def declare_arguments(self) -> dict[str, Any] | None:
        """The x-arguments a missing named queue is declared with."""
        found = dict(self.arguments)
        if self.queue_type:
            found["x-queue-type"] = self.queue_type
        return found or None


@dataclass(frozen=True)
class ListenTopology:
    """Everything listen binds: exchanges in -e order, what to hear on them, the queue."""

    exchanges: tuple[str, ...]
    wanted: Wanted
    queue: QueueSpec
    create_as: str | None = None  # --exchange-type: create a missing exchange as this, insist on it
    vhost: str = "/"


@dataclass(frozen=True)
class Prepared:
    """What prepare() set up: the queue's name and each exchange with its type."""

    queue: str
    kinds: tuple[tuple[str, str], ...]
    wanted: Wanted

    def describe(self) -> str:
        """The ready line's middle: `exchange 'x' (topic) for '#', ...` or `queue 'q' as it is`."""
        if not self.kinds:
            return f"queue {one_line(self.queue)!r} as it is (not declared, not bound)"
        return f"{describe(self.kinds, self.wanted)} (queue {one_line(self.queue)!r})"


def _label(name: str) -> str:
    return f"exchange {one_line(name)!r}"


def _refused(exc: px.ChannelClosedByBroker, what: str) -> Exception:
    text = one_line(str(exc.reply_text))
    if exc.reply_code == 403:
        return AccessError(f"{what}: access refused: {text}")
    if exc.reply_code == 405:  # RESOURCE_LOCKED: an exclusive queue of another connection
        return BrokerError(
            f"{what} is held exclusively by another connection (RESOURCE_LOCKED); "
            "choose another --queue name or stop the other consumer"
        )
    return BrokerError(f"{what}: {text}")


def _close(channel: BlockingChannel) -> None:
    if channel.is_open:
        channel.close()


def look_up(connection: BlockingConnection, name: str, probe_as: str = EXCHANGE_TYPE) -> str:
    """The type of exchange `name`, or MISSING, or UNKNOWN; nothing on the broker changes."""
    channel = connection.channel()
    try:
        channel.exchange_declare(name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise _refused(exc, _label(name)) from None
        if name.startswith("amq."):
            raise BrokerError(f"{_label(name)} does not exist, and amq.* names are reserved to the broker") from None
        return MISSING
    _close(channel)
    if name in BUILTIN_TYPES:
        return BUILTIN_TYPES[name]
    return _probe(connection, name, probe_as) or UNKNOWN


def _probe(connection: BlockingConnection, name: str, kind: str, what: str = "") -> str | None:
    """Declare `name` as a `kind` exchange (Pulp's flags): its type, or None on 403 when `what` is empty."""
    channel = connection.channel()
    try:
        channel.exchange_declare(name, exchange_type=kind, durable=False, auto_delete=False)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code == 406:
            other = _TYPE_MISMATCH.search(str(exc.reply_text))
            return other.group(2) if other else kind  # a later field differs: the type matched
        if exc.reply_code == 403 and not what:
            return None  # no configure permission: the broker does not say
        raise _refused(exc, what or _label(name)) from None
    _close(channel)
    return kind


def create(connection: BlockingConnection, name: str, kind: str = EXCHANGE_TYPE) -> str:
    """Create missing exchange `name` as Pulp did, of type `kind`; its type (another, if somebody was faster)."""
    return _probe(connection, name, kind, f"cannot create {_label(name)}") or kind


def ensure_exchange(connection: BlockingConnection, name: str) -> str | None:
    """emit's exchange: created as a topic exchange when missing; its type, None when the broker will not say."""
    found = look_up(connection, name)
    if found == MISSING:
        return create(connection, name)
    return None if found == UNKNOWN else found


def require_type(name: str, kind: str, wanted: str | None) -> None:
    """--exchange-type names the type the user expects: another one is an error, not a surprise."""
    if wanted is not None and kind != wanted:
        raise BrokerError(
            f"{_label(name)} is {_article(kind)} {one_line(kind)} exchange, not {_article(wanted)} {wanted} "
            f"exchange (--exchange-type {wanted}); leave out --exchange-type to use it as it is"
        )


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"


def declare_queue(connection: BlockingConnection, channel: BlockingChannel, spec: QueueSpec, vhost: str = "/") -> str:
    """Declare the queue to consume from (on `channel`) and return its name; check it with spec.declare False."""
    if spec.name is None:
        # A private tap, as the original listen.py had: gone with the listener.
        result = channel.queue_declare("", exclusive=True, auto_delete=True)
        return str(result.method.queue)
    label = f"queue {one_line(spec.name)!r}"
    probe = connection.channel()
    try:
        probe.queue_declare(spec.name, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise _refused(exc, label) from None
        if not spec.declare:
            raise BrokerError(f"{label} does not exist in vhost {one_line(vhost)!r}") from None
    else:
        _close(probe)
        return spec.name  # it exists: keep it as its owner declared it
    try:
        channel.queue_declare(spec.name, durable=True, arguments=spec.declare_arguments())
    except px.ChannelClosedByBroker as exc:
        raise _refused(exc, label) from None
    return spec.name


def bind(channel: BlockingChannel, queue: str, bindings: Sequence[Binding]) -> None:
    """Bind `queue` once per binding."""
    for binding in bindings:
        try:
            channel.queue_bind(
                queue, binding.exchange, routing_key=binding.routing_key, arguments=dict(binding.arguments) or None
            )
        except px.ChannelClosedByBroker as exc:
            what = f"binding {one_line(binding.routing_key)!r}" if binding.routing_key else "binding"
            raise _refused(exc, f"{what} to {_label(binding.exchange)}") from None


def _kinds(
    connection: BlockingConnection, setup: ListenTopology, notice: Callable[[str], None]
) -> list[tuple[str, str]]:
    """Each exchange with its type, or MISSING."""
    create_as = setup.create_as or EXCHANGE_TYPE
    kinds = []
    for name in setup.exchanges:
        kind = look_up(connection, name, create_as)
        if kind == UNKNOWN:
            kind = create_as
            if setup.create_as is None:
                notice(
                    f"warning: cannot tell the type of {_label(name)} (no configure permission on it): binding "
                    f"it as a {kind} exchange; give --exchange-type if it is another"
                )
        elif kind != MISSING:
            require_type(name, kind, setup.create_as)
        kinds.append((name, kind))
    return kinds


def prepare(
    connection: BlockingConnection,
    channel: BlockingChannel,
    setup: ListenTopology,
    notice: Callable[[str], None],
) -> Prepared:
    """Listen's setup on `channel`: exchanges found or created, options checked, queue declared and bound."""
    if not setup.queue.declare:
        return Prepared(declare_queue(connection, channel, setup.queue, setup.vhost), (), setup.wanted)
    create_as = setup.create_as or EXCHANGE_TYPE
    found = _kinds(connection, setup, notice)
    kinds = [(name, create_as if kind == MISSING else kind) for name, kind in found]
    plan(kinds, setup.wanted)  # options that do not fit a type fail here, before anything is created
    if any(kind == MISSING for _name, kind in found):
        # Somebody may create one meanwhile, of another type: plan again with what it really is.
        kinds = [(name, create(connection, name, create_as) if kind == MISSING else kind) for name, kind in found]
        for name, kind in kinds:
            require_type(name, kind, setup.create_as)
    bindings = plan(kinds, setup.wanted)
    queue = declare_queue(connection, channel, setup.queue, setup.vhost)
    bind(channel, queue, bindings)
    return Prepared(queue, tuple(kinds), setup.wanted)


def for_listen(options: ListenOptions) -> ListenTopology:
    """What listen's options ask to be bound."""
    return ListenTopology(
        exchanges=options.exchanges,
        wanted=Wanted(options.patterns, options.matches, options.match_any),
        queue=QueueSpec(options.queue, options.queue_type, declare=not options.no_declare),
        create_as=options.exchange_type,
        vhost=options.broker.vhost,
    )
