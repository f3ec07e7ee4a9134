"""`pulp-emit --replay` refuses a record whose values it would send changed (issue 22, item 9):
one line naming the record and the field, exit 2, and nothing published (the shared broker's
queue stays empty) although the records before it were good."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.broker import channel, delete, message_count, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    exchange, queue = unique("replay-exact-x"), unique("replay-exact-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(queue, arguments={"x-queue-type": "classic"})
        ch.queue_bind(queue, exchange, "#")
    yield exchange, queue
    delete(queues=[queue], exchanges=[exchange])


def record(headers: dict[str, Any]) -> str:
    return json.dumps({"subject": "a.b", "exchange": "x", "body": "b", "headers": headers}) + "\n"


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ({"$bytes": "not*base64"}, "$bytes is not base64"),
        ({"$float": "nan"}, "float nan cannot be sent"),
        (2**64, "does not fit AMQP's 64-bit signed integer"),
    ],
)
def test_a_changed_value_is_refused_with_its_record_and_field(
    bound: tuple[str, str], tmp_path: Path, value: Any, said: str
) -> None:
    exchange, queue = bound
    recording = tmp_path / "rec.ndjson"
    recording.write_text(record({"x-ok": 1}) + record({"x-ok": 2}) + record({"x-bad": value}))
    result = run("pulp-emit", "--replay", str(recording), "-e", exchange)
    lines = result.err_lines
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "line 3" in lines[0] and "header 'x-bad'" in lines[0] and said in lines[0], lines
    with channel() as ch:
        assert message_count(ch, queue) == 0
