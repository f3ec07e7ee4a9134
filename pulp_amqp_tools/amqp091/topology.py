"""The exchanges, the queue and its bindings: found, created and bound the same way by listen and emit.

An existing exchange is used as its owner declared it (any type, durable or not, any arguments):
the tools create one only when it is missing, as Pulp did (non-durable, never auto-delete, of
Topology.exchange_type: topic unless listen's --exchange-type says otherwise). Its type is learned
before anything is bound: the broker's `amq.*` exchanges by their fixed names, any other with one
active declare of the type we would create. RabbitMQ compares the type first (then durable,
auto_delete, internal, arguments), so that declare either matches and changes nothing, or fails
with a 406 that names the current type, or fails on a later field, which means the type matched;
the exchange itself is never altered. A refusal is read by what it means, never guessed: a 403 on a
reserved name (`amq.*`: brokers refuse any declare of one) or a 406 worded unlike RabbitMQ's leaves
the type unknown, as a 403 for want of configure permission does (amqp091/refusals.py). A failed
declare closes its channel, so every probe runs on a channel of its own.

`ensure()` is the whole setup: types learned, listen's options checked against them
(amqp091/bindings.py: a usage error before anything is created), missing exchanges created, the
queue declared (amqp091/queues.py; with declare=False only checked), the bindings made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NamedTuple

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingChannel, BlockingConnection

from pulp_amqp_tools.amqp091 import refusals
from pulp_amqp_tools.amqp091.queues import close_channel as _close
from pulp_amqp_tools.amqp091.queues import declare_queue, existing_queue_type, queue_exists
from pulp_amqp_tools.amqp091.queues import refused as _refused
from pulp_amqp_tools.errors import BrokerError, UsageError
from pulp_amqp_tools.messages.safetext import one_line, quoted
from pulp_amqp_tools.transport.capabilities import UNKNOWN as NOTHING_KNOWN
from pulp_amqp_tools.transport.capabilities import Capabilities
from pulp_amqp_tools.transport.interface import QueueSpec, Source, Topology

if TYPE_CHECKING:
    # The binding rules are listen's: emit, which only needs the exchange, never imports them.
    from pulp_amqp_tools.amqp091.bindings import QueueBinding, Wanted

EXCHANGE_TYPE = "topic"  # what Pulp created, and emit creates
MISSING = "(missing)"  # what look_up() says of an exchange that does not exist
UNKNOWN = refusals.NO_PERMISSION  # ... of one whose type the broker will not tell us (no configure permission)
UNTOLD = refusals.UNTOLD  # UNKNOWN and the other reasons the type stays unknown


def _quiet(_message: str) -> None:
    pass


class Prepared(NamedTuple):
    """What ensure() set up: the queue (None: none asked for), each exchange with its type."""

    queue: str | None
    kinds: tuple[tuple[str, str], ...] = ()  # (name, type as bound); empty: a queue read as it is
    assumed: frozenset[str] = frozenset()  # exchanges whose type the broker would not tell
    wanted: Wanted | None = None  # what listen asked to hear (None: emit)
    stream: bool = False  # the queue is a stream (read from an offset)
    queue_type: str | None = None  # "quorum", "classic"... as declared or found; None: private, or not told

    def describe(self) -> str:
        """The ready line's middle: `exchange 'x' (topic) for '#' (queue 'q')` or `queue 'q' as it is`."""
        from pulp_amqp_tools.amqp091.bindings import Wanted, describe

        queue = quoted(self.queue or "")
        wanted = self.wanted or Wanted()
        if not self.kinds and self.stream:
            keys = ", ".join(quoted(key) for key in wanted.patterns)
            return f"stream {queue} as it is (its own bindings{'; -s selects ' + keys if keys else ''})"
        if not self.kinds:
            return f"queue {queue} as it is (not declared, not bound)"
        return f"{describe(self.kinds, wanted)} ({self._queue_kind()} {queue})"

    def source(self) -> Source:
        """describe() as a record (transport.interface.Source)."""
        from pulp_amqp_tools.amqp091.bindings import Wanted, heard

        wanted = self.wanted or Wanted()
        if not self.kinds:
            what = "stream" if self.stream else "queue"
            return Source((), wanted.patterns if self.stream else (), f"{what} {quoted(self.queue or '')} as it is")
        return Source(tuple(name for name, _kind in self.kinds), heard(self.kinds, wanted))

    def _queue_kind(self) -> str:
        """`stream`, `quorum queue`, `classic queue`, or plain `queue` when its type is not known."""
        if self.stream:
            return "stream"
        return f"{one_line(self.queue_type)} queue" if self.queue_type else "queue"

    def exchange_type(self, name: str) -> str | None:
        """The type of exchange `name` as the broker told it; None when it would not (or not set up here)."""
        return None if name in self.assumed else dict(self.kinds).get(name)


