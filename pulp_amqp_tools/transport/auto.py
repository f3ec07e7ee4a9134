"""--protocol auto: 0-9-1 first; AMQP 1.0 when the broker answers the 0-9-1 header with another protocol's.

A 0-9-1 run costs nothing more: the probe (transport/detect.py) runs only after the 0-9-1
connection failed, and switches to 1.0 only when the broker named 1.0 (or 0-10, qpidd's, which
speaks 1.0 on the same port). That is said once on stderr; any other failure is the 0-9-1 one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from pulp_amqp_tools.errors import ConnectError
from pulp_amqp_tools.transport.broker import BrokerSettings, host_port

if TYPE_CHECKING:
    from pulp_amqp_tools.transport.detect import Answer
    from pulp_amqp_tools.transport.interface import Link, Transport


# 0-9-1 connect failures where no broker answered at all, so no other protocol's header came back
_NOT_A_PROTOCOL_ANSWER = ("no answer within", "connection refused", "unknown host", "TLS handshake", "TLS certificate")


class Auto:
    """A Transport that becomes the 0-9-1 or the 1.0 one at its first connect().

    With `switch` False (--protocol 0-9-1 given), it never switches: a broker that answered with
    1.0's header gets an error line saying so, instead of the bare 0-9-1 failure.
    """

    def __init__(
        self, settings: BrokerSettings, notice: Callable[[str], None], inner: Transport, switch: bool = True
    ) -> None:
        self.settings = settings
        self.notice = notice
        self.inner = inner
        self.failures = inner.failures
        self.switch = switch

    def connect(self) -> Link:
        try:
            return self.inner.connect()
        except ConnectError as error:
            if any(cause in error.message for cause in _NOT_A_PROTOCOL_ANSWER):
                raise  # nobody answered: asking again would only double the wait
            from pulp_amqp_tools.transport import detect  # only after a failure: a 0-9-1 run never loads it

            answer = self._ask()
            if answer is None or detect.choose(answer) != "1.0":
                raise
            if not self.switch:
                where = host_port(*self.settings.endpoints[0])
                raise ConnectError(
                    f"cannot connect over AMQP 0-9-1 (--protocol 0-9-1) to {where}: it answered with "
                    f"{answer.describe()}; use --protocol 1.0 or auto"
                ) from None
        from pulp_amqp_tools.transport import open_transport

        where = host_port(*self.settings.endpoints[0])
        self.notice(f"{where} answered the AMQP 0-9-1 header with {answer.describe()}: connecting over AMQP 1.0")
        self.settings = replace(self.settings, protocol="1.0")
        self.inner = open_transport(self.settings, self.notice)
        self.failures = self.inner.failures
        return self.inner.connect()

    def _ask(self) -> Answer | None:
        from pulp_amqp_tools.transport import detect

        host, port = self.settings.endpoints[0]
        context = None
        if self.settings.tls:
            from pulp_amqp_tools.amqp091.tls import client_context

            s = self.settings
            context = client_context(s.tls_cacert, s.tls_cert, s.tls_key, s.tls_verify)
        try:
            return detect.probe(host, port, self.settings.connect_timeout, context, self.settings.tls_server_name)
        except OSError:
            return None  # the 0-9-1 error already says why

    def blames_message(self, error: BaseException) -> bool:
        return self.inner.blames_message(error)

    def recover(self, error: BaseException, deadline: Callable[[], float | None]) -> Link:
        return self.inner.recover(error, deadline)
