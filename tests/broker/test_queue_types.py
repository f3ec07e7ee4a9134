"""--queue declares a quorum queue by default: Pulp's transient events survive a broker restart.

The restart test runs on a private single node (quorum queues work on one node too) and keeps a
classic queue next to the quorum one as the control: the same 1,000 transient events are gone from
it after the restart, which is why quorum is the default.
"""

from __future__ import annotations

import subprocess
import uuid

import pika
import pytest

from pulp_amqp_tools.commands import listen
from tests.support.broker import BROKER_URL, delete_queue
from tests.support.commands import command_env, run
from tests.support.jepsen import Tally
from tests.support.private_node import PrivateNode
from tests.support.procs import console

EVENTS = 1000


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--queue", "q"], "quorum"),
        (["--queue", "q", "--queue-type", "quorum"], "quorum"),
        (["--queue", "q", "--queue-type", "classic"], "classic"),
        ([], None),  # a private queue: exclusive, so always classic, and not ours to choose
    ],
)
def test_a_named_queue_is_quorum_unless_told_otherwise(argv: list[str], expected: str | None) -> None:
    options = listen.options_from_args(listen.build_parser().parse_args(argv), {})
    assert options.queue_type == expected


@pytest.mark.broker
@pytest.mark.parametrize(
    ("arguments", "durable", "flag", "shown"),
    [
        (None, True, [], "(classic queue '{}')"),  # as --queue declared it before quorum was the default
        ({"x-queue-type": "quorum"}, True, ["--queue-type", "classic"], "(quorum queue '{}')"),
        ({"x-queue-type": "classic"}, False, [], "(classic queue '{}')"),  # not durable: only classic can be
        ({"x-max-length": 10}, True, [], "(queue '{}')"),  # other arguments differ: its type stays unknown
    ],
)
def test_an_existing_queue_is_kept_and_the_ready_line_names_its_type(
    arguments: dict[str, object] | None, durable: bool, flag: list[str], shown: str
) -> None:
    queue = f"pat-eq-{uuid.uuid4().hex[:10]}"
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        connection.channel().queue_declare(queue, durable=durable, arguments=arguments)
        result = run("listen", "-e", "amq.topic", "-s", queue, "--queue", queue, *flag, "--timeout", "0.3")
        assert result.returncode == 6, result.stderr
        assert shown.format(queue) in result.stderr.decode(), result.stderr
        again = connection.channel().queue_declare(queue, passive=True)  # still there, as it was declared
        assert again.method.queue == queue
    finally:
        connection.close()
        delete_queue(queue)


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
