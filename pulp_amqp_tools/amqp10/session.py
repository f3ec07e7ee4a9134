"""Staying connected over AMQP 1.0 (the amqp10 Transport): the first connection fast, then recover().

The same contract as amqp091/session.py: `connect()` fails at once as one ToolError; after a loss
`recover()` says why, closes the old connection and tries the brokers again (the one just lost
last, transport/backoff.py) until one answers, a refusal (bad credentials), --no-reconnect or the
caller's deadline. The dialect is chosen from each broker's open frame (dialects.choose), so a
failover to another kind of broker speaks that broker's dialect.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from pulp_amqp_tools.amqp10 import dialects
from pulp_amqp_tools.amqp10.connect import open_engine, where
from pulp_amqp_tools.amqp10.link import Link
from pulp_amqp_tools.errors import AccessError, ConnectError, ToolError, UsageError
from pulp_amqp_tools.messages.safetext import one_line
from pulp_amqp_tools.transport import backoff
from pulp_amqp_tools.transport.broker import BrokerSettings, host_port
from pulp_amqp_tools.transport.interface import ConnectionLost

Notice = Callable[[str], None]


class Session:
    """Opens AMQP 1.0 connections for one command run."""

    failures: tuple[type[BaseException], ...] = (ConnectionLost, OSError)

    def __init__(self, settings: BrokerSettings, notice: Notice) -> None:
        if settings.dialect is not None and settings.dialect not in dialects.NAMES:
            raise UsageError(f"unknown AMQP 1.0 dialect {settings.dialect!r}; known: {', '.join(dialects.NAMES)}")
        self.settings = settings
        self.notice = notice
        self.backoff = backoff.Backoff()
        self._link: Link | None = None
        self._said: set[str] = set()  # notices about a dialect, said once per run

    def _open(self, endpoint: tuple[str, int]) -> Link:
        engine = open_engine(self.settings, endpoint)
        props = {str(key): value for key, value in engine.handler.remote_properties.items()}
        product, version = str(props.get("product") or ""), str(props.get("version") or "")
        dialect, guessed = dialects.choose(product, version, self.settings.dialect)
        broker = dialect.capabilities.describe()
        if guessed and broker not in self._said:
            self.notice(f"warning: {broker} is no broker we know: using the qpid dialect")
        elif dialect.untested and dialect.name not in self._said:
            self.notice(f"warning: the {dialect.name} dialect was never tried against a real broker")
        self._said.update((broker, dialect.name))
        return Link(engine, endpoint, self.settings, dialect, self.notice)

    def connect(self) -> Link:
        """The first connection: each broker in the given order; the first failure's line if none answers."""
        first: ToolError | None = None
        for endpoint in self.settings.endpoints:
            try:
                self._link = self._open(endpoint)
                return self._link
            except (AccessError, UsageError):
                raise
            except ToolError as exc:
                first = first or exc
        assert first is not None, "no endpoints"
        raise first

    def blames_message(self, error: BaseException) -> bool:
        """A loss the message being sent can cause: the broker refused a message too large."""
        return "message-size-exceeded" in str(error) or "MemoryError" in repr(error)

    def recover(self, error: BaseException, deadline: Callable[[], float | None]) -> Link:
        link = self._link
        assert link is not None, "recover() before connect()"
        if isinstance(error, ConnectionLost):
            reason = error.reason
        elif isinstance(error, OSError) and not isinstance(error, BrokenPipeError):
            reason = one_line(error.strerror or type(error).__name__)
        else:
            raise error
        if not self.settings.reconnect:
            raise ConnectError(f"lost the connection to {self.settings.describe()}: {reason} (--no-reconnect)")
        link.close()
        self._link = self._reconnect(link.endpoint, reason, deadline())
        return self._link

    def _reconnect(self, lost: tuple[str, int], reason: str, deadline: float | None) -> Link:
        others = " to the other brokers first" if len(set(self.settings.endpoints)) > 1 else ""
        self.notice(f"lost the connection to {host_port(*lost)} ({reason}); reconnecting{others}")
        self.backoff.reset()
        order = backoff.failover_order(list(dict.fromkeys(self.settings.endpoints)), lost)
        while True:
            error: ToolError | None = None
            for endpoint in order:
                try:
                    return self._open(endpoint)
                except AccessError:
                    raise
                except ToolError as exc:
                    error = error or exc
            assert error is not None
            delay = self.backoff.next_delay()
            if deadline is not None and time.monotonic() + delay > deadline:
                raise ConnectError(
                    f"lost the connection to {where(self.settings, lost)} ({reason}) and could not reconnect "
                    f"in time: {error.message}"
                ) from None
            self.notice(f"still no connection ({_short(error)}); retrying in {delay:g} s")
            time.sleep(delay)


def _short(error: ToolError) -> str:
    text = error.message
    return text.split(": ", 1)[1] if text.startswith("cannot connect to ") and ": " in text else text
