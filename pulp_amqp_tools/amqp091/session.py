"""Staying connected: telling a lost connection from a refusal, reconnecting with backoff, failover.

pika never reconnects by itself (field notes). Both commands open their first connection with
`Session.connect()`, which fails fast; after a loss `Session.reconnect()` tries the brokers again
(the one just lost last) with capped exponential backoff, one stderr notice per event, and gives
up only on a refusal (bad credentials, no permission) or at the caller's deadline. Nothing here
runs per message: the command loops call `Watchdog.check()` once per I/O pass.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pika
import pika.exceptions as px

from pulp_amqp_tools.amqp091.connect import connect, parameters, translate
from pulp_amqp_tools.cli.brokerargs import BrokerSettings
from pulp_amqp_tools.errors import AccessError, ConnectError, ToolError
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.transport import backoff

Notice = Callable[[str], None]
CLOSE_GRACE = 2.0  # seconds a clean close may take before the socket is simply dropped


class ConnectionLost(Exception):
    """The connection died (or was given up as dead); `reason` says how, in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def lost_reason(exc: BaseException) -> str | None:
    """One line if `exc` means the connection was lost (worth reconnecting), else None.

    A broker restart or `rabbitmqctl close_connection` is ConnectionClosedByBroker 320; access
    refusals (403, 530) and a resource-alarm block that outlasted its timeout are not retried.
    """
    if isinstance(exc, ConnectionLost):
        return exc.reason
    if isinstance(exc, BrokenPipeError):
        return None  # our stdout went away, not the broker
    if isinstance(exc, px.ConnectionBlockedTimeout):
        return None
    if isinstance(exc, px.ConnectionClosedByBroker):
        if exc.reply_code in (403, 530):
            return None
        return f"the broker closed it: {one_line(str(exc.reply_text))}"
    if isinstance(exc, px.AMQPHeartbeatTimeout):
        return "no heartbeat from the broker"
    if isinstance(exc, px.StreamLostError):
        return "the network connection broke"
    if isinstance(exc, (px.ConnectionWrongStateError, px.ConnectionClosed)):
        return "the connection closed"
    if isinstance(exc, OSError):
        return one_line(exc.strerror or type(exc).__name__)
    return None


def closed_error(connection: pika.BlockingConnection) -> BaseException | None:
    """Why a BlockingConnection closed, when it did (pika keeps it privately)."""
    result = getattr(connection, "_closed_result", None)
    if result is not None and result.ready:
        return getattr(result.value, "error", None)
    return None


def endpoint_of(connection: pika.BlockingConnection) -> tuple[str, int]:
    params = getattr(connection, "_impl").params
    return str(params.host), int(params.port)


def _abort(impl: Any, reason: str) -> None:
    """Drop the TCP stream at once, as pika's own heartbeat checker does for a dead peer."""
    if not impl.is_closed:
        impl._terminate_stream(px.AMQPHeartbeatTimeout(reason))


def close_quietly(connection: pika.BlockingConnection | None) -> None:
    """Close cleanly (an exclusive queue goes with it) but never wait on a dead peer for long."""
    if connection is None or not connection.is_open:
        return
    impl = getattr(connection, "_impl")
    timer = impl._adapter_call_later(CLOSE_GRACE, lambda: _abort(impl, "close timed out"))
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real outcome
        pass
    finally:
        try:
            impl._adapter_remove_timeout(timer)
        except Exception:  # noqa: BLE001
            pass


class Watchdog:
    """Notices a silent peer within two heartbeat intervals, idle or not (pika alone can take 3).

    Only time spent polling the socket counts as silence: after our own thread was busy or stuck
    (a blocked stdout) the broker's bytes may still be unread, so that gap is not held against it.
    """

    POLL_GAP = 1.5  # a longer gap between two checks means we were not polling

    def __init__(self, connection: pika.BlockingConnection, heartbeat: int) -> None:
        self._impl = getattr(connection, "_impl")
        self._limit = backoff.stale_after(heartbeat)
        self._heartbeat = heartbeat
        self._bytes = self._impl.bytes_received
        self._silent = 0.0
        self._last = time.monotonic()

    def check(self) -> None:
        if self._limit is None:
            return
        now = time.monotonic()
        gap = now - self._last
        self._last = now
        received = self._impl.bytes_received
        if received != self._bytes:
            self._bytes = received
            self._silent = 0.0
            return
        self._silent += min(gap, self.POLL_GAP)
        if self._silent > self._limit:
            reason = f"nothing from the broker for {self._silent:.0f} s (heartbeat {self._heartbeat} s)"
            _abort(self._impl, reason)
            raise ConnectionLost(reason)


class Session:
    """Opens connections for one command run: the first fast, later ones with backoff."""

    def __init__(self, settings: BrokerSettings, notice: Notice) -> None:
        self.settings = settings
        self.notice = notice
        self.backoff = backoff.Backoff()
        self.reconnects = 0

    def connect(self) -> pika.BlockingConnection:
        """The first connection: a typo or a dead broker fails at once, clearly."""
        return connect(self.settings)

    def where(self, endpoint: tuple[str, int]) -> str:
        host, port = endpoint
        return f"{'[' + host + ']' if ':' in host else host}:{port}"

    def reconnect(
        self, lost: tuple[str, int] | None, reason: str, deadline: float | None = None
    ) -> pika.BlockingConnection:
        """Connect again after a loss, trying the other brokers first; ToolError when hopeless."""
        where = self.where(lost) if lost else self.settings.describe()
        self.notice(f"lost the connection to {where} ({reason}); reconnecting")
        self.backoff.reset()
        params = parameters(self.settings)
        by_endpoint = {(p.host, p.port): p for p in params}
        order = backoff.failover_order(list(by_endpoint), lost)
        while True:
            try:
                connection = pika.BlockingConnection([by_endpoint[e] for e in order])
            except Exception as exc:  # noqa: BLE001 - classified below
                error = translate(exc, self.settings)
                if isinstance(error, AccessError):
                    raise error from None
                delay = self.backoff.next_delay()
                if deadline is not None and time.monotonic() + delay > deadline:
                    raise ConnectError(
                        f"lost the connection to {where} ({reason}) and could not reconnect in time: {error.message}"
                    ) from None
                self.notice(f"still no connection ({_short(error)}); retrying in {delay:g} s")
                time.sleep(delay)
                continue
            self.reconnects += 1
            return connection


def _short(error: ToolError) -> str:
    text = error.message
    return text.split(": ", 1)[1] if text.startswith("cannot connect to ") and ": " in text else text
