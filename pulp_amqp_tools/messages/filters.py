"""--where and --fail-where: conditions on a delivery's subject, headers, properties or JSON body. Pure.

A condition is `PATH=VALUE` or `PATH!=VALUE`. PATH is `subject`, `routing_key`, `exchange`,
`redelivered`, `headers.NAME` (NAME whole, dots included: `headers.qpid.subject`),
`properties.NAME`, `body` (the body's text) or a dotted path into the JSON body (`payload.result`,
`body.payload.result`, a number indexes a list: `call_report.tags.0`). VALUE is compared with the
value's text: strings as they are, `null`, `true`/`false`, numbers as JSON writes them;
`*`, `?` and `[...]` make it a glob. A list matches when one of its items does. A missing value
never equals anything (so `!=` holds for it).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import Delivery, parse_json, to_jsonable

_ATTRIBUTES = ("subject", "routing_key", "exchange", "redelivered")
_GLOB = re.compile(r"[*?\[]")
_MISSING: list[Any] = []  # no value at the path


@dataclass(frozen=True)
class Condition:
    """One parsed --where/--fail-where: where to look, what to compare with, and how."""

    text: str  # as the user wrote it, for messages
    path: tuple[str, ...]  # ("subject",) | ("headers", NAME) | ("properties", NAME) | ("body", *keys)
    value: str
    negate: bool
    _match: Callable[[str], bool] = field(compare=False, repr=False)

    def holds(self, delivery: Delivery, body: Callable[[], tuple[bool, Any]]) -> bool:
        """Whether the condition is true of `delivery`; `body()` gives the parsed JSON body."""
        found = any(self._match(text) for text in _texts(_lookup(delivery, self.path, body)))
        return found != self.negate


def parse_condition(text: str, flag: str = "--where") -> Condition:
    """`PATH=VALUE` or `PATH!=VALUE` into a Condition; anything else is a UsageError."""
    equals = text.find("=")
    if equals <= 0 or (equals == 1 and text[0] == "!"):
        raise UsageError(f"{flag} {text!r}: expected PATH=VALUE or PATH!=VALUE (e.g. payload.result=failed)")
    negate = text[equals - 1] == "!"
    raw_path = text[: equals - 1] if negate else text[:equals]
    value = text[equals + 1 :]
    path = parse_path(raw_path, text, flag)
    match: Callable[[str], bool]
    if _GLOB.search(value):
        match = re.compile(fnmatch.translate(value), re.DOTALL).fullmatch  # type: ignore[assignment]
    else:
        match = value.__eq__
    return Condition(text, path, value, negate, match)


def parse_path(raw: str, text: str, flag: str) -> tuple[str, ...]:
    """A PATH into its parts (see the module docstring)."""
    if raw in _ATTRIBUTES or raw == "body":
        return (raw,)
    for section in ("headers", "properties"):
        if raw.startswith(section + "."):
            name = raw[len(section) + 1 :]
            if name:
                return (section, name)
        if raw == section:
            raise UsageError(f"{flag} {text!r}: name the field, e.g. {section}.NAME")
    keys = raw[len("body.") :] if raw.startswith("body.") else raw
    parts = tuple(keys.split("."))
    if any(not part for part in parts):
        raise UsageError(f"{flag} {text!r}: empty part in the path {raw!r}")
    return ("body", *parts)


def _lookup(delivery: Delivery, path: tuple[str, ...], body: Callable[[], tuple[bool, Any]]) -> Any:
    head = path[0]
    if head == "subject":
        return delivery.subject
    if head in _ATTRIBUTES:
        return getattr(delivery, head)
    if head == "headers":
        return delivery.headers.get(path[1], _MISSING) if delivery.headers else _MISSING
    if head == "properties":
        return delivery.properties.get(path[1], _MISSING)
    if len(path) == 1:
        return delivery.body.decode("utf-8", "backslashreplace")
    ok, value = body()
    if not ok:
        return _MISSING
    for key in path[1:]:
        if isinstance(value, dict):
            if key not in value:
                return _MISSING
            value = value[key]
        elif isinstance(value, list) and key.isascii() and key.isdigit() and int(key) < len(value):
            value = value[int(key)]
        else:
            return _MISSING
    return value


def _texts(value: Any) -> Iterable[str]:
    if value is _MISSING:
        return ()
    if isinstance(value, list):
        return [text_of(item) for item in value]
    return (text_of(value),)


def text_of(value: Any) -> str:
    """The text a VALUE is compared with."""
    if isinstance(value, str):
        return value
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "backslashreplace")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return str(to_jsonable(value)["$timestamp"])
    try:
        return json.dumps(to_jsonable(value), separators=(",", ":"), sort_keys=True)
    except (ValueError, RecursionError):
        return repr(value)


def body_parser(delivery: Delivery) -> Callable[[], tuple[bool, Any]]:
    """The delivery's body as parsed JSON, parsed at the first call only."""
    parsed: list[tuple[bool, Any]] = []

    def body() -> tuple[bool, Any]:
        if not parsed:
            try:
                text = delivery.body.decode("utf-8")
            except UnicodeDecodeError:
                parsed.append((False, None))
            else:
                parsed.append(parse_json(text))
        return parsed[0]

    return body


def lookup(delivery: Delivery, path: tuple[str, ...]) -> tuple[bool, Any]:
    """(True, the value at PATH) or (False, None) when the delivery has none there (--top-by)."""
    value = _lookup(delivery, path, body_parser(delivery))
    return (False, None) if value is _MISSING else (True, value)


class Selector:
    """Decides per delivery: shown and counted (all --where hold), and failed (all --fail-where hold too)."""

    def __init__(self, where: tuple[Condition, ...], fail_where: tuple[Condition, ...] = ()) -> None:
        self.where = where
        self.fail_where = fail_where
        self.failed: Delivery | None = None  # the first accepted delivery that met --fail-where
        conditions = where + fail_where
        self.needs_properties = any(c.path[0] == "properties" for c in conditions)

    def accept(self, delivery: Delivery) -> bool:
        """True when the delivery is to be shown and counted; notes a --fail-where match."""
        body = body_parser(delivery)
        if not all(condition.holds(delivery, body) for condition in self.where):
            return False
        if self.fail_where and self.failed is None and all(c.holds(delivery, body) for c in self.fail_where):
            self.failed = delivery
        return True


def selector(where: tuple[Condition, ...], fail_where: tuple[Condition, ...]) -> Selector | None:
    """A Selector, or None when there is nothing to select on (no per-message cost at all then)."""
    return Selector(where, fail_where) if where or fail_where else None


def subject_patterns(patterns: tuple[str, ...]) -> Condition:
    """`-s` on a stream read as it is: the subject must match one of the topic patterns."""
    from pulp_amqp_tools.messages.topic import matcher

    return Condition(f"-s {' -s '.join(patterns)}", ("subject",), " ".join(patterns), False, matcher(patterns))
