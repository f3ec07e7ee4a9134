"""Opening connections with pika, and turning pika's failures into one-line ToolErrors."""

from __future__ import annotations

import re
import socket
import ssl

import pika
import pika.exceptions as px
from pika.adapters.utils.connection_workflow import (
    AMQPConnectorException,
    AMQPConnectorPhaseErrorBase,
    AMQPConnectorStackTimeout,
)

from pulp_amqp_tools import __version__
from pulp_amqp_tools.amqp091 import tls
from pulp_amqp_tools.errors import AccessError, BrokerError, ConnectError, ToolError
from pulp_amqp_tools.messages.safetext import one_line, quoted
from pulp_amqp_tools.transport.broker import BrokerSettings


def parameters(settings: BrokerSettings) -> list[pika.ConnectionParameters]:
    """One ConnectionParameters per endpoint, tried in order."""
    credentials = pika.PlainCredentials(settings.username, settings.password, erase_on_connect=False)
    ssl_options = None
    if settings.tls:
        context = tls.client_context(settings.tls_cacert, settings.tls_cert, settings.tls_key, settings.tls_verify)
        ssl_options = pika.SSLOptions(context, server_hostname=settings.tls_server_name)
    return [
        pika.ConnectionParameters(
            host=host,
            port=port,
            virtual_host=settings.vhost,
            credentials=credentials,
            heartbeat=settings.heartbeat,
            connection_attempts=1,
            socket_timeout=settings.connect_timeout,
            stack_timeout=settings.connect_timeout,
            # A broker resource alarm blocks publishers forever unless this is set.
            blocked_connection_timeout=settings.blocked_timeout,
            ssl_options=ssl_options,
            client_properties={
                "connection_name": settings.connection_name,
                "product": "pulp-amqp-tools",
                "version": __version__,
            },
        )
        for host, port in settings.endpoints
    ]


def connect(settings: BrokerSettings) -> pika.BlockingConnection:
    """A BlockingConnection to the first endpoint that answers, or a ToolError saying why not."""
    try:
        return pika.BlockingConnection(parameters(settings))
    except Exception as exc:  # noqa: BLE001 - every failure becomes one line, see translate()
        raise translate(exc, settings) from None


_CLOSE_TEXT = re.compile(r"\((\d+)\) (.*?),?\)?$")


def _broker_reason(exc: BaseException) -> tuple[int | None, str]:
    """(reply code, reply text) out of pika's connection/channel close exceptions."""
    if isinstance(exc, (px.ConnectionClosed, px.ChannelClosed)):
        return exc.reply_code, one_line(str(exc.reply_text))
    text = str(exc.args[0]) if exc.args else str(exc)
    found = _CLOSE_TEXT.search(text)
    if found:
        return int(found.group(1)), one_line(_unrepr(found.group(2)))
    return None, one_line(text)


def _unrepr(text: str) -> str:
    """pika wraps the broker's reply text in repr() ('...' or "..." when it holds a quote): undo it."""
    import ast

    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text.strip("'\"")
    return value if isinstance(value, str) else text


def _socket_reason(exc: BaseException) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the broker running there?)"
    if isinstance(exc, ssl.SSLCertVerificationError):
        reason = one_line(exc.verify_message or str(exc)).rstrip(".")
        hint = (
            "--tls-server-name names the host the certificate is for"
            if "mismatch" in reason.lower()
            else "--cacert FILE gives the CA that signed the broker's certificate"
        )
        return f"TLS certificate verification failed: {reason} ({hint})"
    if isinstance(exc, ssl.SSLError):
        reason = one_line(exc.reason or str(exc))
        if reason == "WRONG_VERSION_NUMBER":
            reason += " (the port does not speak TLS: amqps is usually port 5671)"
        return f"TLS handshake failed: {reason}"
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return "no answer (timed out)"
    if isinstance(exc, OSError):
        return one_line(exc.strerror or type(exc).__name__)
    return one_line(str(exc) or type(exc).__name__)


def translate(exc: BaseException, settings: BrokerSettings) -> ToolError:
    """One clear line (never the password) for any failure pika or the socket layer raises."""
    where = settings.describe()
    host = settings.endpoints[0][0]
    if isinstance(exc, ToolError):
        return exc
    if isinstance(exc, socket.gaierror):
        return ConnectError(f"cannot connect to {where}: unknown host {quoted(host)}")
    if isinstance(exc, px.ProbableAuthenticationError | px.AuthenticationError):
        return AccessError(f"authentication failed for user {quoted(settings.username)} at {where}")
    if isinstance(exc, px.ProbableAccessDeniedError):
        _code, text = _broker_reason(exc)
        return AccessError(f"access to vhost {quoted(settings.vhost)} refused at {where}: {text}")
    if isinstance(exc, px.ChannelClosed):
        code, text = _broker_reason(exc)
        kind = AccessError if code == 403 else BrokerError
        return kind(f"the broker refused: {text}")
    if isinstance(exc, px.ConnectionBlockedTimeout):
        return ConnectError(
            f"the broker at {where} blocked publishing (resource alarm: memory or disk) and did not unblock in time"
        )
    if isinstance(exc, px.ConnectionClosedByBroker):
        code, text = _broker_reason(exc)
        if code in (403, 530):
            return AccessError(f"the broker at {where} refused access: {text}")
        return ConnectError(f"the broker at {where} closed the connection: {text}")
    if isinstance(exc, px.IncompatibleProtocolError):
        return ConnectError(
            f"cannot connect to {where}: the server closed the connection before speaking AMQP "
            "(a TLS port? then use an amqps:// URL or --tls)"
        )
    if isinstance(exc, px.StreamLostError | px.AMQPHeartbeatTimeout):
        return ConnectError(f"lost the connection to {where}")
    return _connection_failure(exc, settings, where)


def _connection_failure(exc: BaseException, settings: BrokerSettings, where: str) -> ToolError:
    """translate()'s rest: a connection that could not be made, any other AMQP error, else a bug."""
    if isinstance(exc, px.AMQPConnectionError):
        inner = exc.args[0] if exc.args else None
        if isinstance(inner, BaseException):
            return _from_connector(inner, settings)
        return ConnectError(f"cannot connect to {where}: {one_line(str(exc) or 'connection failed')}")
    if isinstance(exc, AMQPConnectorException | ssl.SSLError | OSError):
        return _from_connector(exc, settings)
    if isinstance(exc, px.AMQPError):
        return BrokerError(f"AMQP error talking to {where}: {one_line(repr(exc))}")
    return ToolError(f"internal error: {type(exc).__name__}: {one_line(str(exc))}")


def _from_connector(exc: BaseException, settings: BrokerSettings) -> ToolError:
    where = settings.describe()
    if isinstance(exc, AMQPConnectorPhaseErrorBase) and exc.exception is not None:
        exc = exc.exception
    if isinstance(exc, AMQPConnectorStackTimeout | socket.timeout | TimeoutError):
        return ConnectError(f"cannot connect to {where}: no answer within {settings.connect_timeout:g} s")
    if isinstance(exc, socket.gaierror):
        return ConnectError(f"cannot connect to {where}: unknown host {quoted(settings.endpoints[0][0])}")
    if isinstance(exc, px.AMQPConnectionError | px.ConnectionClosed):
        return translate(exc, settings)
    return ConnectError(f"cannot connect to {where}: {_socket_reason(exc)}")


def translate_unbound(exc: BaseException) -> ToolError | None:
    """For the error boundary: a pika failure that escaped a command without its settings."""
    if isinstance(exc, px.AMQPError | AMQPConnectorException):
        return translate(exc, BrokerSettings())
    return None
