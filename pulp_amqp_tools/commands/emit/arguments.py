# PYTHON_ARGCOMPLETE_OK
"""pulp-emit's argument parser, one function per argument group; the defaults it quotes are named where they act."""

from __future__ import annotations

import argparse

from pulp_amqp_tools.cli import argtypes, brokerargs, command, completion
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.loops.specs import DEFAULT_CONFIRM_TIMEOUT
from pulp_amqp_tools.messages import events

PROG = "pulp-emit"
EXAMPLES = """\
examples:
  pulp-emit -e pulp                                  the four Pulp events of a sync and a publish
  pulp-emit -e pulp -t repo.sync.finish --result failed --repo-id zoo
  pulp-emit -e pulp -t '*' -n 1000                   1000 events, cycling through the four types
  pulp-emit -e pulp --subject my.app.event --body '{"hello": "world"}'
  pulp-emit -e pulp --subject my.app.event --body @event.json
  pulp-emit -e pulp --replay events.ndjson --speed 1  republish a recording, in real time
  pulp-emit -e pulp -n 100000 --rate 500             500 events per second, progress on a terminal
  jq -c .payload report.json | pulp-emit --subject my.app.x --body - --lines   one message per line
  pulp-emit --subject my.x --body '{}' --property content_type=application/json --header x-try:=3
  pulp-emit --replay events/ -e staging               republish a pulp-listen --save-dir directory
  pulp-listen -e pulp --json | pulp-emit --replay - --follow -e staging   mirror live traffic
  tail -F app.log | pulp-emit --subject app.log --body - --lines --follow   stream a log
"""


COMMON = ("exchange", "event_type", "subject", "body", "count", "url", "replay", "header", "property", "quiet")


def build_parser(env: Environment | None = None) -> argparse.ArgumentParser:
    description = (
        "Publish Pulp's event notifications, or any message, to an AMQP exchange (a topic\n"
        "exchange, as Pulp's, or any existing one) and wait until the broker confirmed every one."
    )
    parser = command.new_parser(PROG, description, EXAMPLES, env, common=COMMON)
    brokerargs.add_broker_arguments(parser)
    add_message_arguments(parser)
    add_publishing_arguments(parser)
    add_scripting_arguments(parser)
    add_follow_arguments(parser)
    return command.finish_parser(
        parser,
        event_type=completion.event_types,
        subject=completion.subjects,
        body=completion.body_values,
        property=completion.property_names,
    )


def add_message_arguments(parser: argparse.ArgumentParser) -> None:
    """What to publish: Pulp's events (-t, --repo-id, --result) or any one message (--subject, --body)."""
    pulp = parser.add_argument_group("Pulp events")
    pulp.add_argument(
        "-t",
        "--event-type",
        action="append",
        metavar="TYPE",
        help=f"event type to publish, repeatable; '*' = all (default: all four, in lifecycle "
        f"order: {', '.join(events.EVENT_TYPES)})",
    )
    pulp.add_argument(
        "--repo-id",
        default=events.DEFAULT_REPO_ID,
        metavar="ID",
        help=f"repository id in the bodies (default: {events.DEFAULT_REPO_ID})",
    )
    pulp.add_argument(
        "--result",
        choices=events.RESULTS,
        default=events.DEFAULT_RESULT,
        help=f"result of the .finish events (default: {events.DEFAULT_RESULT})",
    )
    pulp.add_argument(
        "--task-id",
        metavar="ID",
        help="call_report.task_id of the events, as one Pulp task's events share it (default: a new one each)",
    )
    other = parser.add_argument_group("any message")
    other.add_argument("--subject", metavar="KEY", help="publish one message with this subject (routing key)")
    other.add_argument(
        "--body",
        metavar="TEXT|@FILE|-",
        help="its body: the text itself, @FILE for a file's bytes, - for standard input",
    )


