"""How listen's queue is bound on each exchange type, and why options that cannot work are refused. Pure.

The exchange's type decides what a binding means: a topic exchange matches `*`/`#` patterns, a
direct one compares routing keys literally, a fanout one ignores them, a headers one matches
header values (`x-match` all or any). Options that would bind nothing useful (a wildcard on a
direct exchange, `-s` on a fanout one, a headers exchange without `--match`) are usage errors,
raised here before anything is bound or consumed, in one line that says what to do instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.safetext import one_line, quoted

TOPIC, DIRECT, FANOUT, HEADERS = "topic", "direct", "fanout", "headers"
DEFAULT_PATTERN = "#"


class Wanted(NamedTuple):
    """What the listener asked to hear: -s patterns (none given: topic's '#'), --match, --match-any."""

    patterns: tuple[str, ...] = ()
    matches: tuple[tuple[str, Any], ...] = ()
    match_any: bool = False


class QueueBinding(NamedTuple):
    """One queue binding: on `exchange`, with a routing key and (headers exchanges) arguments."""

    exchange: str
    routing_key: str = ""
    arguments: tuple[tuple[str, Any], ...] = ()


def is_wildcard(pattern: str) -> bool:
    """True when a topic exchange would read `pattern` as more than its literal words."""
    return any(word in ("*", "#") for word in pattern.split("."))


def _name(exchange: str) -> str:
    return f"exchange {quoted(exchange)}"


def _article(kind: str) -> str:
    return "an" if kind[:1] in "aeiou" else "a"


def _direct_error(exchange: str, pattern: str) -> UsageError:
    shown = quoted(pattern)
    return UsageError(
        f"{_name(exchange)} is a direct exchange: routing keys match literally, so {shown} would "
        "match only the key " + shown + "; give the keys with -s"
    )


def _keys(kind: str, exchange: str, wanted: Wanted) -> tuple[str, ...]:
    """The routing keys to bind on one exchange of `kind` (fanout and headers: one empty key)."""
    patterns = wanted.patterns or (DEFAULT_PATTERN,)
    if kind == DIRECT:
        literal = tuple(p for p in patterns if not is_wildcard(p))
        if not literal:
            raise _direct_error(exchange, patterns[0])
        return literal
    if kind == FANOUT:
        return ("",)
    if kind == HEADERS:
        if not wanted.matches:
            raise UsageError(
                f"{_name(exchange)} is a headers exchange: it routes on message headers; say which "
                "with --match NAME=VALUE (repeatable: all must match, or any with --match-any)"
            )
        return ("",)
    return patterns  # topic, and exchange types of plugins: the patterns as given


def _unplaced_pattern(pattern: str, kinds: Sequence[tuple[str, str]]) -> UsageError:
    """-s `pattern` fits none of the exchanges: say why for the types present."""
    direct = next((name for name, kind in kinds if kind == DIRECT), None)
    if direct is not None:
        return _direct_error(direct, pattern)
    if len(kinds) == 1:
        name, kind = kinds[0]
        if kind == FANOUT:
            return UsageError(
                f"{_name(name)} is a fanout exchange: it ignores routing keys and sends every "
                "message to every queue bound to it; leave out -s"
            )
        return UsageError(
            f"{_name(name)} is a headers exchange: it routes on message headers, not routing keys; "
            "give --match NAME=VALUE instead of -s"
        )
    shown = ", ".join(f"{_name(name)} is {_article(kind)} {kind} exchange" for name, kind in kinds)
    return UsageError(
        f"-s binds routing keys on topic and direct exchanges, and none is given ({shown}); "
        "leave out -s (fanout exchanges send every message, headers exchanges route on --match)"
    )


def _takes(kind: str, pattern: str) -> bool:
    """Whether an exchange of `kind` gets a binding for -s `pattern`."""
    if kind == DIRECT:
        return not is_wildcard(pattern)
    return kind not in (FANOUT, HEADERS)


def _check_fit(kinds: Sequence[tuple[str, str]], wanted: Wanted) -> None:
    """Every -s and --match given must bind on at least one of the exchanges."""
    if wanted.matches and not any(kind == HEADERS for _name_, kind in kinds):
        shown = ", ".join(f"{_name(name)} is {_article(kind)} {kind} exchange" for name, kind in kinds)
        raise UsageError(f"--match applies to headers exchanges only, and {shown}")
    for pattern in wanted.patterns:
        if not any(_takes(kind, pattern) for _name_, kind in kinds):
            raise _unplaced_pattern(pattern, kinds)


def plan(kinds: Sequence[tuple[str, str]], wanted: Wanted) -> tuple[QueueBinding, ...]:
    """The bindings for the exchanges `kinds` ((name, type), in -e order), or a UsageError."""
    _check_fit(kinds, wanted)
    bindings: list[QueueBinding] = []
    for name, kind in kinds:
        arguments = _arguments(wanted) if kind == HEADERS else ()
        bindings.extend(QueueBinding(name, key, arguments) for key in _keys(kind, name, wanted))
    return tuple(bindings)


def match_mode(wanted: Wanted) -> str:
    """x-match: all or any; with -with-x when a name starts with `x-` (else the exchange ignores it:
    RabbitMQ 3.10 and later, loops/fitting.py refuses it elsewhere)."""
    mode = "any" if wanted.match_any else "all"
    with_x = any(name.lower().startswith("x-") for name, _value in wanted.matches)
    return f"{mode}-with-x" if with_x else mode


def _arguments(wanted: Wanted) -> tuple[tuple[str, Any], ...]:
    return (("x-match", match_mode(wanted)), *wanted.matches)


def shown_value(value: Any) -> str:
    """A --match value as the user would type it after '=' (text quoted) or ':=' (JSON)."""
    if isinstance(value, str):
        return quoted(value)
    import json  # only for a ready line with typed --match values: emit never pays for it

    try:
        return one_line(json.dumps(value, default=str))
    except (TypeError, ValueError):
        return one_line(repr(value))


def describe(kinds: Sequence[tuple[str, str]], wanted: Wanted) -> str:
    """`exchange 'x' (topic) for 'a.*', exchange 'f' (fanout) for every message`: the ready line's middle."""
    parts = []
    for name, kind in kinds:
        if kind == FANOUT:
            what = "every message"
        elif kind == HEADERS:
            pairs = ", ".join(f"{one_line(key)}={shown_value(value)}" for key, value in wanted.matches)
            what = f"messages with {'any' if wanted.match_any else 'all'} of {pairs}"
        else:
            keys = _keys(kind, name, wanted)
            what = ", ".join(quoted(key) for key in keys)
        parts.append(f"{_name(name)} ({one_line(kind)}) for {what}")
    return ", ".join(parts)


def heard(kinds: Sequence[tuple[str, str]], wanted: Wanted) -> tuple[str, ...]:
    """What the bindings on `kinds` hear, each once: patterns and keys, headers matches as NAME=VALUE."""
    found: list[str] = []
    for name, kind in kinds:
        if kind == HEADERS:
            found.extend(f"{key}={shown_value(value)}" for key, value in wanted.matches)
        elif kind != FANOUT:
            found.extend(_keys(kind, name, wanted))
    return tuple(dict.fromkeys(found))
