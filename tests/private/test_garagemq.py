"""Issue #20: a broker that is not RabbitMQ (a private garagemq): the seed works, nothing RabbitMQ-only is claimed.

garagemq cannot name a queue, ignores x-queue-type, has no streams or firehose, calls its headers
exchange `amq.header` and refuses any declare of an `amq.*` name with 403. Each test talks to a
real garagemq started for this module (tests/support/garagemq.py) on a private port.
"""

from __future__ import annotations

from collections.abc import Iterator

import pika
import pika.exceptions
import pytest

from tests.support.broker import unique
from tests.support.faults import wait_for
from tests.support.garagemq import SKIP_REASON, Garagemq, garagemq_binary
from tests.support.private_node import free_port
from tests.support.processes import Finished, command_env, run, start_listener

pytestmark = pytest.mark.private_node

ALL_FOUR = [
    "pulp.server.repo.sync.start",
    "pulp.server.repo.sync.finish",
    "pulp.server.repo.publish.start",
    "pulp.server.repo.publish.finish",
]


@pytest.fixture(scope="module")
def garagemq() -> Iterator[Garagemq]:
    if garagemq_binary() is None:
        pytest.skip(SKIP_REASON)
    with Garagemq() as broker:
        yield broker


@pytest.fixture
def env(garagemq: Garagemq) -> dict[str, str]:
    return command_env(AMQP_URL=garagemq.url)


def _queue_exists(broker: Garagemq, name: str) -> bool:
    connection = pika.BlockingConnection(broker.params())
    try:
        connection.channel().queue_declare(name, passive=True)
        return True
    except pika.exceptions.ChannelClosedByBroker as exc:
        assert exc.reply_code == 404, exc
        return False
    finally:
        if connection.is_open:
            connection.close()


def _one_line_error(result: Finished, *needles: str) -> str:
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err
    return err


@pytest.mark.parametrize(
    ("patterns", "expected"),
    [
        ([], ALL_FOUR),
        (["pulp.server.repo.publish.*"], ["pulp.server.repo.publish.start", "pulp.server.repo.publish.finish"]),
        (["pulp.server.repo.*.finish"], ["pulp.server.repo.sync.finish", "pulp.server.repo.publish.finish"]),
    ],
)
def test_seed_transcript(env: dict[str, str], patterns: list[str], expected: list[str]) -> None:
    """Issue #20, 1: `pulp-listen -e pulp -q` needs a private queue the broker cannot name: we name it."""
    exchange = unique("pulp")
    args = ["-e", exchange, "-q"] + [arg for p in patterns for arg in ("-s", p)]
    listener = start_listener(*args, "--timeout", "3", env=env)
    emitted = run("emit", "-e", exchange, env=env)
    assert emitted.returncode == 0, emitted.stderr
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == expected
    # One line on stderr, the ready line; the private queue's name is ours and not announced.
    assert listener.stderr.count("\n") == 1, listener.stderr
    assert "(queue 'pulp-listen-" in listener.ready_line, listener.ready_line


def test_a_named_queue_is_a_plain_queue_and_says_so(env: dict[str, str], garagemq: Garagemq) -> None:
    """Issue #20, 2: no quorum (the default is RabbitMQ's): `queue 'NAME'`, and it keeps what waits."""
    exchange, queue = unique("pulp"), unique("pat-q")
    listener = start_listener("-e", exchange, "--queue", queue, "-q", "-n", "4", env=env)
    assert listener.ready_line.rstrip().endswith(f"for '#' (queue '{queue}'); Ctrl-C to stop"), listener.ready_line
    assert "quorum" not in listener.ready_line and "classic" not in listener.ready_line
    assert run("emit", "-e", exchange, env=env).returncode == 0
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == ALL_FOUR
    again = start_listener("-e", exchange, "--queue", queue, "-q", "--timeout", "1", env=env)
    assert again.ready_line.rstrip().endswith(f"(queue '{queue}'); Ctrl-C to stop"), again.ready_line
    assert again.wait() == 6  # it exists, as it is: nothing waited


def test_queue_type_quorum_is_refused_before_anything_is_declared(env: dict[str, str], garagemq: Garagemq) -> None:
    queue = unique("pat-q")
    result = run("listen", "-e", unique("pulp"), "--queue", queue, "--queue-type", "quorum", "-q", env=env)
    _one_line_error(result, "garagemq", "'quorum'", "RabbitMQ")
    assert not _queue_exists(garagemq, queue)


