"""pulp-emit's frozen options, the messages they describe, and its usage rules: one table of needs, one of conflicts.

`options_from_args` checks the arguments in the order of `check_usage` (needs, conflicts, values),
reads --body and --replay, and checks every message fits a frame, all before anything connects.
The loop's spec is built here as it is (EmitOptions.spec): no field of it is copied on the way.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import cycle, islice
from typing import TYPE_CHECKING, Any

from pulp_amqp_tools.cli import brokerargs, command, pulpconf
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.cli.usage import Conflict, Need, check_conflicts, check_needs
from pulp_amqp_tools.commands.emit.arguments import PROG
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.loops.specs import EmitSpec
from pulp_amqp_tools.messages import events
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.names import check_short
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.broker import BrokerSettings

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.replay import Recording

Fields = tuple[tuple[str, Any], ...]  # headers or basic properties, by name

NEEDS = (
    Need("--speed", ("--replay",), "--speed scales a --replay's recorded gaps; for a steady pace use --rate"),
    Need("--lines", ("--body",), "--lines splits a --body (text, @FILE or -) into one message per line"),
    Need("--subject", ("--body",), "--subject and --body go together: give both to publish one message"),
    Need("--body", ("--subject",), "--subject and --body go together: give both to publish one message"),
    Need(
        "--strict", ("--follow", "--replay"), "--strict ends a --replay - --follow at its first bad line; it needs both"
    ),
)
CONFLICTS = (
    Conflict(
        "--replay",
        ("--subject", "--body", "-t"),
        "--replay publishes the recorded messages: no -t, --subject or --body with it",
    ),
    Conflict("--replay", ("-n",), "--replay publishes each recorded message once: no -n with it"),
    Conflict("--speed", ("--rate",), "choose --speed (the recorded gaps) or --rate (a steady pace), not both"),
    Conflict("--subject", ("-t",), "choose Pulp events (-t) or one message (--subject/--body), not both"),
    Conflict("--follow", ("-n",), "--follow publishes each line once, as it comes: no -n with it"),
)


@dataclass(frozen=True)
class EmitOptions:
    """What pulp-emit was asked to do: the loop's spec, and the messages to publish."""

    broker: BrokerSettings
    spec: EmitSpec  # the loop's (loops/emit.py) as it is: exchange, confirm timeout, sequence header
    event_types: tuple[str, ...] = ()
    count: int | None = None
    repo_id: str = events.DEFAULT_REPO_ID
    result: str = events.DEFAULT_RESULT
    task_id: str | None = None  # call_report.task_id of every event (None: a new one each)
    subject: str | None = None  # an arbitrary message instead of Pulp events
    body: bytes | None = None
    fail_unroutable: bool = False
    # scripting: extra headers and properties, --lines, a recording to replay, pacing
    headers: Fields = ()
    properties: Fields = ()
    lines: bool = False
    replay: tuple[Message, ...] | None = None
    rate: float = 0.0  # messages per second; 0 = as fast as the broker takes them
    speed: float = 0.0  # replay: recorded gaps divided by this; 0 = no waiting
    quiet: bool = False  # -q: no summary line on success
    follow: bool = False  # --follow: publish standard input line by line as it comes
    strict: bool = False  # --follow --replay -: a bad line ends the run (exit 2) instead of being skipped

    @property
    def exchange(self) -> str:
        return self.spec.topology.exchange

    @property
    def sequence_header(self) -> str | None:
        return self.spec.sequence_header

    def bodies(self) -> list[bytes]:
        """The --body, or with --lines its non-empty lines (a CRLF's CR dropped too)."""
        if self.body is None:
            return []
        if not self.lines:
            return [self.body]
        return [line.removesuffix(b"\r") for line in self.body.split(b"\n") if line.strip(b"\r")]

    def planned(self) -> int:
        """How many messages `messages` will yield."""
        if self.replay is not None:
            return len(self.replay)
        if self.subject is not None:
            given = len(self.bodies())
            return (self.count or given) if given else 0
        return self.count or len(self.event_types)

    def with_extras(self, headers: Fields) -> Fields:
        """`headers` with --header's merged in."""
        if not self.headers:
            return headers
        from pulp_amqp_tools.messages.properties import merge

        return merge(headers, self.headers)

    def messages(self) -> Iterator[Message]:
        """What to publish: a recording, the message(s) given, or Pulp events; --header/--property on each."""
        props = self.properties
        if self.replay is not None:
            yield from self._replayed()
            return
        if self.subject is not None and self.body is not None:
            headers = self.with_extras(((events.SUBJECT_HEADER, self.subject),))
            given = self.bodies()
            for body in islice(cycle(given), self.count or len(given)) if given else ():
                yield Message(self.subject, body, headers, props)
            return
        for event in events.event_stream(self.event_types, self.count, self.repo_id, self.result, self.task_id):
            yield Message(event.subject, event.body, self.with_extras(((events.SUBJECT_HEADER, event.subject),)), props)

    def _replayed(self) -> Iterator[Message]:
        assert self.replay is not None
        if not self.headers and not self.properties:
            yield from self.replay
            return
        from pulp_amqp_tools.messages.properties import merge

        for recorded in self.replay:
            yield recorded._replace(
                headers=merge(recorded.headers, self.headers), properties=merge(recorded.properties, self.properties)
            )


