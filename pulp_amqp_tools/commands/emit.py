# PYTHON_ARGCOMPLETE_OK
"""pulp-emit: publish Pulp's event notifications (or any message) with publisher confirms."""

from __future__ import annotations

import argparse
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from pulp_amqp_tools.cli import argtypes, boundary, brokerargs, command, completion, pulpconf
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.commands import emit_messages
from pulp_amqp_tools.errors import NotDeliveredError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import events
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.names import check_short
from pulp_amqp_tools.messages.safetext import one_line, quoted
from pulp_amqp_tools.transport.broker import BrokerSettings

if TYPE_CHECKING:
    from pulp_amqp_tools.loops.emit import EmitSpec, Report
    from pulp_amqp_tools.messages.follow import Follow
    from pulp_amqp_tools.messages.pacing import Pace
    from pulp_amqp_tools.messages.replay import Recording

T = TypeVar("T")
Fields = tuple[tuple[str, Any], ...]  # headers or basic properties, by name

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


@dataclass(frozen=True)
class EmitOptions:
    """What pulp-emit was asked to do, resolved from its arguments, AMQP_URL and the config file."""

    broker: BrokerSettings
    exchange: str
    event_types: tuple[str, ...] = ()
    count: int | None = None
    repo_id: str = "pulp-f16"
    result: str = "success"
    task_id: str | None = None  # call_report.task_id of every event (None: a new one each)
    subject: str | None = None  # an arbitrary message instead of Pulp events
    body: bytes | None = None
    fail_unroutable: bool = False
    confirm_timeout: float = 30.0
    window: int = 2000  # unconfirmed messages in flight at most
    # scripting: extra headers and properties, --lines, a recording to replay, pacing
    headers: tuple[tuple[str, Any], ...] = ()
    properties: tuple[tuple[str, Any], ...] = ()
    lines: bool = False
    replay: tuple[Message, ...] | None = None
    rate: float = 0.0  # messages per second; 0 = as fast as the broker takes them
    speed: float = 0.0  # replay: recorded gaps divided by this; 0 = no waiting
    sequence_header: str | None = None  # header numbering the messages 1..N (resends keep theirs)
    quiet: bool = False  # -q: no summary line on success
    follow: bool = False  # --follow: publish standard input line by line as it comes
    strict: bool = False  # --follow --replay -: a bad line ends the run (exit 2) instead of being skipped


def build_parser(env: Environment | None = None) -> argparse.ArgumentParser:
    description = (
        "Publish Pulp's event notifications, or any message, to an AMQP exchange (a topic\n"
        "exchange, as Pulp's, or any existing one) and wait until the broker confirmed every one."
    )
    common = ("exchange", "event_type", "subject", "body", "count", "url", "replay", "header", "property", "quiet")
    parser = command.new_parser(PROG, description, EXAMPLES, env, common=common)
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
        "--repo-id", default="pulp-f16", metavar="ID", help="repository id in the bodies (default: pulp-f16)"
    )
    pulp.add_argument(
        "--result", choices=events.RESULTS, default="success", help="result of the .finish events (default: success)"
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
        default=30.0,
        metavar="SECS",
        help="how long to wait for the broker's last confirms, and for a broker to answer "
        "again after a lost connection; a broker that confirms nothing for this long mid-run is "
        "left for another (default: 30)",
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


def read_body(value: str, stdin: TextIO) -> bytes:
    """--body: literal text, @FILE or - (stdin), as bytes; at most the broker's message size."""
    from pulp_amqp_tools.cli.reading import MAX_BODY, read_limited

    why = " (RabbitMQ's default max_message_size)"
    if value == "-":
        return read_limited(stdin.buffer, MAX_BODY, "--body - (standard input)", why)
    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, "rb") as handle:
                return read_limited(handle, MAX_BODY, f"--body file {quoted(path)}", why)
        except OSError as exc:
            raise UsageError(f"cannot read --body file {quoted(path)}: {exc.strerror}") from None
    return os.fsencode(value)


def _read_replay(value: str, stdin: TextIO) -> Recording:
    from pulp_amqp_tools.cli.reading import MAX_RECORD, lines_limited
    from pulp_amqp_tools.messages.replay import read_recording

    if value == "-":
        return read_recording(lines_limited(stdin.buffer, MAX_RECORD, "--replay -"), "-")
    if os.path.isdir(value):
        return _read_saved(value)
    try:
        with open(value, "rb") as handle:
            return read_recording(lines_limited(handle, MAX_RECORD, f"--replay {quoted(value)}"), quoted(value))
    except OSError as exc:
        raise UsageError(f"cannot read --replay file {quoted(value)}: {exc.strerror}") from None


