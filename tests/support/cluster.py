"""A private three-node RabbitMQ cluster on loopback: started, hurt and torn down by the tests.

Each node is a :class:`~tests.support.private_node.PrivateNode` (own node name, AMQP and
distribution ports, data dir) sharing one Erlang cookie. The three VMs boot side by side, then
the second and third join the first with ``rabbitmqctl stop_app / join_cluster / start_app``;
:meth:`Cluster.start` returns once every node reports all three as running. :meth:`Cluster.close`
kills every process the cluster started, by process group (the PID it launched), and deletes the
data, also after a failed start. It never touches the shared broker (``rabbit@localhost``).

Faults the tests inject, only ever on these nodes: :meth:`ClusterNode.stop_now` (a graceful
shutdown, as ``rabbitmqctl stop`` does, without the seconds ``rabbitmqctl`` itself takes to boot),
:meth:`ClusterNode.pause` / :meth:`ClusterNode.resume` (SIGSTOP / SIGCONT of the node's VM: a
node cut off from everybody, clients and peers alike) and a start on the same data dir.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType
from typing import TypeVar

from .private_node import NodeStartError, PrivateNode

__all__ = ["Cluster", "ClusterNode"]

T = TypeVar("T")

# Cluster settings for a small, shared machine:
# - autoheal: should a pause ever outlast net_ticktime, the cluster heals itself instead of staying
#   partitioned for the rest of the test module;
# - no busy-waiting schedulers: three VMs on two shared cores must not spin for each other's CPU.
CLUSTER_CONFIG = "cluster_partition_handling = autoheal\nnet_ticktime = 10\n"
ERL_ARGS = "+sbwt none +sbwtdcpu none +sbwtdio none"


class ClusterNode(PrivateNode):
    """One member: a PrivateNode with the cluster's cookie and lighter VM flags."""

    def __init__(self, cookie: str) -> None:
        self._cookie = cookie
        super().__init__(extra_config=CLUSTER_CONFIG)
        self.paused = False
        self.disturbed = False  # hurt since the cluster was last seen whole (see Cluster.heal)

    def _write_files(self) -> None:
        super()._write_files()
        cookie = self.home_dir / ".erlang.cookie"
        os.chmod(cookie, 0o600)
        cookie.write_text(self._cookie)
        os.chmod(cookie, 0o400)

    def env(self) -> dict[str, str]:
        env = super().env()
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] += " " + ERL_ARGS
        return env

    @property
    def beam_pid(self) -> int:
        """The OS pid of this node's Erlang VM, from its pid file, checked to be in our process group."""
        proc = self._proc
        if proc is None or proc.poll() is not None:
            raise RuntimeError(f"{self.nodename} is not running")
        pid = int(self.pid_file.read_text().split()[0])
        if os.getpgid(pid) != proc.pid:  # the script we launched leads the group of its VM
            raise RuntimeError(f"pid {pid} in {self.pid_file} is not {self.nodename}'s VM")
        return pid

    def _signal(self, sig: int) -> None:
        # Only ever our own VM: the pid we launched, still alive and still our child.
        os.kill(self.beam_pid, sig)

    def pause(self) -> None:
        """Freeze the VM: to clients and peers the node is cut off (sockets open, nothing answers)."""
        self._signal(signal.SIGSTOP)
        self.paused = self.disturbed = True

    def resume(self) -> None:
        if self.paused and self.running:
            self._signal(signal.SIGCONT)
        self.paused = False

    def stop_now(self, timeout: float = 60) -> None:
        """A graceful shutdown (the VM's SIGTERM handler runs init:stop, as `rabbitmqctl stop` does)."""
        proc = self._proc
        if proc is None:
            return
        self.resume()
        self.disturbed = True
        if proc.poll() is None:
            self._signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._kill()
        self._forget_proc()

    def restart_app(self, timeout: float = 60) -> None:
        """Restart RabbitMQ inside the running VM (`rabbitmqctl stop_app` / `start_app`)."""
        self.disturbed = True
        self.restart(timeout=timeout)

    def kill(self) -> None:
        """SIGKILL the node's whole process group (teardown: the data goes anyway)."""
        self.resume()
        self._kill()

    def running_nodes(self) -> set[str]:
        """The node names this node reports as running members of its cluster."""
        result = self.ctl("cluster_status", "--formatter", "json", timeout=30)
        return set(json.loads(result.stdout)["running_nodes"])


def _running_nodes(node: ClusterNode) -> set[str]:
    try:
        return node.running_nodes()
    except (subprocess.SubprocessError, OSError, ValueError, KeyError):
        return set()  # not up (yet): reported as missing everything


def _ctl_step(args: tuple[str, ...]) -> Callable[[ClusterNode], object]:
    def step(node: ClusterNode) -> object:
        return node.ctl(*args)

    return step


def _each(nodes: list[ClusterNode], action: Callable[[ClusterNode], T]) -> list[T]:
    """`action` on every node at once (threads only wait for rabbitmqctl processes)."""
    with ThreadPoolExecutor(max_workers=len(nodes)) as pool:
        return list(pool.map(action, nodes))


