"""Each command's usage rules as tables (commands/*/options.py NEEDS, CONFLICTS): every row is tried
through main(), and must exit 2 with its own message; and -h keeps the seed's flags."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from pulp_amqp_tools.cli.environment import Environment
from pulp_amqp_tools.cli.usage import Conflict, Need
from pulp_amqp_tools.commands import emit, listen
from pulp_amqp_tools.commands.emit import options as emit_options
from pulp_amqp_tools.commands.listen import options as listen_options

# A value for every flag in the tables that takes one (a flag missing here fails the walk, on purpose).
VALUES = {
    "-e": "x",
    "-s": "a.b",
    "-t": "repo.sync.start",
    "-n": "2",
    "--exchange-type": "topic",
    "--match": "a=b",
    "--queue": "q",
    "--queue-type": "quorum",
    "--offset": "first",
    "--timeout": "1",
    "--deadline": "1",
    "--exec": "true",
    "--exec-timeout": "1",
    "--exec-concurrency": "2",
    "--max-retries": "1",
    "--retry-status": "3",
    "--save-dir": "/nonexistent-dir",
    "--top-by": "subject",
    "--top-rows": "3",
    "--top-every": "1",
    "--replay": "-",
    "--subject": "a.b",
    "--body": "x",
    "--speed": "2",
    "--rate": "5",
}
SWITCHES = {"-q", "--peek", "--no-declare", "--match-any", "--trace", "--top", "--lines", "--follow", "--strict"}
Main = Callable[[list[str], Environment], int]
COMMANDS = (
    (listen.main, listen_options.NEEDS, listen_options.CONFLICTS),
    (emit.main, emit_options.NEEDS, emit_options.CONFLICTS),
)


def argv_of(flags: list[str]) -> list[str]:
    argv: list[str] = []
    for flag in flags:
        argv += [flag] if flag in SWITCHES else [flag, VALUES[flag]]
    return argv


def with_needs(flags: list[str], needs: tuple[Need, ...]) -> list[str]:
    """`flags` and what each of them needs (NEEDS), so that only the conflict is wrong."""
    wanted = list(flags)
    for flag in wanted:
        for need in needs:
            if need.flag == flag:
                wanted += [other for other in need.requires if other not in wanted]
    return wanted


def usage_error(main: Main, argv: list[str]) -> str:
    stdout, stderr = io.StringIO(), io.StringIO()
    status = main(argv, Environment("pulp-test", stdout=stdout, stderr=stderr, environ={}))
    assert status == 2, (argv, stderr.getvalue())
    return stderr.getvalue()


def conflict_pairs() -> list[tuple[Main, tuple[Need, ...], Conflict, str]]:
    return [
        (main, needs, conflict, other)
        for main, needs, conflicts in COMMANDS
        for conflict in conflicts
        for other in conflict.others
    ]


@pytest.mark.parametrize(
    ("main", "needs", "conflict", "other"),
    conflict_pairs(),
    ids=[f"{c.flag}+{o}" for _m, _n, c, o in conflict_pairs()],
)
def test_every_conflict_in_the_table_is_a_usage_error(
    main: Main, needs: tuple[Need, ...], conflict: Conflict, other: str
) -> None:
    flags = with_needs([conflict.flag, other], needs)
    given = ", ".join(name for name in conflict.others if name in flags)
    assert conflict.says.format(given=given) in usage_error(main, argv_of(flags))


@pytest.mark.parametrize(
    ("main", "need"),
    [(main, need) for main, needs, _conflicts in COMMANDS for need in needs],
    ids=[need.flag for _main, needs, _c in COMMANDS for need in needs],
)
def test_every_need_in_the_table_is_a_usage_error(main: Main, need: Need) -> None:
    assert need.says in usage_error(main, argv_of([need.flag]))


def test_short_help_shows_the_seeds_flags_in_its_usage_line() -> None:
    """The 2012 listen.py's -h: usage: listen.py [-h] [-e EXCHANGE] [-s SUBJECT] [-a ADDRESS] [-p PORT] [-q]."""
    stdout = io.StringIO()
    with pytest.raises(SystemExit) as exc:
        listen.main(["-h"], Environment("pulp-listen", stdout=stdout, stderr=io.StringIO(), environ={}))
    assert exc.value.code == 0
    usage, *rest = stdout.getvalue().splitlines()
    for part in ("[-h]", "[-e NAME]", "[-s PATTERN]", "[-a HOST]", "[-p PORT]", "[-q]"):
        assert part in usage, usage
    shown = "\n".join(rest)
    for flag in ("-h ", "-e NAME, --exchange", "-s PATTERN, --subject", "-a HOST, --address", "-p", "-q, --quiet"):
        assert f"\n  {flag}" in shown, flag