def _read_saved(path: str) -> Recording:
    """--replay DIR: the files of a --save-dir directory, in their numbers' order."""
    from pulp_amqp_tools.messages.replay import read_files
    from pulp_amqp_tools.output.savedir import numbered

    try:
        names = [name for _number, name in numbered(os.listdir(path))]
        if not names:
            raise UsageError(f"--replay {path!r}: no saved messages in it (NNNNNN-SUBJECT.json files of --save-dir)")
        files = []
        for name in names:
            with open(os.path.join(path, name), "rb") as handle:
                files.append((os.path.join(path, name), handle.read()))
    except OSError as exc:
        raise UsageError(f"cannot read --replay directory {path!r}: {exc.strerror}") from None
    return read_files(files)


def _check_follow(args: argparse.Namespace) -> None:
    """--follow reads standard input line by line; --strict only means something there."""
    if args.strict and not (args.follow and args.replay is not None):
        raise UsageError("--strict ends a --replay - --follow at its first bad line; it needs both")
    if not args.follow:
        return
    if args.replay is None and args.body is None:
        raise UsageError("--follow publishes standard input as it comes: use it with --replay - or --body - --lines")
    if (args.replay is not None and args.replay != "-") or (args.body is not None and args.body != "-"):
        raise UsageError("--follow reads standard input: give it as --replay - or --body -")
    if args.body is not None and not args.lines:
        raise UsageError("--follow publishes a --body - line by line: add --lines")
    if args.count is not None:
        raise UsageError("--follow publishes each line once, as it comes: no -n with it")
    if args.replay is not None and args.exchange is None:
        raise UsageError("--replay - --follow cannot read the recording ahead to find its exchange: name one with -e")


def _check_combinations(args: argparse.Namespace) -> None:
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
    if (args.subject is None) != (args.body is None):
        raise UsageError("--subject and --body go together: give both to publish one message")
    if args.subject is not None and args.event_type:
        raise UsageError("choose Pulp events (-t) or one message (--subject/--body), not both")
    if args.sequence_header is not None and not args.sequence_header:
        raise UsageError("--sequence-header needs a header name (it is empty)")


def _extras(args: argparse.Namespace) -> tuple[Fields, Fields]:
    """--header and --property: the headers and the properties added to every message."""
    if not (args.header or args.property):
        return (), ()
    from pulp_amqp_tools.messages.properties import merge, parse_header, parse_property

    headers = merge((), (parse_header(text) for text in args.header or ()))
    return headers, merge((), (parse_property(text) for text in args.property or ()))


def _replay_exchange(exchange: str | None, recording: Recording | None) -> str | None:
    """-e, else the one exchange a recording was received from."""
    if recording is None or exchange is not None:
        return exchange
    if len(recording.exchanges) != 1 or "" in recording.exchanges:
        found = ", ".join(sorted(quoted(name) for name in recording.exchanges)) or "none"
        raise UsageError(f"the recording does not name one exchange to replay to ({found}): choose one with -e")
    (only,) = recording.exchanges
    return only


def options_from_args(args: argparse.Namespace, env: Environment | Mapping[str, str] | None = None) -> EmitOptions:
    """Resolve parsed arguments (and the config file, AMQP_URL, --body/--replay files) into EmitOptions."""
    env = Environment.of(env, PROG)
    pulp = pulpconf.load(args.config)
    _check_combinations(args)
    _check_follow(args)
    headers, properties = _extras(args)
    recording = _read_replay(args.replay, env.stdin) if args.replay is not None and not args.follow else None
    exchange = _replay_exchange(args.exchange, recording)
    options = EmitOptions(
        broker=brokerargs.broker_from_args(args, pulp, "emit", env.environ, command.password_prompt(env)),
        exchange=brokerargs.exchange_from_args(exchange, pulp),
        event_types=events.parse_event_types(args.event_type or []),
        count=args.count,
        repo_id=args.repo_id,
        result=args.result,
        task_id=args.task_id,
        subject=check_short(args.subject, "the subject") if args.subject is not None else None,
        body=None if args.body is None else b"" if args.follow else read_body(args.body, env.stdin),
        fail_unroutable=args.fail_unroutable,
        confirm_timeout=args.confirm_timeout,
        headers=headers,
        properties=properties,
        lines=args.lines,
        replay=recording.messages if recording is not None else None,
        rate=args.rate,
        speed=args.speed,
        sequence_header=check_short(args.sequence_header, "the header name") if args.sequence_header else None,
        quiet=args.quiet,
        follow=args.follow,
        strict=args.strict,
    )
    check_sendable(options, recording.lines if recording is not None else ())
    return options


