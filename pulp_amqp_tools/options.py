"""The resolved options of each command: frozen, free of argparse, pika and rich. Pure."""

from __future__ import annotations

from dataclasses import dataclass

from pulp_amqp_tools.settings import BrokerSettings


@dataclass(frozen=True)
class ListenOptions:
    broker: BrokerSettings
    exchange: str
    patterns: tuple[str, ...] = ("#",)
    queue: str | None = None  # None: a private exclusive queue
    queue_type: str | None = None
    mode: str = "pretty"  # "quiet" | "pretty" | "json"
    count: int | None = None
    timeout: float | None = None  # idle seconds
    color: str = "auto"  # "auto" | "always" | "never"
    full: bool = False
    prefetch: int = 500


@dataclass(frozen=True)
class Message:
    """One message to publish."""

    subject: str
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class EmitOptions:
    broker: BrokerSettings
    exchange: str
    event_types: tuple[str, ...] = ()
    count: int | None = None
    repo_id: str = "pulp-f16"
    result: str = "success"
    subject: str | None = None  # an arbitrary message instead of Pulp events
    body: bytes | None = None
    fail_unroutable: bool = False
    confirm_timeout: float = 30.0
    window: int = 2000  # unconfirmed messages in flight at most
    sequence_header: str | None = None  # header numbering the messages 1..N (resends keep theirs)
