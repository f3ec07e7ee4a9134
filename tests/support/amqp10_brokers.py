"""Private AMQP 1.0 brokers for tests: Qpid Broker-J, ActiveMQ Artemis, RabbitMQ's 1.0 plugin.

Each runs in a temporary directory of its own, on free loopback ports, as its own process group
(stopped by PID, killed if the test process dies), with guest/guest over SASL PLAIN on plain TCP.
All share one surface, `Amqp10Broker`: `url`, `host`, `port`, `product` and `version` (read from
the broker's open frame once it answers), `start_seconds`, `restart()` (stop by PID, start again
on the same data: for durable and reconnect tests) and `kill_connections()`.
"""

from __future__ import annotations

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

from .amqp10_open import OpenFailed, open_properties
from .private_node import PrivateNode, _kill_group, _port_open, _set_parent_death_signal, free_port

__all__ = ["Amqp10Broker", "BrokerStartError", "JavaBroker", "RabbitAmqp10"]


class BrokerStartError(RuntimeError):
    """The broker did not answer an AMQP 1.0 open in time; the message carries its log tail."""


class Amqp10Broker:
    """What every 1.0 test broker offers; subclasses start and stop the actual process."""

    host = "127.0.0.1"
    user = "guest"
    password = "guest"
    kill_restarts = True  # kill_connections() restarts the broker (unless a subclass does better)

    def __init__(self, base_dir: Path | None = None, port: int | None = None) -> None:
        self.base_dir = base_dir or Path(tempfile.mkdtemp(prefix=f"pat-{type(self).__name__.lower()}-"))
        self.port = port or free_port()
        self.properties: dict[str, str] = {}
        self.start_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"amqp://{self.user}:{self.password}@{self.host}:{self.port}"

    @property
    def product(self) -> str:
        return self.properties.get("product", "")

    @property
    def version(self) -> str:
        return self.properties.get("version", "")

    def start(self, timeout: float = 120) -> Amqp10Broker:
        t0 = time.monotonic()
        self._launch()
        try:
            self._wait_open(time.monotonic() + timeout)
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0
        return self

    def _wait_open(self, deadline: float) -> None:
        error = "port closed"
        while time.monotonic() < deadline:
            if not self.running:
                raise BrokerStartError(f"{type(self).__name__} exited during start\n{self.log_tail()}")
            if _port_open(self.port):
                try:
                    left = deadline - time.monotonic()
                    self.properties = open_properties(self.url, timeout=max(1.0, min(20.0, left)))
                    return
                except OpenFailed as e:
                    error = str(e)
            time.sleep(0.2)
        raise BrokerStartError(f"{type(self).__name__} not open on {self.port} ({error})\n{self.log_tail()}")

    def restart(self, timeout: float = 120) -> None:
        """Stop the broker by PID and start it again on the same ports and data."""
        self.stop()
        self.start(timeout)

    def kill_connections(self) -> None:
        """Make the broker drop every client connection (a restart unless it can do better)."""
        self.restart()

    def close(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> Amqp10Broker:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.product} {self.version} port={self.port} running={self.running}>"

    # what a subclass provides
    @property
    def running(self) -> bool:
        raise NotImplementedError

    def _launch(self) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def log_tail(self, lines: int = 40) -> str:
        raise NotImplementedError


def _stop_group(proc: subprocess.Popen[bytes], timeout: float) -> None:
    """SIGTERM the process group (the JVMs shut down cleanly on it), SIGKILL what outlives it."""
    _kill_group(proc, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
    _kill_group(proc, signal.SIGKILL)  # a child that left the JVM's side (none expected)


class JavaBroker(Amqp10Broker):
    """A broker that is one JVM started by a script: its command, environment and log file."""

    def __init__(self) -> None:
        super().__init__()
        self.log_file = self.base_dir / "console.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes], float], JavaBroker] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    def environment(self) -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if not k.startswith(("JAVA_", "_JAVA_", "CLASSPATH"))}

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _launch(self) -> None:
        if self.running:
            return
        with open(self.log_file, "ab") as log:
            self._proc = subprocess.Popen(
                self.command(),
                env=self.environment(),
                cwd=str(self.base_dir),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, stopped as a whole
                preexec_fn=_set_parent_death_signal,
            )
        self._finalizer = weakref.finalize(self, _stop_group, self._proc, 15.0)

    def stop(self) -> None:
        if self._proc is not None:
            _stop_group(self._proc, 30)
        if self._finalizer is not None:
            self._finalizer.detach()
        self._proc = self._finalizer = None

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_file.exists():
            return ""
        return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])


class RabbitAmqp10(Amqp10Broker):
    """A private RabbitMQ node with rabbitmq_amqp1_0: 1.0 and 0-9-1 on the same port."""

    kill_restarts = False

    def __init__(self) -> None:
        self.node = PrivateNode(plugins=("rabbitmq_amqp1_0",))
        super().__init__(self.node.base_dir, self.node.port)

    @property
    def running(self) -> bool:
        return self.node.running

    def _launch(self) -> None:
        self.node.launch()

    def stop(self) -> None:
        self.node.stop()

    def kill_connections(self) -> None:
        """Ask every connection's reader on this node to shut down: the broker closes it itself.

        Not `rabbitmqctl close_all_connections`: on 3.10 it does not see 1.0 connections ("Closed 0
        connections"). The readers are the `reader` children of the listener's ranch connections.
        """
        sups = f"ranch:procs(rabbit_networking:ranch_ref({{127,0,0,1}}, {self.port}), connections)"
        close = 'catch rabbit_reader:shutdown(R, "closed by the test")'
        self.node.ctl("eval", f"[{close} || S <- {sups}, {{reader, R, _, _}} <- supervisor2:which_children(S)], ok.")

    def log_tail(self, lines: int = 40) -> str:
        return self.node.log_tail(lines)