def check_sendable(options: EmitOptions, lines: tuple[int, ...] = ()) -> None:
    """Refuse, before connecting (exit 2), a message no broker connection could carry.

    Its headers and properties must fit one frame (RabbitMQ's default frame_max) and pika's
    encoder, its body the broker's default max_message_size. Every replayed record is checked
    (each has its own headers); otherwise all messages share their headers, so one is enough.
    """
    from pulp_amqp_tools.amqp091.frames import frame_problem
    from pulp_amqp_tools.cli.reading import MAX_BODY, size_text

    extra = len(options.sequence_header.encode()) + 11 if options.sequence_header else 0
    replay = options.replay is not None
    sample = emit_messages.messages(options) if replay else islice(emit_messages.messages(options), 1)
    for index, message in enumerate(sample):
        where = f"message {quoted(message.subject)}"
        if replay and index < len(lines):
            where = f"--replay line {lines[index]}"
        problem = frame_problem(message.headers, message.properties, extra=extra)
        if problem is None and len(message.body) > MAX_BODY:
            problem = f"its body is larger than {size_text(MAX_BODY)} (RabbitMQ's default max_message_size)"
        if problem is not None:
            raise UsageError(f"{where}: {problem}")


def _tally(counter: Counter[str], limit: int = 5) -> str:
    shown = ", ".join(f"{quoted(subject)} x{n}" for subject, n in counter.most_common(limit))
    more = len(counter) - limit
    return shown + (f" and {more} more subjects" if more > 0 else "")


MEASURABLE = 0.5  # seconds: a shorter run's rate says more about start-up than about publishing


def plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _bytes_rate(size: float) -> str:
    for unit in ("B", "KB", "MB"):
        if size < 1000:
            return f"{size:,.0f} {unit}/s"
        size /= 1000
    return f"{size:,.1f} GB/s"


def summary(report: Report, elapsed: float, body_bytes: int = 0) -> str:
    """The figures of the one-line summary: sent, confirmed, unroutable, elapsed, and the rates
    (messages, and bytes when the bodies are large) when the run was long enough to measure them."""
    figures = (
        f"{report.published} sent, {report.confirmed} confirmed, {sum(report.unroutable.values())} "
        f"unroutable, {elapsed:.2f} s"
    )
    if elapsed < MEASURABLE or report.published < 2:
        return figures
    figures += f", {report.published / elapsed:,.0f} msg/s"
    if report.published and body_bytes / report.published >= 64 * 1024:
        figures += f", {_bytes_rate(body_bytes / elapsed)}"
    return figures


class _Tally:
    """What the loop took from the message stream: the bytes for the byte rate."""

    def __init__(self) -> None:
        self.bytes = 0

    def counted(self, stream: Iterator[Message | None]) -> Iterator[Message | None]:
        for message in stream:
            if message is not None:  # None: --follow's idle beat
                self.bytes += len(message.body)
            yield message


def emit(options: EmitOptions, env: Environment) -> ExitStatus:
    """Publish, wait for the confirms, report; the exit status says whether all was delivered."""
    from pulp_amqp_tools.loops.emit import Report

    env.warn(options.broker.warnings)
    started = time.monotonic()
    report, tally = Report(), _Tally()
    follow = _follow(options, env) if options.follow else None
    try:
        _publish(options, env, report, tally, follow)
    except (KeyboardInterrupt, boundary.Terminated):
        env.notice(
            f"stopped: {plural(report.published, 'message')} sent to exchange {quoted(options.exchange)}, "
            f"{report.confirmed_so_far()} confirmed before the stop ({time.monotonic() - started:.2f} s)"
        )
        raise
    figures = summary(report, time.monotonic() - started, tally.bytes)
    if follow is not None and follow.skipped:
        figures += f", {plural(follow.skipped, 'bad line')} skipped"
    where = f"exchange {quoted(options.exchange)}"
    if report.exchange_type not in (None, "topic"):  # so nobody wonders where the routing keys went
        where += f" ({one_line(str(report.exchange_type))})"
    _fail_unless_confirmed(report, options, where, figures)
    if follow is not None and follow.stopped is not None:
        raise UsageError(
            f"{follow.stopped.message}; stopped there (--strict) after the {report.confirmed} messages before it "
            f"were confirmed ({figures})"
        )
    if report.unroutable:
        message = (
            f"{sum(report.unroutable.values())} of {plural(report.published, 'message')} to {where} reached no "
            f"queue (no binding matched): {_tally(report.unroutable)} ({figures})"
        )
        if options.fail_unroutable:
            raise NotDeliveredError(message)
        env.notice(f"warning: {message}")
    elif not options.quiet or report.resent:
        done = f"{plural(report.published, 'message')} published to {where}, all confirmed"
        env.notice(f"{done} ({figures}{_again(report)})")
    return ExitStatus.OK


