"""Faults that need a broker of our own: restarts, a stalled network, resource alarms, failover.

Everything here runs against a PrivateNode the test module started (never the shared broker).
The Jepsen-style check counts lost and duplicated events in listen's --json output while the
listener's connection is closed by the broker several times and the node is restarted.
"""

from __future__ import annotations

import collections
import json
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import pika
import pytest

from tests.support.broker import unique
from tests.support.faults import close_connections, wait_for
from tests.support.private_node import PrivateNode
from tests.support.processes import command_env, script, start_listener
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.private_node, pytest.mark.timeout(300)]


def node_env(node: PrivateNode, url: str | None = None) -> dict[str, str]:
    return command_env(AMQP_URL=url or node.url)


@pytest.fixture
def durable_exchange(private_node: PrivateNode) -> Iterator[str]:
    """A durable topic exchange, so bindings of a durable queue survive a node restart."""
    name = unique("pat-dx")
    connection = pika.BlockingConnection(private_node.params())
    connection.channel().exchange_declare(name, "topic", durable=True)
    connection.close()
    yield name


def test_stalled_network_is_noticed_within_two_heartbeats_and_recovered(
    private_node: PrivateNode, tcp_proxy: TcpProxy, durable_exchange: str
) -> None:
    url = f"amqp://guest:guest@127.0.0.1:{tcp_proxy.port}/%2F"
    listener = start_listener(
        "-e",
        durable_exchange,
        "--queue",
        unique("pat-q"),
        "-q",
        "-n",
        "1",
        "--heartbeat",
        "2",
        "--connect-timeout",
        "2",
        env=node_env(private_node, url),
    )
    time.sleep(1)
    tcp_proxy.stall()
    stalled_at = time.monotonic()
    assert wait_for(lambda: "lost the connection" in listener.stderr, 10), listener.stderr
    noticed_after = time.monotonic() - stalled_at
    assert noticed_after <= 2 * 2 + 1, noticed_after  # two heartbeat intervals (+ the 1 s poll)
    time.sleep(2)
    tcp_proxy.resume()
    tcp_proxy.cut()  # the old, dead connection must not come back to life
    assert wait_for(lambda: "listening again" in listener.stderr, 30), listener.stderr
    connection = pika.BlockingConnection(private_node.params())
    connection.channel().basic_publish(durable_exchange, "after.stall", b"{}")
    connection.close()
    assert listener.wait(timeout=30) == 0, listener.stderr
    assert listener.lines() == ["after.stall"]
    print(f"stall noticed after {noticed_after:.1f} s; stderr: {listener.stderr!r}")


def test_failover_to_the_next_broker_address(private_node: PrivateNode, durable_exchange: str) -> None:
    with TcpProxy("127.0.0.1", private_node.port) as first, TcpProxy("127.0.0.1", private_node.port) as second:
        urls = f"amqp://guest:guest@127.0.0.1:{first.port}/%2F,amqp://guest:guest@127.0.0.1:{second.port}/%2F"
        listener = start_listener("-e", durable_exchange, "-q", "-n", "1", env=node_env(private_node, urls))
        first.refuse()
        first.cut()
        assert wait_for(lambda: "listening again" in listener.stderr, 20), listener.stderr
        assert f"reconnected (127.0.0.1:{second.port}, moved from 127.0.0.1:{first.port})" in listener.stderr
        assert "reconnecting to the other brokers first" in listener.stderr
        connection = pika.BlockingConnection(private_node.params())
        connection.channel().basic_publish(durable_exchange, "after.failover", b"{}")
        connection.close()
        assert listener.wait(timeout=20) == 0, listener.stderr
        assert listener.lines() == ["after.failover"]


def test_blocked_publishing_ends_with_a_clear_error(private_node: PrivateNode) -> None:
    exchange = unique("pat-x")
    private_node.ctl("set_vm_memory_high_watermark", "0.0000001")
    try:
        started = time.monotonic()
        result = subprocess.run(
            [*script("emit"), "-e", exchange, "-n", "100", "--blocked-timeout", "2"],
            capture_output=True,
            timeout=60,
            env=node_env(private_node),
        )
        took = time.monotonic() - started
    finally:
        private_node.ctl("set_vm_memory_high_watermark", "0.4")
    err = result.stderr.decode()
    assert result.returncode == 7, err
    assert "blocked publishing (resource alarm" in err and "--blocked-timeout 2 s" in err
    assert "were not confirmed" in err and "Traceback" not in err
    assert took < 20


