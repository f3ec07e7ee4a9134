"""emit against the real broker: Pulp's bodies and properties, confirms, unroutable reports."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timezone

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from pulp_amqp_tools.loops import emit
from tests.support.broker import BROKER_URL, drain, unique
from tests.support.processes import run

SYNC_FINISH_KEYS = {
    "id",
    "repo_id",
    "importer_id",
    "importer_type_id",
    "started",
    "completed",
    "result",
    "error_message",
    "exception",
    "traceback",
    "added_count",
    "updated_count",
    "removed_count",
    "summary",
    "details",
    "_ns",
}
PUBLISH_FINISH_KEYS = {
    "id",
    "repo_id",
    "distributor_id",
    "distributor_type_id",
    "started",
    "completed",
    "result",
    "error_message",
    "exception",
    "traceback",
    "summary",
    "details",
    "_ns",
}


@pytest.fixture
def tap(admin: BlockingChannel, exchange: str) -> Iterator[tuple[BlockingChannel, str]]:
    """The exchange (created as emit creates it) with a test queue bound to everything."""
    admin.exchange_declare(exchange, exchange_type="topic")
    queue = admin.queue_declare("", exclusive=True).method.queue
    admin.queue_bind(queue, exchange, "#")
    yield admin, queue


@pytest.mark.broker
def test_four_events_in_lifecycle_order_with_pulps_shape(tap: tuple[BlockingChannel, str], exchange: str) -> None:
    channel, queue = tap
    result = run("emit", "-e", exchange, "--repo-id", "zoo")
    assert result.returncode == 0, result.stderr
    assert result.stdout == b""
    assert b"4 messages published" in result.stderr
    got = drain(channel, queue, 4)
    subjects = [subject for subject, _, _ in got]
    assert subjects == [
        "pulp.server.repo.sync.start",
        "pulp.server.repo.sync.finish",
        "pulp.server.repo.publish.start",
        "pulp.server.repo.publish.finish",
    ]
    for subject, props, body in got:
        data = json.loads(body)
        assert list(data) == ["event_type", "payload", "call_report"]
        assert subject == "pulp.server." + data["event_type"]
        assert body == json.dumps(data).encode()  # Python's json.dumps, as Pulp wrote it
        assert props.content_type is None and props.delivery_mode is None
        assert props.headers == {"qpid.subject": subject}
        assert props.message_id is None and props.correlation_id is None and props.reply_to is None
        assert data["payload"]["repo_id"] == "zoo"
        assert "pulp:repository:zoo" in data["call_report"]["tags"]
    start = json.loads(got[0][2])
    assert start["payload"] == {"repo_id": "zoo"}
    publish_start = json.loads(got[2][2])
    assert publish_start["payload"] == {"repo_id": "zoo", "distributor_id": "yum_distributor"}
    sync_finish = json.loads(got[1][2])["payload"]
    assert set(sync_finish) == SYNC_FINISH_KEYS and sync_finish["_ns"] == "repo_sync_results"
    assert sync_finish["result"] == "success"
    completed = datetime.fromisoformat(sync_finish["completed"].replace("Z", "+00:00"))
    assert abs((datetime.now(timezone.utc) - completed).total_seconds()) < 60
    publish_finish = json.loads(got[3][2])["payload"]
    assert set(publish_finish) == PUBLISH_FINISH_KEYS and publish_finish["_ns"] == "repo_publish_results"


@pytest.mark.broker
def test_fresh_ids_per_event(tap: tuple[BlockingChannel, str], exchange: str) -> None:
    channel, queue = tap
    assert run("emit", "-e", exchange, "-t", "repo.sync.finish", "-n", "2").returncode == 0
    first, second = (json.loads(body) for _, _, body in drain(channel, queue, 2))
    assert first["payload"]["id"] != second["payload"]["id"]
    assert first["call_report"]["task_id"] != second["call_report"]["task_id"]


@pytest.mark.broker
def test_event_type_and_result_shape_bodies(tap: tuple[BlockingChannel, str], exchange: str) -> None:
    channel, queue = tap
    result = run("emit", "-e", exchange, "-t", "repo.sync.finish", "-t", "repo.publish.finish", "--result", "failed")
    assert result.returncode == 0
    got = drain(channel, queue, 2)
    assert [s for s, _, _ in got] == ["pulp.server.repo.sync.finish", "pulp.server.repo.publish.finish"]
    for _, _, body in got:
        payload = json.loads(body)["payload"]
        assert payload["result"] == "failed" and payload["error_message"]


@pytest.mark.broker
def test_count_cycles_through_types(tap: tuple[BlockingChannel, str], exchange: str) -> None:
    channel, queue = tap
    assert run("emit", "-e", exchange, "-t", "*", "-n", "6").returncode == 0
    subjects = [s.rsplit("server.", 1)[1] for s, _, _ in drain(channel, queue, 6)]
    assert subjects == [
        "repo.sync.start",
        "repo.sync.finish",
        "repo.publish.start",
        "repo.publish.finish",
        "repo.sync.start",
        "repo.sync.finish",
    ]


@pytest.mark.broker
@pytest.mark.parametrize("how", ["text", "file", "stdin"])
def test_arbitrary_message(tap: tuple[BlockingChannel, str], exchange: str, how: str, tmp_path: object) -> None:
    from pathlib import Path

    channel, queue = tap
    body = b'{"hello": "w\xc3\xb6rld"}\n\x00binary-ish'
    if how == "text":
        result = run("emit", "-e", exchange, "--subject", "my.app.event", "--body", '{"hello": "world"}')
        body = b'{"hello": "world"}'
    elif how == "file":
        path = Path(str(tmp_path)) / "body.bin"
        path.write_bytes(body)
        result = run("emit", "-e", exchange, "--subject", "my.app.event", "--body", f"@{path}")
    else:
        result = run("emit", "-e", exchange, "--subject", "my.app.event", "--body", "-", input=body)
    assert result.returncode == 0, result.stderr
    ((subject, props, got),) = drain(channel, queue, 1)
    assert subject == "my.app.event" and got == body
    assert props.headers == {"qpid.subject": "my.app.event"}


@pytest.mark.broker
def test_unroutable_messages_are_reported(exchange: str) -> None:
    result = run("emit", "-e", exchange, "-n", "3", "-t", "repo.sync.start")
    assert result.returncode == 0  # confirmed, though nobody listened
    err = result.stderr.decode()
    assert err.count("\n") == 1
    assert "3 of 3 messages" in err and "reached no queue" in err and "'pulp.server.repo.sync.start' x3" in err
    strict = run("emit", "-e", exchange, "-t", "repo.sync.start", "--fail-unroutable")
    assert strict.returncode == 7
    assert b"reached no queue" in strict.stderr


@pytest.mark.broker
def test_partly_routed(admin: BlockingChannel, exchange: str) -> None:
    admin.exchange_declare(exchange, exchange_type="topic")
    queue = admin.queue_declare("", exclusive=True).method.queue
    admin.queue_bind(queue, exchange, "#.finish")
    result = run("emit", "-e", exchange)
    assert result.returncode == 0
    err = result.stderr.decode()
    assert "2 of 4 messages" in err and "repo.sync.start" in err and "repo.publish.start" in err
    assert "finish" not in err
    assert admin.queue_declare(queue, passive=True).method.message_count == 2


@pytest.mark.broker
def test_many_events_all_confirmed(tap: tuple[BlockingChannel, str], exchange: str) -> None:
    channel, queue = tap
    result = run("emit", "-e", exchange, "-n", "20000", timeout=120)
    assert result.returncode == 0, result.stderr
    assert b"20000 messages published" in result.stderr and b"all confirmed" in result.stderr
    assert channel.queue_declare(queue, passive=True).method.message_count == 20000


@pytest.mark.broker
def test_missing_exchange_is_created(exchange: str, admin: BlockingChannel) -> None:
    assert run("emit", "-e", exchange).returncode == 0
    admin.exchange_declare(exchange, passive=True)


@pytest.mark.broker
def test_reserved_exchange_that_does_not_exist() -> None:
    result = run("emit", "-e", unique("amq.nope"))
    assert result.returncode == 5
    assert b"reserved" in result.stderr


@pytest.mark.broker
def test_a_full_queue_refuses_for_real_and_emit_says_so_after_trying_again(exchange: str, queue_name: str) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        channel.exchange_declare(exchange, "topic")
        channel.queue_declare(queue_name, arguments={"x-max-length": 2, "x-overflow": "reject-publish"})
        channel.queue_bind(queue_name, exchange, "#")
    finally:
        connection.close()
    result = run("emit", "-e", exchange, "-n", "5", "--confirm-timeout", "5")
    err = result.stderr.decode()
    assert result.returncode == 7, err
    assert err.count("the broker refused 3 messages (nack); sending them again") == emit.NACK_ROUNDS, err
    assert "3 of 5 messages" in err and "3 rejected" in err and "Traceback" not in err
