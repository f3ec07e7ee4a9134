"""Topic patterns as a JMS selector on the 1.0 subject (`JMSType LIKE ...`), a superset. Pure.

A selector is the only subject filter Artemis has (and qpidd/Broker-J take one too). `LIKE` has no
word boundaries, so `*` (one word) and `#` (zero or more words) both become `%`, and `#` takes the
dots beside it along (`a.#` also matches `a`): the selector lets through at least what the pattern
would route, and each delivery is checked again with messages/topic.py. `%` and `_` in a literal
word are escaped, a quote is doubled: a subject pattern can never change the selector's meaning.
"""

from __future__ import annotations

from collections.abc import Sequence

FIELD = "JMSType"  # the 1.0 subject on qpidd, Broker-J and Artemis
ESCAPE = "\\"


def _literal(word: str) -> str:
    escaped = word.replace(ESCAPE, ESCAPE * 2).replace("%", ESCAPE + "%").replace("_", ESCAPE + "_")
    return escaped.replace("'", "''")


def like(pattern: str) -> str:
    """The LIKE text for one topic pattern: `pulp.server.repo.*.finish` -> `pulp.server.repo.%.finish`."""
    words = pattern.split(".") if pattern else [""]
    parts: list[str | None] = []  # None: a wildcard, kept apart from an escaped literal "\\%"
    for index, word in enumerate(words):
        if index and words[index - 1] != "#" and word != "#":
            parts.append(".")
        wild = word in ("*", "#")
        if not (wild and parts and parts[-1] is None):  # two wildcards in a row are one %
            parts.append(None if wild else _literal(word))
    return "".join("%" if part is None else part for part in parts)


def selector(patterns: Sequence[str]) -> str | None:
    """A selector matching every subject one of `patterns` routes; None when it would match all."""
    if not patterns or any(pattern == "#" for pattern in patterns):
        return None
    clauses = dict.fromkeys(f"{FIELD} LIKE '{like(pattern)}' ESCAPE '{ESCAPE}'" for pattern in patterns)
    return " OR ".join(clauses)