# A slow reader of listen's stdout (about 1000 lines/s), so faults land while messages are in flight.
SLOW_READER = """
import signal, subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
signal.signal(signal.SIGTERM, lambda *_: child.terminate())
for line in child.stdout:
    sys.stdout.buffer.write(line)
    sys.stdout.buffer.flush()
    time.sleep(0.001)
sys.exit(child.wait())
"""


def _emit_batches(
    node: PrivateNode, exchange: str, batches: int, size: int, stderr_lines: list[str], done: threading.Event
) -> None:
    """Emit `batches` x `size` numbered events (repo id = batch); retry a batch that could not even
    connect (the node was down: nothing was published, so no duplicate can come of it)."""
    for batch in range(batches):
        while True:
            result = subprocess.run(
                [
                    *script("emit"),
                    "-e",
                    exchange,
                    "-t",
                    "*",
                    "-n",
                    str(size),
                    "--repo-id",
                    f"b{batch}",
                    "--sequence-header",
                    "seq",
                    "-q",
                ],
                capture_output=True,
                timeout=120,
                env=node_env(node),
            )
            stderr_lines.append(result.stderr.decode())
            if result.returncode == 0:
                break
            assert result.returncode == 3 and b"cannot connect" in result.stderr, result.stderr
            time.sleep(0.5)
        time.sleep(0.1)
    done.set()


def test_jepsen_style_no_loss_and_only_marked_duplicates(private_node: PrivateNode, durable_exchange: str) -> None:
    batches, size = 6, 1000
    expected = {(f"b{b}", n) for b in range(batches) for n in range(1, size + 1)}
    queue, name = unique("pat-jq"), unique("pat-jconn")
    listener = start_listener(
        "-e",
        durable_exchange,
        "--queue",
        queue,
        "--queue-type",
        "quorum",
        "--json",
        "--prefetch",
        "50",
        "--connection-name",
        name,
        env=node_env(private_node),
        command=[sys.executable, "-c", SLOW_READER, *script("listen")],
    )
    assert "quorum" in private_node.ctl("list_queues", "name", "type").stdout
    emit_stderr: list[str] = []
    done = threading.Event()
    emitter = threading.Thread(
        target=_emit_batches, args=(private_node, durable_exchange, batches, size, emit_stderr, done)
    )
    emitter.start()
    closes = restarts = 0
    try:
        for step in range(8):
            time.sleep(0.4)
            if step == 4:
                private_node.hard_restart()
                restarts += 1
            else:
                closes += close_connections(private_node.ctl, name)
        emitter.join(timeout=240)
        assert done.is_set(), emit_stderr

        def seen() -> set[tuple[str, int]]:
            return {(r["body"]["payload"]["repo_id"], r["headers"]["seq"]) for r in map(json.loads, listener.lines())}

        wait_for(lambda: expected <= seen(), 90, step=0.5)
    finally:
        listener.proc.terminate()
        listener.wait(timeout=30)
    records = [json.loads(line) for line in listener.lines()]
    copies: collections.Counter[tuple[str, int]] = collections.Counter()
    redelivered_keys = set()
    for record in records:
        key = (record["body"]["payload"]["repo_id"], record["headers"]["seq"])
        copies[key] += 1
        if record["redelivered"]:
            redelivered_keys.add(key)
    lost = expected - set(copies)
    duplicates = sum(n - 1 for n in copies.values() if n > 1)
    unmarked = sum(n - 1 for key, n in copies.items() if n > 1 and key not in redelivered_keys)
    resent = sum(int(m.group(1)) for text in emit_stderr for m in re.finditer(r"the (\d+) unconfirmed", text))
    figures = (
        f"JEPSEN N={len(expected)} closes={closes} restarts={restarts} lost={len(lost)} "
        f"duplicates={duplicates} redelivered_records={sum(r['redelivered'] for r in records)} "
        f"unmarked_duplicates={unmarked} emit_resent={resent} "
        f"listener_reconnects={listener.stderr.count('listening again')}"
    )
    print(figures)
    assert not lost, (figures, sorted(lost)[:10], listener.stderr)
    assert closes >= 3 and restarts == 1 and listener.stderr.count("listening again") >= 4, listener.stderr
    # A duplicate is either a redelivery (marked) or one of emit's own re-sends after the restart.
    assert unmarked <= resent, (figures, listener.stderr, emit_stderr)
    assert "Traceback" not in listener.stderr
