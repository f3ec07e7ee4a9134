"""pulp-emit's wiring: the message stream (or --follow's lines), pacing, the progress bar and the loop; the summary."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, TypeVar

from pulp_amqp_tools.cli import boundary
from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.errors import NotDeliveredError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import events
from pulp_amqp_tools.messages.message import Message
from pulp_amqp_tools.messages.safetext import one_line, quoted
from pulp_amqp_tools.output import summary

if TYPE_CHECKING:
    from pulp_amqp_tools.commands.emit.options import EmitOptions
    from pulp_amqp_tools.loops.emit import Report
    from pulp_amqp_tools.messages.follow import Follow
    from pulp_amqp_tools.messages.pacing import Pace

T = TypeVar("T")


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
        env.notice(summary.stopped(report, options.exchange, time.monotonic() - started))
        raise
    figures = summary.summary(report, time.monotonic() - started, tally.bytes)
    if follow is not None and follow.skipped:
        figures += f", {summary.plural(follow.skipped, 'bad line')} skipped"
    _report(options, env, report, follow, figures)
    return ExitStatus.OK


def _report(options: EmitOptions, env: Environment, report: Report, follow: Follow | None, figures: str) -> None:
    """What the run ends with: an error (not confirmed, --strict, --fail-unroutable), a warning or the summary."""
    where = f"exchange {quoted(options.exchange)}"
    if report.exchange_type not in (None, "topic"):  # so nobody wonders where the routing keys went
        where += f" ({one_line(str(report.exchange_type))})"
    lost = summary.unconfirmed(report, where, figures, options.spec.confirm_timeout)
    if lost is not None:
        raise NotDeliveredError(lost)
    if follow is not None and follow.stopped is not None:
        before = f"{summary.plural(report.confirmed, 'message')} before it {'was' if report.confirmed == 1 else 'were'}"
        raise UsageError(f"{follow.stopped.message}; stopped there (--strict) after the {before} confirmed ({figures})")
    if report.unroutable:
        message = summary.unroutable(report, where, figures)
        if options.fail_unroutable:
            raise NotDeliveredError(message)
        env.notice(f"warning: {message}")
    elif not options.quiet or report.resent:
        env.notice(summary.published(report, where, figures))


def _follow(options: EmitOptions, env: Environment) -> Follow:
    """--follow: standard input's lines as they come, bad ones reported on stderr."""
    from pulp_amqp_tools.messages.follow import live_lines

    try:
        lines: Iterable[bytes | None] = live_lines(env.stdin.fileno())
    except (AttributeError, OSError, ValueError):  # not a real file (tests): read it as it is
        lines = (line.rstrip(b"\n") for line in env.stdin.buffer)
    return follow_messages(options, lines, env.notice)


def follow_messages(options: EmitOptions, lines: Iterable[bytes | None], notice: Callable[[str], None]) -> Follow:
    """--follow: each line of standard input published as it comes (a record with --replay -, a body with
    --lines); IDLE between lines lets the loop serve the broker."""
    from pulp_amqp_tools.messages.follow import Follow
    from pulp_amqp_tools.messages.properties import merge

    props = options.properties
    if options.subject is not None:
        headers = options.with_extras(((events.SUBJECT_HEADER, options.subject),))
        subject = options.subject

        def body_line(line: bytes, _number: int) -> Message | None:
            body = line.removesuffix(b"\r")
            return Message(subject, body, headers, props) if body else None

        return Follow(lines, body_line, notice)

    from pulp_amqp_tools.messages.replay import parse_line

    def record_line(line: bytes, number: int) -> Message | None:
        if not line.strip():
            return None
        recorded, _exchange = parse_line(line, f"- line {number}")
        if options.headers or props:
            recorded = recorded._replace(
                headers=merge(recorded.headers, options.headers), properties=merge(recorded.properties, props)
            )
        return recorded

    return Follow(lines, record_line, notice, strict=options.strict)


def _publish(
    options: EmitOptions, env: Environment, report: Report, tally: _Tally, follow: Follow | None = None
) -> Report:
    """The broker's part: emit's loop over a transport, on the options' own spec; notices on stderr."""
    from pulp_amqp_tools.loops import emit as emit_loop
    from pulp_amqp_tools.transport import open_transport

    pace = _pace(options)
    spec, transport = options.spec, open_transport(options.broker, env.notice)
    if follow is not None:  # as long as the input lasts: no bar
        return emit_loop.run(spec, transport, tally.counted(iter(follow)), pace, env.notice, report)
    stream = tally.counted(options.messages())
    total = options.planned()
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
