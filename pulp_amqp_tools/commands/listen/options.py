"""pulp-listen's frozen options and its usage rules: one table of needs, one of conflicts, one fixed sequence of checks.

`options_from_args` checks the arguments in the order of `check_usage` (Qpid's EXCHANGE/SUBJECT
split, needs, conflicts, streams, values), all before anything connects, then builds the options
once. The loop's spec is built here as it is (ListenOptions.spec): no field of it is copied on the
way to the loop.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulp_amqp_tools.cli import brokerargs, command, pulpconf, qpidaddress
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.cli.usage import Conflict, Need, check_conflicts, check_needs, given
from pulp_amqp_tools.commands.listen.arguments import PROG
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import policy
from pulp_amqp_tools.loops.specs import DEFAULT_PREFETCH, DEFAULT_TOP_EVERY, DEFAULT_TOP_ROWS, ListenSpec
from pulp_amqp_tools.messages.names import TRACE_EXCHANGE, check_name, check_short
from pulp_amqp_tools.transport.broker import BrokerSettings

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.streams import StreamRead
    from pulp_amqp_tools.transport.interface import QueueSpec, Topology

# A classic queue drops Pulp's transient events when its node restarts; a quorum queue keeps
# them, is replicated across a cluster and works the same on a single node.
DEFAULT_QUEUE_TYPE = "quorum"
EXEC_NEEDS = "--exec needs a queue that can requeue and reject"
EXEC_COMPANIONS = ("--exec-timeout", "--exec-concurrency", "--max-retries", "--retry-status")
TOP_COMPANIONS = ("--top-by", "--top-rows", "--top-every")
_BINDING = ("-e", "-s", "--exchange-type", "--match", "--match-any", "--queue-type")
_AS_IS = "reads --queue as it is, declaring and binding nothing: no {given} with it"

NEEDS = (
    Need("--peek", ("--queue",), "--peek needs --queue NAME (the existing queue to read)"),
    Need("--no-declare", ("--queue",), "--no-declare needs --queue NAME (the existing queue to read)"),
    Need("--queue-type", ("--queue",), "--queue-type needs --queue NAME (a private queue is always classic)"),
    Need("--match-any", ("--match",), "--match-any needs --match NAME=VALUE (the headers of which any one must match)"),
    *(Need(flag, ("--exec",), f"{flag} needs --exec") for flag in EXEC_COMPANIONS),
    *(Need(flag, ("--top",), f"{flag} needs --top") for flag in TOP_COMPANIONS),
)
CONFLICTS = (
    Conflict("--peek", _BINDING, "--peek " + _AS_IS),
    Conflict("--no-declare", _BINDING, "--no-declare " + _AS_IS),
    Conflict(
        "--peek",
        ("--offset",),
        "--peek takes what a queue holds; a stream holds on after reading: use --offset first -n N",
    ),
    Conflict(
        "--peek",
        ("--timeout", "--deadline"),
        "--peek reads what the queue holds now and exits: no --timeout or --deadline with it",
    ),
    Conflict(
        "--peek", ("--exec", "--top"), "--peek is not allowed with --exec or --top (it only shows what the queue holds)"
    ),
    Conflict("--trace", ("-e",), f"--trace listens to the firehose ({TRACE_EXCHANGE}): no -e with it"),
    *(
        Conflict("--exec", (flag,), f"{flag} is not allowed with --exec")
        for flag in ("--save-dir", "--trace", "--offset")
    ),
    Conflict(
        "--top", ("--exec",), "--top is not allowed with --exec (the handlers' output would run through the view)"
    ),
    Conflict("--top", ("-q",), "--top is not allowed with -q (--top --json gives JSON snapshots)"),
)


def typed(args: argparse.Namespace, flag: str) -> bool:
    """As cli.usage.given, but -s binds nothing on a stream (--offset): there it selects what is shown."""
    if flag == "-s" and args.offset is not None:
        return False
    return given(args, flag)


@dataclass(frozen=True)
class TopOptions:
    """--top and its companions."""

    rows: int = DEFAULT_TOP_ROWS  # --top-rows: the busiest keys shown; the rest is "(other)"
    every: float = DEFAULT_TOP_EVERY  # --top-every: seconds between JSON snapshots
    by: tuple[str, ...] | None = None  # --top-by PATH, parsed as --where parses paths; None: the subject
    by_text: str = "subject"  # as written, for the header
    json: bool = False  # --json: JSON snapshots even on a terminal


@dataclass(frozen=True)
class ListenOptions:
    """What pulp-listen was asked to do: the loop's spec, and how the command shows and acts on messages."""

    broker: BrokerSettings
    spec: ListenSpec  # the loop's (loops/listen.py, loops/peek.py) as it is
    mode: str = "pretty"  # "quiet" | "pretty" | "json" | "none" (--top, or --exec without -q/--json)
    color: str = "auto"  # "auto" | "always" | "never"
    full: bool = False
    peek: bool = False  # show what the queue holds, leave it there, exit
    save_dir: str | None = None  # --save-dir: each shown message also as a file there
    handler: policy.ExecOptions | None = None  # --exec
    top: TopOptions | None = None  # --top

    @property
    def prefetch(self) -> int:
        return self.spec.prefetch

    @property
    def queue_type(self) -> str | None:
        """The named queue's type as asked for; None: a private queue."""
        queue = self.spec.topology.queue
        return queue.queue_type if queue is not None and queue.name is not None else None


