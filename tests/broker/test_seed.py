"""The 2012 post's transcript, reproduced against the real broker with the real scripts."""

from __future__ import annotations

import pytest

from tests.support.processes import run, start_listener

pytestmark = pytest.mark.broker

ALL_FOUR = [
    "pulp.server.repo.sync.start",
    "pulp.server.repo.sync.finish",
    "pulp.server.repo.publish.start",
    "pulp.server.repo.publish.finish",
]


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([], ALL_FOUR),
        (["pulp.server.repo.publish.*"], ["pulp.server.repo.publish.start", "pulp.server.repo.publish.finish"]),
        (["pulp.server.repo.*.finish"], ["pulp.server.repo.sync.finish", "pulp.server.repo.publish.finish"]),
    ],
)
def test_seed_transcript(exchange: str, patterns: list[str], expected: list[str]) -> None:
    args = ["-e", exchange, "-q"] + [arg for p in patterns for arg in ("-s", p)]
    listener = start_listener(*args, "--timeout", "3")
    emitted = run("emit", "-e", exchange)
    assert emitted.returncode == 0, emitted.stderr
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == expected


def test_several_subjects_bind_once_each(exchange: str) -> None:
    listener = start_listener(
        "-e",
        exchange,
        "-q",
        "-s",
        "pulp.server.repo.sync.*",
        "-s",
        "#.publish.finish",
        "-s",
        "pulp.#",
        "--timeout",
        "3",
    )
    assert run("emit", "-e", exchange).returncode == 0
    assert listener.wait() == 0
    # A message matching several bindings of one queue is delivered to it once.
    assert listener.lines() == ALL_FOUR
