"""Staying connected (the amqp091 Transport): telling a loss from a refusal, reconnecting, failover.

pika never reconnects by itself (field notes). Both commands open their first connection with
`Session.connect()`, which fails fast; after a loss `Session.recover()` -- the one reconnect step
both loops share -- says why, closes the old connection and tries the brokers again (the one just
lost last) with capped exponential backoff, one stderr notice per event, and gives up only on a
refusal (bad credentials, no permission) or at the caller's deadline. Nothing here runs per
message: the loops call the Watchdog (watchdog.py) once per I/O pass.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable

import pika
import pika.exceptions as px

from pulp_amqp_tools.amqp091 import pikacompat
from pulp_amqp_tools.amqp091.connect import connect, parameters, translate
from pulp_amqp_tools.amqp091.link import Link
from pulp_amqp_tools.errors import AccessError, ConnectError, ToolError
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.transport import backoff
from pulp_amqp_tools.transport.broker import BrokerSettings, host_port
from pulp_amqp_tools.transport.interface import ConnectionLost

Notice = Callable[[str], None]


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


_continued = [False]  # a SIGCONT arrived since the last reconnect: the process had been stopped


def _on_continue(signum: int, frame: object) -> None:
    _continued[0] = True


def _watch_stops() -> None:
    """Note SIGCONT (after Ctrl-Z and fg), so a loss it caused is not blamed on the network."""
    try:
        if signal.getsignal(signal.SIGCONT) in (signal.SIG_DFL, None):
            signal.signal(signal.SIGCONT, _on_continue)
    except (ValueError, OSError, AttributeError):  # not the main thread, or no SIGCONT here
        pass


def _stopped_since_last_asked() -> bool:
    stopped, _continued[0] = _continued[0], False
    return stopped


class Session:
    """Opens connections for one command run: the first fast, later ones with backoff."""

    failures: tuple[type[BaseException], ...] = (px.AMQPError, OSError, ConnectionLost)

    def __init__(self, settings: BrokerSettings, notice: Notice) -> None:
        self.settings = settings
        self.notice = notice
        self.backoff = backoff.Backoff()
        self._link: Link | None = None  # the last link handed out: recover() replaces it
        _watch_stops()

    def connect(self) -> Link:
        """The first connection: a typo or a dead broker fails at once, clearly."""
        self._link = Link(connect(self.settings), self.settings, self.notice)
        return self._link

    def blames_message(self, error: BaseException) -> bool:
        """A connection the broker closed for anything but a shutdown or `close_connection` (320),
        or pika running out of memory while sending (see interface.Transport)."""
        link = self._link
        cause = (pikacompat.closed_error(link.connection) if link is not None else None) or error
        if isinstance(cause, px.ConnectionClosedByBroker):
            return cause.reply_code not in (320, 403, 530)
        return "MemoryError" in repr(cause) or "MemoryError" in repr(error)

    def recover(self, error: BaseException, deadline: Callable[[], float | None]) -> Link:
        """The reconnect step of both loops: why it was lost, close it, connect again (see interface)."""
        link = self._link
        assert link is not None, "recover() before connect()"
        if isinstance(error, ConnectionLost):
            reason: str | None = error.reason
        else:
            reason = lost_reason(pikacompat.closed_error(link.connection) or error) or lost_reason(error)
        if not reason:
            raise translate(error, self.settings) from None
        if not self.settings.reconnect:
            raise ConnectError(f"lost the connection to {self.settings.describe()}: {reason} (--no-reconnect)")
        link.close()
        self._link = Link(self._reconnect(link.endpoint, reason, deadline()), self.settings, self.notice)
        return self._link

    def _reconnect(self, lost: tuple[str, int], reason: str, deadline: float | None) -> pika.BlockingConnection:
        """Connect again after a loss, trying the other brokers first; ToolError when hopeless."""
        where = host_port(*lost)
        if _stopped_since_last_asked():  # the network did not break: we answered no heartbeats while stopped
            reason = "this process was stopped (Ctrl-Z or SIGSTOP), and the broker gave up on it meanwhile"
        self.notice(f"lost the connection to {where} ({reason}); reconnecting")
        self.backoff.reset()
        by_endpoint = {(p.host, p.port): p for p in parameters(self.settings)}
        order = backoff.failover_order(list(by_endpoint), lost)
        while True:
            try:
                return pika.BlockingConnection([by_endpoint[e] for e in order])
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


def _short(error: ToolError) -> str:
    text = error.message
    return text.split(": ", 1)[1] if text.startswith("cannot connect to ") and ": " in text else text
