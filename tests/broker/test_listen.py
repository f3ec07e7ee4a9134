"""listen against the real broker: output modes, stopping rules, queues, the exchange."""

from __future__ import annotations

import json
import os
import subprocess
import time

import pika
import pytest

from tests.support.broker import BROKER_URL, delete_exchange, unique
from tests.support.processes import command_env, run, script, start_listener

pytestmark = pytest.mark.broker


def publish(exchange: str, subject: str, body: bytes, **props: object) -> None:
    connection = pika.BlockingConnection(
        pika.URLParameters(os.environ.get("TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"))
    )
    try:
        connection.channel().basic_publish(exchange, subject, body, pika.BasicProperties(**props))  # type: ignore[arg-type]
    finally:
        connection.close()


def test_ready_notice_names_exchange_patterns_and_queue(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-s", "a.*", "-s", "b.#", "-n", "1")
    assert f"'{exchange}'" in listener.ready_line
    assert "'a.*'" in listener.ready_line and "'b.#'" in listener.ready_line
    assert "queue 'amq.gen-" in listener.ready_line
    publish(exchange, "a.x", b"{}")
    assert listener.wait() == 0
    assert listener.stdout.count(b"a.x") == 1


def test_pretty_in_a_pipe_is_plain_and_pretty_prints_json(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-n", "1")
    publish(exchange, "pulp.server.repo.sync.start", b'{"event_type": "repo.sync.start", "payload": {"repo_id": "r1"}}')
    assert listener.wait() == 0
    text = listener.stdout.decode()
    assert "\x1b" not in text
    first = text.splitlines()[0]
    assert "pulp.server.repo.sync.start" in first and f"(exchange: {exchange})" in first
    assert '  "payload": {' in text and '    "repo_id": "r1"' in text


def test_json_lines(exchange: str) -> None:
    listener = start_listener("-e", exchange, "--json", "-n", "3")
    publish(exchange, "k.json", b'{"n": 1}', headers={"h": "v"}, content_type="application/json")
    publish(exchange, "k.text", b"plain words")
    publish(exchange, "k.bin", b"\xff\x00\xfe")
    assert listener.wait() == 0
    records = [json.loads(line) for line in listener.lines()]
    assert [r["subject"] for r in records] == ["k.json", "k.text", "k.bin"]
    assert records[0]["body"] == {"n": 1} and records[0]["body_encoding"] == "json"
    assert records[0]["headers"] == {"h": "v"}
    assert records[0]["properties"]["content_type"] == "application/json"
    assert records[0]["exchange"] == exchange and records[0]["redelivered"] is False
    assert records[1]["body"] == "plain words" and records[1]["body_encoding"] == "utf-8"
    assert records[2]["body_encoding"] == "base64" and records[2]["body"] == "/wD+"


def test_quiet_falls_back_to_qpid_subject_header(admin: pika.adapters.blocking_connection.BlockingChannel) -> None:
    # A direct publish to the default exchange has an empty routing key only via a fanout
    # exchange; use one, bound to our private queue through a second listen-side exchange.
    fan = unique("pat-fan")
    admin.exchange_declare(fan, exchange_type="fanout", auto_delete=False)
    topic = unique("pat-x")
    try:
        listener = start_listener("-e", topic, "-q", "-n", "1")
        admin.exchange_bind(destination=topic, source=fan, routing_key="")
        admin.basic_publish(fan, "", b"{}", pika.BasicProperties(headers={"qpid.subject": "pulp.server.x"}))
        assert listener.wait() == 0, listener.stderr
        assert listener.lines() == ["pulp.server.x"]
    finally:
        admin.exchange_delete(fan)
        delete_exchange(topic)


def test_count_stops_after_n(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-q", "-n", "2")
    assert run("emit", "-e", exchange).returncode == 0
    assert listener.wait() == 0
    assert listener.lines() == ["pulp.server.repo.sync.start", "pulp.server.repo.sync.finish"]


def test_timeout_with_nothing_arriving_has_its_own_code(exchange: str) -> None:
    started = time.monotonic()
    result = run("listen", "-e", exchange, "--timeout", "1")
    assert result.returncode == 6
    assert time.monotonic() - started < 15
    assert b"no message arrived within 1 s" in result.stderr
    assert result.stdout == b""


def test_timeout_after_some_messages_is_success(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-q", "--timeout", "1.5")
    assert run("emit", "-e", exchange, "-t", "repo.sync.start").returncode == 0
    assert listener.wait() == 0
    assert listener.lines() == ["pulp.server.repo.sync.start"]


def test_durable_queue_keeps_events_while_away(
    exchange: str, queue_name: str, admin: pika.adapters.blocking_connection.BlockingChannel
) -> None:
    first = start_listener("-e", exchange, "--queue", queue_name, "-s", "pulp.server.#", "-q", "--timeout", "1")
    assert first.wait() == 6  # nothing yet: declared, bound, gone
    declared = admin.queue_declare(queue_name, passive=True)
    assert declared.method.message_count == 0
    assert run("emit", "-e", exchange).returncode == 0  # published while nobody listens
    result = run("listen", "-e", exchange, "--queue", queue_name, "-q", "-n", "4")
    assert result.returncode == 0, result.stderr
    assert result.stdout.decode().splitlines()[0] == "pulp.server.repo.sync.start"
    assert len(result.stdout.decode().splitlines()) == 4
    assert admin.queue_declare(queue_name, passive=True).method.message_count == 0  # all acked


def test_count_leaves_the_rest_in_a_durable_queue(
    exchange: str, queue_name: str, admin: pika.adapters.blocking_connection.BlockingChannel
) -> None:
    assert run("listen", "-e", exchange, "--queue", queue_name, "--timeout", "0.5").returncode == 6
    assert run("emit", "-e", exchange, "-n", "10").returncode == 0
    result = run("listen", "-e", exchange, "--queue", queue_name, "-q", "-n", "3")
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 3
    time.sleep(0.5)
    assert admin.queue_declare(queue_name, passive=True).method.message_count == 7


def test_private_queue_disappears_with_the_listener(
    exchange: str, admin: pika.adapters.blocking_connection.BlockingChannel
) -> None:
    listener = start_listener("-e", exchange, "-n", "1")
    queue = listener.ready_line.split("queue '")[1].split("'")[0]
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as locked:
        admin.queue_declare(queue, passive=True)
    assert locked.value.reply_code == 405  # exists, and is exclusive to the listener
    admin = admin.connection.channel()
    publish(exchange, "x", b"1")
    assert listener.wait() == 0
    time.sleep(0.3)
    with pytest.raises(pika.exceptions.ChannelClosedByBroker) as caught:
        admin.queue_declare(queue, passive=True)
    assert caught.value.reply_code == 404


def test_stdout_is_flushed_per_message_into_a_pipe(exchange: str) -> None:
    listener = start_listener("-e", exchange, "-q")
    try:
        publish(exchange, "first.one", b"{}")
        deadline = time.monotonic() + 10
        while b"first.one" not in listener.stdout and time.monotonic() < deadline:
            time.sleep(0.02)
        assert listener.stdout == b"first.one\n"  # seen while the listener still runs
    finally:
        listener.proc.terminate()
        assert listener.wait() == 143


def test_ctrl_c_ends_without_traceback(exchange: str) -> None:
    import signal

    listener = start_listener("-e", exchange)
    listener.proc.send_signal(signal.SIGINT)
    assert listener.wait() == 130
    assert "Traceback" not in listener.stderr


def test_exchange_of_another_type_is_used_as_it_is_unless_a_type_is_required(
    admin: pika.adapters.blocking_connection.BlockingChannel,
) -> None:
    # Issue #12: an existing exchange of another type is no longer an error by itself; only
    # --exchange-type, which names the type the user expects, turns a mismatch into one (exit 5).
    name = unique("pat-direct")
    admin.exchange_declare(name, exchange_type="direct")
    try:
        result = run("listen", "-e", name, "--exchange-type", "topic", "--timeout", "1")
        assert result.returncode == 5, result.stderr
        err = result.stderr.decode()
        assert err.count("\n") == 1 and "Traceback" not in err
        assert f"exchange {name!r} is a direct exchange, not a topic exchange (--exchange-type topic)" in err
        emitted = run("emit", "-e", name)
        assert emitted.returncode == 0, emitted.stderr
        assert f"to exchange {name!r} (direct)" in emitted.stderr.decode()
    finally:
        admin.exchange_delete(name)


@pytest.mark.parametrize("durable", [True, False])
def test_works_with_an_exchange_someone_else_declared(
    admin: pika.adapters.blocking_connection.BlockingChannel, durable: bool
) -> None:
    name = unique("pat-pre")
    admin.exchange_declare(name, exchange_type="topic", durable=durable)
    try:
        listener = start_listener("-e", name, "-q", "--timeout", "2")
        assert run("emit", "-e", name).returncode == 0
        assert listener.wait() == 0, listener.stderr
        assert len(listener.lines()) == 4
    finally:
        admin.exchange_delete(name)


def test_missing_exchange_is_created_like_pulp_did(
    exchange: str, admin: pika.adapters.blocking_connection.BlockingChannel
) -> None:
    assert run("listen", "-e", exchange, "--timeout", "0.5").returncode == 6
    # It outlives the listener (not auto-delete) and is a non-durable topic exchange.
    admin.exchange_declare(exchange, passive=True)
    admin.exchange_declare(exchange, exchange_type="topic", durable=False, auto_delete=False)


def test_config_file_gives_exchange_and_url(tmp_path: object, exchange: str) -> None:
    from pathlib import Path

    conf = Path(str(tmp_path)) / "server.conf"
    conf.write_text(f"[messaging]\nurl: tcp://127.0.0.1:5672\ntopic_exchange: '{exchange}'\n")
    env = command_env()
    del env["AMQP_URL"]
    listener = start_listener("--config", str(conf), "-q", "--timeout", "2", env=env)
    assert f"'{exchange}'" in listener.ready_line
    result = run("emit", "--config", str(conf), env=env)
    assert result.returncode == 0, result.stderr
    assert listener.wait() == 0
    assert len(listener.lines()) == 4


def test_default_exchange_is_amq_topic(admin: pika.adapters.blocking_connection.BlockingChannel) -> None:
    subject = unique("pat.subject")
    listener = start_listener("-q", "-s", subject, "-n", "1")
    assert "'amq.topic'" in listener.ready_line
    result = run("emit", "--subject", subject, "--body", "{}")
    assert result.returncode == 0, result.stderr
    assert listener.wait() == 0
    assert listener.lines() == [subject]


@pytest.mark.broker
def test_a_paused_reader_keeps_the_connection_and_loses_nothing(exchange: str) -> None:
    """With heartbeats of 1 s, a reader paused for 8 s used to cost the connection (and a private
    queue's messages); now listen keeps answering heartbeats and prints everything afterwards."""
    proc = subprocess.Popen(
        [*script("listen"), "-e", exchange, "-q", "--heartbeat", "1", "-n", "20000"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=command_env(),
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        assert b"listening on exchange" in proc.stderr.readline()
        connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
        channel = connection.channel()
        for n in range(20000):
            channel.basic_publish(exchange, f"seq.{n}", b"{}")
        connection.close()
        time.sleep(8)  # nobody reads: the pipe is full long before this
        assert proc.poll() is None
        out, err = proc.communicate(timeout=60)  # a listener that lost messages would wait forever
        assert proc.returncode == 0
        assert out.decode().splitlines() == [f"seq.{n}" for n in range(20000)]
        assert "lost the connection" not in err.decode()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