def _label(name: str) -> str:
    return f"exchange {quoted(name)}"


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"


def look_up(
    connection: BlockingConnection, name: str, probe_as: str = EXCHANGE_TYPE, broker: Capabilities = NOTHING_KNOWN
) -> str:
    """The type of exchange `name`, or MISSING, or one of UNTOLD; nothing on the broker changes."""
    if name == "":  # the default exchange (emit -e ''): always there, direct, and never declared (403)
        return "direct"
    channel = connection.channel()
    try:
        # The spec says a passive declare ignores the type, and RabbitMQ does; Qpid Broker-J
        # compares it and closes the connection (530) when it differs from pika's default 'direct'.
        channel.exchange_declare(name, exchange_type=probe_as, passive=True)
    except px.ChannelClosedByBroker as exc:
        if exc.reply_code != 404:
            raise _refused(exc, _label(name)) from None
        if name.startswith(broker.reserved_prefix):
            raise BrokerError(f"{_label(name)} does not exist, and amq.* names are reserved to the broker") from None
        return MISSING
    _close(channel)
    builtin = refusals.builtin_type(name, broker)
    if builtin is not None:
        return builtin
    return _probe(connection, name, probe_as, broker=broker)


def _probe(
    connection: BlockingConnection, name: str, kind: str, what: str = "", broker: Capabilities = NOTHING_KNOWN
) -> str:
    """Declare `name` as a `kind` exchange (Pulp's flags): its type, or one of UNTOLD (a 403 too, unless
    `what` names the act: then it is an error)."""
    channel = connection.channel()
    try:
        channel.exchange_declare(name, exchange_type=kind, durable=False, auto_delete=False)
    except px.ChannelClosedByBroker as exc:
        told = refusals.type_from_refusal(exc.reply_code, str(exc.reply_text), kind, name, broker)
        if told is None or (what and exc.reply_code == 403):
            raise _refused(exc, what or _label(name)) from None
        return told
    _close(channel)
    return kind


def create(connection: BlockingConnection, name: str, kind: str = EXCHANGE_TYPE) -> str:
    """Create missing exchange `name` as Pulp did, as a `kind`; its type (another if somebody was faster)."""
    found = _probe(connection, name, kind, f"cannot create {_label(name)}")
    return kind if found in UNTOLD else found


def require_type(name: str, kind: str, wanted: str) -> None:
    """--exchange-type names the type the user expects: another one is an error, not a surprise."""
    if kind != wanted:
        raise BrokerError(
            f"{_label(name)} is {_article(kind)} {one_line(kind)} exchange, not {_article(wanted)} {wanted} "
            f"exchange (--exchange-type {wanted}); leave out --exchange-type to use it as it is"
        )


def bind(channel: BlockingChannel, queue: str, bindings: Sequence[QueueBinding]) -> None:
    """Bind `queue` once per binding."""
    for binding in bindings:
        try:
            channel.queue_bind(
                queue, binding.exchange, routing_key=binding.routing_key, arguments=dict(binding.arguments) or None
            )
        except px.ChannelClosedByBroker as exc:
            what = f"binding {quoted(binding.routing_key)}" if binding.routing_key else "binding"
            raise _refused(exc, f"{what} to {_label(binding.exchange)}") from None


def _look_up_all(connection: BlockingConnection, topology: Topology, broker: Capabilities) -> list[tuple[str, str]]:
    """Each exchange with its type, MISSING or one of UNTOLD; --exchange-type checked where the type is known."""
    found = []
    for name in dict.fromkeys(topology.exchanges):
        kind = look_up(connection, name, topology.exchange_type, broker)
        if topology.require_type and kind != MISSING and kind not in UNTOLD:
            require_type(name, kind, topology.exchange_type)
        found.append((name, kind))
    return found


