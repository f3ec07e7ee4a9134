"""Subjects (routing keys) and binding patterns: validation and AMQP topic matching.

Pure: no pika, no rich. `matches` follows RabbitMQ's topic exchange exactly (words split on
".", an empty key has no words, "*" is exactly one word, "#" is zero or more words).
"""

from __future__ import annotations

from functools import lru_cache

from pulp_amqp_tools.errors import UsageError

MAX_NAME_BYTES = 255  # AMQP 0-9-1 shortstr: routing keys, binding keys, exchange and queue names


def check_short(value: str, what: str) -> str:
    """Return `value` if it fits an AMQP short string, else raise a UsageError naming `what`."""
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError:
        raise UsageError(f"{what} is not valid Unicode text") from None
    if size > MAX_NAME_BYTES:
        raise UsageError(f"{what} is {size} bytes long; AMQP allows at most {MAX_NAME_BYTES} bytes (UTF-8)")
    return value


def check_name(value: str, what: str) -> str:
    """Validate an exchange or queue name: non-empty and at most 255 bytes."""
    if not value:
        raise UsageError(f"{what} must not be empty")
    return check_short(value, what)


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
    n, m = len(pattern), len(words)
    reach = [False] * (m + 1)  # reach[j]: pattern[:i] can consume words[:j]
    reach[0] = True
    for i in range(n):
        token = pattern[i]
        nxt = [False] * (m + 1)
        if token == "#":
            seen = False
            for j in range(m + 1):
                seen = seen or reach[j]
                nxt[j] = seen
        else:
            for j in range(m):
                if reach[j] and (token == "*" or token == words[j]):
                    nxt[j + 1] = True
        reach = nxt
    return reach[m]
