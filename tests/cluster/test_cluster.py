"""A real three-node cluster: nodes die, leaders move, a node is cut off, all restart; nothing is lost.

Black-box: `pulp-listen` and `pulp-emit` run as processes against a private cluster
(tests/support/cluster.py) started once for this module; each test counts lost and duplicated
messages Jepsen-style from `pulp-emit --sequence-header` and `pulp-listen --json`
(tests/support/jepsen.py). Faults only ever hit the cluster's own nodes: a graceful stop, a start
on the same data, and SIGSTOP/SIGCONT of a node's VM for a partition.

Every test lets `pulp-listen` declare its --queue without --queue-type: a quorum queue by
default, replicated on all three nodes.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest

from tests.support.cluster import Cluster, ClusterNode
from tests.support.jepsen import Emitter, Tally, complete_lines, moved_to, resent, slowly, wait_until
from tests.support.processes import Listener, command_env, console, start_listener

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(240)]

N = 10_000
# Fast failure detection for the tools: a dead peer is given up within two heartbeats (3 s).
FAST = ["--heartbeat", "2", "--connect-timeout", "2"]
# ...and a broker that stops confirming is left after 5 s (the default is 30).
EMIT_FAST = [*FAST, "--confirm-timeout", "5"]


@pytest.fixture
def whole(cluster: Cluster) -> Iterator[Cluster]:
    """The module's cluster, whole at the start of each test (whatever the previous one did)."""
    cluster.heal()
    yield cluster


def names() -> tuple[str, str]:
    suffix = uuid.uuid4().hex[:10]
    return f"pat-cx-{suffix}", f"pat-cq-{suffix}"


def url_env(cluster: Cluster, first: ClusterNode) -> dict[str, str]:
    """AMQP_URL naming all three nodes, `first` first (where the command connects to begin with)."""
    order = [first] + [node for node in cluster.nodes if node is not first]
    return command_env(AMQP_URL=cluster.amqp_url(order))


def emit_args(exchange: str, count: int, *extra: str) -> list[str]:
    """pulp-emit numbering `count` events in header seq; a message that reached no queue is a failure."""
    return ["-e", exchange, "-n", str(count), "--sequence-header", "seq", "--fail-unroutable", *extra]


def listen(cluster: Cluster, first: ClusterNode, exchange: str, queue: str, slow: bool = False) -> Listener:
    command = [console("listen")]
    return start_listener(
        "-e",
        exchange,
        "--queue",
        queue,
        "--json",
        "--prefetch",
        "200",
        *FAST,
        env=url_env(cluster, first),
        command=slowly(command) if slow else command,
    )


def seen(listener: Listener) -> Tally:
    return Tally.of(complete_lines(listener.stdout))


def finish(listener: Listener, expected: int, timeout: float) -> Tally:
    """Wait until every number up to `expected` arrived (or `timeout`), stop the listener, count."""
    wait_until(lambda: seen(listener).distinct >= expected, timeout, step=0.25)
    listener.proc.terminate()
    assert listener.wait(timeout=30) in (0, 143), listener.stderr
    return seen(listener)


def assert_nothing_lost(tally: Tally, expected: int, *context: str) -> None:
    lost = tally.lost(expected)
    assert not lost, (tally.figures(expected), lost[:10], *context)


def test_listener_moves_when_its_node_and_then_the_queue_leader_stop(whole: Cluster) -> None:
    """Issue #14, 1: zero lost, every duplicate marked redelivered, stderr names the new node."""
    cluster = whole
    n1, n2, n3 = cluster.nodes
    exchange, queue = names()
    listener = listen(cluster, n1, exchange, queue, slow=True)
    stopped: list[ClusterNode] = []
    try:
        assert cluster.queue_type(queue) == "quorum"
        # All 10,000 go into the queue at full speed first; the listener reads them slowly, so
        # both stops land while most are still queued or in flight.
        code, err = Emitter(emit_args(exchange, N, "-q"), url_env(cluster, n3)).finish(60)
        assert code == 0, err
        assert wait_until(lambda: seen(listener).distinct >= 500, 30), listener.stderr
        n1.stop_now()  # the node the listener is connected to
        stopped.append(n1)
        assert wait_until(lambda: "listening again" in listener.stderr, 30), listener.stderr
        leader = cluster.quorum_leader(queue)
        listeners_node = moved_to(listener.stderr)[-1]
        in_flight = seen(listener).distinct
        leader.stop_now()  # the node leading the queue now: two of three are down, the queue waits
        stopped.append(leader)
        time.sleep(1)
        for node in stopped:
            node.launch()  # the listener goes on as soon as one is back: a majority again
        tally = finish(listener, N, 90)
        for node in stopped:
            node.wait_ready()
    finally:
        if listener.proc.poll() is None:
            listener.proc.kill()
    print(
        f"CLUSTER-1 {tally.figures(N)} seen_at_second_stop={in_flight} "
        f"leader_was_listeners_node={leader.port == listeners_node} stderr={listener.stderr!r}"
    )
    assert in_flight < N, "the listener had read everything before the second stop: nothing was tested"
    assert_nothing_lost(tally, N, listener.stderr)
    assert tally.unmarked_duplicates == 0, (tally.figures(N), listener.stderr)
    err = listener.stderr
    assert f"lost the connection to 127.0.0.1:{n1.port}" in err, err
    assert moved_to(err) and moved_to(err)[0] in (n2.port, n3.port), err
    assert "Traceback" not in err
    cluster.wait_whole()


