"""pulp-listen's "act and watch" argument group (--exec, --top and their companions), split off arguments.py."""

from __future__ import annotations

import argparse

from pulp_amqp_tools.cli import argtypes
from pulp_amqp_tools.handlers import policy
from pulp_amqp_tools.loops import specs


def add_action_arguments(parser: argparse.ArgumentParser) -> None:
    """The "act and watch" group: --exec and --top with their companions."""
    _add_exec_arguments(group := parser.add_argument_group("act and watch"))
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
        help=f"run up to N handlers at once (default: {policy.DEFAULT_CONCURRENCY})",
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
        help=f"show the N busiest rows; the rest are counted as (other) (default: {specs.DEFAULT_TOP_ROWS})",
    )
    group.add_argument(
        "--top-every",
        type=argtypes.positive_float,
        metavar="SECS",
        help=f"seconds between JSON snapshots (default: {specs.DEFAULT_TOP_EVERY:g})",
    )
