"""A throwaway, fully private RabbitMQ node for tests.

``PrivateNode`` runs its own ``rabbitmq-server`` (Erlang VM) with its own node
name, AMQP port, Erlang distribution port, data/log/config dirs, plugin list,
Erlang cookie and ``HOME``, all inside one temporary directory.  It never reads
``/etc/rabbitmq/rabbitmq-env.conf`` or ``/etc/rabbitmq/rabbitmq.conf`` and never
talks to the shared broker (``rabbit@localhost`` on port 5672): ``stop()`` and
``ctl()`` always address this node by its own name with its own cookie.

Typical use::

    with PrivateNode() as node:           # started, stopped and deleted for you
        conn = pika.BlockingConnection(node.params())
        ...
        node.hard_restart()               # full VM restart, same data dir

Gotchas handled here:

* On Debian ``/usr/sbin/rabbitmq-server`` is a wrapper that ``su``\\ s to the
  ``rabbitmq`` user and ``cd``\\ s to ``/var/lib/rabbitmq``; we call the real
  scripts in ``/usr/lib/rabbitmq/bin`` instead, so the node runs as the current
  user (root in CI) with a private ``HOME`` holding a private ``.erlang.cookie``.
* ``RABBITMQ_CONF_ENV_FILE`` points at our own (empty) file, otherwise the
  system ``rabbitmq-env.conf`` would set ``NODENAME=rabbit@localhost``.
* The distribution port is picked explicitly (the default would be AMQP port +
  20000, which can exceed 65535 for ephemeral ports).
* Listeners and Erlang distribution are bound to 127.0.0.1 only; the shared
  epmd on 127.0.0.1 is reused (``ERL_EPMD_ADDRESS=127.0.0.1``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

import pika
import pika.exceptions

from .tlsgen import TlsFiles

__all__ = [
    "NodeStartError",
    "PrivateNode",
    "find_rabbitmq_scripts",
    "free_port",
    "rabbitmq_available",
]

# Ports rabbitmqctl uses for its own (hidden) distribution node by default.
_CTL_DIST_PORTS = range(35672, 35683)
_SHARED_PORTS = {4369, 5671, 5672, 15672, 25672}


class NodeStartError(RuntimeError):
    """The private node did not come up; the message carries the log tail."""


def find_rabbitmq_scripts() -> tuple[Path, Path] | None:
    """Return ``(rabbitmq-server, rabbitmqctl)`` to run directly, or ``None``.

    Honors ``PAT_RABBITMQ_SBIN`` (a directory holding both scripts).  Prefers the
    unwrapped scripts in ``/usr/lib/rabbitmq/bin`` over the Debian ``su`` wrapper.
    """
    candidates: list[Path] = []
    env_dir = os.environ.get("PAT_RABBITMQ_SBIN")
    if env_dir:
        candidates.append(Path(env_dir))
    candidates.append(Path("/usr/lib/rabbitmq/bin"))
    found = shutil.which("rabbitmq-server")
    if found:
        real = Path(found).resolve()
        if real.name != "rabbitmq-script-wrapper":
            candidates.append(real.parent)
    for d in candidates:
        server, ctl = d / "rabbitmq-server", d / "rabbitmqctl"
        if os.access(server, os.X_OK) and os.access(ctl, os.X_OK):
            return server, ctl
    return None


def rabbitmq_available() -> bool:
    """True if a private node can be started on this machine (scripts + erl)."""
    return find_rabbitmq_scripts() is not None and shutil.which("erl") is not None


def free_port(exclude: set[int] | None = None) -> int:
    """A currently free TCP port on 127.0.0.1 (racy by nature, but good enough)."""
    avoid = set(_SHARED_PORTS) | set(_CTL_DIST_PORTS) | (exclude or set())
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = int(s.getsockname()[1])
        if port not in avoid:
            return port
    raise RuntimeError("could not find a free port")


def _port_open(port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout):
            return True
    except OSError:
        return False


def _load_prctl() -> Any:
    """libc's prctl, looked up once in the parent (dlopen is unsafe after fork)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()
_PR_SET_PDEATHSIG = 1


def _set_parent_death_signal() -> None:  # pragma: no cover - runs in the child
    """preexec_fn: send SIGTERM to the launcher script if the test process dies.

    The script's TERM trap then stops the VM gracefully, so a killed pytest does
    not leave an orphaned broker behind.  (Linux only; note the signal fires when
    the *thread* that started the node exits.)
    """
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def _emergency_stop(proc: subprocess.Popen[bytes]) -> None:
    """atexit / finalizer safety net: make sure no VM outlives the test run."""
    if proc.poll() is None:
        _kill_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            _kill_group(proc, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)


