"""Which AMQP protocol a broker speaks, told by its answer to the 0-9-1 protocol header (`--protocol auto`).

A client opens with `AMQP\\x00\\x00\\x09\\x01`. A 0-9-1 broker answers with connection.start, a
method frame (type 0x01, channel 0); a broker that does not speak 0-9-1 answers with the header
of a protocol it does speak and closes: AMQP 1.0 (`AMQP\\x00\\x01\\x00\\x00`, or
`AMQP\\x03\\x01\\x00\\x00` for its SASL layer: ActiveMQ Artemis answers so) or 0-10
(`AMQP\\x01\\x01\\x00\\x0a`: qpidd, which speaks 1.0 on the same port). `classify` reads those
8 bytes (pure); `probe` sends the header over a fresh socket and reads them; `choose` says which
protocol to connect with. Stdlib only: no client library is loaded to find out which to load.
"""

from __future__ import annotations

import socket
import ssl
import time
from dataclasses import dataclass

__all__ = ["AMQP091_HEADER", "Answer", "choose", "classify", "probe"]

AMQP091_HEADER = b"AMQP\x00\x00\x09\x01"
_FRAME_METHOD = 0x01

# Protocol headers a broker may answer with: "AMQP", protocol id, then version bytes.
_HEADERS = {
    b"\x00\x01\x00\x00": ("1.0", ""),
    b"\x03\x01\x00\x00": ("1.0", "SASL"),
    b"\x02\x01\x00\x00": ("1.0", "TLS"),
    b"\x01\x01\x00\x0a": ("0-10", ""),
    b"\x00\x00\x09\x01": ("0-9-1", ""),
    b"\x01\x01\x00\x09": ("0-9", ""),
    b"\x01\x01\x08\x00": ("0-8", ""),
}


@dataclass(frozen=True)
class Answer:
    """What the broker sent back: the protocol it named (None: not an AMQP answer) and the bytes."""

    protocol: str | None
    layer: str = ""  # "SASL" or "TLS" when the 1.0 header was that layer's
    raw: bytes = b""
    closed: bool = False  # the broker closed the connection (rather than falling silent)

    def describe(self) -> str:
        """For a notice or an error line; never echoes more than the 8 bytes, escaped."""
        if self.protocol == "0-9-1" and self.raw[:1] == bytes([_FRAME_METHOD]):
            return "AMQP 0-9-1 (connection.start)"
        if self.protocol is not None:
            layer = f", {self.layer} layer" if self.layer else ""
            return f"an AMQP {self.protocol} protocol header{layer}"
        if not self.raw:
            return "the connection closed without an answer" if self.closed else "no answer"
        return f"not AMQP ({self.raw!r})"


def classify(raw: bytes, closed: bool = False) -> Answer:
    """The protocol named by the first bytes a broker sent back to the 0-9-1 header (up to 8 used)."""
    raw = raw[:8]
    if raw.startswith(b"AMQP") and len(raw) == 8:
        protocol, layer = _HEADERS.get(raw[4:], (None, ""))
        return Answer(protocol, layer, raw, closed)
    if len(raw) >= 3 and raw[0] == _FRAME_METHOD and raw[1:3] == b"\x00\x00":
        return Answer("0-9-1", "", raw, closed)  # a method frame on channel 0: connection.start
    return Answer(None, "", raw, closed)


def choose(answer: Answer) -> str | None:
    """ "0-9-1" or "1.0" to connect with, or None when the broker speaks neither (say `describe()`).

    0-10 means qpidd (or Broker-J), which speaks 1.0 on the same port; 0-8/0-9 brokers are too old.
    """
    if answer.protocol == "0-9-1":
        return "0-9-1"
    if answer.protocol in ("1.0", "0-10"):
        return "1.0"
    return None


def probe(
    host: str,
    port: int,
    timeout: float,
    tls: ssl.SSLContext | None = None,
    server_hostname: str | None = None,
) -> Answer:
    """Send the 0-9-1 header to host:port (over TLS first with `tls`) and classify the answer.

    `timeout` bounds the whole probe (connect, TLS handshake, answer). Connection errors raise
    OSError (ssl.SSLError for TLS ones), as a connect would: the caller words them.
    """
    deadline = time.monotonic() + timeout
    with socket.create_connection((host, port), timeout=timeout) as plain:
        if tls is None:
            return _exchange(plain, deadline)
        plain.settimeout(max(0.001, deadline - time.monotonic()))
        with tls.wrap_socket(plain, server_hostname=server_hostname or host) as wrapped:
            return _exchange(wrapped, deadline)


def _exchange(sock: socket.socket, deadline: float) -> Answer:
    sock.sendall(AMQP091_HEADER)
    raw = b""
    while len(raw) < 8:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock.settimeout(left)
        try:
            chunk = sock.recv(8 - len(raw))
        except TimeoutError:
            break
        if not chunk:
            return classify(raw, closed=True)
        raw += chunk
    return classify(raw)
