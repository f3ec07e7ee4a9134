"""The resolved options of each command: frozen, free of argparse, pika and rich. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pulp_amqp_tools.cli.brokerargs import BrokerSettings

if TYPE_CHECKING:
    from pulp_amqp_tools.handlers.policy import ExecOptions
    from pulp_amqp_tools.messages.filters import Condition


@dataclass(frozen=True)
class TopOptions:
    """--top and its companions."""

    rows: int = 50  # --top-rows: the busiest keys shown; the rest is "(other)"
    every: float = 5.0  # --top-every: seconds between JSON snapshots
    by: tuple[str, ...] | None = None  # --top-by PATH, parsed as --where parses paths; None: the subject
    by_text: str = "subject"  # as written, for the header
    json: bool = False  # --json: JSON snapshots even on a terminal


@dataclass(frozen=True)
class ListenOptions:
    broker: BrokerSettings
    exchange: str
    patterns: tuple[str, ...] = ("#",)
    queue: str | None = None  # None: a private exclusive queue
    queue_type: str | None = None
    mode: str = "pretty"  # "quiet" | "pretty" | "json" | "none" (--top, or --exec without -q/--json)
    count: int | None = None
    timeout: float | None = None  # idle seconds
    color: str = "auto"  # "auto" | "always" | "never"
    full: bool = False
    prefetch: int = 1000
    # scripting: total time limit, and the conditions a message must meet to be shown and counted
    deadline: float | None = None
    where: tuple[Condition, ...] = ()
    fail_where: tuple[Condition, ...] = ()
    # act and watch: a handler per message, or the live view
    handler: ExecOptions | None = None
    top: TopOptions | None = None


@dataclass(frozen=True)
class Message:
    """One message to publish."""

    subject: str
    body: bytes
    headers: tuple[tuple[str, Any], ...] = ()
    properties: tuple[tuple[str, Any], ...] = ()  # basic properties by pika's names; none: Pulp's
    recorded_at: float | None = None  # replay: when it was received (seconds since 1970)


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
    # scripting: extra headers and properties, --lines, a recording to replay, pacing
    headers: tuple[tuple[str, Any], ...] = ()
    properties: tuple[tuple[str, Any], ...] = ()
    lines: bool = False
    replay: tuple[Message, ...] | None = None
    rate: float = 0.0  # messages per second; 0 = as fast as the broker takes them
    speed: float = 0.0  # replay: recorded gaps divided by this; 0 = no waiting
    sequence_header: str | None = None  # header numbering the messages 1..N (resends keep theirs)