class PrivateNode:
    """A private RabbitMQ node in a temp dir.  Not started until :meth:`start`."""

    def __init__(self, tls: TlsFiles | None = None, extra_config: str = "", plugins: tuple[str, ...] = ()) -> None:
        scripts = find_rabbitmq_scripts()
        if scripts is None:
            raise FileNotFoundError("rabbitmq-server / rabbitmqctl not found")
        self._server_script, self._ctl_script = scripts
        self.tls = tls
        self.extra_config = extra_config
        self.plugins = plugins  # e.g. ("rabbitmq_amqp1_0",): its own enabled_plugins file

        suffix = secrets.token_hex(4)
        self.nodename = f"pat-{suffix}@localhost"
        self.base_dir = Path(tempfile.mkdtemp(prefix=f"pat-node-{suffix}-"))
        self.port = free_port()
        self.dist_port = free_port({self.port})
        self._tls_port: int | None = free_port({self.port, self.dist_port}) if tls else None

        self.home_dir = self.base_dir / "home"
        self.mnesia_base = self.base_dir / "mnesia"
        self.log_base = self.base_dir / "log"
        self.log_file = self.log_base / "rabbit.log"
        self.stdout_file = self.log_base / "stdout.log"
        self.config_file = self.base_dir / "rabbitmq.conf"
        self.enabled_plugins_file = self.base_dir / "enabled_plugins"
        self.conf_env_file = self.base_dir / "rabbitmq-env.conf"
        self.pid_file = self.base_dir / "rabbit.pid"
        self._write_files()

        self._proc: subprocess.Popen[bytes] | None = None
        self._finalizer: weakref.finalize[[subprocess.Popen[bytes]], PrivateNode] | None = None
        self.last_start_seconds: float | None = None

    # ------------------------------------------------------------------ setup
    def _write_files(self) -> None:
        for d in (self.home_dir, self.mnesia_base, self.log_base):
            d.mkdir(parents=True, exist_ok=True)
        cookie = self.home_dir / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16).upper())
        os.chmod(cookie, 0o400)
        self.enabled_plugins_file.write_text(f"[{','.join(self.plugins)}].\n")
        self.conf_env_file.write_text("# private test node: deliberately empty\n")
        self.config_file.write_text(self._render_config())

    def _render_config(self) -> str:
        lines = [
            "# generated by tests/support/private_node.py",
            f"listeners.tcp.1 = 127.0.0.1:{self.port}",
            "log.console = false",
            f"log.file = {self.log_file}",
            "log.file.level = info",
            # tests create lots of short-lived connections; keep the node quiet
            "disk_free_limit.absolute = 1MB",
        ]
        if self.tls is not None:
            lines += [
                f"listeners.ssl.1 = 127.0.0.1:{self._tls_port}",
                f"ssl_options.cacertfile = {self.tls.ca_cert}",
                f"ssl_options.certfile = {self.tls.server_cert}",
                f"ssl_options.keyfile = {self.tls.server_key}",
                "ssl_options.verify = verify_peer",
                "ssl_options.fail_if_no_peer_cert = false",
            ]
        if self.extra_config:
            lines.append(self.extra_config.rstrip("\n"))
        return "\n".join(lines) + "\n"

    def env(self) -> dict[str, str]:
        """Environment for rabbitmq-server / rabbitmqctl addressing this node."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("RABBITMQ_", "ERL_", "NOTIFY_SOCKET"))}
        env.update(
            {
                "HOME": str(self.home_dir),  # private .erlang.cookie
                "RABBITMQ_CONF_ENV_FILE": str(self.conf_env_file),
                "RABBITMQ_NODENAME": self.nodename,
                "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
                "RABBITMQ_NODE_PORT": str(self.port),
                "RABBITMQ_DIST_PORT": str(self.dist_port),
                "RABBITMQ_CONFIG_FILE": str(self.config_file),
                "RABBITMQ_ADVANCED_CONFIG_FILE": str(self.base_dir / "advanced.config"),
                "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.enabled_plugins_file),
                "RABBITMQ_MNESIA_BASE": str(self.mnesia_base),
                "RABBITMQ_LOG_BASE": str(self.log_base),
                "RABBITMQ_LOGS": str(self.log_file),
                "RABBITMQ_PID_FILE": str(self.pid_file),
                "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
                "ERL_EPMD_ADDRESS": "127.0.0.1",
                "LC_ALL": "C.UTF-8",
                "LANG": "C.UTF-8",
            }
        )
        return env

    # ------------------------------------------------------------- properties
    @property
    def tls_port(self) -> int:
        if self._tls_port is None:
            raise AttributeError("this PrivateNode has no TLS listener")
        return self._tls_port

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    @property
    def tls_url(self) -> str:
        return f"amqps://guest:guest@localhost:{self.tls_port}/%2F"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def params(self, **kwargs: Any) -> pika.ConnectionParameters:
        """pika parameters for the plain AMQP listener (guest/guest, vhost /)."""
        kwargs.setdefault("credentials", pika.PlainCredentials("guest", "guest"))
        kwargs.setdefault("connection_attempts", 1)
        kwargs.setdefault("socket_timeout", 5)
        return pika.ConnectionParameters(host="127.0.0.1", port=self.port, **kwargs)

    def log_tail(self, lines: int = 40) -> str:
        out = []
        for f in (self.stdout_file, self.log_file):
            if f.exists():
                text = f.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {f.name} ---\n" + "\n".join(text))
        return "\n".join(out)

    # -------------------------------------------------------------- lifecycle
    def start(self, timeout: float = 60) -> PrivateNode:
        """Launch the VM and block until guest can open an AMQP connection."""
        if self.running:
            return self
        t0 = time.monotonic()
        self.launch()
        try:
            self.wait_ready(timeout=timeout)
        except BaseException:
            self._kill()
            raise
        self.last_start_seconds = time.monotonic() - t0
        return self

    def launch(self) -> None:
        """Start the VM without waiting for it (several nodes can then boot side by side).

        Call it from the thread that will outlive the node: the parent-death signal fires when
        the launching *thread* exits.
        """
        if self.running:
            return
        stdout = open(self.stdout_file, "ab")  # handed to the child, closed below
        try:
            self._proc = subprocess.Popen(
                [str(self._server_script)],
                env=self.env(),
                cwd=str(self.base_dir),
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # own process group: kill it as a whole
                preexec_fn=_set_parent_death_signal,
            )
        finally:
            stdout.close()
        self._finalizer = weakref.finalize(self, _emergency_stop, self._proc)
        atexit.register(self._finalizer)

    def wait_ready(self, timeout: float = 60) -> None:
        """Poll until an AMQP connection as guest succeeds (and TLS port listens)."""
        deadline = time.monotonic() + timeout
        last_err: BaseException | None = None
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise NodeStartError(
                    f"{self.nodename} exited with {self._proc.returncode} during start\n" + self.log_tail()
                )
            if _port_open(self.port):
                try:
                    conn = pika.BlockingConnection(self.params(blocked_connection_timeout=5))
                    conn.close()
                except pika.exceptions.AMQPError as e:
                    last_err = e
                else:
                    if self._tls_port is None or _port_open(self._tls_port):
                        return
            time.sleep(0.1)
        raise NodeStartError(
            f"{self.nodename} not ready on port {self.port} within {timeout}s "
            f"(last error: {last_err!r})\n" + self.log_tail()
        )

    def stop(self, timeout: float = 60) -> None:
        """Stop the VM: ``rabbitmqctl -n <node> stop``, falling back to signals."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            try:
                self.ctl("stop", timeout=timeout)
            except (subprocess.SubprocessError, OSError):
                _kill_group(proc, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill()
        self._forget_proc()

    def _kill(self) -> None:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            _kill_group(proc, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)
        # the script's children (erl/beam) share the process group
        if proc is not None:
            _kill_group(proc, signal.SIGKILL)
        self._forget_proc()

    def _forget_proc(self) -> None:
        if self._finalizer is not None:
            atexit.unregister(self._finalizer)
            self._finalizer.detach()
            self._finalizer = None
        self._proc = None

    def restart(self, timeout: float = 60) -> None:
        """Restart the RabbitMQ application inside the running VM (stop_app/start_app)."""
        self.ctl("stop_app", timeout=timeout)
        self.ctl("start_app", timeout=timeout)
        self.wait_ready(timeout=timeout)

    def hard_restart(self, timeout: float = 60) -> None:
        """Stop the whole VM and start it again on the same ports and data dir."""
        self.stop(timeout=timeout)
        self.start(timeout=timeout)

    def ctl(self, *args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``rabbitmqctl -n <this node> *args``; raises CalledProcessError if *check*."""
        res = subprocess.run(
            [str(self._ctl_script), "-n", self.nodename, *args],
            env=self.env(),
            cwd=str(self.base_dir),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if check and res.returncode != 0:
            raise subprocess.CalledProcessError(res.returncode, res.args, output=res.stdout, stderr=res.stderr)
        return res

    def close(self) -> None:
        """Stop the node (if running) and delete its temp dir."""
        try:
            self.stop()
        finally:
            shutil.rmtree(self.base_dir, ignore_errors=True)

    def __enter__(self) -> PrivateNode:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<PrivateNode {self.nodename} port={self.port} running={self.running}>"
