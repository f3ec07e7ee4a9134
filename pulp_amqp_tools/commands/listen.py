# PYTHON_ARGCOMPLETE_OK
"""pulp-listen: bind a queue to exchanges of any type (or read a queue as it is) and print what arrives."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO, cast

from pulp_amqp_tools.amqp091.bindings import EXCHANGE_TYPES
from pulp_amqp_tools.cli import argtypes, brokerargs, command, completion, pulpconf
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.commands import actions
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.names import check_name, check_short
from pulp_amqp_tools.transport.broker import BrokerSettings

if TYPE_CHECKING:
    from pulp_amqp_tools.commands.actions import TopOptions
    from pulp_amqp_tools.handlers.exec_sink import ExecSink
    from pulp_amqp_tools.handlers.policy import ExecOptions
    from pulp_amqp_tools.loops.listen import ListenSpec
    from pulp_amqp_tools.loops.sinks import Ticket
    from pulp_amqp_tools.messages.filters import Condition
    from pulp_amqp_tools.messages.streams import StreamRead
    from pulp_amqp_tools.output.render import Renderer
    from pulp_amqp_tools.output.savedir import SaveDir
    from pulp_amqp_tools.output.sink import Sink
    from pulp_amqp_tools.output.top_sink import TopSink
    from pulp_amqp_tools.transport.interface import QueueSpec

PROG = "pulp-listen"
# A classic queue drops Pulp's transient events when its node restarts; a quorum queue keeps
# them, is replicated across a cluster and works the same on a single node.
DEFAULT_QUEUE_TYPE = "quorum"
EXAMPLES = """\
examples:
  pulp-listen -e pulp -q                               every event's subject
  pulp-listen -e pulp -q -s 'pulp.server.repo.publish.*'
  pulp-listen -e pulp -q -s 'pulp.server.repo.*.finish'
  pulp-listen -e pulp --json -n 1 -s pulp.server.repo.sync.finish   wait for one sync to finish
  pulp-listen -e pulp --queue ci-events --timeout 30   a durable queue; stop after 30 s of quiet
  pulp-listen -e pulp -q -n 1 --deadline 600 -s pulp.server.repo.sync.finish \\
      --where payload.repo_id=zoo --fail-where 'payload.result!=success'
      (wait up to 10 min for zoo's sync; exit 9 if it failed, 8 if none came)
  pulp-listen -e pulp --json > events.ndjson             record (replay with pulp-emit --replay)
  pulp-listen -e amq.direct -s billing.invoice         a direct exchange: keys match literally
  pulp-listen -e amq.headers --match format=pdf --match pages:=3   a headers exchange
  pulp-listen -e pulp -e amq.fanout --json             several exchanges into one queue
  pulp-listen --queue orders.dlq --peek -n 10          the first 10 messages of a queue, left in it
  pulp-listen -e pulp --queue pulp-events --queue-type stream --timeout 1
                                                     keep every event in a stream
  pulp-listen --queue pulp-events --offset 15m -n 1 -s pulp.server.repo.sync.finish \\
      --where call_report.task_id="$TASK"  (that task's finish, even if it came up to 15 min before)
  pulp-listen -e pulp --queue ci-events --save-dir events/ -q   each message also as a file
  pulp-listen --trace --json                           the firehose (rabbitmqctl trace_on first)
"""


@dataclass(frozen=True)
class ListenOptions:
    """What pulp-listen was asked to do, resolved from its arguments, AMQP_URL and the config file."""

    broker: BrokerSettings
    exchanges: tuple[str, ...]  # -e, in order; empty with --no-declare and --peek
    patterns: tuple[str, ...] = ()  # -s as given; none: '#' on topic exchanges
    exchange_type: str | None = None  # --exchange-type: create a missing exchange as this, insist on it
    matches: tuple[tuple[str, Any], ...] = ()  # --match on headers exchanges (typed values)
    match_any: bool = False
    queue: str | None = None  # None: a private exclusive queue
    queue_type: str | None = None
    no_declare: bool = False  # --no-declare (and --peek): the queue exactly as it is, nothing bound
    peek: bool = False  # show what the queue holds, leave it there, exit
    mode: str = "pretty"  # "quiet" | "pretty" | "json" | "none" (--top, or --exec without -q/--json)
    count: int | None = None
    timeout: float | None = None  # idle seconds
    color: str = "auto"  # "auto" | "always" | "never"
    full: bool = False
    prefetch: int = 1000
    max_buffer: int = 256 * 1024 * 1024  # bytes of messages held unacknowledged at most (prefetch adapts)
    # scripting: total time limit, and the conditions a message must meet to be shown and counted
    deadline: float | None = None
    where: tuple[Condition, ...] = ()
    fail_where: tuple[Condition, ...] = ()
    save_dir: str | None = None  # --save-dir: each shown message also as a file there
    trace: bool = False  # --trace: the firehose, each message shown as the original it records
    stream: StreamRead | None = None  # --offset / --queue-type stream: read a stream queue
    # act and watch: a handler per message (--exec), or the live view (--top)
    handler: ExecOptions | None = None
    top: TopOptions | None = None


COMMON = ("exchange", "subject", "url", "quiet", "json", "queue", "count", "timeout", "deadline", "where", "fail_where")


class ClosedOutput:
    """stdout when the shell closed it: the first message written ends the run like `| head -0`
    (a broken pipe: exit 0, quietly), so nothing is acknowledged that nobody saw."""

    encoding = "utf-8"

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "stdout is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def build_parser(env: Environment | None = None) -> argparse.ArgumentParser:
    description = (
        "Print messages sent to AMQP exchanges of any type (Pulp's event notifications go to a\n"
        "topic exchange), or held in a queue."
    )
    parser = command.new_parser(PROG, description, EXAMPLES, env, several_exchanges=True, common=COMMON)
    parser.add_argument(
        "-s",
        "--subject",
        action="append",
        metavar="PATTERN",
        help="message subject to bind to: on a topic exchange a pattern (* = one word, # = any words), on a "
        "direct exchange a literal key; repeat for several (default: #, everything, on a topic exchange)",
    )
    parser.add_argument(
        "--trace",
        action="store_true",
        help="listen to RabbitMQ's firehose (amq.rabbitmq.trace; needs 'rabbitmqctl trace_on'): every "
        "message published on the vhost, shown as the original with who published it; -s 'deliver.#' "
        "for deliveries (default: -s 'publish.#')",
    )
    add_exchange_type_arguments(parser)
    brokerargs.add_broker_arguments(parser)
    add_output_arguments(parser)
    add_queue_arguments(parser)
    add_stream_arguments(parser)
    add_scripting_arguments(parser)
    actions.add_arguments(parser)
    return command.finish_parser(
        parser,
        subject=completion.patterns,
        where=completion.where_paths,
        fail_where=completion.where_paths,
        offset=completion.offsets,
        max_age=completion.max_ages,
        exec=completion.files,
        top_by=completion.nothing,
    )


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """-q, --json, --color, --full: how each message is shown."""
    out = parser.add_argument_group("output")
    modes = out.add_mutually_exclusive_group()
    modes.add_argument("-q", "--quiet", action="store_true", help="show message subject only")
    modes.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per message and line (subject, exchange, body, headers, properties, ...)",
    )
    out.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour in the default view (default: auto: on a terminal, unless NO_COLOR is set)",
    )
    out.add_argument(
        "--full",
        action="store_true",
        help=f"on a terminal, show bodies over {64 * 1024:,} characters whole instead of truncated",
    )
    out.add_argument(
        "--save-dir",
        metavar="DIR",
        help="also write each message shown as one file in DIR holding its --json record, named "
        "000001-SUBJECT.json in arrival order, complete on disk before the message is acknowledged "
        "(replay them with pulp-emit --replay DIR)",
    )


def add_queue_arguments(parser: argparse.ArgumentParser) -> None:
    """--queue, --queue-type, -n, --timeout, --prefetch: what to consume from, and when to stop."""
    stop = parser.add_argument_group("queue and stopping")
    stop.add_argument(
        "--queue",
        metavar="NAME",
        help="consume from this durable queue (declared if missing, bound with the patterns), "
        "so messages published while the listener is away wait for it (default: a private "
        "queue that disappears with the listener)",
    )
    stop.add_argument(
        "--queue-type",
        choices=("classic", "quorum", "stream"),
        metavar="classic|quorum|stream",
        help="declare a missing --queue as this type: quorum queues are replicated across a cluster and "
        "keep every message, Pulp's transient events too, through a restart; classic for brokers or policies "
        "that need it; a stream keeps messages after they are read, for every reader to start where it likes "
        "(--offset) (default: quorum)",
    )
    stop.add_argument(
        "--no-declare",
        action="store_true",
        help="consume --queue exactly as it is (a dead-letter queue, another application's queue): "
        "declare nothing, bind nothing; no -e or -s with it",
    )
    stop.add_argument(
        "--peek",
        action="store_true",
        help="show the messages --queue holds now (all, or the first -n N) and exit, leaving every "
        "one in the queue in its order (implies --no-declare)",
    )
    stop.add_argument("-n", "--count", type=argtypes.positive_int, metavar="N", help="exit 0 after N messages")
    stop.add_argument(
        "--timeout",
        type=argtypes.positive_float,
        metavar="SECS",
        help=f"stop when no message arrived for SECS; exit {int(ExitStatus.TIMEOUT)} if none arrived at all",
    )
    stop.add_argument(
        "--prefetch",
        type=argtypes.prefetch,
        metavar="N",
        help="messages the broker may send ahead of our acknowledgements (default: 1000, with --exec "
        "as many as --exec-concurrency; lowered by itself to keep within --max-buffer)",
    )
    stop.add_argument(
        "--max-buffer",
        type=argtypes.byte_size,
        default=256 * 1024 * 1024,
        metavar="SIZE",
        help="bytes of messages held at most, whatever their sizes: the prefetch is lowered to fit "
        "the largest messages seen (default: 256M; K, M, G are powers of 1024)",
    )


def add_exchange_type_arguments(parser: argparse.ArgumentParser) -> None:
    """--exchange-type, --match, --match-any: exchanges that are not topic exchanges."""
    kinds = parser.add_argument_group("exchange types")
    kinds.add_argument(
        "--exchange-type",
        choices=EXCHANGE_TYPES,
        metavar="|".join(EXCHANGE_TYPES),
        help="create a missing exchange as this type, and refuse an existing one of another type "
        "(default: an existing exchange is used as it is, a missing one created as topic, as Pulp did)",
    )
    kinds.add_argument(
        "--match",
        action="append",
        metavar="NAME=VALUE",
        help="on a headers exchange: hear messages whose header NAME equals VALUE (NAME:=JSON for a "
        "typed value such as 3 or true); repeat: all must match",
    )
    kinds.add_argument("--match-any", action="store_true", help="with --match: any one of them matching is enough")


def add_stream_arguments(parser: argparse.ArgumentParser) -> None:
    """--max-age, --offset: a stream queue (--queue-type stream), kept after reading, read from anywhere."""
    streams = parser.add_argument_group("streams")
    streams.add_argument(
        "--max-age",
        metavar="AGE",
        help="how long a stream that --queue-type stream declares keeps messages: a number and one of "
        "Y M D h m s (default: 1D)",
    )
    streams.add_argument(
        "--offset",
        metavar="WHERE",
        help="read the --queue stream from first (the first message kept), last (its last chunk), next "
        "(new ones: the default), an offset number (the x-stream-offset of a --json record), an "
        "ISO-8601 time (2026-11-28T10:00:00Z) or a duration ago (10m, 2h, 1D); an existing stream is "
        "read as it is (-s selects)",
    )


def add_scripting_arguments(parser: argparse.ArgumentParser) -> None:
    """--deadline, --where, --fail-where: listen as a waiting step in scripts."""
    script = parser.add_argument_group("scripting")
    script.add_argument(
        "--deadline",
        type=argtypes.positive_float,
        metavar="SECS",
        help=f"stop after SECS in all; exit {int(ExitStatus.DEADLINE)} if fewer than --count "
        "messages (without --count: none) arrived by then",
    )
    script.add_argument(
        "--where",
        action="append",
        metavar="PATH=VALUE",
        help="show and count only messages where PATH (subject, headers.NAME, properties.NAME, "
        "or a dotted path into the JSON body such as payload.result) equals VALUE; != for "
        "not equal; * and ? in VALUE are wildcards; repeat: all must hold",
    )
    script.add_argument(
        "--fail-where",
        action="append",
        metavar="PATH=VALUE",
        help=f"when a shown message (selected by --where, if given) also meets these, exit "
        f"{int(ExitStatus.FAILED_MATCH)}; e.g. 'payload.result!=success'; repeat: all must hold",
    )


def _queue_checks(args: argparse.Namespace) -> None:
    """--no-declare and --peek read a queue as it is: nothing to bind, so no binding options."""
    if not (args.no_declare or args.peek):
        return
    flag = "--peek" if args.peek else "--no-declare"
    if args.queue is None:
        raise UsageError(f"{flag} needs --queue NAME (the existing queue to read)")
    given = [
        name
        for name, value in (
            ("-e", args.exchange),
            ("-s", args.subject if args.offset is None else None),  # on a stream -s selects: no binding
            ("--exchange-type", args.exchange_type),
            ("--match", args.match),
            ("--match-any", args.match_any),
            ("--queue-type", args.queue_type),
        )
        if value
    ]
    if given:
        raise UsageError(f"{flag} reads --queue as it is, declaring and binding nothing: no {', '.join(given)} with it")
    if args.peek and args.offset is not None:
        raise UsageError("--peek takes what a queue holds; a stream holds on after reading: use --offset first -n N")
    if args.peek and (args.timeout is not None or args.deadline is not None):
        raise UsageError("--peek reads what the queue holds now and exits: no --timeout or --deadline with it")


def _matches(args: argparse.Namespace) -> tuple[tuple[str, Any], ...]:
    """--match NAME=VALUE / NAME:=JSON, typed as emit's --header."""
    if args.match_any and not args.match:
        raise UsageError("--match-any needs --match NAME=VALUE (the headers of which any one must match)")
    if not args.match:
        return ()
    from pulp_amqp_tools.messages.properties import parse_header

    found = tuple(parse_header(text, "--match") for text in args.match)
    for name, _value in found:
        if name.lower().startswith("x-"):
            raise UsageError(
                f"--match {name!r}: headers exchanges ignore header names starting with 'x-' (the binding "
                "would match every message)"
            )
    return found


def _exchanges(given: list[str] | None, pulp: pulpconf.PulpConfig) -> tuple[str, ...]:
    """-e in order, each once; none: the config file's exchange, else amq.topic."""
    names = [brokerargs.exchange_from_args(name, pulp) for name in given] if given else []
    return tuple(dict.fromkeys(names or [brokerargs.exchange_from_args(None, pulp)]))


def options_from_args(args: argparse.Namespace, env: Environment | Mapping[str, str] | None = None) -> ListenOptions:
    """Resolve parsed arguments (and the config file, AMQP_URL) into ListenOptions."""
    from pulp_amqp_tools.messages import filters

    env = Environment.of(env, PROG)
    pulp = pulpconf.load(args.config)
    _queue_checks(args)
    read_as_is = args.no_declare or args.peek
    exchanges, default_patterns = _source(args, pulp, read_as_is)
    patterns = tuple(check_short(p, f"the pattern {p[:40]!r}") for p in (args.subject or default_patterns))
    queue = check_name(args.queue, "the queue name") if args.queue is not None else None
    if queue is not None and queue.startswith("amq.") and not read_as_is:
        raise UsageError("queue names starting with 'amq.' are reserved to the broker")
    if args.queue_type is not None and queue is None:
        raise UsageError("--queue-type needs --queue NAME (a private queue is always classic)")
    from pulp_amqp_tools.messages.streams import stream_read

    stream = stream_read(queue, args.queue_type, args.offset, args.max_age)
    act = actions.resolve(args)
    return ListenOptions(
        broker=brokerargs.broker_from_args(args, pulp, "listen", env.environ, command.password_prompt(env)),
        exchanges=exchanges,
        patterns=patterns,
        exchange_type=args.exchange_type,
        matches=_matches(args),
        match_any=args.match_any,
        queue=queue,
        queue_type=(args.queue_type or DEFAULT_QUEUE_TYPE) if queue is not None else None,
        no_declare=read_as_is,
        peek=args.peek,
        mode=act.mode,
        count=args.count,
        timeout=args.timeout,
        color=args.color,
        full=args.full,
        prefetch=actions.prefetch(args, act),
        max_buffer=args.max_buffer,
        deadline=args.deadline,
        where=tuple(filters.parse_condition(text) for text in args.where or ()),
        fail_where=tuple(filters.parse_condition(text, "--fail-where") for text in args.fail_where or ()),
        save_dir=args.save_dir,
        trace=args.trace,
        stream=stream,
        handler=act.handler,
        top=act.top,
    )


def _source(
    args: argparse.Namespace, pulp: pulpconf.PulpConfig, read_as_is: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The exchanges (-e, else the config file's) and the patterns when no -s is given; --trace: the firehose."""
    if not args.trace:
        return () if read_as_is else _exchanges(args.exchange, pulp), ()
    from pulp_amqp_tools.messages import trace

    if args.exchange:
        raise UsageError(f"--trace listens to the firehose ({trace.TRACE_EXCHANGE}): no -e with it")
    return (trace.TRACE_EXCHANGE,), trace.DEFAULT_PATTERNS


def listen(options: ListenOptions, env: Environment) -> ExitStatus:
    """Consume until --count, --timeout or a signal; write each message to env's stdout (or hand it
    to --exec's handlers, or count it for --top)."""
    from pulp_amqp_tools.output import render
    from pulp_amqp_tools.output.sink import Sink

    env.warn(options.broker.warnings)
    if env.stdout is None:  # started with stdout closed (>&-): as if the reader went away at once
        env.stdout = cast(TextIO, ClosedOutput())
    if hasattr(env.stdout, "reconfigure"):
        # Untrusted text must never crash the writer: unencodable characters become escapes.
        env.stdout.reconfigure(errors="backslashreplace")
    color = options.mode == "pretty" and env.color(options.color)
    keeper = _save_dir(options.save_dir) if options.save_dir is not None else None  # checked before connecting
    # Lines reach a pipe without ever stalling the AMQP loop (sink.py); not so with --exec, whose
    # handlers write to the same pipe and would find it non-blocking.
    sink = Sink(env.stdout, nonblocking=options.handler is None)
    handler = _handler(options, env)
    top: TopSink | None = None
    try:
        if options.top is not None:
            top, notice = _top(options, options.top, env, sink)
            return _consume(options, top, sink, notice, keeper, handler, top)
        renderer = render.make_renderer(
            options.mode, cast(TextIO, sink), color=color, terminal=env.stdout_isatty, full=options.full
        )
        return _consume(options, renderer, sink, env.notice, keeper, handler, None)
    finally:
        try:
            if top is not None:
                top.close()  # the last snapshot, or the terminal given back
                _quietly(sink.drain)
        finally:
            if handler is not None:
                handler.close()  # handlers still running are ended: their messages come again
            sink.close()
            if keeper is not None:
                keeper.close()


def _save_dir(path: str) -> SaveDir:
    from pulp_amqp_tools.output.savedir import SaveDir

    return SaveDir(path)


def _quietly(step: Callable[[], object]) -> None:
    try:
        step()
    except OSError:
        pass  # the reader went away: nothing more to say


def _handler(options: ListenOptions, env: Environment) -> ExecSink[Ticket] | None:
    """--exec's handlers, or None."""
    if options.handler is None:
        return None
    from pulp_amqp_tools.handlers.exec_sink import ExecSink

    if options.queue is None:
        env.notice(
            "requeued messages are lost when pulp-listen ends: they wait in its private queue, which "
            "ends with it (--queue NAME keeps them)"
        )
    return ExecSink(options.handler, env.notice)


def _top(
    options: ListenOptions, top: TopOptions, env: Environment, sink: Sink
) -> tuple[TopSink, Callable[[str], None]]:
    """--top's sink and display, and where notices go meanwhile (into the view, when it owns stderr's terminal)."""
    import time

    from pulp_amqp_tools.output.top_sink import Header, JsonSnapshots, TopSink, key_function
    from pulp_amqp_tools.output.top_stats import TopStats

    topic = (options.exchange_type or "topic") == "topic"
    patterns = options.patterns or (("#",) if topic else ())
    header = Header(options.broker.describe(), ", ".join(options.exchanges), patterns, top.by_text)
    stats = TopStats(top.rows, time.time())
    if top.json or not env.stdout_isatty:
        return TopSink(stats, key_function(top.by), JsonSnapshots(cast(TextIO, sink), header, top.every)), env.notice
    from pulp_amqp_tools.output.keys import KeyReader
    from pulp_amqp_tools.output.top_view import LiveView

    keys = KeyReader(env.stdin.fileno()) if env.stdin_isatty else None
    view = LiveView(env.stdout, header, env.color(options.color), keys, env.notice)
    return TopSink(stats, key_function(top.by), view), view.note if env.stderr_isatty else env.notice


def _consume(
    options: ListenOptions,
    renderer: Renderer,
    sink: Sink,
    notice: Callable[[str], None],
    keeper: SaveDir | None,
    handler: ExecSink[Ticket] | None,
    ticker: TopSink | None,
) -> ExitStatus:
    """The broker's part: listen's loop over a transport."""
    from pulp_amqp_tools.loops import listen as listen_loop
    from pulp_amqp_tools.transport import open_transport

    transport = open_transport(options.broker, notice)
    if options.peek:
        from pulp_amqp_tools.loops import peek

        return peek.run(listen_spec(options), transport, renderer, sink, notice)
    return listen_loop.run(listen_spec(options), transport, renderer, sink, notice, keeper, handler, ticker)


def listen_spec(options: ListenOptions) -> ListenSpec:
    """What listen's loop (loops/listen.py) needs of the options: it never sees ListenOptions."""
    from pulp_amqp_tools.loops.listen import ListenSpec
    from pulp_amqp_tools.transport.interface import Binding, Topology

    first, *more = options.exchanges or ("",)  # a queue read as it is binds on no exchange
    topology = Topology(
        first,
        exchange_type=options.exchange_type or "topic",
        queue=_queue_spec(options),
        bindings=tuple(Binding(pattern) for pattern in options.patterns),
        more_exchanges=tuple(more),
        match=options.matches,
        match_any=options.match_any,
        require_type=options.exchange_type is not None,
    )
    where = options.where  # on a stream read as it is, -s selects there (amqp091/stream_reader.py)
    decode, note = None, None
    if options.trace:
        from pulp_amqp_tools.messages import trace

        decode, note = trace.original, trace.READY_REMINDER
    return ListenSpec(
        topology,
        prefetch=options.prefetch,
        max_buffer=options.max_buffer,
        count=options.count,
        timeout=options.timeout,
        deadline=options.deadline,
        where=where,
        fail_where=options.fail_where,
        # Delivery.properties cost per message: filled when shown (or saved whole), handed to a
        # handler, or counted by.
        properties=options.mode in ("pretty", "json")
        or options.save_dir is not None
        or options.handler is not None
        or (options.top is not None and options.top.by is not None and options.top.by[0] == "properties"),
        decode=decode,
        ready_note=note,
    )


def _queue_spec(options: ListenOptions) -> QueueSpec:
    """The queue: private, named, or a stream read from a position that survives reconnects."""
    from pulp_amqp_tools.transport.interface import QueueSpec

    declare = not options.no_declare
    if options.stream is None and options.queue is None:
        return QueueSpec(None, options.queue_type, declare)
    from pulp_amqp_tools.messages.streams import StreamPosition, parse_offset

    if options.stream is None:
        # An existing stream is read as it is, from now on; never bound (and refused by --exec).
        if options.handler is not None:
            return QueueSpec(options.queue, options.queue_type, declare, no_stream=actions.EXEC_NEEDS)
        return QueueSpec(options.queue, options.queue_type, declare, if_stream=StreamPosition(parse_offset("next")))
    max_age = (("x-max-age", options.stream.max_age),)
    return QueueSpec(options.queue, "stream", declare, max_age, StreamPosition(options.stream.offset))


COMMAND = command.Command(PROG, build_parser, options_from_args, listen)


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    return command.main(COMMAND, argv, env)


def entry() -> None:
    """The console script: main(), then a fast exit (boundary.exit_now)."""
    command.entry(COMMAND)


if __name__ == "__main__":
    entry()
