"""tests/support/tcp_proxy.py without a broker: forwarding, cuts, stalls and refusals on an echo server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from tests.support.tcp_proxy import TcpProxy


@pytest.fixture
def echo_server() -> Iterator[int]:
    """A tiny threaded echo server (to test the proxy without a broker)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    srv.settimeout(0.1)
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def handle(c: socket.socket) -> None:
        with c:
            c.settimeout(0.1)
            while not stop.is_set():
                try:
                    data = c.recv(4096)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                c.sendall(data)

    def serve() -> None:
        while not stop.is_set():
            try:
                c, _ = srv.accept()
            except TimeoutError:
                continue
            t = threading.Thread(target=handle, args=(c,), daemon=True)
            threads.append(t)
            t.start()

    main = threading.Thread(target=serve, daemon=True)
    main.start()
    yield int(srv.getsockname()[1])
    stop.set()
    main.join(5)
    for t in threads:
        t.join(5)
    srv.close()


def _recv_exactly(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            break
        buf += chunk
    return buf


def _is_reset(s: socket.socket) -> bool:
    """True if the peer reset (RST) the connection."""
    s.settimeout(5)
    try:
        s.recv(1)
    except ConnectionResetError:
        return True
    return False


def test_proxy_forwards_cuts_stalls_refuses_without_broker(echo_server: int) -> None:
    before = {t for t in threading.enumerate() if t.name.startswith("TcpProxy")}
    with TcpProxy("127.0.0.1", echo_server) as proxy:
        s = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        big = bytes(range(256)) * 4096  # 1 MiB: exercises the bounded buffers
        sender = threading.Thread(target=s.sendall, args=(big,), daemon=True)
        sender.start()
        assert _recv_exactly(s, len(big)) == big
        sender.join(5)

        proxy.stall()
        s.sendall(b"ping")
        s.settimeout(0.5)
        with pytest.raises(TimeoutError):
            s.recv(4)
        proxy.resume()
        s.settimeout(5)
        assert _recv_exactly(s, 4) == b"ping"

        proxy.cut()
        assert proxy.active_connections == 0
        assert _is_reset(s)
        s.close()

        proxy.refuse(True)
        try:
            r = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        except ConnectionResetError:
            pass  # on a busy machine the proxy's reset can beat connect() back: refused all the same
        else:
            assert _is_reset(r)
            r.close()
        proxy.refuse(False)

        s2 = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
        s2.sendall(b"again")
        assert _recv_exactly(s2, 5) == b"again"
        s2.close()
    after = {t for t in threading.enumerate() if t.name.startswith("TcpProxy")}
    assert after == before, "proxy threads leaked"
