"""The protocol-neutral side of talking to a broker.

broker.py: where it is (BrokerSettings); backoff.py: when to retry; interface.py: the seam a
transport implements (amqp091/ today). `open_transport()` picks the implementation.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pulp_amqp_tools.transport.broker import BrokerSettings
    from pulp_amqp_tools.transport.interface import Transport


def open_transport(settings: BrokerSettings, notice: Callable[[str], None]) -> Transport:
    """The transport for `settings` (AMQP 0-9-1 via pika; a sibling amqp10/ would be chosen here).

    `notice` gets one line per reconnect event, for stderr. Imported lazily: pika is not loaded
    for --help or tab completion.
    """
    from pulp_amqp_tools.amqp091.session import Session

    return Session(settings, notice)
