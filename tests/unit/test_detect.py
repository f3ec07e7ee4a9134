"""transport/detect.py: the protocol a broker names in its answer to the 0-9-1 header.

The byte strings are what real brokers sent here (RabbitMQ 3.10.8, Qpid Broker-J 10.1.0,
ActiveMQ Artemis 2.40.0: tests/private/test_amqp10_brokers.py checks them live); the socket
cases use a loopback peer that answers nothing, to pin the timeout and end-of-stream paths.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from pulp_amqp_tools.transport.detect import AMQP091_HEADER, Answer, choose, classify, probe

RABBITMQ_START = b"\x01\x00\x00\x00\x00\x01\xf0\x00"  # connection.start frame, its first 8 bytes
BROKER_J_START = b"\x01\x00\x00\x00\x00\x01\x9c\x00"


@pytest.mark.parametrize(
    ("raw", "protocol", "layer", "chosen"),
    [
        (RABBITMQ_START, "0-9-1", "", "0-9-1"),
        (BROKER_J_START, "0-9-1", "", "0-9-1"),
        (b"AMQP\x00\x01\x00\x00", "1.0", "", "1.0"),  # Artemis
        (b"AMQP\x03\x01\x00\x00", "1.0", "SASL", "1.0"),
        (b"AMQP\x02\x01\x00\x00", "1.0", "TLS", "1.0"),
        (b"AMQP\x01\x01\x00\x0a", "0-10", "", "1.0"),  # qpidd: 1.0 on the same port
        (b"AMQP\x00\x00\x09\x01", "0-9-1", "", "0-9-1"),
        (b"AMQP\x01\x01\x08\x00", "0-8", "", None),
        (b"AMQP\x01\x01\x00\x09", "0-9", "", None),
    ],
)
def test_answers_name_their_protocol(raw: bytes, protocol: str, layer: str, chosen: str | None) -> None:
    answer = classify(raw)
    assert (answer.protocol, answer.layer, answer.raw) == (protocol, layer, raw)
    assert choose(answer) == chosen


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"HTTP/1.1",
        b"AMQP\x00\x01",  # a header cut short
        b"AMQP\x09\x09\x09\x09",  # an unknown protocol id
        b"\x01\x00\x01\x00\x00\x00\x10\x00",  # a method frame, but not on channel 0
        b"\x08\x00\x00\x00\x00\x00\x00\xce",  # a heartbeat frame, not connection.start
        b"\x01\x00",
    ],
)
def test_anything_else_is_no_protocol(raw: bytes) -> None:
    answer = classify(raw)
    assert answer.protocol is None
    assert choose(answer) is None


def test_only_eight_bytes_count() -> None:
    assert classify(b"AMQP\x00\x01\x00\x00trailing").raw == b"AMQP\x00\x01\x00\x00"


def test_descriptions_name_the_protocol_and_escape_what_is_not() -> None:
    assert classify(RABBITMQ_START).describe() == "AMQP 0-9-1 (connection.start)"
    assert classify(b"AMQP\x03\x01\x00\x00").describe() == "an AMQP 1.0 protocol header, SASL layer"
    assert classify(b"AMQP\x01\x01\x00\x0a").describe() == "an AMQP 0-10 protocol header"
    assert classify(b"", closed=True).describe() == "the connection closed without an answer"
    assert classify(b"").describe() == "no answer"
    hostile = classify(b"\x1b[2J\x1b]0;")
    assert hostile.describe() == "not AMQP (b'\\x1b[2J\\x1b]0;')"
    assert "\x1b" not in hostile.describe()


@pytest.fixture
def peer() -> Iterator[tuple[socket.socket, list[bytes]]]:
    """A loopback TCP peer that accepts one connection and records what it got; it answers nothing."""
    server = socket.create_server(("127.0.0.1", 0))
    got: list[bytes] = []
    yield server, got
    server.close()


def _accept_then(server: socket.socket, got: list[bytes], close: bool) -> threading.Thread:
    def run() -> None:
        conn, _ = server.accept()
        with conn:
            got.append(conn.recv(8))
            if not close:
                conn.recv(1)  # until the prober hangs up

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_probe_sends_the_091_header_and_sees_a_close(peer: tuple[socket.socket, list[bytes]]) -> None:
    server, got = peer
    thread = _accept_then(server, got, close=True)
    answer = probe("127.0.0.1", server.getsockname()[1], timeout=10)
    thread.join(10)
    assert got == [AMQP091_HEADER]
    assert answer == Answer(None, "", b"", closed=True)


def test_probe_gives_up_on_a_silent_peer_within_its_timeout(peer: tuple[socket.socket, list[bytes]]) -> None:
    server, got = peer
    thread = _accept_then(server, got, close=False)
    answer = probe("127.0.0.1", server.getsockname()[1], timeout=0.3)
    thread.join(10)
    assert answer == Answer(None, "", b"", closed=False)
    assert answer.describe() == "no answer"


def test_probe_raises_oserror_when_nothing_listens() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
    with pytest.raises(OSError):
        probe("127.0.0.1", port, timeout=5)
