"""Usage rules as data: which options need which, and which pairs conflict, checked the same way by both commands.

Each command lists its rules once (commands/*/options.py: NEEDS, CONFLICTS) and checks them in a
fixed sequence before anything is read or connected; a unit test walks every row, so an option
added to a row is tried, and a new conflict is one line. No I/O.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import NamedTuple

from pulp_amqp_tools.errors import UsageError

# The short flags in the tables, by argparse dest; a long flag's dest is its name with '_' for '-'.
SHORT_DESTS = {"-e": "exchange", "-s": "subject", "-q": "quiet", "-n": "count", "-t": "event_type"}


class Need(NamedTuple):
    """`flag` means nothing without every option in `requires`: a usage error saying `says`."""

    flag: str
    requires: tuple[str, ...]
    says: str


class Conflict(NamedTuple):
    """`flag` with any of `others` is a usage error; `says` may name them as {given}."""

    flag: str
    others: tuple[str, ...]
    says: str


Given = Callable[[argparse.Namespace, str], bool]


def dest(flag: str) -> str:
    """The argparse dest of a flag as the tables write it."""
    return SHORT_DESTS.get(flag) or flag.lstrip("-").replace("-", "_")


def given(args: argparse.Namespace, flag: str) -> bool:
    """The option was typed: not None, False, or the 0.0 that --speed and --rate default to (their 0 means
    none); an integer 0 was typed (--max-retries 0)."""
    value = getattr(args, dest(flag))
    return type(value) is int or value not in (None, False)


def check_needs(args: argparse.Namespace, needs: Sequence[Need], is_given: Given = given) -> None:
    for need in needs:
        if is_given(args, need.flag) and not all(is_given(args, other) for other in need.requires):
            raise UsageError(need.says)


def check_conflicts(args: argparse.Namespace, conflicts: Sequence[Conflict], is_given: Given = given) -> None:
    for conflict in conflicts:
        if not is_given(args, conflict.flag):
            continue
        found = [other for other in conflict.others if is_given(args, other)]
        if found:
            raise UsageError(conflict.says.format(given=", ".join(found)))
