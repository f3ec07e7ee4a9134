"""Topic patterns as a JMS selector superset (amqp10/selector.py): every subject the pattern routes passes."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pulp_amqp_tools.amqp10.selector import like, selector
from pulp_amqp_tools.messages.topic import matcher


def _like_matches(text: str, subject: str) -> bool:
    """SQL LIKE with ESCAPE '\\' as a regex, to check the superset claim."""
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\":
            out.append(re.escape(text[i + 1]))
            i += 2
            continue
        out.append(".*" if char == "%" else "." if char == "_" else re.escape(char))
        i += 1
    return re.fullmatch("".join(out), subject, re.DOTALL) is not None


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("pulp.server.repo.*.finish", "pulp.server.repo.%.finish"),
        ("pulp.server.#", "pulp.server%"),
        ("#.finish", "%finish"),
        ("a.#.b", "a%b"),
        ("a_b.%", "a\\_b.\\%"),
        ("it's", "it''s"),
        ("%.#", "\\%%"),  # an escaped % and a wildcard side by side stay two
    ],
)
def test_like(pattern: str, expected: str) -> None:
    assert like(pattern) == expected


def test_selector_joins_patterns_and_hash_means_no_filter() -> None:
    assert selector(["a.*", "b"]) == "JMSType LIKE 'a.%' ESCAPE '\\' OR JMSType LIKE 'b' ESCAPE '\\'"
    assert selector(["a.*", "#"]) is None
    assert selector([]) is None


words = st.lists(st.sampled_from(["a", "b", "c_d", "%", "*", "#"]), min_size=1, max_size=4)
keys = st.lists(st.sampled_from(["a", "b", "c_d", "%", "x"]), min_size=1, max_size=5)


@given(words, keys)
def test_like_is_a_superset_of_the_topic_match(pattern_words: list[str], key_words: list[str]) -> None:
    pattern, key = ".".join(pattern_words), ".".join(key_words)
    if matcher([pattern])(key):
        assert _like_matches(like(pattern), key), (pattern, key, like(pattern))
