"""The protocol-neutral side of talking to a broker.

broker.py: where it is (BrokerSettings); backoff.py: when to retry; interface.py: the seam a
transport implements (amqp091/ with pika, amqp10/ with proton). `open_transport()` picks one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulp_amqp_tools.transport.broker import BrokerSettings
    from pulp_amqp_tools.transport.interface import Transport


def open_transport(settings: BrokerSettings, notice: Callable[[str], None]) -> Transport:
    """The transport for `settings.protocol`: AMQP 0-9-1 via pika, or 1.0 via proton (amqp10/).

    `notice` gets one line per reconnect event, for stderr. Imported lazily: neither pika nor
    proton is loaded for --help or tab completion, and 0-9-1 never loads proton.
    """
    if settings.protocol == "1.0":
        return _amqp10(settings, notice)
    from pulp_amqp_tools.amqp091.session import Session

    if settings.protocol == "auto":
        from pulp_amqp_tools.transport.auto import Auto

        return Auto(settings, notice, Session(settings, notice))
    return Session(settings, notice)


def _amqp10(settings: BrokerSettings, notice: Callable[[str], None]) -> Transport:
    from pulp_amqp_tools.errors import UsageError

    try:
        from pulp_amqp_tools.amqp10.session import Session
    except ImportError as exc:
        if "proton" not in str(exc):
            raise
        raise UsageError("AMQP 1.0 needs python-qpid-proton: pip install 'pulp-amqp-tools[amqp10]'") from None
    return Session(settings, notice)
