"""A publisher cannot forge where a message came from (issue 22, item 6).

--exec's counted requeue puts a copy back through the default exchange with its origin in
x-pulp-listen-* headers; anyone who may publish to the default exchange can write those headers
too. They are trusted only on a copy signed with the key outside the broker (the user's key file,
here in the test's own XDG_STATE_HOME); a forged copy is an ordinary message in every mode, to
--where and to --exec's retry count. Against the shared broker, with the real pulp-listen.
"""

from __future__ import annotations

import json
import shlex
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pika
import pytest

from tests.support.broker import BROKER_URL, unique
from tests.support.processes import command_env, run, start_listener

pytestmark = [pytest.mark.broker, pytest.mark.timeout(90)]
SUBJECT = "pulp.server.repo.sync.finish"


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    """(exchange, durable queue bound to it with #), unique; deleted afterwards."""
    exchange, queue = unique("forged-x"), unique("forged-q")
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    channel = connection.channel()
    channel.exchange_declare(exchange, "topic")
    channel.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
    channel.queue_bind(queue, exchange, "#")
    yield exchange, queue
    channel.queue_delete(queue)
    channel.exchange_delete(exchange)
    connection.close()


def publish(exchange: str, routing_key: str, body: bytes, headers: dict[str, Any] | None = None) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(exchange, routing_key, body, pika.BasicProperties(headers=headers))
    finally:
        connection.close()


def forge(queue: str, exchange: str, retries: int = 0) -> None:
    """What a hostile publisher sends: straight to the queue, claiming to be a copy from `exchange`."""
    headers = {
        "x-pulp-listen-exchange": exchange,
        "x-pulp-listen-routing-key": SUBJECT,
        "x-pulp-listen-retries": retries,
        "x-pulp-listen-mac": "0" * 64,
    }
    publish("", queue, b'{"forged": true}', headers)


def env(state: Path) -> dict[str, str]:
    return command_env(XDG_STATE_HOME=str(state))


def test_a_forged_origin_is_shown_as_ordinary_headers(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    forge(queue, exchange, retries=3)
    result = run("listen", "-e", exchange, "--queue", queue, "--json", "-n", "1", "--timeout", "10", env=env(tmp_path))
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert (record["exchange"], record["routing_key"], record["redelivered"]) == ("", queue, False)
    assert record["headers"]["x-pulp-listen-exchange"] == exchange  # shown as it came, not believed
    assert record["headers"]["x-pulp-listen-retries"] == 3


def test_where_exchange_is_not_fooled_by_a_forged_copy(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    forge(queue, exchange)
    publish(exchange, SUBJECT, b'{"genuine": true}')
    result = run(
        "listen", "-e", exchange, "--queue", queue, "--json", "-n", "1", "--timeout", "10",
        "--where", f"exchange={exchange}", "--where", f"subject={SUBJECT}",
        env=env(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert record["body"] == {"genuine": True} and record["exchange"] == exchange


def handler(tmp_path: Path, log: Path, fail_first: bool) -> str:
    """Logs `AMQP_RETRIES AMQP_EXCHANGE AMQP_SUBJECT`; exits 75 (requeue) on a first try when `fail_first`."""
    path = tmp_path / "handler.py"
    path.write_text(
        f"#!{sys.executable}\nimport os, sys\n"
        f"tries = os.environ['AMQP_RETRIES']\n"
        "line = f\"{tries} {os.environ['AMQP_EXCHANGE']} {os.environ['AMQP_SUBJECT']}\\n\"\n"
        f"open({str(log)!r}, 'a').write(line)\n"
        f"sys.exit(75 if {fail_first} and tries == '0' else 0)\n"
    )
    path.chmod(0o755)
    return shlex.quote(str(path))


def wait_lines(log: Path, count: int, timeout: float = 20) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"the handler ran fewer than {count} times")


def test_a_forged_retry_count_does_not_make_exec_reject(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    log = tmp_path / "log"
    forge(queue, exchange, retries=99)
    listener = start_listener(
        "-e", exchange, "--queue", queue, "--exec", handler(tmp_path, log, fail_first=True),
        "--max-retries", "2", env=env(tmp_path / "state"),
    )  # fmt: skip
    try:
        lines = wait_lines(log, 2)
    finally:
        listener.proc.send_signal(signal.SIGINT)
        listener.wait()
    # Counted from 0 and requeued once (exit 75), then handled: never 'after 99 requeues: rejected'.
    assert lines == [f"0  {queue}", f"1  {queue}"], (lines, listener.stderr)
    assert "rejected" not in listener.stderr


def test_a_genuine_copy_keeps_its_origin_and_count_across_a_restart(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    log, state = tmp_path / "log", tmp_path / "state"
    publish(exchange, SUBJECT, b"{}")
    first = run(
        "listen", "-e", exchange, "--queue", queue, "-n", "1", "--exec", handler(tmp_path, log, fail_first=True),
        env=env(state),
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    key = state / "pulp-amqp-tools" / "requeue.key"
    assert key.stat().st_mode & 0o077 == 0 and (key.parent.stat().st_mode & 0o777) == 0o700
    again = handler(tmp_path, log, fail_first=False)
    second = run("listen", "-e", exchange, "--queue", queue, "-n", "1", "--exec", again, env=env(state))
    assert second.returncode == 0, second.stderr
    assert log.read_text().splitlines() == [f"0 {exchange} {SUBJECT}", f"1 {exchange} {SUBJECT}"]
