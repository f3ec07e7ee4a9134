"""Soak: a million events through `pulp-listen --queue` on a private three-node cluster (not in CI).

Run from the repository root, with the .venv that scripts/test.sh sets up::

    .venv/bin/python bench/soak.py                       # 1,000,000 events, ~5-10 min on 2 cores
    .venv/bin/python bench/soak.py --events 200000       # a shorter run

`pulp-emit --sequence-header seq` publishes the events (through all three nodes) while
`pulp-listen --queue --json` (through all three nodes) writes them into this script's pipe. Every
`--drop-every` events the listener's connection is closed by the broker (`rabbitmqctl
close_connection`), and once, half-way, the node it is connected to is stopped and started again.
Prints lost, duplicated (and how many of those the broker did not mark redelivered), the
listener's peak RSS and its RSS growth from 10% to 100% of the events. Exit 0 when nothing was
lost and RSS grew less than 10 MB; 1 otherwise.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.support.cluster import Cluster, ClusterNode  # noqa: E402

SEQ = re.compile(rb'"seq": (\d+)')
REDELIVERED = b'"redelivered": true'
GROWTH_LIMIT_MB = 10.0


def console(name: str) -> str:
    path = Path(sys.executable).with_name(name)
    if not path.exists():
        sys.exit(f"soak: {path} not found: run with the .venv that scripts/test.sh sets up")
    return str(path)


def rss_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of `pid` in kB; (0, 0) once it is gone."""
    rss = hwm = 0
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1])
    except OSError:
        pass
    return rss, hwm


@dataclass
class Counts:
    """Copies per sequence number (capped at 255) and the numbers that came marked redelivered."""

    events: int
    copies: bytearray = field(init=False)
    redelivered: bytearray = field(init=False)
    distinct: int = 0
    records: int = 0

    def __post_init__(self) -> None:
        self.copies = bytearray(self.events + 1)
        self.redelivered = bytearray(self.events + 1)

    def add(self, line: bytes) -> None:
        found = SEQ.search(line)
        if found is None:
            return
        number = int(found.group(1))
        if not 0 < number <= self.events:
            return
        self.records += 1
        if self.copies[number] == 0:
            self.distinct += 1
        self.copies[number] = min(255, self.copies[number] + 1)
        if REDELIVERED in line:
            self.redelivered[number] = 1

    def summary(self) -> tuple[int, int, int]:
        """(lost, duplicated, duplicated without the redelivered mark)."""
        lost = duplicated = unmarked = 0
        for number in range(1, self.events + 1):
            n = self.copies[number]
            if n == 0:
                lost += 1
            elif n > 1:
                duplicated += n - 1
                if not self.redelivered[number]:
                    unmarked += n - 1
        return lost, duplicated, unmarked


@dataclass
class Memory:
    """The listener's RSS sampled against progress."""

    pid: int
    samples: list[tuple[int, int]] = field(default_factory=list)  # (events seen, RSS kB)
    peak_kb: int = 0

    def sample(self, seen: int) -> None:
        rss, hwm = rss_kb(self.pid)
        if rss:
            self.samples.append((seen, rss))
            self.peak_kb = max(self.peak_kb, rss, hwm)

    def at(self, seen: int) -> int:
        """RSS of the first sample taken at or after `seen` events (the last one if none)."""
        for count, rss in self.samples:
            if count >= seen:
                return rss
        return self.samples[-1][1] if self.samples else 0


def read_lines(stream: IO[bytes], counts: Counts) -> None:
    for line in stream:
        counts.add(line)


def listener_node(cluster: Cluster, stderr: list[str]) -> ClusterNode:
    """The node the listener is on now: the last it said it reconnected to, else the first."""
    ports = re.findall(r"reconnected \(127\.0\.0\.1:(\d+)[,)]", "".join(stderr))
    return cluster.by_port(int(ports[-1])) if ports else cluster.nodes[0]


def close_listener_connection(cluster: Cluster, name: str) -> bool:
    ctl = cluster.any_running().ctl
    rows = ctl("list_connections", "pid", "client_properties", timeout=60).stdout.splitlines()
    pids = [row.split("\t", 1)[0] for row in rows if f'{{"connection_name","{name}"}}' in row]
    for pid in pids:
        ctl("close_connection", pid, "soak: dropping the listener's connection on purpose", check=False)
    return bool(pids)


def pump(stream: IO[bytes], sink: list[str]) -> None:
    for raw in stream:
        line = raw.decode(errors="replace")
        sink.append(line)
        sys.stderr.write("  " + line)


