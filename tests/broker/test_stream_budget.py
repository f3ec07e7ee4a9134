"""A stream read within --max-buffer shows every offset once, without a reconnect (issue 22, item 1).

A stream has no nack or reject: when the byte budget handed a message back, RabbitMQ closed the
connection (NOT_IMPLEMENTED), listen re-attached past the messages it had handed back, and those
were never shown; with the default budget every message over ~268 KB cost a reconnect (the
subscription was paused with basic.cancel, and pika rejects what is in flight then). Pausing on a
stream now holds credit and attaches again at the first offset not handled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.broker import channel, declare_stream, delete, publish, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    stream, exchange = unique("pat-stream"), unique("pat-sx")
    yield stream, exchange
    delete(queues=[stream], exchanges=[exchange])


def _offsets(stdout: bytes) -> list[int]:
    return [json.loads(line)["headers"]["x-stream-offset"] for line in stdout.decode().splitlines()]


def test_a_large_message_over_the_budget_skips_nothing(names: tuple[str, str]) -> None:
    stream, exchange = names
    large = b"x" * (2 * 1024 * 1024)
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [(f"small.{n}", b"s") for n in range(3)] + [("large", large)])
        publish(ch, exchange, [(f"small.{n}", b"s") for n in range(3, 6)])
    read = run("pulp-listen", "--queue", stream, "--offset", "first", "--max-buffer", "1M", "--json", "-n", "7")
    assert read.returncode == 0, read.stderr
    assert _offsets(read.stdout) == list(range(7)), read.stderr  # every offset, once, in order
    stderr = read.stderr.decode()
    assert "lost the connection" not in stderr and "again" not in stderr, stderr


def test_messages_larger_than_budget_over_prefetch_cost_no_reconnect(names: tuple[str, str]) -> None:
    """The default budget (256M) over the default prefetch (1000): 300 KB messages lower the
    prefetch, which on a stream must not drop the connection."""
    stream, exchange = names
    body = b"y" * (300 * 1024)
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [(f"m.{n}", body) for n in range(30)])
    read = run("pulp-listen", "--queue", stream, "--offset", "first", "--json", "-n", "30")
    assert read.returncode == 0, read.stderr
    assert _offsets(read.stdout) == list(range(30)), read.stderr
    stderr = read.stderr.decode()
    assert "lost the connection" not in stderr and "again" not in stderr, stderr
