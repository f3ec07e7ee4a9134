"""Where the broker is and how to talk to it: BrokerSettings, resolved once by cli/. Pure.

Protocol-neutral: a transport (amqp091/ today) turns these into its own connection parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_HOST = "localhost"
DEFAULT_PORT = 5672
DEFAULT_HEARTBEAT = 10
DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_BLOCKED_TIMEOUT = 30.0


# The AMQP 1.0 broker families amqp10/dialects.py speaks (BrokerSettings.dialect, --dialect).
DIALECTS = ("qpid", "artemis", "rabbitmq3", "rabbitmq4", "servicebus")


def host_port(host: str, port: int) -> str:
    """`host:port` as people write it: an IPv6 address in brackets."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@dataclass(frozen=True)
class BrokerSettings:
    """Everything needed to open a connection; `describe()` is safe to print (no password)."""

    endpoints: tuple[tuple[str, int], ...] = ((DEFAULT_HOST, DEFAULT_PORT),)
    username: str = "guest"
    password: str = field(default="guest", repr=False)
    vhost: str = "/"
    tls: bool = False
    heartbeat: int = DEFAULT_HEARTBEAT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    connection_name: str = "pulp-amqp-tools"
    tls_cacert: str | None = None  # PEM CA bundle; None: the system's CAs
    tls_cert: str | None = None  # client certificate (PEM), its key in tls_key or in the same file
    tls_key: str | None = None
    tls_server_name: str | None = None  # name to verify the certificate against (and SNI); None: the host
    tls_verify: bool = True  # False only with --insecure
    warnings: tuple[str, ...] = field(default=(), compare=False)  # for stderr before connecting
    reconnect: bool = True  # after the first connection, reconnect on loss instead of exiting
    blocked_timeout: float = DEFAULT_BLOCKED_TIMEOUT  # give up when a resource alarm blocks us this long
    # AMQP 1.0 (amqp10/): the broker family's dialect ("qpid", "artemis", "rabbitmq3", ...; None: from
    # the broker's open frame) and the container id (None: a new one per connection; a durable
    # subscription needs the same one each time, so --queue NAME sets it).
    dialect: str | None = None
    container_id: str | None = None
    protocol: str = "0-9-1"  # "0-9-1", "1.0" or "auto" (the broker's answer to a 0-9-1 header decides)

    def describe(self) -> str:
        more = f" (+{len(self.endpoints) - 1} more)" if len(self.endpoints) > 1 else ""
        return f"{'amqps' if self.tls else 'amqp'}://{self.username}@{host_port(*self.endpoints[0])}{more}"