@pytest.mark.parametrize(
    "options",
    [("--queue-type", "stream"), ("--offset", "first"), ("--queue-type", "stream", "--max-age", "7D")],
)
def test_stream_options_are_refused_naming_the_broker(
    env: dict[str, str], garagemq: Garagemq, options: tuple[str, ...]
) -> None:
    """Issue #20, 2: they were accepted, and read nothing (exit 6); now exit 2 before declaring."""
    queue = unique("pat-s")
    result = run("listen", "-e", unique("pulp"), "--queue", queue, *options, "-q", "--timeout", "1", env=env)
    _one_line_error(result, "garagemq", "no stream queues", "RabbitMQ")
    assert not _queue_exists(garagemq, queue)


def test_the_firehose_and_x_headers_are_refused_naming_the_broker(env: dict[str, str]) -> None:
    _one_line_error(run("listen", "--trace", "-q", env=env), "garagemq", "no firehose")
    refused = run("listen", "-e", "amq.header", "--match", "x-tenant=acme", "-q", env=env)
    _one_line_error(refused, "garagemq", "'x-tenant'", "all-with-x")


def test_amq_header_is_its_headers_exchange(env: dict[str, str]) -> None:
    """Issue #20, 3: it was probed (403, reserved prefix), read as a permission problem, bound as topic."""
    listener = start_listener("-e", "amq.header", "--match", "format=pdf", "-q", "-n", "1", env=env)
    assert "exchange 'amq.header' (headers) for messages with all of format='pdf'" in listener.ready_line
    for subject, value in (("doc.text", "txt"), ("doc.ready", "pdf")):
        header = f"format={value}"
        sent = run("emit", "-e", "amq.header", "--subject", subject, "--body", "{}", "--header", header, env=env)
        assert sent.returncode == 0, sent.stderr
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == ["doc.ready"]
    assert "warning" not in listener.stderr and "permission" not in listener.stderr, listener.stderr


def test_peek_does_not_claim_redelivered(env: dict[str, str]) -> None:
    """Issue #20, 4: garagemq gives requeued messages back with redelivered false."""
    exchange, queue = unique("pulp"), unique("pat-q")
    made = run("listen", "-e", exchange, "--queue", queue, "-q", "--timeout", "0.5", env=env)
    assert made.returncode == 6, made.stderr  # declared and bound, nothing read
    assert run("emit", "-e", exchange, env=env).returncode == 0
    peeked = run("listen", "--queue", queue, "--peek", "-q", env=env)
    err = peeked.stderr.decode()
    assert peeked.returncode == 0, err
    assert peeked.stdout.decode().splitlines() == ALL_FOUR
    assert f"peeked at 4 messages in queue '{queue}'; every one is back in the queue\n" in err, err
    assert "redelivered" not in err


def test_a_refused_connection_names_no_product(env: dict[str, str]) -> None:
    """Issue #20, 5."""
    result = run("listen", "-u", f"amqp://guest:guest@127.0.0.1:{free_port()}/%2F", "-q", env=env)
    err = result.stderr.decode()
    assert result.returncode == 3, err
    assert "connection refused (is the broker running there?)" in err and "RabbitMQ" not in err, err


def test_listen_reconnects_after_the_broker_restarts(env: dict[str, str], garagemq: Garagemq) -> None:
    """One reconnect: the garagemq process is stopped (by its PID) and started again on its port."""
    exchange, queue = unique("pulp"), unique("pat-q")
    listener = start_listener("-e", exchange, "--queue", queue, "-q", "-n", "8", env=env)
    assert run("emit", "-e", exchange, env=env).returncode == 0
    assert wait_for(lambda: len(listener.lines()) == 4, 10), listener.stdout
    garagemq.restart()
    assert wait_for(lambda: "listening again" in listener.stderr, 30), listener.stderr
    assert run("emit", "-e", exchange, env=env).returncode == 0
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == ALL_FOUR * 2
    err = listener.stderr
    assert err.count("lost the connection") == 1 and "Traceback" not in err, err
    assert "quorum" not in err and "RabbitMQ" not in err, err


def test_transient_events_in_a_named_queue_are_lost_on_restart_persistent_ones_kept(
    env: dict[str, str], garagemq: Garagemq
) -> None:
    """Why the README's transient-events promise names RabbitMQ only: here a plain durable queue drops them."""
    exchange, queue = unique("pulp"), unique("pat-q")
    made = run("listen", "-e", exchange, "--queue", queue, "-q", "--timeout", "0.5", env=env)
    assert made.returncode == 6, made.stderr
    assert run("emit", "-e", exchange, env=env).returncode == 0  # as Pulp sent them: transient
    persistent = ("--subject", "kept.one", "--body", "{}", "--property", "delivery_mode=2")
    assert run("emit", "-e", exchange, *persistent, env=env).returncode == 0
    garagemq.restart()
    after = run("listen", "--queue", queue, "--peek", "-q", env=env)
    assert after.returncode == 0, after.stderr
    assert after.stdout.decode().splitlines() == ["kept.one"]
