# PYTHON_ARGCOMPLETE_OK
"""pulp-listen: bind a queue to a topic exchange and print the messages that arrive."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TextIO, cast

from pulp_amqp_tools import __version__
from pulp_amqp_tools.cli import argparser, boundary, brokerargs, completion, helpformat, pulpconf
from pulp_amqp_tools.commands import actions
from pulp_amqp_tools.commands.options import ListenOptions
from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.subjects import check_name, check_short

PROG = "pulp-listen"
EXAMPLES = """\
examples:
  pulp-listen -e pulp -q                               every event's subject
  pulp-listen -e pulp -q -s 'pulp.server.repo.publish.*'
  pulp-listen -e pulp -q -s 'pulp.server.repo.*.finish'
  pulp-listen -e pulp --json -n 1 -s pulp.server.repo.sync.finish   wait for one sync to finish
  pulp-listen -e pulp --queue ci-events --timeout 30   a durable queue; stop after 30 s of quiet
  pulp-listen -e pulp -q -n 1 --deadline 600 -s pulp.server.repo.sync.finish \\
      --where payload.repo_id=zoo --fail-where 'payload.result!=success'
                                   wait up to 10 min for zoo's sync; exit 9 if it failed, 8 if none came
  pulp-listen -e pulp --json > events.ndjson             record (replay with pulp-emit --replay)
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparser.ArgumentParser(
        prog=PROG,
        description="Print messages sent to an AMQP topic exchange (Pulp's event notifications).",
        epilog=EXAMPLES,
        formatter_class=helpformat.formatter,
    )
    parser.add_argument(
        "-e",
        "--exchange",
        help="name of a topic exchange (default: [messaging] topic_exchange of the config "
        f"file, else {pulpconf.DEFAULT_EXCHANGE})",
    )
    parser.add_argument(
        "-s",
        "--subject",
        action="append",
        metavar="PATTERN",
        help="message subject (binding pattern, * = one word, # = any words) to bind to; "
        "repeat for several (default: #, everything)",
    )
    brokerargs.add_broker_arguments(parser)
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
        choices=("classic", "quorum"),
        metavar="classic|quorum",
        help="declare a missing --queue as this type; quorum queues are replicated across a "
        "cluster and keep every message through a restart (default: classic)",
    )
    stop.add_argument("-n", "--count", type=brokerargs.positive_int, metavar="N", help="exit 0 after N messages")
    stop.add_argument(
        "--timeout",
        type=brokerargs.positive_float,
        metavar="SECS",
        help=f"stop when no message arrived for SECS; exit {int(ExitStatus.TIMEOUT)} if none arrived at all",
    )
    stop.add_argument(
        "--prefetch",
        type=brokerargs.positive_int,
        metavar="N",
        help="messages the broker may send ahead of our acknowledgements, so at most this many "
        "are held in memory (default: 1000, with --exec as many as --exec-concurrency; lower it for "
        "large messages)",
    )
    add_scripting_arguments(parser)
    actions.add_arguments(parser)
    parser.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    completion.install(
        parser,
        exchange=completion.exchanges,
        subject=completion.patterns,
        exec=completion.files,
        top_by=completion.nothing,
    )
    return parser


def add_scripting_arguments(parser: argparse.ArgumentParser) -> None:
    """--deadline, --where, --fail-where: listen as a waiting step in scripts."""
    script = parser.add_argument_group("scripting")
    script.add_argument(
        "--deadline",
        type=brokerargs.positive_float,
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


def options_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> ListenOptions:
    """Resolve parsed arguments (and the config file, AMQP_URL) into ListenOptions."""
    from pulp_amqp_tools.messages import filters

    pulp = pulpconf.load(args.config)
    patterns = tuple(check_short(p, f"the pattern {p[:40]!r}") for p in (args.subject or ["#"]))
    queue = check_name(args.queue, "the queue name") if args.queue is not None else None
    if queue is not None and queue.startswith("amq."):
        raise ToolError("queue names starting with 'amq.' are reserved to the broker", ExitStatus.USAGE)
    if args.queue_type is not None and queue is None:
        raise ToolError("--queue-type needs --queue NAME (a private queue is always classic)", ExitStatus.USAGE)
    act = actions.resolve(args)
    return ListenOptions(
        broker=brokerargs.broker_from_args(args, pulp, "listen", environ),
        exchange=brokerargs.exchange_from_args(args.exchange, pulp),
        patterns=patterns,
        queue=queue,
        queue_type=args.queue_type,
        mode=act.mode,
        count=args.count,
        timeout=args.timeout,
        color=args.color,
        full=args.full,
        prefetch=actions.prefetch(args, act),
        deadline=args.deadline,
        where=tuple(filters.parse_condition(text) for text in args.where or ()),
        fail_where=tuple(filters.parse_condition(text, "--fail-where") for text in args.fail_where or ()),
        handler=act.handler,
        top=act.top,
    )


def listen(options: ListenOptions, out: TextIO) -> ExitStatus:
    """Consume until --count, --timeout or a signal; write each message to `out`."""
    from pulp_amqp_tools.amqp091 import consume
    from pulp_amqp_tools.output import render
    from pulp_amqp_tools.output.sink import Sink

    boundary.warn(PROG, options.broker.warnings)
    color = options.mode == "pretty" and render.wants_color(options.color, out)
    sink = Sink(out)  # lines reach a pipe without ever stalling the AMQP loop (sink.py)
    try:
        renderer = render.make_renderer(options.mode, cast(TextIO, sink), color, options.full)
        return consume.consume(options, renderer, sink, lambda message: boundary.notice(PROG, message))
    finally:
        sink.close()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)

    def body() -> int:
        options = options_from_args(args)
        if hasattr(sys.stdout, "reconfigure"):
            # Untrusted text must never crash the writer: unencodable characters become escapes.
            sys.stdout.reconfigure(errors="backslashreplace")
        return listen(options, sys.stdout)

    return boundary.run(PROG, body, traceback=args.traceback)


def entry() -> None:
    """The console script: main(), then a fast exit (boundary.exit_now)."""
    boundary.exit_now(main())


if __name__ == "__main__":
    entry()
