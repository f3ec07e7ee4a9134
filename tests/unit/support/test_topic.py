"""tests/support/topic.py: the topic-matching oracle the tests compare against (RabbitMQ's own
agreement with it: tests/broker/test_topic_oracle.py)."""

from __future__ import annotations

import pytest

from tests.support.topic import CASES, matches, split_words


@pytest.mark.parametrize(("pattern", "subject", "expected"), CASES)
def test_matches(pattern: str, subject: str, expected: bool) -> None:
    assert matches(pattern, subject) is expected


def test_many_hashes_do_not_blow_up() -> None:
    pattern = ".".join(["#"] * 40) + ".z"
    assert matches(pattern, ".".join(["a"] * 60)) is False


def test_split_words() -> None:
    assert split_words("") == ()
    assert split_words("a..b") == ("a", "", "b")
