"""A throwaway, private garagemq broker (AMQP 0-9-1, in Go) for the tests of brokers that are not RabbitMQ.

``Garagemq`` runs Debian's ``garagemq`` binary with its own YAML config, AMQP port, admin port and
data directory, all inside one temporary directory; it never reads ``/etc/garagemq`` and never
touches the shared RabbitMQ. ``stop()`` signals this process by its own PID only.

Typical use::

    with Garagemq() as broker:      # started, stopped and deleted for you
        run("listen", "-u", broker.url, ...)
        broker.restart()            # the same port and data directory
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType

import pika
import pika.exceptions

from .private_node import free_port

__all__ = ["SKIP_REASON", "Garagemq", "GaragemqStartError", "garagemq_binary"]

SKIP_REASON = "garagemq not installed: cannot start a private garagemq broker (apt-get install garagemq)"
# guest/guest: the config stores the password's md5, as Debian's /etc/garagemq/config.yaml does.
_GUEST_MD5 = "084e0343a0486ff05530df6c705c8bb4"
_CONFIG = """\
proto: amqp-rabbit
users:
  - username: guest
    password: {password}
tcp:
  ip: 127.0.0.1
  port: {port}
  nodelay: false
  readBufSize: 196608
  writeBufSize: 196608
admin:
  ip: 127.0.0.1
  port: {admin_port}
queue:
  shardSize: 8192
  maxMessagesInRam: 131072
db:
  defaultPath: {data}
  engine: badger
vhost:
  defaultPath: /
security:
  passwordCheck: md5
connection:
  channelsMax: 4096
  frameMaxSize: 65536
"""


class GaragemqStartError(RuntimeError):
    """The broker did not come up; the message carries the log tail."""


def garagemq_binary() -> str | None:
    """The garagemq executable (PAT_GARAGEMQ overrides the PATH lookup), or None."""
    return os.environ.get("PAT_GARAGEMQ") or shutil.which("garagemq")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to this one process (its PID), SIGKILL when it does not go within 10 s."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait(timeout=5)


class Garagemq:
    """A private garagemq in a temp dir. Not started until :meth:`start`."""

    def __init__(self) -> None:
        binary = garagemq_binary()
        if binary is None:
            raise FileNotFoundError("garagemq not found")
        self.binary = binary
        self.base_dir = Path(tempfile.mkdtemp(prefix="pat-garagemq-"))
        self.port = free_port()
        self.admin_port = free_port({self.port})
        self.config = self.base_dir / "config.yaml"
        self.log = self.base_dir / "garagemq.log"
        self.config.write_text(
            _CONFIG.format(password=_GUEST_MD5, port=self.port, admin_port=self.admin_port, data=self.base_dir / "db")
        )
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], Garagemq] | None = None

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    def params(self) -> pika.ConnectionParameters:
        return pika.ConnectionParameters("127.0.0.1", self.port, "/", pika.PlainCredentials("guest", "guest"))

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def start(self, timeout: float = 30) -> Garagemq:
        with self.log.open("ab") as log:
            self._proc = subprocess.Popen(
                [self.binary, "--config", str(self.config)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.base_dir,
            )
        self._finalizer = weakref.finalize(self, _stop, self._proc)
        atexit.register(self._finalizer)
        self._wait_ready(timeout)
        return self

    def _wait_ready(self, timeout: float) -> None:
        """Until an AMQP connection with guest/guest opens (the port alone opens earlier)."""
        give_up = time.monotonic() + timeout
        while True:
            assert self._proc is not None
            if self._proc.poll() is not None:
                raise GaragemqStartError(f"garagemq exited with {self._proc.returncode}:\n{self.log_tail()}")
            try:
                pika.BlockingConnection(self.params()).close()
                return
            except pika.exceptions.AMQPError:
                if time.monotonic() > give_up:
                    self.stop()
                    raise GaragemqStartError(
                        f"garagemq did not answer within {timeout:g} s:\n{self.log_tail()}"
                    ) from None
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop this broker by its PID; the data directory stays (for restart())."""
        if self._proc is not None:
            _stop(self._proc)
        if self._finalizer is not None:
            atexit.unregister(self._finalizer)
            self._finalizer.detach()
            self._finalizer = None

    def restart(self, timeout: float = 30) -> None:
        """Stop the process and start a new one on the same port and data directory."""
        self.stop()
        self.start(timeout)

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> Garagemq:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()
