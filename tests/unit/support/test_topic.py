"""tests/support/topic.py: the topic-matching oracle the tests compare against (RabbitMQ's own
agreement with it: tests/broker/test_topic_oracle.py)."""

from __future__ import annotations

import pytest

from tests.support.topic import matches, split_words

CASES = [
    ("pulp.server.repo.*.finish", "pulp.server.repo.sync.finish", True),
    ("pulp.server.repo.*.finish", "pulp.server.repo.publish.finish", True),
    ("pulp.server.repo.*.finish", "pulp.server.repo.sync.start", False),
    ("pulp.server.repo.publish.*", "pulp.server.repo.publish.start", True),
    ("pulp.server.repo.publish.*", "pulp.server.repo.publish", False),
    ("pulp.server.repo.publish.*", "pulp.server.repo.publish.a.b", False),
    ("a.#", "a", True),
    ("a.#", "a.b.c", True),
    ("#.c", "c", True),
    ("#.c", "a.b.c", True),
    ("#", "", True),
    ("#", "anything.at.all", True),
    ("*", "", False),
    ("*", "one", True),
    ("*", "one.two", False),
    ("", "", True),
    ("", "a", False),
    ("a.*", "a.", True),
    ("a.*.c", "a..c", True),
    ("a.#.c", "a.c", True),
    ("a.#.c", "a.x.y.c", True),
    ("a.#.c", "a.x.y.d", False),
    ("#.#", "a", True),
    ("*.#", "", False),
    ("#.*", "a", True),
    ("a.b", "a.b", True),
    ("a.b", "a.bb", False),
    ("a*.b", "ax.b", False),  # * is a wildcard only as a whole word
    ("a*.b", "a*.b", True),
]


@pytest.mark.parametrize(("pattern", "subject", "expected"), CASES)
def test_matches(pattern: str, subject: str, expected: bool) -> None:
    assert matches(pattern, subject) is expected


def test_many_hashes_do_not_blow_up() -> None:
    pattern = ".".join(["#"] * 40) + ".z"
    assert matches(pattern, ".".join(["a"] * 60)) is False


def test_split_words() -> None:
    assert split_words("") == ()
    assert split_words("a..b") == ("a", "", "b")
