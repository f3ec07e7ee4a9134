"""Opening an AMQP 1.0 connection (URL, SASL, TLS, heartbeat) and its failures as one-line ToolErrors.

Always a URL (proton without one reads a connect.json from several places), never credentials in
it (they go as options, so no URL proton might log holds the password), `reconnect=False` (proton's
default reconnects forever, which would hide a typo): the shared recover() does failover.
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

from proton import SSL, Condition, SSLDomain

from pulp_amqp_tools.amqp10.engine import Engine, describe
from pulp_amqp_tools.errors import AccessError, BrokerError, ConnectError, ToolError, UsageError
from pulp_amqp_tools.messages.safetext import quoted
from pulp_amqp_tools.transport.broker import BrokerSettings, host_port

SASL_ANONYMOUS = "ANONYMOUS"
SASL_PLAIN = "PLAIN"


def url(settings: BrokerSettings, endpoint: tuple[str, int]) -> str:
    return f"{'amqps' if settings.tls else 'amqp'}://{host_port(*endpoint)}"


def ssl_domain(settings: BrokerSettings) -> SSLDomain:
    """The client's TLS setup: peer name checked by default, the given CA, a client certificate."""
    if not SSL.present():
        raise UsageError("amqps needs TLS, and this python-qpid-proton was built without it (rebuild with libssl-dev)")
    domain = SSLDomain(SSLDomain.MODE_CLIENT)
    if settings.tls_cacert:
        domain.set_trusted_ca_db(settings.tls_cacert)
    if settings.tls_cert:
        domain.set_credentials(settings.tls_cert, settings.tls_key or settings.tls_cert, None)
    if settings.tls_verify:
        domain.set_peer_authentication(SSLDomain.VERIFY_PEER_NAME, settings.tls_cacert)
    else:
        domain.set_peer_authentication(SSLDomain.ANONYMOUS_PEER)
    return domain


def open_hostname(settings: BrokerSettings) -> str | None:
    """The open frame's hostname for settings.vhost: RabbitMQ reads `vhost:NAME`, Broker-J the name."""
    if settings.vhost in ("", "/"):
        return None
    if settings.dialect in ("qpid", "artemis", "servicebus"):
        return settings.vhost
    return f"vhost:{settings.vhost}"


def options(settings: BrokerSettings) -> dict[str, Any]:
    found: dict[str, Any] = {"heartbeat": settings.heartbeat or None, "allow_insecure_mechs": True}
    if settings.username:
        found.update(user=settings.username, password=settings.password, allowed_mechs=SASL_PLAIN)
    else:
        found.update(allowed_mechs=SASL_ANONYMOUS)
    hostname = open_hostname(settings)
    if hostname:
        found["virtual_host"] = hostname
    if settings.tls:
        found["ssl_domain"] = ssl_domain(settings)
        if settings.tls_server_name:
            found["sni"] = settings.tls_server_name
    return found


def container_id(settings: BrokerSettings) -> str:
    """Stable for a durable subscription (set by --queue), else new for each connection."""
    return settings.container_id or f"pulp-amqp-tools-{uuid.uuid4()}"


def open_engine(settings: BrokerSettings, endpoint: tuple[str, int]) -> Engine:
    """A connection to `endpoint`, opened (the broker's open frame seen), or the ToolError why not."""
    try:
        engine = Engine(url(settings, endpoint), container_id(settings), **options(settings))
        if engine.wait(lambda: engine.handler.opened, settings.connect_timeout):
            return engine
    except socket.gaierror:
        raise ConnectError(
            f"cannot connect to {where(settings, endpoint)}: unknown host {quoted(endpoint[0])}"
        ) from None
    except OSError as exc:
        raise ConnectError(f"cannot connect to {where(settings, endpoint)}: {exc.strerror or exc}") from None
    error = opening_failed(engine, settings, endpoint)
    engine.close(0.5)
    raise error


def where(settings: BrokerSettings, endpoint: tuple[str, int]) -> str:
    """The broker as messages name it: scheme, user (never the password), host and port."""
    user = f"{settings.username}@" if settings.username else ""
    return f"{'amqps' if settings.tls else 'amqp'}://{user}{host_port(*endpoint)}"


def opening_failed(engine: Engine, settings: BrokerSettings, endpoint: tuple[str, int]) -> ToolError:
    there = where(settings, endpoint)
    if engine.handler.lost is None:
        return ConnectError(f"cannot connect to {there}: no answer within {settings.connect_timeout:g} s")
    return translate(engine.handler.condition, engine.handler.lost, settings, there)


def _io_reason(text: str) -> str:
    lowered = text.lower()
    if "refused" in lowered:
        return "connection refused (is the broker running there?)"
    if "name or service" in lowered or "getaddrinfo" in lowered or "not known" in lowered:
        return "unknown host"
    return text


def translate(condition: Condition | None, lost: str, settings: BrokerSettings, where: str) -> ToolError:
    """One line (never the password) for why a connection failed or was closed."""
    name = str(condition.name) if condition is not None and condition.name else ""
    text = describe(condition, lost)
    lowered = text.lower()
    if name == "amqp:unauthorized-access" or "authentication" in lowered:
        if "worthy" in lowered or ("mech" in lowered and "no " in lowered):
            mech = SASL_PLAIN if settings.username else SASL_ANONYMOUS
            return AccessError(
                f"the broker at {where} takes no SASL {mech} here (Broker-J offers PLAIN over TLS only by default: "
                "use amqps:// or an ANONYMOUS port)"
            )
        if settings.username:
            return AccessError(f"authentication failed for user {quoted(settings.username)} at {where}")
        return AccessError(f"the broker at {where} refused access: {text}")
    if "ssl" in lowered or "tls" in lowered or "certificate" in lowered:
        return ConnectError(f"cannot connect to {where}: TLS failed: {text}")
    if "header mismatch" in lowered or ("protocol" in lowered and "header" in lowered):
        return ConnectError(f"cannot connect to {where}: the server does not speak AMQP 1.0 there")
    if name.startswith("amqp:not-found") or name == "amqp:not-allowed":
        return AccessError(f"the broker at {where} refused the connection: {text}")
    if name.startswith(("proton:io", "proton.pythonio")) or not name:
        return ConnectError(f"cannot connect to {where}: {_io_reason(text)}")
    return BrokerError(f"the broker at {where} closed the connection: {text}")