def _with_arguments(planned: tuple[QueueBinding, ...], topology: Topology) -> list[QueueBinding]:
    """A -s binding's own arguments (Binding.arguments) go with it wherever it is bound."""
    extra = {b.key: b.arguments for b in topology.bindings if b.arguments}
    if not extra:
        return list(planned)
    return [b._replace(arguments=b.arguments + extra.get(b.routing_key, ())) for b in planned]


def _create_missing(
    connection: BlockingConnection, topology: Topology, kinds: list[tuple[str, str]], found: list[tuple[str, str]]
) -> list[tuple[str, str]]:
    """Create the missing exchanges; somebody may have been faster, with another type: that one counts."""
    created = []
    for (name, kind), (_name, seen) in zip(kinds, found, strict=True):
        if seen == MISSING:
            kind = create(connection, name, topology.exchange_type)
            if topology.require_type:
                require_type(name, kind, topology.exchange_type)
        created.append((name, kind))
    return created


def ensure(
    connection: BlockingConnection,
    topology: Topology,
    channel: BlockingChannel | None = None,
    notice: Callable[[str], None] = _quiet,
    vhost: str = "/",
    broker: Capabilities = NOTHING_KNOWN,
) -> Prepared:
    """Make `topology` exist: the exchanges, then the queue and its bindings (on `channel`) if it has one."""
    queue_spec = topology.queue
    if queue_spec is None:  # emit: the exchange only, of whatever type it is
        found = _look_up_all(connection, topology, broker)
        kinds = [(name, topology.exchange_type if kind == MISSING or kind in UNTOLD else kind) for name, kind in found]
        assumed = frozenset(name for name, kind in found if kind in UNTOLD)
        return Prepared(None, tuple(_create_missing(connection, topology, kinds, found)), assumed)
    if queue_spec.stream is not None and queue_spec.name is not None and queue_exists(connection, queue_spec.name):
        # A stream is a shared log: reading must not change it, and its bindings are its owner's.
        return Prepared(queue_spec.name, wanted=_wanted(topology), stream=True)
    if _existing_stream(connection, queue_spec):
        return Prepared(queue_spec.name, wanted=_wanted(topology), stream=True, queue_type="stream")
    channel = channel or connection.channel()
    if not queue_spec.declare:
        return Prepared(declare_queue(connection, channel, queue_spec, vhost, broker)[0])
    return _ensure_bound(connection, channel, topology, queue_spec, notice, vhost, broker)


def _existing_stream(connection: BlockingConnection, spec: QueueSpec) -> bool:
    """A named queue given without stream options is an existing stream (only asked when the
    spec says what to do then); refused here when a stream cannot work (QueueSpec.no_stream)."""
    if spec.name is None or not spec.declare or (spec.if_stream is None and spec.no_stream is None):
        return False
    if not queue_exists(connection, spec.name) or existing_queue_type(connection, spec) != "stream":
        return False
    if spec.no_stream is not None:
        raise UsageError(f"{spec.no_stream}: queue {quoted(spec.name)} is a stream")
    return True


def _wanted(topology: Topology) -> Wanted:
    from pulp_amqp_tools.amqp091.bindings import Wanted

    return Wanted(tuple(b.key for b in topology.bindings), topology.match, topology.match_any)


def _ensure_bound(
    connection: BlockingConnection,
    channel: BlockingChannel,
    topology: Topology,
    queue_spec: QueueSpec,
    notice: Callable[[str], None],
    vhost: str,
    broker: Capabilities,
) -> Prepared:
    """listen's setup: types learned, options checked against them, exchanges created, queue bound."""
    from pulp_amqp_tools.amqp091.bindings import plan

    found = _look_up_all(connection, topology, broker)
    assumed = frozenset(name for name, kind in found if kind in UNTOLD)
    if not topology.require_type:
        for name, kind in found:
            if kind in UNTOLD:
                notice(refusals.untold_warning(_label(name), kind, topology.exchange_type, broker))
    kinds = [(name, topology.exchange_type if kind == MISSING or kind in UNTOLD else kind) for name, kind in found]
    wanted = _wanted(topology)
    plan(kinds, wanted)  # options that do not fit a type fail here, before anything is created
    kinds = _create_missing(connection, topology, kinds, found)
    bindings = _with_arguments(plan(kinds, wanted), topology)
    queue, queue_type = declare_queue(connection, channel, queue_spec, vhost, broker)
    bind(channel, queue, bindings)
    return Prepared(queue, tuple(kinds), assumed, wanted, queue_spec.stream is not None, queue_type)
