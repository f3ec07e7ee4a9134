"""--exec against the real broker: each message's fate follows its handler, as `pulp-listen` runs it.

Every test runs the real command (scripts/listen.py) with handlers written to tmp_path, and reads
the outcome from the broker: what is left in the queue, what reached the dead-letter queue.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.broker import BROKER_URL, delete_exchange, delete_queue, unique
from tests.support.processes import run, start_listener

pytestmark = pytest.mark.broker

RETRY_HEADER = "x-pulp-listen-retries"


def handler(tmp_path: Path, code: str, name: str = "handler") -> str:
    """A Python handler script in tmp_path, ready for --exec (quoted)."""
    path = tmp_path / f"{name}.py"
    path.write_text(f"#!{sys.executable}\nimport json, os, sys, time\n{code}\n")
    path.chmod(0o755)
    return shlex.quote(str(path))


def publish(exchange: str, *messages: tuple[Any, bytes, pika.BasicProperties | None]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for routing_key, body, props in messages:
            channel.basic_publish(exchange, routing_key, body, props)
    finally:
        connection.close()


def depth(channel: BlockingChannel, queue: str) -> int:
    return int(channel.queue_declare(queue, passive=True).method.message_count)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def log_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


@pytest.fixture
def durable(exchange: str, queue_name: str, admin: BlockingChannel) -> Iterator[str]:
    """`queue_name` declared with a dead-letter exchange routing to a queue of its own (yielded)."""
    dlx, dlq = unique("pat-dlx"), unique("pat-dlq")
    admin.exchange_declare(exchange, exchange_type="topic")
    admin.exchange_declare(dlx, exchange_type="fanout")
    admin.queue_declare(dlq)
    admin.queue_bind(dlq, dlx)
    admin.queue_declare(queue_name, durable=True, arguments={"x-dead-letter-exchange": dlx})
    admin.queue_bind(queue_name, exchange, routing_key="#")
    try:
        yield dlq
    finally:
        delete_queue(dlq)
        delete_exchange(dlx)


def test_success_acknowledges_and_handler_output_is_all_stdout_shows(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    h = handler(tmp_path, "sys.stdout.write('deployed ' + os.environ['AMQP_SUBJECT'] + '\\n')")
    listener = start_listener("-e", exchange, "--queue", queue_name, "-n", "4", "--exec", h)
    assert run("emit", "-e", exchange).returncode == 0  # Pulp's four events
    assert listener.wait() == 0, listener.stderr
    assert listener.lines() == [
        f"deployed pulp.server.repo.{e}" for e in ("sync.start", "sync.finish", "publish.start", "publish.finish")
    ]
    assert depth(admin, queue_name) == 0 and depth(admin, durable) == 0  # all acknowledged
    assert "handler" not in listener.stderr


def test_metadata_in_the_environment_and_the_record_file(exchange: str, tmp_path: Path) -> None:
    out = tmp_path / "seen.json"
    h = handler(
        tmp_path,
        f"""