def check_usage(args: argparse.Namespace) -> None:
    """The usage rules, always in this order."""
    check_needs(args, NEEDS)
    check_conflicts(args, CONFLICTS)
    _check_follow(args)
    if args.sequence_header is not None and not args.sequence_header:
        raise UsageError("--sequence-header needs a header name (it is empty)")


def _check_follow(args: argparse.Namespace) -> None:
    """--follow reads standard input line by line, and only that."""
    if not args.follow:
        return
    if args.replay is None and args.body is None:
        raise UsageError("--follow publishes standard input as it comes: use it with --replay - or --body - --lines")
    if (args.replay is not None and args.replay != "-") or (args.body is not None and args.body != "-"):
        raise UsageError("--follow reads standard input: give it as --replay - or --body -")
    if args.body is not None and not args.lines:
        raise UsageError("--follow publishes a --body - line by line: add --lines")
    if args.replay is not None and args.exchange is None:
        raise UsageError("--replay - --follow cannot read the recording ahead to find its exchange: name one with -e")


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
    if len(recording.exchanges) != 1:  # one exchange, the default one ("") included: --trace records it
        found = ", ".join(sorted(quoted(name) for name in recording.exchanges)) or "none"
        raise UsageError(f"the recording does not name one exchange to replay to ({found}): choose one with -e")
    (only,) = recording.exchanges
    return only


def options_from_args(args: argparse.Namespace, env: Environment | Mapping[str, str] | None = None) -> EmitOptions:
    """Resolve parsed arguments (and the config file, AMQP_URL, --body/--replay files) into EmitOptions."""
    from pulp_amqp_tools.cli.reading import read_body, read_replay
    from pulp_amqp_tools.transport.interface import Topology

    env = Environment.of(env, PROG)
    pulp = pulpconf.load(args.config)
    check_usage(args)
    headers, properties = _extras(args)
    recording = read_replay(args.replay, env.stdin) if args.replay is not None and not args.follow else None
    exchange = brokerargs.exchange_from_args(_replay_exchange(args.exchange, recording), pulp, default_exchange=True)
    sequence_header = check_short(args.sequence_header, "the header name") if args.sequence_header else None
    options = EmitOptions(
        broker=brokerargs.broker_from_args(args, pulp, "emit", env.environ, command.password_prompt(env)),
        spec=EmitSpec(Topology(exchange), confirm_timeout=args.confirm_timeout, sequence_header=sequence_header),
        event_types=events.parse_event_types(args.event_type or []),
        count=args.count,
        repo_id=args.repo_id,
        result=args.result,
        task_id=args.task_id,
        subject=check_short(args.subject, "the subject") if args.subject is not None else None,
        body=None if args.body is None else b"" if args.follow else read_body(args.body, env.stdin),
        fail_unroutable=args.fail_unroutable,
        headers=headers,
        properties=properties,
        lines=args.lines,
        replay=recording.messages if recording is not None else None,
        rate=args.rate,
        speed=args.speed,
        quiet=args.quiet,
        follow=args.follow,
        strict=args.strict,
    )
    check_sendable(options, recording.lines if recording is not None else ())
    return options


def check_sendable(options: EmitOptions, lines: tuple[int, ...] = ()) -> None:
    """Refuse, before connecting (exit 2), a message no broker connection could carry.

    Its headers and properties must fit one frame and the protocol's encoder (transport.message_problem),
    its body the broker's default max_message_size. Every replayed record is checked (each has its
    own headers); otherwise all messages share their headers, so one is enough.
    """
    from pulp_amqp_tools.cli.reading import MAX_BODY, size_text
    from pulp_amqp_tools.transport import message_problem

    extra = len(options.sequence_header.encode()) + 11 if options.sequence_header else 0
    replay = options.replay is not None
    sample = options.messages() if replay else islice(options.messages(), 1)
    for index, message in enumerate(sample):
        where = f"message {quoted(message.subject)}"
        if replay and index < len(lines):
            where = f"--replay line {lines[index]}"
        problem = message_problem(options.broker, message.headers, message.properties, extra=extra)
        if problem is None and len(message.body) > MAX_BODY:
            problem = f"its body is larger than {size_text(MAX_BODY)} (RabbitMQ's default max_message_size)"
        if problem is not None:
            raise UsageError(f"{where}: {problem}")
