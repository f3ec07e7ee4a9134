"""A small threaded TCP proxy for fault-injection tests (connection cuts, dead peers).

    with TcpProxy("127.0.0.1", node.port) as proxy:
        conn = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1", proxy.port))
        proxy.cut()      # RST both sides of every current connection; keep listening
        proxy.stall()    # stop moving bytes (both directions), sockets stay open
        proxy.resume()
        proxy.refuse()   # accept new connections and reset them at once

One listener thread plus one pump thread per proxied connection (bounded by
``max_connections``); every thread is a daemon and is joined by :meth:`close`.
Forwarding is non-blocking with bounded buffers, so a slow reader on one side
never wedges the proxy.
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
from types import TracebackType

__all__ = ["TcpProxy"]

_CHUNK = 65536
_MAX_BUFFER = 4 * _CHUNK
_TICK = 0.05  # how quickly pump threads notice cut()/close()/stall()


def _abort(sock: socket.socket) -> None:
    """Close *sock* with an RST (SO_LINGER 0) instead of a FIN."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    with contextlib.suppress(OSError):
        sock.close()


class _Pipe:
    """One client <-> upstream connection, pumped by its own thread."""

    def __init__(self, proxy: TcpProxy, client: socket.socket) -> None:
        self.proxy = proxy
        self.client = client
        self.upstream: socket.socket | None = None
        self.kill = threading.Event()
        self.thread = threading.Thread(target=self._run, name=f"TcpProxy-pipe-{client.fileno()}", daemon=True)

    def _run(self) -> None:
        try:
            self._pump()
        except OSError:
            pass
        finally:
            # Cut (or any error): reset both sides so peers see a hard failure.
            _abort(self.client)
            if self.upstream is not None:
                _abort(self.upstream)
            self.proxy._discard(self)

    def _pump(self) -> None:
        proxy = self.proxy
        try:
            up = socket.create_connection((proxy.target_host, proxy.target_port), timeout=proxy.connect_timeout)
        except OSError:
            return
        self.upstream = up
        client = self.client
        for s in (client, up):
            s.setblocking(False)
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        to_up = bytearray()
        to_client = bytearray()
        c_fd, u_fd = client.fileno(), up.fileno()
        while not self.kill.is_set():
            if proxy._stalled.is_set():
                self.kill.wait(_TICK)
                continue
            poller = select.poll()
            c_mask = u_mask = 0
            if len(to_up) < _MAX_BUFFER:
                c_mask |= select.POLLIN
            if len(to_client) < _MAX_BUFFER:
                u_mask |= select.POLLIN
            if to_up:
                u_mask |= select.POLLOUT
            if to_client:
                c_mask |= select.POLLOUT
            poller.register(c_fd, c_mask)
            poller.register(u_fd, u_mask)
            events = poller.poll(_TICK * 1000)
            if self.kill.is_set() or proxy._stalled.is_set():
                continue
            for fd, ev in events:
                src, dst_buf = (client, to_up) if fd == c_fd else (up, to_client)
                if ev & (select.POLLIN | select.POLLHUP | select.POLLERR):
                    try:
                        data = src.recv(_CHUNK)
                    except BlockingIOError:
                        data = None
                    if data == b"":
                        self._flush_and_close(client, to_client, up, to_up)
                        return
                    if data:
                        dst_buf += data
                if ev & select.POLLOUT:
                    out_sock, out_buf = (client, to_client) if fd == c_fd else (up, to_up)
                    with contextlib.suppress(BlockingIOError):
                        sent = out_sock.send(out_buf)
                        del out_buf[:sent]

    @staticmethod
    def _flush_and_close(client: socket.socket, to_client: bytearray, up: socket.socket, to_up: bytearray) -> None:
        """One side closed cleanly: best-effort flush, then close both with FIN."""
        for sock, buf in ((client, to_client), (up, to_up)):
            with contextlib.suppress(OSError):
                if buf:
                    sock.setblocking(True)
                    sock.settimeout(1.0)
                    sock.sendall(buf)
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()


class TcpProxy:
    """Forward 127.0.0.1:<port> to ``(target_host, target_port)`` with fault injection."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        *,
        max_connections: int = 64,
        connect_timeout: float = 5.0,
    ) -> None:
        self.target_host = target_host
        self.target_port = target_port
        self.max_connections = max_connections
        self.connect_timeout = connect_timeout
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(64)
        self._listener.settimeout(_TICK)
        self.port: int = int(self._listener.getsockname()[1])
        self._lock = threading.Lock()
        self._pipes: set[_Pipe] = set()
        self._closed = threading.Event()
        self._stalled = threading.Event()
        self._refusing = False
        self._accept_thread: threading.Thread | None = None
        self.accepted = 0  # connections accepted (including refused ones)

    # -------------------------------------------------------------- lifecycle
    def start(self) -> TcpProxy:
        if self._accept_thread is None:
            self._accept_thread = threading.Thread(target=self._accept_loop, name=f"TcpProxy-{self.port}", daemon=True)
            self._accept_thread.start()
        return self

    def close(self) -> None:
        """Stop listening, reset every connection and join all threads."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._accept_thread is not None:
            self._accept_thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self._listener.close()
        self.cut()

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # ------------------------------------------------------------ fault knobs
    def cut(self, timeout: float = 5.0) -> None:
        """Abruptly reset all current connections (both sides); keep accepting new ones."""
        with self._lock:
            pipes = list(self._pipes)
        for p in pipes:
            p.kill.set()
        for p in pipes:
            p.thread.join(timeout=timeout)

    def stall(self) -> None:
        """Stop forwarding bytes in both directions; sockets stay open (a dead peer)."""
        self._stalled.set()

    def resume(self) -> None:
        """Undo :meth:`stall`; buffered bytes flow again."""
        self._stalled.clear()

    def refuse(self, on: bool = True) -> None:
        """While on: accept new connections and reset them immediately."""
        self._refusing = on

    @property
    def active_connections(self) -> int:
        with self._lock:
            return len(self._pipes)

    @property
    def stalled(self) -> bool:
        return self._stalled.is_set()

    # -------------------------------------------------------------- internals
    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if self._closed.is_set():
                    return
                continue
            self.accepted += 1
            with self._lock:
                full = len(self._pipes) >= self.max_connections
                if self._refusing or full or self._closed.is_set():
                    pipe = None
                else:
                    pipe = _Pipe(self, client)
                    self._pipes.add(pipe)
            if pipe is None:
                _abort(client)
            else:
                pipe.thread.start()

    def _discard(self, pipe: _Pipe) -> None:
        with self._lock:
            self._pipes.discard(pipe)

    def __repr__(self) -> str:
        return (
            f"<TcpProxy 127.0.0.1:{self.port} -> {self.target_host}:{self.target_port}"
            f" active={self.active_connections} stalled={self.stalled}>"
        )