env = {{k: v for k, v in os.environ.items() if k.startswith("AMQP_") and k != "AMQP_URL"}}
env["record"] = json.load(open(os.environ["AMQP_RECORD"]))
env["stdin"] = sys.stdin.read()
json.dump(env, open({str(out)!r}, "w"))""",
    )
    listener = start_listener("-e", exchange, "-n", "1", "--exec", h)
    props = pika.BasicProperties(message_id="m-1", content_type="application/json", headers={"x-a": "b", "n": 5})
    publish(exchange, ("pulp.server.repo.sync.finish", b'{"payload": {"result": "success"}}', props))
    assert listener.wait() == 0, listener.stderr
    seen = json.loads(out.read_text())
    record = seen.pop("record")
    record_path = seen.pop("AMQP_RECORD")
    assert record_path.endswith(".json") and not os.path.exists(record_path)  # removed after the handler
    assert seen == {
        "AMQP_SUBJECT": "pulp.server.repo.sync.finish",
        "AMQP_EXCHANGE": exchange,
        "AMQP_ROUTING_KEY": "pulp.server.repo.sync.finish",
        "AMQP_REDELIVERED": "false",
        "AMQP_MESSAGE_ID": "m-1",
        "AMQP_HEADERS": '{"x-a": "b", "n": 5}',
        "AMQP_RETRIES": "0",
        "AMQP_OMITTED": "",
        "stdin": '{"payload": {"result": "success"}}',
    }
    assert record["subject"] == "pulp.server.repo.sync.finish" and record["body"] == {"payload": {"result": "success"}}
    assert record["properties"]["message_id"] == "m-1" and record["headers"] == {"x-a": "b", "n": 5}


def test_requeue_counts_in_a_header_then_rejects_into_the_dead_letter_queue(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    log = tmp_path / "tries"
    h = handler(
        tmp_path,
        f"open({str(log)!r}, 'a').write(os.environ['AMQP_RETRIES'] + ' ' + "
        f"os.environ['AMQP_SUBJECT'] + '\\n'); sys.exit(75)",
    )
    listener = start_listener("-e", exchange, "--queue", queue_name, "--exec", h, "--max-retries", "2")
    try:
        publish(exchange, ("pulp.server.repo.sync.finish", b"{}", None))
        wait_for(lambda: depth(admin, durable) == 1, "the message in the dead-letter queue")
        time.sleep(0.3)  # nothing more may come
        assert log_lines(log) == [f"{n} pulp.server.repo.sync.finish" for n in (0, 1, 2)]  # the original subject
        assert depth(admin, queue_name) == 0 and depth(admin, durable) == 1
    finally:
        listener.proc.send_signal(signal.SIGINT)
        assert listener.wait() == 130
    method, props, _body = admin.basic_get(durable, auto_ack=True)
    assert method is not None and props is not None and props.headers is not None
    assert props.headers[RETRY_HEADER] == 2 and props.headers["x-death"]
    assert (
        "requeue 1 of 2" in listener.stderr and "after 2 requeues (--max-retries): message rejected" in listener.stderr
    )


def test_timeout_kills_the_process_group_and_rejects(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    pidfile = tmp_path / "pid"
    script = shlex.quote(f"sleep 60 & echo $! > {pidfile}; wait")
    listener = start_listener(
        "-e", exchange, "--queue", queue_name, "-n", "1", "--exec", f"sh -c {script}", "--exec-timeout", "1"
    )
    started = time.monotonic()
    publish(exchange, ("k", b"x", None))
    assert listener.wait() == 0, listener.stderr
    assert time.monotonic() - started < 8
    assert depth(admin, durable) == 1 and depth(admin, queue_name) == 0
    grandchild = int(pidfile.read_text())
    wait_for(lambda: not alive(grandchild), "the handler's child to be gone", 5)
    assert "ran over --exec-timeout 1 s and was killed: message rejected" in listener.stderr


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_concurrency_acks_each_message_alone_when_a_later_one_finishes_first(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    script = tmp_path / "handler.sh"  # a shell, not Python: the fast ones end at once
    script.write_text(
        "#!/bin/sh\n"
        f'echo $$ > "{tmp_path}/started-$AMQP_MESSAGE_ID"\n'
        'if [ "$AMQP_MESSAGE_ID" = slow ]; then exec sleep 60; fi\n'
        f'touch "{tmp_path}/done-$AMQP_MESSAGE_ID"\n'
    )
    script.chmod(0o755)
    h = shlex.quote(str(script))
    publish(exchange, *[("k", b"", pika.BasicProperties(message_id=mid)) for mid in ("slow", "fast1", "fast2")])
    listener = start_listener("-e", exchange, "--queue", queue_name, "--exec", h, "--exec-concurrency", "3")
    try:
        wait_for(lambda: all((tmp_path / f"done-{m}").exists() for m in ("fast1", "fast2")), "the fast handlers")
        assert (tmp_path / "started-slow").exists() and not (tmp_path / "done-slow").exists()  # all three at once
        time.sleep(1.5)  # the fast ones' acks go out (the loop looks every 20 ms; a loaded machine is slower)
    finally:
        listener.proc.kill()  # no goodbye: what was not acknowledged goes back to the queue
        slow = tmp_path / "started-slow"
        if slow.exists():  # an orphan now, holding listen's stdout open: end it before reading to the end
            os.killpg(int(slow.read_text()), signal.SIGKILL)
        listener.wait()
    wait_for(lambda: depth(admin, queue_name) == 1, "the slow message back in the queue")
    method, props, _body = admin.basic_get(queue_name, auto_ack=True)
    assert method is not None and props is not None and props.message_id == "slow"


def test_a_missing_command_is_one_error_line_before_consuming(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    publish(exchange, ("k", b"waiting", None))
    not_executable = tmp_path / "deploy.sh"
    not_executable.write_text("#!/bin/sh\n")
    for command, says in (
        ("no-such-handler-xyz --flag", "command 'no-such-handler-xyz' not found on PATH"),
        (str(not_executable), "is not executable"),
    ):
        result = run("listen", "-e", exchange, "--queue", queue_name, "--exec", command)
        assert result.returncode == 2
        err = result.stderr.decode()
        assert err.count("\n") == 1 and err.startswith("pulp-listen: error: --exec") and says in err, err
        assert "Traceback" not in err
    assert depth(admin, queue_name) == 1  # never consumed, never requeued in a loop


def test_heartbeats_keep_flowing_through_a_30_second_handler(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    log = tmp_path / "runs"
    h = handler(tmp_path, f"time.sleep(30); open({str(log)!r}, 'a').write('ran\\n')")
    listener = start_listener("-e", exchange, "--queue", queue_name, "-n", "1", "--heartbeat", "2", "--exec", h)
    publish(exchange, ("k", b"", None))
    assert listener.wait(timeout=60) == 0, listener.stderr
    assert log_lines(log) == ["ran"]  # once: the connection was never lost, so no redelivery
    assert depth(admin, queue_name) == 0 and depth(admin, durable) == 0
    assert "lost" not in listener.stderr and "reconnect" not in listener.stderr


def test_hostile_subjects_reach_the_handler_as_data(exchange: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    log = tmp_path / "subjects"
    h = handler(
        tmp_path,
        f"open({str(log)!r}, 'a').write(os.environb[b'AMQP_SUBJECT'].hex() + ' ' + os.environ['AMQP_HEADERS'] + '\\n')",
    )
    keys: list[Any] = [
        f"a.$(touch {marker})",
        f"b.`touch {marker}`",
        "c.\n\x1b]0;x\x07\u202e;rm -rf /",
        b"d.\xff\xfe",
        "e.\x00nul",
        "f." + "x" * 250,
    ]
    listener = start_listener("-e", exchange, "-n", str(len(keys) + 1), "--exec", h)
    headers = {"evil": f"$(touch {marker})\x00\x1b[2J", "big": "y" * 100_000}
    publish(exchange, *[(key, b"", pika.BasicProperties(headers=headers)) for key in keys], ("ok", b"", None))
    assert listener.wait() == 0, listener.stderr
    lines = log_lines(log)
    assert len(lines) == len(keys) + 1 and not marker.exists()
    expected = [(k if isinstance(k, bytes) else k.encode()).replace(b"\0", b"\\x00") for k in keys] + [b"ok"]
    assert [bytes.fromhex(line.split(" ", 1)[0]) for line in lines] == expected
    assert lines[0].split(" ", 1)[1] == ""  # headers over the limit: left out, named in AMQP_OMITTED
    assert lines[-1].split(" ", 1)[1] == "{}"


def test_private_queue_says_requeued_messages_are_lost_with_it(exchange: str) -> None:
    result = run("listen", "-e", exchange, "--exec", "true", "--timeout", "0.5")
    assert result.returncode == 6
    assert b"requeued messages are lost when pulp-listen ends" in result.stderr and b"--queue" in result.stderr


def test_a_command_gone_mid_run_ends_listen_with_2_and_the_message_waits(
    exchange: str, queue_name: str, durable: str, admin: BlockingChannel, tmp_path: Path
) -> None:
    script = tmp_path / "once.sh"
    script.write_text('#!/bin/sh\nrm -f "$0"\n')  # handles one message, then is gone
    script.chmod(0o755)
    publish(exchange, ("k.1", b"", None), ("k.2", b"", None))
    result = run("listen", "-e", exchange, "--queue", queue_name, "-q", "--exec", shlex.quote(str(script)))
    assert result.returncode == 2, result.stderr
    assert result.stdout.decode().splitlines() == ["k.1", "k.2"]  # -q: listen's own line too
    err = [line for line in result.stderr.decode().splitlines() if "listening on" not in line]
    assert len(err) == 1 and err[0].startswith("pulp-listen: error: --exec: cannot start") and "Traceback" not in err[0]
    assert depth(admin, queue_name) == 1 and depth(admin, durable) == 0  # k.2: neither handled nor lost