class Cluster:
    """Three private nodes joined into one cluster. Not started until :meth:`start`."""

    def __init__(self, size: int = 3) -> None:
        cookie = secrets.token_hex(16).upper()
        self.nodes: list[ClusterNode] = []
        try:
            for _ in range(size):
                self.nodes.append(ClusterNode(cookie))
        except BaseException:
            self.close()
            raise
        self.start_seconds: float | None = None

    # ------------------------------------------------------------------ naming
    @property
    def names(self) -> set[str]:
        return {node.nodename for node in self.nodes}

    def urls(self, order: list[ClusterNode] | None = None) -> list[str]:
        return [node.url for node in (order or self.nodes)]

    def amqp_url(self, order: list[ClusterNode] | None = None) -> str:
        """The nodes' URLs comma-separated, as AMQP_URL takes them (first one first)."""
        return ",".join(self.urls(order))

    def by_port(self, port: int) -> ClusterNode:
        for node in self.nodes:
            if node.port == port:
                return node
        raise LookupError(f"no node of this cluster listens on port {port}")

    def by_name(self, nodename: str) -> ClusterNode:
        for node in self.nodes:
            if node.nodename == nodename:
                return node
        raise LookupError(f"{nodename} is not a node of this cluster")

    def any_running(self) -> ClusterNode:
        for node in self.nodes:
            if node.running and not node.paused:
                return node
        raise RuntimeError("no node of the cluster is running")

    # --------------------------------------------------------------- lifecycle
    def start(self, timeout: float = 120) -> Cluster:
        """Boot the nodes side by side, join them to the first, wait until all report the cluster."""
        started = time.monotonic()
        deadline = started + timeout
        for node in self.nodes:
            node.launch()
        for node in self.nodes:
            node.wait_ready(timeout=max(1.0, deadline - time.monotonic()))
        seed, joiners = self.nodes[0], self.nodes[1:]
        # Each rabbitmqctl call boots a CLI VM (1-3 s here): the joiners take each step together.
        for step in (("stop_app",), ("join_cluster", seed.nodename), ("start_app",)):
            _each(joiners, _ctl_step(step))
        self.wait_whole(deadline - time.monotonic())
        self.start_seconds = time.monotonic() - started
        return self

    def wait_whole(self, timeout: float = 60) -> None:
        """Block until every node is up and reports all of them as running members."""
        deadline = time.monotonic() + timeout
        missing: dict[str, set[str]] = {}
        while time.monotonic() < deadline:
            reports = _each(self.nodes, _running_nodes)
            missing = {
                node.nodename: self.names - running
                for node, running in zip(self.nodes, reports, strict=True)
                if running != self.names
            }
            if not missing:
                for node in self.nodes:
                    node.wait_ready(timeout=max(1.0, deadline - time.monotonic()))
                    node.disturbed = False
                return
            time.sleep(0.5)
        raise NodeStartError(
            f"the cluster did not form within {timeout:.0f} s; missing: {missing}\n"
            + "\n".join(node.log_tail(15) for node in self.nodes)
        )

    def heal(self, timeout: float = 90) -> None:
        """Undo what a test did to the nodes (paused, stopped): afterwards the cluster is whole.

        Free when no node was hurt since the cluster was last seen whole (no rabbitmqctl call);
        otherwise every node must report all three again (a resumed node may still be healing).
        """
        for node in self.nodes:
            node.resume()
        down = [node for node in self.nodes if not node.running]
        for node in down:
            node.launch()
        for node in down:
            node.wait_ready(timeout=timeout)
        if any(node.disturbed for node in self.nodes):
            self.wait_whole(timeout)

    def close(self) -> None:
        """Kill every VM this cluster started (by its process group) and delete all data."""
        try:
            for node in self.nodes:
                node.kill()
        finally:
            for node in self.nodes:
                shutil.rmtree(node.base_dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        try:
            return self.start()
        except BaseException:
            self.close()
            raise

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ------------------------------------------------------------------ queues
    def quorum_leader(self, queue: str, timeout: float = 30) -> ClusterNode:
        """The node that leads quorum queue `queue` now (asked of any running node)."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(subprocess.SubprocessError, OSError):
                result = self.any_running().ctl(
                    "list_queues", "-q", "name", "leader", "--formatter", "json", timeout=30
                )
                for row in json.loads(result.stdout or "[]"):
                    if row.get("name") == queue and row.get("leader") in self.names:
                        return self.by_name(row["leader"])
            if time.monotonic() > deadline:
                raise LookupError(f"no leader for quorum queue {queue!r} within {timeout:.0f} s")
            time.sleep(0.3)

    def queue_type(self, queue: str) -> str | None:
        result = self.any_running().ctl("list_queues", "-q", "name", "type", "--formatter", "json", timeout=30)
        for row in json.loads(result.stdout or "[]"):
            if row.get("name") == queue:
                return str(row.get("type"))
        return None
