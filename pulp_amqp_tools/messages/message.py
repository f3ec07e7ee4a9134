"""One message to publish, as the commands build it and a transport sends it. Pure."""

from __future__ import annotations

from typing import Any, NamedTuple


class Message(NamedTuple):
    """One message to publish."""

    subject: str
    body: bytes
    headers: tuple[tuple[str, Any], ...] = ()
    properties: tuple[tuple[str, Any], ...] = ()  # basic properties by pika's names; none: Pulp's
    recorded_at: float | None = None  # replay: when it was received (seconds since 1970)
