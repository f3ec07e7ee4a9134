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


def soak(cluster: Cluster, events: int, drop_every: int) -> int:
    suffix = uuid.uuid4().hex[:10]
    exchange, queue, name = f"soak-x-{suffix}", f"soak-q-{suffix}", f"soak-listen-{suffix}"
    env_url = {**{k: v for k, v in os.environ.items() if k != "AMQP_URL"}, "AMQP_URL": cluster.amqp_url()}
    listen = subprocess.Popen(
        [console("pulp-listen"), "-e", exchange, "--queue", queue, "--json", "--connection-name", name],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env_url,
    )
    assert listen.stdout is not None and listen.stderr is not None
    counts, memory = Counts(events), Memory(listen.pid)
    listen_err: list[str] = []
    threads = [
        threading.Thread(target=read_lines, args=(listen.stdout, counts), daemon=True),
        threading.Thread(target=pump, args=(listen.stderr, listen_err), daemon=True),
    ]
    for thread in threads:
        thread.start()
    while not any("listening on exchange" in line for line in listen_err):
        if listen.poll() is not None:
            raise SystemExit(f"soak: pulp-listen exited {listen.returncode}")
        time.sleep(0.05)
    started = time.monotonic()
    emit = subprocess.Popen(
        [console("pulp-emit"), "-e", exchange, "-n", str(events), "--sequence-header", "seq", "--fail-unroutable"],
        stderr=subprocess.PIPE,
        env=env_url,
    )
    assert emit.stderr is not None
    emit_err: list[str] = []
    threading.Thread(target=pump, args=(emit.stderr, emit_err), daemon=True).start()
    drops = restarts = 0
    next_drop, restart_at = drop_every, events // 2
    last_progress, last_seen = time.monotonic(), 0
    try:
        while counts.distinct < events:
            time.sleep(0.5)
            memory.sample(counts.records)
            if counts.distinct != last_seen:
                last_seen, last_progress = counts.distinct, time.monotonic()
            elif time.monotonic() - last_progress > 120:
                print("soak: no progress for 120 s, giving up", file=sys.stderr)
                break
            if restarts == 0 and counts.records >= restart_at:
                node = listener_node(cluster, listen_err)
                print(f"soak: restarting {node.nodename} (port {node.port}) at {counts.records:,}", file=sys.stderr)
                node.stop_now()
                node.start()
                restarts += 1
            if counts.records >= next_drop and next_drop < events:
                drops += close_listener_connection(cluster, name)
                print(f"soak: dropped the listener's connection at {counts.records:,}", file=sys.stderr)
                next_drop += drop_every
        emit_status = emit.wait(timeout=300)
    finally:
        for proc in (emit, listen):
            if proc.poll() is None:
                proc.terminate()
                proc.wait(timeout=30)
    took = time.monotonic() - started
    lost, duplicated, unmarked = counts.summary()
    growth_mb = (memory.at(events) - memory.at(events // 10)) / 1024
    resent = sum(int(m.group(1)) for line in emit_err for m in re.finditer(r"(\d+) sent again", line))
    print(
        f"SOAK events={events:,} took={took:.0f}s emit_status={emit_status} drops={drops} node_restarts={restarts} "
        f"lost={lost} duplicated={duplicated} unmarked_duplicates={unmarked} emit_resent={resent} "
        f"listener_peak_rss={memory.peak_kb / 1024:.1f}MB rss_growth_10_to_100={growth_mb:+.2f}MB"
    )
    ok = lost == 0 and growth_mb < GROWTH_LIMIT_MB and emit_status == 0
    return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--drop-every", type=int, default=100_000)
    args = parser.parse_args()
    cluster = Cluster()
    try:
        cluster.start()
        print(f"soak: cluster of 3 started in {cluster.start_seconds:.1f} s", file=sys.stderr)
        return soak(cluster, args.events, args.drop_every)
    finally:
        cluster.close()


if __name__ == "__main__":
    sys.exit(main())
