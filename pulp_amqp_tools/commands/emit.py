# PYTHON_ARGCOMPLETE_OK
"""pulp-emit: publish Pulp's event notifications (or any message) with publisher confirms."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from itertools import cycle, islice
from typing import TYPE_CHECKING, Any

from pulp_amqp_tools import __version__
from pulp_amqp_tools.cli import argparser, boundary, brokerargs, completion, helpformat, pulpconf
from pulp_amqp_tools.commands.options import EmitOptions, Message
from pulp_amqp_tools.errors import NotDeliveredError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import events
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.messages.subjects import check_short

if TYPE_CHECKING:
    from pulp_amqp_tools.amqp091.publish import Report
    from pulp_amqp_tools.messages.replay import Recording

PROG = "pulp-emit"
EXAMPLES = """\
examples:
  pulp-emit -e pulp                                  the four Pulp events of a sync and a publish
  pulp-emit -e pulp -t repo.sync.finish --result failed --repo-id zoo
  pulp-emit -e pulp -t '*' -n 1000                   1000 events, cycling through the four types
  pulp-emit -e pulp --subject my.app.event --body '{"hello": "world"}'
  pulp-emit -e pulp --subject my.app.event --body @event.json
  pulp-emit -e pulp --replay events.ndjson --speed 1  republish a 'pulp-listen --json' recording, real time
  pulp-emit -e pulp -n 100000 --rate 500               load: 500 events per second, progress on a terminal
  jq -c .payload report.json | pulp-emit --subject my.app.x --body - --lines   one message per line
  pulp-emit --subject my.app.x --body '{}' --property content_type=application/json --header x-try:=3
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparser.ArgumentParser(
        prog=PROG,
        description="Publish Pulp's event notifications, or any message, to an AMQP topic exchange "
        "and wait until the broker confirmed every one.",
        epilog=EXAMPLES,
        formatter_class=helpformat.formatter,
    )
    parser.add_argument(
        "-e",
        "--exchange",
        help="name of a topic exchange (default: [messaging] topic_exchange of the config "
        f"file, else {pulpconf.DEFAULT_EXCHANGE})",
    )
    brokerargs.add_broker_arguments(parser)
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
        "--repo-id", default="pulp-f16", metavar="ID", help="repository id in the bodies (default: pulp-f16)"
    )
    pulp.add_argument(
        "--result", choices=events.RESULTS, default="success", help="result of the .finish events (default: success)"
    )
    other = parser.add_argument_group("any message")
    other.add_argument("--subject", metavar="KEY", help="publish one message with this subject (routing key)")
    other.add_argument(
        "--body",
        metavar="TEXT|@FILE|-",
        help="its body: the text itself, @FILE for a file's bytes, - for standard input",
    )
    run = parser.add_argument_group("publishing")
    run.add_argument(
        "-n",
        "--count",
        type=brokerargs.positive_int,
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
        type=brokerargs.positive_float,
        default=30.0,
        metavar="SECS",
        help="how long to wait for the broker's last confirms, and for a broker to answer "
        "again after a lost connection (default: 30)",
    )
    run.add_argument(
        "--sequence-header",
        metavar="NAME",
        help="number the messages 1..N in header NAME (kept when one is sent again after a "
        "reconnect), so a consumer can count lost and duplicated messages",
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no summary line on success")
    add_scripting_arguments(parser)
    parser.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    completion.install(
        parser,
        exchange=completion.exchanges,
        event_type=completion.event_types,
        subject=completion.subjects,
        body=completion.body_values,
    )
    return parser


def add_scripting_arguments(parser: argparse.ArgumentParser) -> None:
    """Replay, load, stdin lines, headers and properties: emit as a step in scripts and tests."""
    script = parser.add_argument_group("scripting")
    script.add_argument(
        "--replay",
        metavar="FILE|-",
        help="republish a 'pulp-listen --json' recording (- for standard input): each message "
        "with its subject, body, headers and properties, to -e or else the recorded exchange",
    )
    script.add_argument(
        "--speed",
        type=brokerargs.non_negative_float,
        default=0.0,
        metavar="F",
        help="--replay with the recorded gaps divided by F (1 = as recorded, 2 = twice as fast; "
        "default: 0, no waiting)",
    )
    script.add_argument(
        "--rate",
        type=brokerargs.non_negative_float,
        default=0.0,
        metavar="R",
        help="publish R messages per second, steadily (default: 0, as fast as the broker takes them)",
    )
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


def read_body(value: str) -> bytes:
    """--body: literal text, @FILE or - (stdin), as bytes."""
    if value == "-":
        return sys.stdin.buffer.read()
    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise UsageError(f"cannot read --body file {path!r}: {exc.strerror}") from None
    return os.fsencode(value)


def _read_replay(value: str) -> Recording:
    from pulp_amqp_tools.messages.replay import read_recording

    if value == "-":
        return read_recording(sys.stdin.buffer, "-")
    try:
        with open(value, "rb") as handle:
            return read_recording(handle, repr(value))
    except OSError as exc:
        raise UsageError(f"cannot read --replay file {value!r}: {exc.strerror}") from None


def _scripting_checks(args: argparse.Namespace) -> None:
    if args.replay is not None and (args.subject is not None or args.body is not None or args.event_type):
        raise UsageError("--replay publishes the recorded messages: no -t, --subject or --body with it")
    if args.replay is not None and args.count is not None:
        raise UsageError("--replay publishes each recorded message once: no -n with it")
    if args.speed and args.replay is None:
        raise UsageError("--speed scales a --replay's recorded gaps; for a steady pace use --rate")
    if args.speed and args.rate:
        raise UsageError("choose --speed (the recorded gaps) or --rate (a steady pace), not both")
    if args.lines and args.body is None:
        raise UsageError("--lines splits a --body (text, @FILE or -) into one message per line")


def options_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> EmitOptions:
    pulp = pulpconf.load(args.config)
    _scripting_checks(args)
    if (args.subject is None) != (args.body is None):
        raise UsageError("--subject and --body go together: give both to publish one message")
    if args.subject is not None and args.event_type:
        raise UsageError("choose Pulp events (-t) or one message (--subject/--body), not both")
    headers: tuple[tuple[str, Any], ...] = ()
    properties: tuple[tuple[str, Any], ...] = ()
    if args.header or args.property:
        from pulp_amqp_tools.messages.properties import merge, parse_header, parse_property

        headers = merge((), (parse_header(text) for text in args.header or ()))
        properties = merge((), (parse_property(text) for text in args.property or ()))
    recording = _read_replay(args.replay) if args.replay is not None else None
    exchange = args.exchange
    if recording is not None and exchange is None:
        if len(recording.exchanges) != 1 or "" in recording.exchanges:
            found = ", ".join(sorted(repr(one_line(name)) for name in recording.exchanges)) or "none"
            raise UsageError(f"the recording does not name one exchange to replay to ({found}): choose one with -e")
        (exchange,) = recording.exchanges
    return EmitOptions(
        broker=brokerargs.broker_from_args(args, pulp, "emit", environ),
        exchange=brokerargs.exchange_from_args(exchange, pulp),
        event_types=events.parse_event_types(args.event_type or []),
        count=args.count,
        repo_id=args.repo_id,
        result=args.result,
        subject=check_short(args.subject, "the subject") if args.subject is not None else None,
        body=read_body(args.body) if args.body is not None else None,
        fail_unroutable=args.fail_unroutable,
        confirm_timeout=args.confirm_timeout,
        headers=headers,
        properties=properties,
        lines=args.lines,
        replay=recording.messages if recording is not None else None,
        rate=args.rate,
        speed=args.speed,
        sequence_header=check_short(args.sequence_header, "the header name") if args.sequence_header else None,
    )


def bodies(options: EmitOptions) -> list[bytes]:
    """The --body, or with --lines its non-empty lines (a CRLF's CR dropped too)."""
    if options.body is None:
        return []
    if not options.lines:
        return [options.body]
    return [line.removesuffix(b"\r") for line in options.body.split(b"\n") if line.strip(b"\r")]


def planned(options: EmitOptions) -> int:
    """How many messages `messages` will yield."""
    if options.replay is not None:
        return len(options.replay)
    if options.subject is not None:
        given = len(bodies(options))
        return (options.count or given) if given else 0
    return options.count or len(options.event_types)


def _with_extras(options: EmitOptions, headers: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Any], ...]:
    if not options.headers:
        return headers
    from pulp_amqp_tools.messages.properties import merge

    return merge(headers, options.headers)