def check_usage(args: argparse.Namespace) -> StreamRead | None:
    """The usage rules, always in this order; the stream to read, if any (--offset's rules: streams.stream_read)."""
    from pulp_amqp_tools.messages.streams import stream_read

    args.exchange, subjects = qpidaddress.split_all(args.exchange)  # Pulp-on-Qpid's EXCHANGE/SUBJECT
    if subjects:
        args.subject = [*(args.subject or ()), *subjects]
    check_needs(args, NEEDS, typed)
    check_conflicts(args, CONFLICTS, typed)
    stream = stream_read(args.queue, args.queue_type, args.offset, args.max_age)
    _check_values(args)
    return stream


def _check_values(args: argparse.Namespace) -> None:
    """Rules on values rather than on which options were given."""
    if args.queue is not None and args.queue.startswith("amq.") and not (args.no_declare or args.peek):
        raise UsageError("queue names starting with 'amq.' are reserved to the broker")
    if args.exec is not None and args.queue_type == "stream":
        raise UsageError(f"{EXEC_NEEDS}: not --queue-type stream")


def options_from_args(args: argparse.Namespace, env: Environment | Mapping[str, str] | None = None) -> ListenOptions:
    """Resolve parsed arguments (and the config file, AMQP_URL) into ListenOptions."""
    env = Environment.of(env, PROG)
    pulp = pulpconf.load(args.config)
    stream = check_usage(args)
    handler = _handler(args) if args.exec is not None else None  # a missing command fails here
    mode = "quiet" if args.quiet else "json" if args.json else "pretty"
    if args.top or (handler is not None and mode == "pretty"):
        mode = "none"
    return ListenOptions(
        broker=brokerargs.broker_from_args(args, pulp, "listen", env.environ, command.password_prompt(env)),
        spec=_spec(args, pulp, stream, mode, handler),
        mode=mode,
        color=args.color,
        full=args.full,
        peek=args.peek,
        save_dir=args.save_dir,
        handler=handler,
        top=_top(args) if args.top else None,
    )


def _spec(
    args: argparse.Namespace,
    pulp: pulpconf.PulpConfig,
    stream: StreamRead | None,
    mode: str,
    handler: policy.ExecOptions | None,
) -> ListenSpec:
    """The loop's spec: the topology, the stop rules, the filters, what each delivery must carry."""
    from pulp_amqp_tools.messages import filters

    # On a stream read as it is, -s selects there (amqp091/stream_reader.py).
    where = tuple(filters.parse_condition(text) for text in args.where or ())
    patterns = _patterns(args)
    decode, note = None, None
    if args.trace:
        from pulp_amqp_tools.messages import trace

        decode, note = trace.original, trace.READY_REMINDER
    return ListenSpec(
        _topology(args, pulp, patterns, stream),
        prefetch=args.prefetch or (handler.concurrency if handler is not None else DEFAULT_PREFETCH),
        max_buffer=args.max_buffer,
        count=args.count,
        timeout=args.timeout,
        deadline=args.deadline,
        where=where,
        fail_where=tuple(filters.parse_condition(text, "--fail-where") for text in args.fail_where or ()),
        # Delivery.properties cost per message: filled when shown (or saved whole), handed to a
        # handler, or counted by.
        properties=mode in ("pretty", "json")
        or args.save_dir is not None
        or handler is not None
        or (args.top_by is not None and args.top_by.startswith("properties.")),
        decode=decode,
        ready_note=note,
    )