def _again(report: Report) -> str:
    """What the summary says about messages sent twice (after a reconnect, or refused once)."""
    if not report.resent:
        return ""
    causes = [f"{report.reconnects} reconnect(s)"] if report.reconnects else []
    if report.refused_again:
        causes.append(f"{report.refused_again} refusal(s) (nack)")
    return f"; {report.resent} sent again after {' and '.join(causes)}: consumers may see duplicates"


def _fail_unless_confirmed(report: Report, options: EmitOptions, where: str, figures: str) -> None:
    if report.nacked or report.unconfirmed:
        lost = report.nacked + report.unconfirmed
        raise NotDeliveredError(
            f"{sum(lost.values())} of {plural(report.published, 'message')} to {where} were not confirmed "
            "by the broker "
            f"({sum(report.nacked.values())} rejected, {sum(report.unconfirmed.values())} unanswered "
            f"after {options.confirm_timeout:g} s): {_tally(lost)} ({figures})"
        )


def emit_spec(options: EmitOptions) -> EmitSpec:
    """What emit's loop (loops/emit.py) needs of the options: it never sees EmitOptions."""
    from pulp_amqp_tools.loops.emit import EmitSpec
    from pulp_amqp_tools.transport.interface import Topology

    return EmitSpec(Topology(options.exchange), options.window, options.confirm_timeout, options.sequence_header)


def _follow(options: EmitOptions, env: Environment) -> Follow:
    """--follow: standard input's lines as they come, bad ones reported on stderr."""
    from pulp_amqp_tools.messages.follow import live_lines

    try:
        lines: Iterable[bytes | None] = live_lines(env.stdin.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (tests): read it as it is
        lines = (line.rstrip(b"\n") for line in env.stdin.buffer)
    return emit_messages.follow(options, lines, env.notice)


def _publish(
    options: EmitOptions, env: Environment, report: Report, tally: _Tally, follow: Follow | None = None
) -> Report:
    """The broker's part: emit's loop over a transport, notices on stderr."""
    from pulp_amqp_tools.loops import emit as emit_loop
    from pulp_amqp_tools.transport import open_transport

    pace = _pace(options)
    spec, transport = emit_spec(options), open_transport(options.broker, env.notice)
    if follow is not None:  # as long as the input lasts: no bar
        return emit_loop.run(spec, transport, tally.counted(iter(follow)), pace, env.notice, report)
    stream = tally.counted(emit_messages.messages(options))
    total = emit_messages.planned(options)
    # A bar only where a person watches something that takes a while; rich is imported only then.
    if not options.quiet and (total > 100 or pace is not None) and env.stderr_isatty:
        with _progress_bar(total, env) as track:
            return emit_loop.run(spec, transport, track(stream), pace, env.notice, report)
    return emit_loop.run(spec, transport, stream, pace, env.notice, report)


def _pace(options: EmitOptions) -> Pace | None:
    """--rate or --speed: how long to wait before each message; None: as fast as the broker takes them."""
    if not (options.rate or options.speed):
        return None
    from pulp_amqp_tools.messages.pacing import make_pace

    return make_pace(options.rate, options.speed)


def _progress_bar(total: int, env: Environment) -> AbstractContextManager[Callable[[Iterable[T]], Iterator[T]]]:
    from pulp_amqp_tools.output import progress

    color_system = None if env.dumb_terminal else env.color_system
    return progress.bar(
        total,
        env.stderr,
        color=env.stderr_color,
        color_system=color_system,
        columns=env.columns(env.stderr),
        redraw=not env.dumb_terminal,
    )


COMMAND = command.Command(PROG, build_parser, options_from_args, emit)


def main(argv: list[str] | None = None, env: Environment | None = None) -> int:
    return command.main(COMMAND, argv, env)


def entry() -> None:
    """The console script: main(), then a fast exit (boundary.exit_now)."""
    command.entry(COMMAND)


if __name__ == "__main__":
    entry()
