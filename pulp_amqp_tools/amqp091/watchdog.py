"""Noticing a silent broker: heartbeat arithmetic and the check both loops run once per I/O pass."""

from __future__ import annotations

import time

import pika.exceptions as px
from pika.adapters.blocking_connection import BlockingConnection

from pulp_amqp_tools.amqp091 import pikacompat
from pulp_amqp_tools.transport.interface import ConnectionLost


def stale_after(heartbeat: int) -> float | None:
    """Seconds without a byte from the broker after which a connection counts as dead.

    The broker sends something at least every heartbeat/2 seconds, so 1.5 intervals of silence
    is three missed beats: the loss is noticed within two heartbeat intervals, as promised.
    """
    return 1.5 * heartbeat if heartbeat > 0 else None


class Watchdog:
    """Notices a silent peer within two heartbeat intervals, idle or not (pika alone can take 3).

    Only time spent polling the socket counts as silence: after our own thread was busy or stuck
    (a blocked stdout) the broker's bytes may still be unread, so that gap is not held against it.
    """

    POLL_GAP = 1.5  # a longer gap between two checks means we were not polling

    def __init__(self, connection: BlockingConnection, heartbeat: int) -> None:
        self._async = pikacompat.impl(connection)
        self._limit = stale_after(heartbeat)
        self._heartbeat = heartbeat
        self._bytes = pikacompat.bytes_received(self._async)
        self._silent = 0.0
        self._last = time.monotonic()

    def check(self) -> None:
        if self._limit is None:
            return
        now = time.monotonic()
        gap = now - self._last
        self._last = now
        received = pikacompat.bytes_received(self._async)
        if received != self._bytes:
            self._bytes = received
            self._silent = 0.0
            return
        self._silent += min(gap, self.POLL_GAP)
        if self._silent > self._limit:
            reason = f"nothing from the broker for {self._silent:.0f} s (heartbeat {self._heartbeat} s)"
            pikacompat.terminate(self._async, px.AMQPHeartbeatTimeout(reason))
            raise ConnectionLost(reason)
