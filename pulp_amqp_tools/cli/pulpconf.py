"""Pulp's /etc/pulp/server.conf: the [messaging] topic_exchange and url defaults. Reads the file; no pika."""

from __future__ import annotations

import os
from typing import NamedTuple

from pulp_amqp_tools.cli.reading import MAX_CONFIG, read_limited
from pulp_amqp_tools.errors import UsageError

DEFAULT_CONFIG = "/etc/pulp/server.conf"
DEFAULT_EXCHANGE = "amq.topic"


class PulpConfig(NamedTuple):
    """What we take from Pulp's server.conf; None where the file says nothing."""

    path: str | None = None
    topic_exchange: str | None = None
    url: str | None = None


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def load(path: str | None) -> PulpConfig:
    """Read `path` (or the default file when it exists); an explicit missing file is an error."""
    explicit = path is not None
    path = path or DEFAULT_CONFIG
    if not os.path.exists(path):
        if explicit:
            raise UsageError(f"config file {path!r} does not exist")
        return PulpConfig()
    import configparser  # only when the file exists: most runs have none

    parser = configparser.RawConfigParser(strict=False)
    try:
        with open(path, "rb") as handle:
            data = read_limited(handle, MAX_CONFIG, f"config file {path!r}", ": not a Pulp server.conf")
        parser.read_string(data.decode("utf-8"), path)
    except (OSError, UnicodeDecodeError, configparser.Error, RecursionError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
        raise UsageError(f"cannot read config file {path!r}: {reason}") from None
    if not parser.has_section("messaging"):
        return PulpConfig(path=path)
    section = parser["messaging"]
    exchange = _unquote(section.get("topic_exchange", "")) or None
    url = _unquote(section.get("url", "")) or None
    return PulpConfig(path=path, topic_exchange=exchange, url=url)


def exchange_candidates(path: str | None) -> list[str]:
    """Exchange names worth offering on Tab: the config's, then the always-present ones."""
    try:
        configured = load(path).topic_exchange
    except UsageError:
        configured = None
    names = [configured] if configured else []
    return names + [name for name in (DEFAULT_EXCHANGE, "pulp") if name not in names]
