"""listen as a waiting step in scripts, against the real broker: --where, --fail-where, --deadline."""

from __future__ import annotations

import json
import time

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.processes import run, start_listener

WAIT_FOR_ZOO = (
    "-n",
    "1",
    "--deadline",
    "30",
    "-s",
    "pulp.server.repo.sync.finish",
    "--where",
    "payload.repo_id=zoo",
    "--fail-where",
    "payload.result!=success",
)


def emit_ok(*args: str) -> None:
    result = run("emit", *args)
    assert result.returncode == 0, result.stderr


@pytest.mark.broker
def test_recipe_wait_for_a_sync_to_finish_successfully(exchange: str) -> None:
    listener = start_listener("-e", exchange, "--json", *WAIT_FOR_ZOO)
    emit_ok("-e", exchange, "-t", "repo.sync.finish", "--repo-id", "lion", "--result", "failed")  # another repo
    emit_ok("-e", exchange, "--repo-id", "zoo")  # the four events: only zoo's sync.finish counts
    assert listener.wait() == 0, listener.stderr
    (record,) = [json.loads(line) for line in listener.lines()]
    assert record["subject"] == "pulp.server.repo.sync.finish"
    assert record["body"]["payload"]["repo_id"] == "zoo" and record["body"]["payload"]["result"] == "success"


@pytest.mark.broker
def test_recipe_fails_the_script_when_the_sync_failed(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-q", *WAIT_FOR_ZOO)
    emit_ok("-e", exchange, "-t", "repo.sync.finish", "--repo-id", "zoo", "--result", "error")
    assert listener.wait() == 9
    assert listener.lines() == ["pulp.server.repo.sync.finish"]  # printed, then failed
    assert "--fail-where" in listener.stderr and "pulp.server.repo.sync.finish" in listener.stderr


@pytest.mark.broker
def test_deadline_before_count_has_its_own_code(exchange: str) -> None:
    started = time.monotonic()
    result = run("listen", "-e", exchange, "-n", "1", "--deadline", "1", "--where", "payload.repo_id=zoo")
    assert result.returncode == 8, result.stderr
    assert time.monotonic() - started < 15
    assert b"--deadline of 1 s passed with 0 of 1 messages" in result.stderr


@pytest.mark.broker
def test_deadline_is_total_time_even_while_messages_keep_coming(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-q", "--deadline", "2", "--timeout", "1.5")
    stop = time.monotonic() + 3.5
    while time.monotonic() < stop and listener.proc.poll() is None:  # never idle for 1.5 s
        emit_ok("-e", exchange, "-t", "repo.sync.start")
        time.sleep(0.3)
    assert listener.wait() == 0  # messages arrived: the deadline simply ends the listening
    assert len(listener.lines()) >= 1


@pytest.mark.broker
def test_filtered_out_messages_are_acked_but_neither_shown_nor_counted(
    exchange: str, queue_name: str, admin: BlockingChannel
) -> None:
    assert run("listen", "-e", exchange, "--queue", queue_name, "--timeout", "0.5").returncode == 6
    emit_ok("-e", exchange, "-n", "7")  # cycles: start, finish, start, finish, start, finish, start
    result = run(
        "listen", "-e", exchange, "--queue", queue_name, "-q", "-n", "2", "--where", "subject=pulp.server.repo.*.finish"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines() == ["pulp.server.repo.sync.finish", "pulp.server.repo.publish.finish"]
    time.sleep(0.3)
    # The four before the second finish were taken (two shown, two filtered out); the rest wait.
    assert admin.queue_declare(queue_name, passive=True).method.message_count == 3


@pytest.mark.broker
def test_where_on_headers_and_properties_in_quiet_mode(exchange: str, admin: BlockingChannel) -> None:
    listener = start_listener(
        "-e",
        exchange,
        "-q",
        "-n",
        "1",
        "--timeout",
        "20",
        "--where",
        "properties.content_type=application/json",
        "--where",
        "headers.x-try=3",
    )
    admin.exchange_declare(exchange, passive=True)
    for content_type, tries in (("text/plain", 3), ("application/json", 2), ("application/json", 3)):
        admin.basic_publish(
            exchange,
            f"k.{content_type}.{tries}",
            b"{}",
            pika.BasicProperties(content_type=content_type, headers={"x-try": tries}),
        )
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == ["k.application/json.3"]


@pytest.mark.broker
def test_timeout_counts_only_matching_messages(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-q", "--timeout", "1", "--where", "subject=nothing.matches")
    emit_ok("-e", exchange)
    assert listener.wait() == 6
    assert listener.stdout == b""
