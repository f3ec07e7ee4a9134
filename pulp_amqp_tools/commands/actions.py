"""listen's --exec and --top: their arguments, and the options they resolve to. Pure (no pika, no rich)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from pulp_amqp_tools.cli import argtypes
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import command, policy

_EXEC_COMPANIONS = (
    ("exec_timeout", "--exec-timeout"),
    ("exec_concurrency", "--exec-concurrency"),
    ("max_retries", "--max-retries"),
    ("retry_status", "--retry-status"),
)
_TOP_COMPANIONS = (("top_by", "--top-by"), ("top_rows", "--top-rows"), ("top_every", "--top-every"))


@dataclass(frozen=True)
class TopOptions:
    """--top and its companions."""

    rows: int = 50  # --top-rows: the busiest keys shown; the rest is "(other)"
    every: float = 5.0  # --top-every: seconds between JSON snapshots
    by: tuple[str, ...] | None = None  # --top-by PATH, parsed as --where parses paths; None: the subject
    by_text: str = "subject"  # as written, for the header
    json: bool = False  # --json: JSON snapshots even on a terminal


@dataclass(frozen=True)
class Actions:
    """What listen does with each selected message besides (or instead of) printing it."""

    mode: str  # the printing mode: "quiet" | "pretty" | "json" | "none"
    handler: policy.ExecOptions | None
    top: TopOptions | None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The "act and watch" group: --exec and --top with their companions."""
    group = parser.add_argument_group("act and watch")
    _add_exec_arguments(group)
    _add_top_arguments(group)


def _add_exec_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--exec",
        metavar="CMD",
        help="run CMD (split like a shell would, no shell run) for each message: body on stdin, "
        "AMQP_SUBJECT, AMQP_HEADERS, ... in the environment, the --json record in the file "
        "AMQP_RECORD; exit 0 acknowledges, --retry-status requeues, anything else rejects",
    )
    group.add_argument(
        "--exec-timeout",
        type=argtypes.positive_float,
        metavar="SECS",
        help="kill a handler (its process group) that runs longer, and reject its message",
    )
    group.add_argument(
        "--exec-concurrency",
        type=argtypes.concurrency,
        metavar="N",
        help="run up to N handlers at once (default: 1)",
    )
    group.add_argument(
        "--max-retries",
        type=argtypes.non_negative_int,
        metavar="N",
        help=f"requeue a message at most N times, then reject it (default: {policy.DEFAULT_MAX_RETRIES})",
    )
    group.add_argument(
        "--retry-status",
        type=argtypes.exit_code,
        metavar="CODE",
        help=f"the handler exit status that requeues (default: {policy.DEFAULT_RETRY_STATUS}, EX_TEMPFAIL)",
    )


def _add_top_arguments(group: argparse._ArgumentGroup) -> None:
    group.add_argument(
        "--top",
        action="store_true",
        help="a live table of subjects, counts and rates on a terminal; in a pipe or with --json, "
        "one JSON object of the same figures every --top-every seconds",
    )
    group.add_argument(
        "--top-by",
        metavar="PATH",
        help="count per value at PATH (as --where reads it, e.g. payload.repo_id) instead of per subject",
    )
    group.add_argument(
        "--top-rows",
        type=argtypes.positive_int,
        metavar="N",
        help="show the N busiest rows; the rest are counted as (other) (default: 50)",
    )
    group.add_argument(
        "--top-every",
        type=argtypes.positive_float,
        metavar="SECS",
        help="seconds between JSON snapshots (default: 5)",
    )


def resolve(args: argparse.Namespace) -> Actions:
    """Check the combinations and build the options; a missing --exec command fails here, before connecting."""
    mode = "quiet" if args.quiet else "json" if args.json else "pretty"
    _companions_need(args, "exec", "--exec", _EXEC_COMPANIONS)
    _companions_need(args, "top", "--top", _TOP_COMPANIONS)
    if getattr(args, "peek", False) and (args.top or args.exec is not None):
        raise UsageError("--peek is not allowed with --exec or --top (it only shows what the queue holds)")
    if args.exec is not None:
        _exec_fits(args)
    if args.top and args.exec is not None:
        raise UsageError("--top is not allowed with --exec (the handlers' output would run through the view)")
    if args.top:
        if args.quiet:
            raise UsageError("--top is not allowed with -q (--top --json gives JSON snapshots)")
        return Actions("none", None, _top(args))
    if args.exec is not None:
        return Actions(mode if args.quiet or args.json else "none", _handler(args), None)
    return Actions(mode, None, None)


EXEC_NEEDS = "--exec needs a queue that can requeue and reject"


def _exec_fits(args: argparse.Namespace) -> None:
    """Handlers settle each message themselves: not with what settles or shows messages otherwise."""
    for dest, flag in (("save_dir", "--save-dir"), ("trace", "--trace"), ("offset", "--offset")):
        if getattr(args, dest, None) not in (None, False):
            raise UsageError(f"{flag} is not allowed with --exec")
    if getattr(args, "queue_type", None) == "stream":
        raise UsageError(f"{EXEC_NEEDS}: not --queue-type stream")


def _companions_need(args: argparse.Namespace, main: str, flag: str, companions: tuple[tuple[str, str], ...]) -> None:
    if getattr(args, main) in (None, False):
        for dest, name in companions:
            if getattr(args, dest) is not None:
                raise UsageError(f"{name} needs {flag}")


def _handler(args: argparse.Namespace) -> policy.ExecOptions:
    argv = command.parse(args.exec)
    return policy.ExecOptions(
        argv=argv,
        executable=command.resolve(argv),
        timeout=args.exec_timeout,
        concurrency=args.exec_concurrency or 1,
        max_retries=policy.DEFAULT_MAX_RETRIES if args.max_retries is None else args.max_retries,
        retry_status=args.retry_status or policy.DEFAULT_RETRY_STATUS,
    )


def _top(args: argparse.Namespace) -> TopOptions:
    from pulp_amqp_tools.messages import filters

    by = None if args.top_by is None else filters.parse_path(args.top_by, args.top_by, "--top-by")
    return TopOptions(
        rows=args.top_rows or 50,
        every=args.top_every or 5.0,
        by=by,
        by_text=args.top_by or "subject",
        json=args.json,
    )


def prefetch(args: argparse.Namespace, actions: Actions) -> int:
    """--prefetch, or with --exec as many as run at once: messages held for a busy handler are
    kept from other consumers of the same --queue, and each is unacknowledged longer."""
    if args.prefetch is not None:
        return int(args.prefetch)
    if actions.handler is not None:
        return actions.handler.concurrency
    return 1000
