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


# (pattern, routing key, whether a binding with the pattern receives the key), as RabbitMQ decides.
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