def _patterns(args: argparse.Namespace) -> tuple[str, ...]:
    """-s as given; none: the firehose's with --trace, else nothing ('#' on a topic exchange: bindings.py)."""
    if args.subject:
        given_patterns = args.subject
    elif args.trace:
        from pulp_amqp_tools.messages import trace

        given_patterns = trace.DEFAULT_PATTERNS
    else:
        given_patterns = ()
    return tuple(check_short(p, f"the pattern {p[:40]!r}") for p in given_patterns)


def _topology(
    args: argparse.Namespace, pulp: pulpconf.PulpConfig, patterns: tuple[str, ...], stream: StreamRead | None
) -> Topology:
    from pulp_amqp_tools.transport.interface import Binding, Topology

    read_as_is = args.no_declare or args.peek
    exchanges = (TRACE_EXCHANGE,) if args.trace else () if read_as_is else _exchanges(args.exchange, pulp)
    first, *more = exchanges or ("",)  # a queue read as it is binds on no exchange
    return Topology(
        first,
        exchange_type=args.exchange_type or "topic",
        queue=_queue_spec(args, stream),
        bindings=tuple(Binding(pattern) for pattern in patterns),
        more_exchanges=tuple(more),
        match=_matches(args),
        match_any=args.match_any,
        require_type=args.exchange_type is not None,
    )


def _queue_spec(args: argparse.Namespace, stream: StreamRead | None) -> QueueSpec:
    """The queue: private, named, or a stream read from a position that survives reconnects."""
    from pulp_amqp_tools.transport.interface import QueueSpec

    declare = not (args.no_declare or args.peek)
    name = check_name(args.queue, "the queue name") if args.queue is not None else None
    if name is None:
        return QueueSpec(None, None, declare)
    from pulp_amqp_tools.messages.streams import StreamPosition, parse_offset

    if stream is None:
        # An existing stream is read as it is, from now on; never bound (and refused by --exec).
        # type_given False: the quorum default is RabbitMQ's; loops/fitting.py drops it where there is none
        kind = args.queue_type or DEFAULT_QUEUE_TYPE
        given = args.queue_type is not None
        if args.exec is not None:
            return QueueSpec(name, kind, declare, no_stream=EXEC_NEEDS, type_given=given)
        return QueueSpec(name, kind, declare, if_stream=StreamPosition(parse_offset("next")), type_given=given)
    return QueueSpec(name, "stream", declare, (("x-max-age", stream.max_age),), StreamPosition(stream.offset))


def _exchanges(given_names: list[str] | None, pulp: pulpconf.PulpConfig) -> tuple[str, ...]:
    """-e in order, each once; none: the config file's exchange, else amq.topic."""
    names = [brokerargs.exchange_from_args(name, pulp) for name in given_names] if given_names else []
    return tuple(dict.fromkeys(names or [brokerargs.exchange_from_args(None, pulp)]))


def _matches(args: argparse.Namespace) -> tuple[tuple[str, Any], ...]:
    """--match NAME=VALUE / NAME:=JSON, typed as emit's --header."""
    if not args.match:
        return ()
    from pulp_amqp_tools.messages.properties import parse_header

    found = tuple(parse_header(text, "--match") for text in args.match)
    for name, _value in found:  # other x- names: where the broker matches them (loops/fitting.py)
        if name.lower() == "x-match":
            raise UsageError("--match 'x-match': that is the binding's mode, not a header (--match-any sets it)")
    return found


def _handler(args: argparse.Namespace) -> policy.ExecOptions:
    from pulp_amqp_tools.handlers import argv as handler_argv

    argv = handler_argv.parse(args.exec)
    return policy.ExecOptions(
        argv=argv,
        executable=handler_argv.resolve(argv),
        timeout=args.exec_timeout,
        concurrency=args.exec_concurrency or policy.DEFAULT_CONCURRENCY,
        max_retries=policy.DEFAULT_MAX_RETRIES if args.max_retries is None else args.max_retries,
        retry_status=args.retry_status or policy.DEFAULT_RETRY_STATUS,
    )


def _top(args: argparse.Namespace) -> TopOptions:
    from pulp_amqp_tools.messages import filters

    by = None if args.top_by is None else filters.parse_path(args.top_by, args.top_by, "--top-by")
    return TopOptions(
        rows=args.top_rows or DEFAULT_TOP_ROWS,
        every=args.top_every or DEFAULT_TOP_EVERY,
        by=by,
        by_text=args.top_by or "subject",
        json=args.json,
    )
