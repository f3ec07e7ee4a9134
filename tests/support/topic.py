"""A test oracle for topic exchanges: which routing keys a binding pattern receives.

Follows RabbitMQ's topic exchange exactly (words split on ".", an empty key has no words, "*" is
exactly one word, "#" is zero or more words); tests/broker/test_topic_oracle.py checks it against
a real broker. The tools themselves never match patterns: the broker does.
"""

from __future__ import annotations

from functools import lru_cache


def split_words(key: str) -> tuple[str, ...]:
    """Split a routing key or pattern into words the way RabbitMQ does ("" has no words)."""
    return tuple(key.split(".")) if key else ()


def matches(pattern: str, subject: str) -> bool:
    """True when a topic binding `pattern` receives a message published with `subject`."""
    return _match(split_words(pattern), split_words(subject))


@lru_cache(maxsize=4096)
def _match(pattern: tuple[str, ...], words: tuple[str, ...]) -> bool:
    # Dynamic programming over (pattern position, word position); linear in their product, so
    # patterns full of "#" cannot blow up the way a naive backtracking matcher does.
    reach = [True] + [False] * len(words)  # reach[j]: the pattern so far can consume words[:j]
    for token in pattern:
        reach = _step(token, words, reach)
    return reach[-1]


def _step(token: str, words: tuple[str, ...], reach: list[bool]) -> list[bool]:
    if token == "#":
        seen = False
        after = []
        for here in reach:
            seen = seen or here
            after.append(seen)
        return after
    after = [False] * len(reach)
    for j, word in enumerate(words):
        if reach[j] and token in ("*", word):
            after[j + 1] = True
    return after
