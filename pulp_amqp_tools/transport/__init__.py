"""The protocol-neutral side of talking to a broker, and the one place a protocol package is chosen.

broker.py: where it is (BrokerSettings); backoff.py: when to retry; interface.py: the seam a
transport implements (amqp091/ with pika, amqp10/ with proton); capabilities.py: what a broker
can do; auto.py: --protocol auto. The functions here are all commands and cli/ ask of a protocol
package: `open_transport()` (a Transport), `message_problem()` (what one message cannot carry) and
`translate_unbound()` (a protocol error that escaped to the boundary). Each imports the package
lazily: neither pika nor proton is loaded for --help or tab completion, and 0-9-1 never loads proton.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulp_amqp_tools.errors import ToolError
    from pulp_amqp_tools.transport.broker import BrokerSettings
    from pulp_amqp_tools.transport.interface import Transport


def open_transport(settings: BrokerSettings, notice: Callable[[str], None]) -> Transport:
    """The transport for `settings.protocol`: AMQP 0-9-1 via pika, or 1.0 via proton (amqp10/).

    `notice` gets one line per reconnect event, for stderr.
    """
    if settings.protocol == "1.0":
        return _amqp10(settings, notice)
    from pulp_amqp_tools.amqp091.session import Session
    from pulp_amqp_tools.transport.auto import Auto

    # forced 0-9-1: Auto only words a 1.0 broker's answer after a failure, and never switches
    return Auto(settings, notice, Session(settings, notice), switch=settings.protocol == "auto")


def _amqp10(settings: BrokerSettings, notice: Callable[[str], None]) -> Transport:
    from pulp_amqp_tools.errors import UsageError

    try:
        from pulp_amqp_tools.amqp10.session import Session
    except ImportError as exc:
        if "proton" not in str(exc):
            raise
        raise UsageError("AMQP 1.0 needs python-qpid-proton: pip install 'pulp-amqp-tools[amqp10]'") from None
    return Session(settings, notice)


def message_problem(
    settings: BrokerSettings, headers: Iterable[tuple[str, Any]], properties: Iterable[tuple[str, Any]], extra: int = 0
) -> str | None:
    """Why a message with these headers and properties cannot be sent over `settings`' protocol
    (too large for one frame, a value its encoder cannot take), or None; `extra`: bytes added later."""
    if settings.protocol == "1.0":
        from pulp_amqp_tools.amqp10.refusals import header_problem

        return header_problem(headers)
    from pulp_amqp_tools.amqp091.frames import frame_problem

    return frame_problem(headers, properties, extra=extra)


def translate_unbound(exc: BaseException) -> ToolError | None:
    """For the error boundary: a protocol library's exception that escaped a command, as a ToolError
    (None: not one of theirs). Only a protocol package that was loaded can have raised it."""
    if "pika" not in sys.modules:
        return None  # proton's errors never escape amqp10/: its handler records, its driver words them
    from pulp_amqp_tools.amqp091.connect import translate_unbound as amqp091_unbound

    return amqp091_unbound(exc)
