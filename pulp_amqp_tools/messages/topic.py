"""Topic patterns matched the way RabbitMQ's topic exchange does, for reading a stream as it is. Pure.

Usually the broker matches: listen binds its patterns and receives only what they let through.
A stream that already exists keeps the bindings it was given (reading must not change a shared
log), so what `-s` asks for is selected here: words split on ".", an empty key has no words,
`*` is exactly one word, `#` zero or more. Dynamic programming over (pattern word, key word),
linear in their product, so no pattern can make a hostile routing key expensive; subjects repeat,
so answers are cached.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache


def _words(key: str) -> tuple[str, ...]:
    return tuple(key.split(".")) if key else ()


def _step(token: str, words: tuple[str, ...], reach: list[bool]) -> list[bool]:
    """Where the pattern can stand after one more token, given where it could stand before."""
    if token == "#":
        after, seen = [], False
        for could in reach:
            seen = seen or could
            after.append(seen)
        return after
    after = [False] * len(reach)
    for j, word in enumerate(words):
        if reach[j] and (token == "*" or token == word):
            after[j + 1] = True
    return after


def _matches(tokens: tuple[str, ...], key: str) -> bool:
    words = _words(key)
    reach = [True] + [False] * len(words)  # reach[j]: the tokens so far can consume words[:j]
    for token in tokens:
        reach = _step(token, words, reach)
        if not any(reach):
            return False
    return reach[-1]


def matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """A test of a subject against the patterns: true when one of them would have routed it."""
    compiled = [_words(pattern) for pattern in patterns]

    @lru_cache(maxsize=1024)
    def any_matches(key: str) -> bool:
        return any(_matches(tokens, key) for tokens in compiled)

    return any_matches