def add_publishing_arguments(parser: argparse.ArgumentParser) -> None:
    """-n, --fail-unroutable, --confirm-timeout, --sequence-header, -q: how many, and how sure."""
    run = parser.add_argument_group("publishing")
    run.add_argument(
        "-n",
        "--count",
        type=argtypes.positive_int,
        metavar="N",
        help="publish N messages (events cycle through the chosen types) (default: one each)",
    )
    run.add_argument(
        "--fail-unroutable",
        action="store_true",
        help=f"exit {int(ExitStatus.NOT_DELIVERED)} when a message reached no queue (default: "
        "report it on stderr and exit 0)",
    )
    run.add_argument(
        "--confirm-timeout",
        type=argtypes.positive_float,
        default=DEFAULT_CONFIRM_TIMEOUT,
        metavar="SECS",
        help="how long to wait for the broker's last confirms, and for a broker to answer "
        "again after a lost connection; a broker that confirms nothing for this long mid-run is "
        f"left for another (default: {DEFAULT_CONFIRM_TIMEOUT:g})",
    )
    run.add_argument(
        "--sequence-header",
        metavar="NAME",
        help="number the messages 1..N in header NAME (kept when one is sent again after a "
        "reconnect), so a consumer can count lost and duplicated messages",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no summary line on success")


def add_scripting_arguments(parser: argparse.ArgumentParser) -> None:
    """Replay, load, stdin lines, headers and properties: emit as a step in scripts and tests."""
    script = parser.add_argument_group("scripting")
    _add_replay_arguments(script)
    _add_extra_arguments(script)


def _add_replay_arguments(script: argparse._ArgumentGroup) -> None:
    """--replay, --speed, --rate: what to republish, and how fast."""
    script.add_argument(
        "--replay",
        metavar="FILE|DIR|-",
        help="republish a 'pulp-listen --json' recording (- for standard input), or a 'pulp-listen "
        "--save-dir' directory in file-name order: each message with its subject, body, headers and "
        "properties, to -e or else the recorded exchange",
    )
    script.add_argument(
        "--speed",
        type=argtypes.non_negative_float,
        default=0.0,
        metavar="F",
        help="--replay with the recorded gaps divided by F (1 = as recorded, 2 = twice as fast; "
        "default: 0, no waiting)",
    )
    script.add_argument(
        "--rate",
        type=argtypes.non_negative_float,
        default=0.0,
        metavar="R",
        help="publish R messages per second, steadily (default: 0, as fast as the broker takes them)",
    )


def _add_extra_arguments(script: argparse._ArgumentGroup) -> None:
    """--lines, --header, --property: how a body is split, and what every message carries besides."""
    script.add_argument(
        "--lines",
        action="store_true",
        help="with --body: publish each non-empty line as one message (-n N cycles through them)",
    )
    script.add_argument(
        "--header",
        action="append",
        metavar="K=V",
        help="add an application header to every message: K=V a string, K:=JSON a typed value "
        '(3, true, {"$timestamp": "..."}); repeatable',
    )
    script.add_argument(
        "--property",
        action="append",
        metavar="K=V",
        help="set a basic property on every message: content_type, content_encoding, "
        "delivery_mode (1|2|transient|persistent), priority, expiration (ms), message_id, "
        "correlation_id, reply_to, type, app_id, timestamp (epoch, ISO-8601 or now); "
        "repeatable (default: none, as Pulp sent them)",
    )


def add_follow_arguments(parser: argparse.ArgumentParser) -> None:
    """--follow, --strict: standard input published line by line as it comes."""
    live = parser.add_argument_group("live forwarding")
    live.add_argument(
        "--follow",
        action="store_true",
        help="with --replay - or --body - --lines: publish each line of standard input as it arrives, "
        "keeping the connection alive while the input is quiet; the run ends at the end of the input",
    )
    live.add_argument(
        "--strict",
        action="store_true",
        help="with --replay - --follow: a line that is not a record ends the run (exit "
        f"{int(ExitStatus.USAGE)}, once the messages before it were confirmed) instead of being reported and skipped",
    )
