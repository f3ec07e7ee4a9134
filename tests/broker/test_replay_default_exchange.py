"""Default-exchange traffic replays (issue 22, item 10): a --trace recording names the exchange ''
(the default one), which a replay now takes as it is, and `pulp-emit -e ''` names it explicitly.
Against the shared broker: the default exchange routes to the queue the routing key names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from pulp_amqp_tools.messages.delivery import Delivery, json_line
from tests.support.broker import channel, delete, take, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def queue() -> Iterator[str]:
    name = unique("replay-default-q")
    with channel() as ch:
        ch.queue_declare(name, arguments={"x-queue-type": "classic"})
    yield name
    delete(queues=[name])


def test_a_recording_of_the_default_exchange_replays_to_it(queue: str, tmp_path: Path) -> None:
    recording = tmp_path / "trace.ndjson"
    # What `pulp-listen --trace --json` writes for a message published to the default exchange.
    recording.write_text(json_line(Delivery("", queue, b'{"via": "default"}', headers={"x-n": 1})))
    assert json.loads(recording.read_text())["exchange"] == ""
    result = run("pulp-emit", "--replay", str(recording))
    assert result.returncode == 0, result.stderr
    assert "exchange ''" in result.stderr.decode()
    with channel() as ch:
        ((_method, properties, body),) = take(ch, queue, 1)
    assert body == b'{"via": "default"}' and properties.headers == {"x-n": 1}


def test_emit_e_empty_names_the_default_exchange(queue: str) -> None:
    result = run("pulp-emit", "-e", "", "--subject", queue, "--body", "direct to the queue", "--fail-unroutable")
    assert result.returncode == 0, result.stderr
    with channel() as ch:
        ((_method, _properties, body),) = take(ch, queue, 1)
    assert body == b"direct to the queue"


def test_listen_still_refuses_the_default_exchange_and_says_why() -> None:
    result = run("pulp-listen", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "-e", "")
    (line,) = result.err_lines
    assert result.returncode == 2 and "must not be empty" in line and "--trace" in line, line