class Soak:
    """One run: the listener and the emitter as processes, the faults in a thread, the counting."""

    def __init__(self, cluster: Cluster, events: int, drop_every: int) -> None:
        suffix = uuid.uuid4().hex[:10]
        self.cluster, self.events, self.drop_every = cluster, events, drop_every
        self.exchange, self.queue, self.name = f"soak-x-{suffix}", f"soak-q-{suffix}", f"soak-listen-{suffix}"
        self.env = {**{k: v for k, v in os.environ.items() if k != "AMQP_URL"}, "AMQP_URL": cluster.amqp_url()}
        self.counts = Counts(events)
        self.listen_err: list[str] = []
        self.emit_err: list[str] = []
        self.drops = self.restarts = 0
        self.done = threading.Event()

    def _spawn(self, args: list[str], err: list[str], stdout: int | None) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(args, stdout=stdout, stderr=subprocess.PIPE, env=self.env)
        assert proc.stderr is not None
        threading.Thread(target=pump, args=(proc.stderr, err), daemon=True).start()
        return proc

    def start(self) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
        """The listener (ready first: its queue must exist before anything is published), then emit."""
        listen = self._spawn(
            [
                console("pulp-listen"),
                "-e",
                self.exchange,
                "--queue",
                self.queue,
                "--json",
                "--connection-name",
                self.name,
            ],
            self.listen_err,
            subprocess.PIPE,
        )
        assert listen.stdout is not None
        threading.Thread(target=read_lines, args=(listen.stdout, self.counts), daemon=True).start()
        while not any("listening on exchange" in line for line in self.listen_err):
            if listen.poll() is not None:
                raise SystemExit(f"soak: pulp-listen exited {listen.returncode}")
            time.sleep(0.05)
        emit = self._spawn(
            [
                console("pulp-emit"),
                "-e",
                self.exchange,
                "-n",
                str(self.events),
                "--sequence-header",
                "seq",
                "--fail-unroutable",
            ],
            self.emit_err,
            None,
        )
        return listen, emit

    def faults(self) -> None:
        """A connection drop every `drop_every` events the listener wrote, one node restart half-way.

        Runs in a thread until the end of the run; the node it restarts gets SIGTERM when this thread
        exits (the parent-death signal is per thread), which is when the cluster goes anyway.
        """
        next_drop, restart_at = self.drop_every, self.events // 2
        while not self.done.wait(0.2):
            seen = self.counts.records
            if self.restarts == 0 and seen >= restart_at:
                node = listener_node(self.cluster, self.listen_err)
                say(f"restarting {node.nodename} (port {node.port}), the listener's node, at {seen:,}")
                node.stop_now()
                node.start()
                self.restarts += 1
            elif seen >= next_drop and next_drop < self.events:
                self.drops += close_listener_connection(self.cluster, self.name)
                say(f"dropped the listener's connection at {self.counts.records:,} (due at {next_drop:,})")
                next_drop += self.drop_every

    def watch(self, listen: subprocess.Popen[bytes], emit: subprocess.Popen[bytes]) -> tuple[Memory, int]:
        """Sample the listener's RSS until every event arrived (or nothing came for 120 s)."""
        memory = Memory(listen.pid)
        last_progress, last_seen = time.monotonic(), 0
        while self.counts.distinct < self.events:
            time.sleep(0.5)
            memory.sample(self.counts.records)
            if self.counts.distinct != last_seen:
                last_seen, last_progress = self.counts.distinct, time.monotonic()
            elif time.monotonic() - last_progress > 120:
                say("no progress for 120 s, giving up")
                break
        self.done.set()
        return memory, emit.wait(timeout=300)

    def report(self, memory: Memory, emit_status: int, took: float) -> int:
        lost, duplicated, unmarked = self.counts.summary()
        growth_mb = (memory.at(self.events) - memory.at(self.events // 10)) / 1024
        resent = sum(int(m.group(1)) for line in self.emit_err for m in re.finditer(r"(\d+) sent again", line))
        print(
            f"SOAK events={self.events:,} took={took:.0f}s emit_status={emit_status} drops={self.drops} "
            f"node_restarts={self.restarts} lost={lost} duplicated={duplicated} unmarked_duplicates={unmarked} "
            f"emit_resent={resent} listener_peak_rss={memory.peak_kb / 1024:.1f}MB "
            f"rss_growth_10_to_100={growth_mb:+.2f}MB"
        )
        return 0 if lost == 0 and growth_mb < GROWTH_LIMIT_MB and emit_status == 0 else 1


def say(text: str) -> None:
    print(f"soak: {text}", file=sys.stderr, flush=True)


def soak(cluster: Cluster, events: int, drop_every: int) -> int:
    run = Soak(cluster, events, drop_every)
    listen, emit = run.start()
    started = time.monotonic()
    faults = threading.Thread(target=run.faults, daemon=True)
    faults.start()
    try:
        memory, emit_status = run.watch(listen, emit)
    finally:
        run.done.set()
        for proc in (emit, listen):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
        faults.join(timeout=120)
    return run.report(memory, emit_status, time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--drop-every", type=int, default=100_000)
    args = parser.parse_args()
    cluster = Cluster()
    try:
        cluster.start()
        say(f"cluster of 3 started in {cluster.start_seconds:.1f} s")
        return soak(cluster, args.events, args.drop_every)
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
