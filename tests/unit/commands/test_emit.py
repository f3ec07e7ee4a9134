"""pulp-emit's usage errors, before it connects: one line, exit status 2 (real processes, no broker)."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.messages.delivery import Delivery, json_line
from tests.support.broker import unique
from tests.support.processes import run


def test_unknown_event_type_lists_the_valid_ones() -> None:
    result = run("emit", "-t", "repo.delete")
    assert result.returncode == 2
    err = result.stderr.decode()
    assert err.count("\n") == 1 and "repo.delete" in err
    for name in ("repo.sync.start", "repo.sync.finish", "repo.publish.start", "repo.publish.finish"):
        assert name in err


def test_subject_and_body_go_together() -> None:
    result = run("emit", "--subject", "x")
    assert result.returncode == 2 and b"--body" in result.stderr


def test_replay_checks_the_whole_recording_first() -> None:
    exchange = unique("pat-x")  # a name only: nothing connects, so there is nothing to delete
    good = json_line(Delivery(exchange, "a", b"1"))
    result = run("emit", "--replay", "-", input=(good + "{broken\n").encode())
    assert result.returncode == 2 and b"line 2" in result.stderr
    mixed = good + json_line(Delivery(exchange + "-other", "b", b"2"))
    result = run("emit", "--replay", "-", input=mixed.encode())
    assert result.returncode == 2 and b"-e" in result.stderr


@pytest.mark.parametrize(
    "args, words",
    [
        (("--speed", "2"), "--replay"),
        (("--replay", "-", "--rate", "1", "--speed", "1"), "not both"),
        (("--replay", "-", "-t", "repo.sync.start"), "--replay"),
        (("--replay", "-", "-n", "3"), "-n"),
        (("--lines",), "--body"),
        (("--rate", "-1"), "at least 0"),
        (("--property", "colour=red"), "unknown property"),
        (("--header", "nothing"), "NAME=VALUE"),
        (("--replay", "/nonexistent/file.ndjson"), "cannot read"),
    ],
)
def test_usage_errors(args: tuple[str, ...], words: str) -> None:
    result = run("emit", "-a", "192.0.2.1", *args, input=b"")
    assert result.returncode == 2, result.stderr
    assert words in result.stderr.decode()
