# PYTHON_ARGCOMPLETE_OK
"""pulp-emit: publish Pulp's event notifications (or any message) with publisher confirms."""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from collections.abc import Iterator

from pulp_amqp_tools import __version__, cli, config, events, settings
from pulp_amqp_tools.errors import NotDeliveredError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.options import EmitOptions, Message
from pulp_amqp_tools.safetext import one_line
from pulp_amqp_tools.subjects import check_short

PROG = "pulp-emit"
EXAMPLES = """\
examples:
  pulp-emit -e pulp                                  the four Pulp events of a sync and a publish
  pulp-emit -e pulp -t repo.sync.finish --result failed --repo-id zoo
  pulp-emit -e pulp -t '*' -n 1000                   1000 events, cycling through the four types
  pulp-emit -e pulp --subject my.app.event --body '{"hello": "world"}'
  pulp-emit -e pulp --subject my.app.event --body @event.json
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Publish Pulp's event notifications, or any message, to an AMQP topic exchange "
                               "and wait until the broker confirmed every one.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-e", "--exchange",
                        help="name of a topic exchange (default: [messaging] topic_exchange of the config "
                             f"file, else {config.DEFAULT_EXCHANGE})")
    settings.add_broker_arguments(parser)
    pulp = parser.add_argument_group("Pulp events")
    pulp.add_argument("-t", "--event-type", action="append", metavar="TYPE",
                      help=f"event type to publish, repeatable; '*' = all (default: all four, in lifecycle "
                           f"order: {', '.join(events.EVENT_TYPES)})")
    pulp.add_argument("--repo-id", default="pulp-f16", metavar="ID", help="repository id in the bodies "
                      "(default: pulp-f16)")
    pulp.add_argument("--result", choices=events.RESULTS, default="success",
                      help="result of the .finish events (default: success)")
    other = parser.add_argument_group("any message")
    other.add_argument("--subject", metavar="KEY", help="publish one message with this subject (routing key)")
    other.add_argument("--body", metavar="TEXT|@FILE|-",
                       help="its body: the text itself, @FILE for a file's bytes, - for standard input")
    run = parser.add_argument_group("publishing")
    run.add_argument("-n", "--count", type=settings.positive_int, metavar="N",
                     help="publish N messages (events cycle through the chosen types) (default: one each)")
    run.add_argument("--fail-unroutable", action="store_true",
                     help=f"exit {int(ExitStatus.NOT_DELIVERED)} when a message reached no queue (default: "
                          "report it on stderr and exit 0)")
    run.add_argument("--confirm-timeout", type=settings.positive_float, default=30.0, metavar="SECS",
                     help="how long to wait for the broker's confirms at the end (default: 30)")
    run.add_argument("--sequence-header", metavar="NAME",
                     help="number the messages 1..N in header NAME (kept when one is sent again after a "
                          "reconnect), so a consumer can count lost and duplicated messages")
    run.add_argument("-q", "--quiet", action="store_true", help="no summary line on success")
    parser.add_argument("--traceback", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    return parser


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


def options_from_args(args: argparse.Namespace, environ: dict[str, str] | None = None) -> EmitOptions:
    pulp = config.load(args.config)
    if (args.subject is None) != (args.body is None):
        raise UsageError("--subject and --body go together: give both to publish one message")
    if args.subject is not None and args.event_type:
        raise UsageError("choose Pulp events (-t) or one message (--subject/--body), not both")
    return EmitOptions(
        broker=settings.broker_from_args(args, pulp, "emit", environ),
        exchange=settings.exchange_from_args(args.exchange, pulp),
        event_types=events.parse_event_types(args.event_type or []),
        count=args.count,
        repo_id=args.repo_id,
        result=args.result,
        subject=check_short(args.subject, "the subject") if args.subject is not None else None,
        body=read_body(args.body) if args.body is not None else None,
        fail_unroutable=args.fail_unroutable,
        confirm_timeout=args.confirm_timeout,
        sequence_header=check_short(args.sequence_header, "the header name") if args.sequence_header else None,
    )


def messages(options: EmitOptions) -> Iterator[Message]:
    """What to publish: the one message given, or Pulp events."""
    if options.subject is not None and options.body is not None:
        for _ in range(options.count or 1):
            yield Message(options.subject, options.body, ((events.SUBJECT_HEADER, options.subject),))
        return
    for event in events.event_stream(options.event_types, options.count, options.repo_id, options.result):
        yield Message(event.subject, event.body, ((events.SUBJECT_HEADER, event.subject),))


def _tally(counter: Counter[str], limit: int = 5) -> str:
    shown = ", ".join(f"{one_line(subject)!r} x{n}" for subject, n in counter.most_common(limit))
    more = len(counter) - limit
    return shown + (f" and {more} more subjects" if more > 0 else "")


def emit(options: EmitOptions, quiet: bool = False) -> ExitStatus:
    """Publish, wait for the confirms, report; the exit status says whether all was delivered."""
    from pulp_amqp_tools.publishing import publish_all

    report = publish_all(options, messages(options), lambda message: cli.notice(PROG, message))
    where = f"exchange {one_line(options.exchange)!r}"
    if report.nacked or report.unconfirmed:
        lost = report.nacked + report.unconfirmed
        raise NotDeliveredError(
            f"{sum(lost.values())} of {report.published} messages to {where} were not confirmed by the broker "
            f"({sum(report.nacked.values())} rejected, {sum(report.unconfirmed.values())} unanswered "
            f"after {options.confirm_timeout:g} s): {_tally(lost)}")
    if report.unroutable:
        message = (f"{sum(report.unroutable.values())} of {report.published} messages to {where} reached no "
                   f"queue (no binding matched): {_tally(report.unroutable)}")
        if options.fail_unroutable:
            raise NotDeliveredError(message)
        cli.notice(PROG, f"warning: {message}")
    elif not quiet or report.resent:
        again = (f" ({report.resent} sent again after {report.reconnects} reconnect(s): consumers may see "
                 "duplicates)") if report.resent else ""
        cli.notice(PROG, f"{report.published} messages published to {where}, all confirmed{again}")
    return ExitStatus.OK


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    if "_ARGCOMPLETE" in os.environ:
        import argcomplete

        argcomplete.autocomplete(parser)
    args = parser.parse_args(argv)
    return cli.run(PROG, lambda: emit(options_from_args(args), args.quiet), traceback=args.traceback)


if __name__ == "__main__":
    sys.exit(main())