def messages(options: EmitOptions) -> Iterator[Message]:
    """What to publish: a recording, the message(s) given, or Pulp events; --header/--property on each."""
    props = options.properties
    if options.replay is not None:
        if not options.headers and not props:
            yield from options.replay
            return
        from pulp_amqp_tools.messages.properties import merge

        for recorded in options.replay:
            yield replace(
                recorded, headers=merge(recorded.headers, options.headers), properties=merge(recorded.properties, props)
            )
        return
    if options.subject is not None and options.body is not None:
        headers = _with_extras(options, ((events.SUBJECT_HEADER, options.subject),))
        given = bodies(options)
        for body in islice(cycle(given), options.count or len(given)) if given else ():
            yield Message(options.subject, body, headers, props)
        return
    for event in events.event_stream(options.event_types, options.count, options.repo_id, options.result):
        yield Message(
            event.subject, event.body, _with_extras(options, ((events.SUBJECT_HEADER, event.subject),)), props
        )


def _tally(counter: Counter[str], limit: int = 5) -> str:
    shown = ", ".join(f"{one_line(subject)!r} x{n}" for subject, n in counter.most_common(limit))
    more = len(counter) - limit
    return shown + (f" and {more} more subjects" if more > 0 else "")


def summary(report: Report, elapsed: float) -> str:
    """The figures of the one-line summary: sent, confirmed, unroutable, elapsed, rate."""
    rate = report.published / elapsed if elapsed > 0 else 0.0
    return (
        f"{report.published} sent, {report.confirmed} confirmed, {sum(report.unroutable.values())} "
        f"unroutable, {elapsed:.2f} s, {rate:,.0f} msg/s"
    )


