"""A default --queue (quorum) keeps Pulp's transient events through a broker restart; a classic one does not.

On a private single node (quorum queues work on one node too), the classic queue beside it the control."""

from __future__ import annotations

import subprocess
import uuid

import pytest

from tests.support.jepsen import Tally
from tests.support.private_node import PrivateNode
from tests.support.processes import command_env, console

EVENTS = 1000


def _run(args: list[str], node: PrivateNode, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=command_env(AMQP_URL=node.url))


def _declare(node: PrivateNode, exchange: str, queue: str, *extra: str) -> subprocess.Popen[str]:
    """pulp-listen declaring and binding `queue`, then giving up after a second of quiet (exit 6)."""
    return subprocess.Popen(
        [console("listen"), "-e", exchange, "--queue", queue, "-q", "--timeout", "1", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(AMQP_URL=node.url),
    )


def _queue_types(node: PrivateNode) -> dict[str, str]:
    rows = node.ctl("list_queues", "-q", "name", "type").stdout.splitlines()
    return dict(row.split("\t")[:2] for row in rows if "\t" in row)


@pytest.mark.private_node
@pytest.mark.timeout(180)
def test_a_default_queue_keeps_pulps_transient_events_through_a_restart(private_node: PrivateNode) -> None:
    suffix = uuid.uuid4().hex[:10]
    exchange, quorum, classic = f"pat-rx-{suffix}", f"pat-rq-{suffix}", f"pat-rc-{suffix}"
    declared = [
        _declare(private_node, exchange, quorum),
        _declare(private_node, exchange, classic, "--queue-type", "classic"),
    ]
    ready = [proc.communicate(timeout=60)[1] for proc in declared]
    assert [proc.returncode for proc in declared] == [6, 6], ready
    types = _queue_types(private_node)
    assert (types[quorum], types[classic]) == ("quorum", "classic")
    assert "quorum queue" in ready[0] and "classic queue" in ready[1], ready

    # Pulp's events as Pulp sends them: transient (no delivery_mode), no content type.
    sent = _run(
        [
            console("emit"),
            "-e",
            exchange,
            "-n",
            str(EVENTS),
            "--sequence-header",
            "seq",
            "--fail-unroutable",
            "-q",
        ],
        private_node,
    )
    assert sent.returncode == 0, sent.stderr
    private_node.hard_restart()

    after = _run(
        [console("listen"), "-e", exchange, "--queue", quorum, "--json", "-n", str(EVENTS), "--timeout", "10"],
        private_node,
    )
    control = _run([console("listen"), "-e", exchange, "--queue", classic, "-q", "--timeout", "2"], private_node)
    tally = Tally.of(after.stdout.splitlines())
    print(f"QUORUM-RESTART {tally.figures(EVENTS)} classic_after_restart={len(control.stdout.splitlines())}")
    assert after.returncode == 0, after.stderr
    assert tally.lost(EVENTS) == [] and tally.duplicates == 0, tally.figures(EVENTS)
    assert control.returncode == 6 and control.stdout == "", control.stderr  # the classic queue lost them all