def test_emit_finishes_on_another_node_when_its_node_stops(whole: Cluster) -> None:
    """Issue #14, 2: every message reaches the queue at least once; the summary counts re-sends."""
    cluster = whole
    n1, n2, n3 = cluster.nodes
    exchange, queue = names()
    listener = listen(cluster, n3, exchange, queue)
    try:
        emitter = Emitter(emit_args(exchange, N, "--rate", "2500", *EMIT_FAST), url_env(cluster, n1))
        assert wait_until(lambda: seen(listener).distinct >= 1500, 30), listener.stderr
        n1.stop_now()  # the node emit is connected to, mid-run
        n1.launch()  # boots again while emit goes on elsewhere
        code, err = emitter.finish(90)
        tally = finish(listener, N, 30)
        n1.wait_ready()
    finally:
        if listener.proc.poll() is None:
            listener.proc.kill()
    again = resent(err)
    print(f"CLUSTER-2 {tally.figures(N)} emit_resent={again} emit_seconds={emitter.took:.1f} stderr={err!r}")
    assert code == 0, err
    assert f"lost the connection to 127.0.0.1:{n1.port}" in err, err
    assert moved_to(err) and moved_to(err)[0] in (n2.port, n3.port), err
    assert again > 0 and "sent again after 1 reconnect(s)" in err, err
    assert_nothing_lost(tally, N, err)
    assert tally.unmarked_duplicates <= again, (tally.figures(N), err)
    assert "Traceback" not in err
    cluster.wait_whole()


def test_a_node_cut_off_from_everybody_is_left_behind(whole: Cluster) -> None:
    """Issue #14, 3: with n1 frozen (SIGSTOP), listen and emit go on through n2 and n3, and say so."""
    cluster = whole
    n1, n2, n3 = cluster.nodes
    exchange, queue = names()
    count = 5000
    listener = listen(cluster, n1, exchange, queue)
    try:
        # A channel stuck on the frozen node's old queue leader confirms nothing: leave it after 3 s.
        emitter = Emitter(
            emit_args(exchange, count, "--rate", "1000", *FAST, "--confirm-timeout", "3"), url_env(cluster, n1)
        )
        assert wait_until(lambda: seen(listener).distinct >= 500, 30), listener.stderr
        n1.pause()
        paused_at = time.monotonic()
        code, err = emitter.finish(120)
        tally = finish(listener, count, 60)
        still_paused = n1.paused
        done_after = time.monotonic() - paused_at
    finally:
        if listener.proc.poll() is None:
            listener.proc.kill()
        n1.resume()
    print(
        f"CLUSTER-3 {tally.figures(count)} done_after_pause={done_after:.1f}s emit_resent={resent(err)} "
        f"emit_stderr={err!r} listen_stderr={listener.stderr!r}"
    )
    assert still_paused  # all of it happened through the majority
    assert code == 0, err
    assert_nothing_lost(tally, count, err, listener.stderr)
    # A frozen node sends nothing: listen notices the silence (heartbeats); emit notices that or,
    # while it paces its messages, the missing confirms, whichever comes first.
    silent = f"lost the connection to 127.0.0.1:{n1.port} (nothing from the broker"
    unconfirmed = f"lost the connection to 127.0.0.1:{n1.port} (no confirm from the broker"
    assert silent in listener.stderr, listener.stderr
    assert silent in err or unconfirmed in err, err
    for stderr in (err, listener.stderr):
        assert moved_to(stderr) and set(moved_to(stderr)) <= {n2.port, n3.port}, stderr
        assert "Traceback" not in stderr
    assert tally.unmarked_duplicates <= resent(err), tally.figures(count)
    cluster.wait_whole(120)  # autoheal brings n1 back into the cluster


def test_rolling_restart_under_a_steady_emit(whole: Cluster) -> None:
    """Issue #14, 4: every node restarted in turn during `--rate 500` emit and a listen: zero lost.

    Each node restarts RabbitMQ inside its running VM (`rabbitmqctl stop_app` / `start_app`): to
    clients and queues the same as a node restart (connections closed with CONNECTION_FORCED, the
    queue's member stops and its leader moves), and seconds quicker than booting a VM, which the
    other tests do.
    """
    cluster = whole
    exchange, queue = names()
    count = 9_000  # 18 s at --rate 500: longer than three restarts take here (3-9 s each)
    listener = listen(cluster, cluster.nodes[0], exchange, queue)
    restarts: list[tuple[str, float]] = []
    try:
        emitter = Emitter(emit_args(exchange, count, "--rate", "500", *EMIT_FAST), url_env(cluster, cluster.nodes[1]))
        assert wait_until(lambda: seen(listener).distinct >= 250, 30), listener.stderr
        # emit's node first: restarts here took 4-12 s each under load, and emit's 18 s must span its own
        for node in (cluster.nodes[1], cluster.nodes[0], cluster.nodes[2]):
            began = time.monotonic()
            node.restart_app()
            restarts.append((node.nodename, round(time.monotonic() - began, 1)))
        emit_running_after_restarts = emitter.running
        code, err = emitter.finish(120)
        tally = finish(listener, count, 60)
    finally:
        if listener.proc.poll() is None:
            listener.proc.kill()
    print(
        f"CLUSTER-4 {tally.figures(count)} restarts={restarts} emit_running_after={emit_running_after_restarts} "
        f"emit_resent={resent(err)} emit_stderr={err!r} listen_stderr={listener.stderr!r}"
    )
    assert code == 0, err
    assert_nothing_lost(tally, count, err, listener.stderr)
    assert tally.unmarked_duplicates <= resent(err), tally.figures(count)
    assert "reconnected (" in err and "listening again" in listener.stderr, (err, listener.stderr)
    assert "Traceback" not in listener.stderr + err
    cluster.wait_whole()
