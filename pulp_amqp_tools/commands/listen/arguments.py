# PYTHON_ARGCOMPLETE_OK
"""pulp-listen's argument parser, one function per argument group; the defaults it quotes are named where they act."""

from __future__ import annotations

import argparse

from pulp_amqp_tools.cli import argtypes, brokerargs, command, completion
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.commands.listen.act_arguments import add_action_arguments
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops import specs
from pulp_amqp_tools.messages.streams import DEFAULT_MAX_AGE
from pulp_amqp_tools.transport.interface import EXCHANGE_TYPES

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


# What -h shows (--help shows all): the 2012 listen.py's -h -e -s -a -p -q first, then the most used since.
COMMON = (
    *("exchange", "subject", "address", "port", "url", "quiet"),
    *("json", "queue", "count", "timeout", "deadline", "where", "fail_where"),
)


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
    add_action_arguments(parser)
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
    """--queue, --queue-type, --no-declare, --peek (then -n, --timeout...): what to consume from, and when to stop."""
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
        help="RabbitMQ only (quorum 3.8+, stream 3.9+): declare a missing --queue as this type: quorum "
        "queues are replicated across a cluster and keep every message, Pulp's transient events too, through "
        "a restart; classic for policies that need it; a stream keeps messages after they are read, for every "
        "reader to start where it likes (--offset) (default: quorum on RabbitMQ, a plain durable queue on "
        "other brokers)",
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
    _add_stop_arguments(stop)


def _add_stop_arguments(stop: argparse._ArgumentGroup) -> None:
    """-n, --timeout, --prefetch, --max-buffer: when to stop, and how much to hold meanwhile."""
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
        help="messages the broker may send ahead of our acknowledgements (default: "
        f"{specs.DEFAULT_PREFETCH}, with --exec as many as --exec-concurrency; lowered by itself to keep "
        "within --max-buffer)",
    )
    stop.add_argument(
        "--max-buffer",
        type=argtypes.byte_size,
        default=specs.DEFAULT_MAX_BUFFER,
        metavar="SIZE",
        help="bytes of messages held at most, whatever their sizes: the prefetch is lowered to fit "
        f"the largest messages seen (default: {specs.DEFAULT_MAX_BUFFER >> 20}M; K, M, G are powers of 1024)",
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
        "typed value such as 3 or true); repeat: all must match (x- names: RabbitMQ 3.10 and later only)",
    )
    kinds.add_argument("--match-any", action="store_true", help="with --match: any one of them matching is enough")


def add_stream_arguments(parser: argparse.ArgumentParser) -> None:
    """--max-age, --offset: a stream queue (--queue-type stream), kept after reading, read from anywhere."""
    streams = parser.add_argument_group("streams (RabbitMQ 3.9 and later)")
    streams.add_argument(
        "--max-age",
        metavar="AGE",
        help="how long a stream that --queue-type stream declares keeps messages: a number and one of "
        f"Y M D h m s (default: {DEFAULT_MAX_AGE})",
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