def _publish(options: EmitOptions, quiet: bool) -> Report:
    from pulp_amqp_tools.amqp091.publish import publish_all

    pace = None
    if options.rate or options.speed:
        from pulp_amqp_tools.messages.pacing import make_pace

        pace = make_pace(options.rate, options.speed)

    def say(message: str) -> None:  # reconnect notices
        boundary.notice(PROG, message)

    stream = messages(options)
    total = planned(options)
    # A bar only where a person watches something that takes a while; rich is imported only then.
    if not quiet and (total > 100 or pace is not None) and sys.stderr.isatty():
        from pulp_amqp_tools.output import progress

        with progress.bar(total, sys.stderr) as track:
            return publish_all(options, track(stream), pace, say)
    return publish_all(options, stream, pace, say)


def emit(options: EmitOptions, quiet: bool = False) -> ExitStatus:
    """Publish, wait for the confirms, report; the exit status says whether all was delivered."""
    boundary.warn(PROG, options.broker.warnings)
    started = time.monotonic()
    report = _publish(options, quiet)
    figures = summary(report, time.monotonic() - started)
    where = f"exchange {one_line(options.exchange)!r}"
    if report.nacked or report.unconfirmed:
        lost = report.nacked + report.unconfirmed
        raise NotDeliveredError(
            f"{sum(lost.values())} of {report.published} messages to {where} were not confirmed by the broker "
            f"({sum(report.nacked.values())} rejected, {sum(report.unconfirmed.values())} unanswered "
            f"after {options.confirm_timeout:g} s): {_tally(lost)} ({figures})"
        )
    if report.unroutable:
        message = (
            f"{sum(report.unroutable.values())} of {report.published} messages to {where} reached no "
            f"queue (no binding matched): {_tally(report.unroutable)} ({figures})"
        )
        if options.fail_unroutable:
            raise NotDeliveredError(message)
        boundary.notice(PROG, f"warning: {message}")
    elif not quiet or report.resent:
        again = (
            (f"; {report.resent} sent again after {report.reconnects} reconnect(s): consumers may see duplicates")
            if report.resent
            else ""
        )
        boundary.notice(PROG, f"{report.published} messages published to {where}, all confirmed ({figures}{again})")
    return ExitStatus.OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    return boundary.run(PROG, lambda: emit(options_from_args(args), args.quiet), traceback=args.traceback)


def entry() -> None:
    """The console script: main(), then a fast exit (boundary.exit_now)."""
    boundary.exit_now(main())


if __name__ == "__main__":
    entry()
