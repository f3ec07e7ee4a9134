"""emit as a scripting and load tool, against the real broker: replay, pacing, --lines, headers, properties."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.messages.delivery import Delivery, json_line
from pulp_amqp_tools.messages.properties import SETTABLE
from tests.support.broker import delete_exchange, drain, unique
from tests.support.processes import run, start_listener

PROPERTY_NAMES = SETTABLE  # every basic property emit sends (not user_id, cluster_id)


def tap(channel: BlockingChannel, exchange: str) -> str:
    channel.exchange_declare(exchange, exchange_type="topic")
    queue = channel.queue_declare("", exclusive=True).method.queue
    channel.queue_bind(queue, exchange, "#")
    return queue


def seen(props: pika.BasicProperties) -> dict[str, Any]:
    return {name: getattr(props, name) for name in (*PROPERTY_NAMES, "headers")}


@pytest.fixture
def second_exchange() -> Iterator[str]:
    name = unique("pat-x2")
    yield name
    delete_exchange(name)


ORIGINALS: list[tuple[str, bytes, dict[str, Any]]] = [
    (
        "pulp.server.repo.sync.start",
        b'{"event_type": "repo.sync.start", "payload": {"repo_id": "zoo"}}',
        {"headers": {"qpid.subject": "pulp.server.repo.sync.start"}},
    ),
    ("odd.json", b'{ "b":[1, 2.50,"\\u00e9"],  "a" : null }\n', {"content_type": "application/json"}),
    (
        "bin.ary",
        bytes(range(256)) * 3,
        {
            "content_type": "application/octet-stream",
            "delivery_mode": 2,
            "priority": 3,
            "expiration": "600000",
            "message_id": "m-1",
            "correlation_id": "c-1",
            "reply_to": "r.q",
            "type": "t",
            "app_id": "a",
            "timestamp": 1700000000,
            "content_encoding": "gzip",
        },
    ),
    (
        "text.utf8",
        "gr\u00fc\u00dfe \u2603 \x00 \x1b[31m".encode(),
        {
            "headers": {
                "int": 7,
                "big": 2**40,
                "neg": -3,
                "bool": True,
                "none": None,
                "str": "s",
                "list": [1, "two", [3]],
                "table": {"inner": {"x": 1}},
                "bytes": b"\x00\xff",
                "when": datetime(2024, 5, 6, 7, 8, 9),
                "dec": Decimal("12.345"),
            }
        },
    ),
    ("empty.body", b"", {}),
]


@pytest.mark.broker
def test_record_and_replay_round_trip_byte_for_byte(
    admin: BlockingChannel, exchange: str, second_exchange: str, tmp_path: Path
) -> None:
    original_tap = tap(admin, exchange)
    replay_tap = tap(admin, second_exchange)
    recorder = start_listener("-e", exchange, "--json", "-n", str(len(ORIGINALS)))
    for subject, body, props in ORIGINALS:
        admin.basic_publish(exchange, subject, body, pika.BasicProperties(**props))
    assert recorder.wait() == 0, recorder.stderr
    recording = tmp_path / "events.ndjson"
    recording.write_bytes(recorder.stdout)

    result = run("emit", "--replay", str(recording), "-e", second_exchange)
    assert result.returncode == 0, result.stderr
    assert (
        f"{len(ORIGINALS)} messages published to exchange '{second_exchange}', all confirmed" in result.stderr.decode()
    )

    before = drain(admin, original_tap, len(ORIGINALS))
    after = drain(admin, replay_tap, len(ORIGINALS))
    assert [(s, b) for s, _, b in after] == [(s, b) for s, _, b in before]  # same order, bytes identical
    for (_, old, _), (_, new, _) in zip(before, after, strict=True):
        old_seen, new_seen = seen(old), seen(new)
        if not old_seen["headers"]:  # no headers and an empty table are the same thing on the wire
            old_seen["headers"] = new_seen["headers"] or None
            new_seen["headers"] = old_seen["headers"]
        assert new_seen == old_seen


@pytest.mark.broker
def test_replay_from_stdin_to_the_recorded_exchange(admin: BlockingChannel, exchange: str) -> None:
    queue = tap(admin, exchange)
    records = "".join(
        json_line(Delivery(exchange, f"r.{n}", f"body {n}".encode(), received_at=1e9 + n)) for n in range(3)
    )
    result = run("emit", "--replay", "-", input=records.encode())  # no -e: the recording's exchange
    assert result.returncode == 0, result.stderr
    assert [(s, b) for s, _, b in drain(admin, queue, 3)] == [(f"r.{n}", f"body {n}".encode()) for n in range(3)]


def arrival_times(listener_stdout: bytes) -> list[tuple[str, float]]:
    out = []
    for line in listener_stdout.decode().splitlines():
        record = json.loads(line)
        when = datetime.fromisoformat(record["received_at"].replace("Z", "+00:00")).timestamp()
        out.append((record["subject"], when))
    return out


@pytest.mark.broker
def test_speed_scales_the_recorded_gaps(exchange: str, tmp_path: Path) -> None:
    # Recorded 0.6 s apart: 1.2 s from first to last.
    lines = "".join(json_line(Delivery(exchange, f"g.{n}", b"{}", received_at=1.7e9 + 0.6 * n)) for n in range(3))
    recording = tmp_path / "gaps.ndjson"
    recording.write_text(lines)
    spans = {}
    for speed in ("1", "0"):
        listener = start_listener("-e", exchange, "--json", "-n", "3")
        result = run("emit", "--replay", str(recording), "--speed", speed)
        assert result.returncode == 0, result.stderr
        assert listener.wait() == 0
        times = arrival_times(listener.stdout)
        assert [s for s, _ in times] == ["g.0", "g.1", "g.2"]
        spans[speed] = times[-1][1] - times[0][1]
    assert 0.9 <= spans["1"] < 5
    assert spans["0"] < 0.5


@pytest.mark.broker
def test_rate_is_steady(exchange: str) -> None:
    listener = start_listener("-e", exchange, "--json", "-n", "16")
    result = run("emit", "-e", exchange, "-n", "16", "--rate", "10", "-t", "repo.sync.start")
    assert result.returncode == 0, result.stderr
    assert listener.wait() == 0
    times = [when for _, when in arrival_times(listener.stdout)]
    span = times[-1] - times[0]
    assert 1.1 <= span < 5  # 15 gaps of 0.1 s
    assert max(b - a for a, b in pairwise(times)) < 1.0  # steady, not one burst at the end
    err = result.stderr.decode()
    assert "16 sent, 16 confirmed, 0 unroutable" in err and "msg/s" in err


@pytest.mark.broker
def test_lines_from_stdin_each_a_message(admin: BlockingChannel, exchange: str) -> None:
    queue = tap(admin, exchange)
    result = run(
        "emit",
        "-e",
        exchange,
        "--subject",
        "l.x",
        "--body",
        "-",
        "--lines",
        input=b'{"n": 1}\n\n{"n": 2}\r\nlast without newline',
    )
    assert result.returncode == 0, result.stderr
    assert [b for _, _, b in drain(admin, queue, 3)] == [b'{"n": 1}', b'{"n": 2}', b"last without newline"]
    assert b"3 messages published" in result.stderr


@pytest.mark.broker
def test_headers_and_properties_on_events(admin: BlockingChannel, exchange: str) -> None:
    queue = tap(admin, exchange)
    result = run(
        "emit",
        "-e",
        exchange,
        "-t",
        "repo.sync.start",
        "--header",
        "x-run=ci 42",
        "--header",
        "x-try:=3",
        "--property",
        "content_type=application/json",
        "--property",
        "delivery_mode=persistent",
        "--property",
        "priority=5",
        "--property",
        "message_id=abc",
        "--property",
        "timestamp=1700000000",
        "--property",
        "expiration=60000",
        "--property",
        "reply-to=replies",
        "--property",
        "app_id=ci",
        "--property",
        "correlation_id=c9",
        "--property",
        "type=pulp.event",
    )
    assert result.returncode == 0, result.stderr
    ((_, props, _),) = drain(admin, queue, 1)
    assert props.headers == {"qpid.subject": "pulp.server.repo.sync.start", "x-run": "ci 42", "x-try": 3}
    assert (
        props.content_type,
        props.delivery_mode,
        props.priority,
        props.message_id,
        props.timestamp,
        props.expiration,
        props.reply_to,
        props.app_id,
        props.correlation_id,
        props.type,
    ) == ("application/json", 2, 5, "abc", 1700000000, "60000", "replies", "ci", "c9", "pulp.event")


@pytest.mark.broker
def test_default_events_are_exactly_pulps_wire_format(admin: BlockingChannel, exchange: str) -> None:
    queue = tap(admin, exchange)
    assert run("emit", "-e", exchange).returncode == 0
    for subject, props, body in drain(admin, queue, 4):
        assert body == json.dumps(json.loads(body)).encode("ascii")  # json.dumps as Pulp's notifier wrote it
        assert {k: v for k, v in seen(props).items() if v is not None} == {"headers": {"qpid.subject": subject}}


@pytest.mark.broker
def test_unroutable_summary_keeps_the_warning_and_adds_the_figures(exchange: str) -> None:
    result = run("emit", "-e", exchange, "-n", "2", "-t", "repo.sync.start")
    err = result.stderr.decode()
    assert result.returncode == 0 and err.count("\n") == 1
    assert "2 of 2 messages" in err and "reached no queue" in err
    assert "2 sent, 2 confirmed, 2 unroutable" in err


@pytest.mark.broker
def test_progress_bar_on_a_terminal_then_the_summary(exchange: str) -> None:
    import sys

    import pexpect

    from tests.support.processes import ROOT, command_env

    child = pexpect.spawn(
        sys.executable,
        [str(ROOT / "scripts" / "emit.py"), "-e", exchange, "-n", "20", "--rate", "20", "-t", "repo.sync.start"],
        env=command_env(),
        cwd=str(ROOT),
        timeout=30,
        dimensions=(24, 120),
    )
    child.expect(pexpect.EOF)
    child.close()
    out = child.before.decode()
    assert child.exitstatus == 0
    assert "publishing" in out and "20/20" in out  # the bar, drawn with rich
    assert "20 sent, 20 confirmed, 20 unroutable" in out


@pytest.mark.broker
def test_no_bar_in_a_pipe(exchange: str) -> None:
    result = run("emit", "-e", exchange, "-n", "200", "-t", "repo.sync.start")
    assert result.returncode == 0 and result.stderr.count(b"\n") == 1 and b"publishing" not in result.stderr
