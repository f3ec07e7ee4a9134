"""The messages one pulp-emit run publishes, in order: a recording, the message(s) given, or Pulp's events.

--header and --property are merged into each; --lines splits a --body; -n cycles; --follow takes
standard input line by line as it comes. Pure.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import cycle, islice
from typing import TYPE_CHECKING, Any

from pulp_amqp_tools.messages import events
from pulp_amqp_tools.messages.message import Message

if TYPE_CHECKING:
    from pulp_amqp_tools.commands.emit import EmitOptions
    from pulp_amqp_tools.messages.follow import Follow


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
            yield recorded._replace(
                headers=merge(recorded.headers, options.headers), properties=merge(recorded.properties, props)
            )
        return
    if options.subject is not None and options.body is not None:
        headers = _with_extras(options, ((events.SUBJECT_HEADER, options.subject),))
        given = bodies(options)
        for body in islice(cycle(given), options.count or len(given)) if given else ():
            yield Message(options.subject, body, headers, props)
        return
    for event in events.event_stream(
        options.event_types, options.count, options.repo_id, options.result, options.task_id
    ):
        yield Message(
            event.subject, event.body, _with_extras(options, ((events.SUBJECT_HEADER, event.subject),)), props
        )


def follow(options: EmitOptions, lines: Iterable[bytes | None], notice: Callable[[str], None]) -> Follow:
    """--follow: each line of standard input published as it comes (a record with --replay -, a body with
    --lines); IDLE between lines lets the loop serve the broker."""
    from pulp_amqp_tools.messages.follow import Follow
    from pulp_amqp_tools.messages.properties import merge

    props = options.properties
    if options.subject is not None:
        headers = _with_extras(options, ((events.SUBJECT_HEADER, options.subject),))
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
