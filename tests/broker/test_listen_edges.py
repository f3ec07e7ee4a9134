"""listen at its edges, and both commands': an exchange declared with arguments, memory bounded in
bytes, closed streams, output a publisher cannot forge, and errors that stay one line without a
password fragment.

The installed console scripts run as real processes against the shared broker."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.broker import BROKER_URL, unique
from tests.support.memory import peak_rss_mb
from tests.support.processes import command_env, console, measure, start_listener

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


@pytest.fixture
def topic(admin: BlockingChannel) -> Iterator[str]:
    name = unique("hx")
    admin.exchange_declare(name, "topic")
    yield name
    admin.exchange_delete(name)


def publish(exchange: str, key: str, body: bytes, headers: dict[str, Any] | None = None, n: int = 1) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for _ in range(n):
            channel.basic_publish(exchange, key, body, pika.BasicProperties(headers=headers))
    finally:
        connection.close()


# -- defect 3: an exchange declared with arguments ---------------------------------------------


@pytest.fixture
def with_alternate(admin: BlockingChannel) -> Iterator[str]:
    name = unique("hx-ae")
    admin.exchange_declare(name, "topic", durable=True, arguments={"alternate-exchange": "unrouted"})
    yield name
    admin.exchange_delete(name)


def test_both_commands_use_an_exchange_declared_with_arguments(with_alternate: str) -> None:
    listener = start_listener("-e", with_alternate, "-q", "-n", "1", command="pulp-listen")
    try:
        result = measure("pulp-emit", "-e", with_alternate, "-t", "repo.sync.start", env=command_env())
        assert result.returncode == 0, result.err_lines
        assert listener.wait(15) == 0, listener.stderr
        assert listener.lines() == ["pulp.server.repo.sync.start"]
    finally:
        listener.proc.kill()


def test_an_exchange_of_another_type_with_arguments_is_used_and_named(admin: BlockingChannel) -> None:
    name = unique("hx-fan")
    admin.exchange_declare(name, "fanout", arguments={"alternate-exchange": "unrouted"})
    try:
        result = measure("pulp-emit", "-e", name, env=command_env())
        assert result.returncode == 0, result.err_lines
        assert f"exchange {name!r} (fanout)" in result.err_lines[-1]
    finally:
        admin.exchange_delete(name)


# -- defect 4: listen holds a byte budget, whatever the message sizes ---------------------------


def test_paused_reader_and_large_messages_stay_within_max_buffer(topic: str) -> None:
    # Was: a count of messages (prefetch 1000) bounded memory: 20 x 50 MB made 2.1 GB of RSS.
    size, count, budget_mb = 8_000_000, 12, 16
    read_end, write_end = os.pipe()  # a reader that never reads: listen's stdout fills and waits
    try:
        proc = subprocess.Popen(
            [console("listen"), "-e", topic, "--json", "--max-buffer", f"{budget_mb}M"],
            stdout=write_end,
            stderr=subprocess.PIPE,
            env=command_env(),
        )
        os.close(write_end)
        assert proc.stderr is not None
        assert b"listening on" in proc.stderr.readline()
        publish(topic, "big.x", b"a" * size, n=count)  # 96 MB queued for a reader that takes none
        time.sleep(2.5)
        peak = peak_rss_mb(proc.pid)
        proc.terminate()
        proc.wait(15)
    finally:
        os.close(read_end)
    baseline = 30
    assert peak < baseline + 3 * budget_mb + 2 * size / 1e6, peak


def test_max_buffer_rejects_nonsense() -> None:
    result = measure("pulp-listen", "--max-buffer", "12 parsecs", env=command_env())
    assert result.returncode == 2
    assert "--max-buffer" in result.err_lines[0]


# -- defect 7: closed stdout or stderr ---------------------------------------------------------


def _close(fd: int) -> dict[str, object]:
    return {"preexec_fn": lambda: os.close(fd)}


def test_listen_with_stdout_closed_ends_like_a_broken_pipe(topic: str) -> None:
    proc = subprocess.Popen(
        [console("listen"), "-e", topic, "-q"], stderr=subprocess.PIPE, env=command_env(), **_close(1)
    )  # type: ignore[call-overload]
    assert proc.stderr is not None
    assert b"listening on" in proc.stderr.readline()
    publish(topic, "a.b", b"x")
    _out, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert b"Traceback" not in err and b"internal error" not in err, err


def test_listen_with_stderr_closed_still_prints_messages(topic: str) -> None:
    proc = subprocess.Popen(
        [console("listen"), "-e", topic, "--json", "-n", "1"], stdout=subprocess.PIPE, env=command_env(), **_close(2)
    )  # type: ignore[call-overload]
    try:
        time.sleep(1.5)  # no ready line to wait for: its stderr is closed
        assert proc.poll() is None, "listen exited at once"
        publish(topic, "a.b", b'{"k": 1}')
        out, _err = proc.communicate(timeout=15)
    finally:
        proc.kill()
    assert proc.returncode == 0
    assert b'"routing_key": "a.b"' in out


# -- defect 9: output a publisher cannot forge ---------------------------------------------------


def _one_message(topic: str, key: str, body: bytes, headers: dict[str, Any] | None = None, *mode: str) -> str:
    listener = start_listener("-e", topic, "-n", "1", *mode, command="pulp-listen")
    publish(topic, key, body, headers)
    assert listener.wait(15) == 0, listener.stderr
    return listener.stdout.decode()


FORGED_BODY = (
    b'{"a": 1}\n\n2026-01-01T00:00:00.000Z pulp.server.repo.sync.finish (exchange: pulp)\n'
    b'  headers: qpid.subject=pulp.server.repo.sync.finish\n{"forged": true}'
)


def test_a_body_cannot_print_as_a_second_message(topic: str) -> None:
    text = _one_message(topic, "real.one", FORGED_BODY)
    title = re.compile(r"^\d{4}-\d\d-\d\dT")
    titles = [line for line in text.splitlines() if title.match(line)]
    assert len(titles) == 1, text
    assert "(exchange: pulp)" not in titles[0]


def test_a_header_value_cannot_read_as_two_headers(topic: str) -> None:
    text = _one_message(topic, "real.one", b"x", {"a": "1, qpid.subject=forged"})
    line = next(line for line in text.splitlines() if "headers:" in line)
    assert "a=1, qpid.subject=forged" not in line, line
    assert "qpid.subject=forged" in line  # shown, but quoted as one value


@pytest.mark.parametrize("key", ["a.b (exchange: pulp)", "a.b\t(exchange: pulp)"])
def test_a_routing_key_cannot_fake_the_exchange_label(topic: str, key: str) -> None:
    title = _one_message(topic, key, b"x").splitlines()[0]
    # the key is quoted as one value: the exchange label that follows it is ours
    assert re.fullmatch(r'\S+ "a\.b(\\t| )\(exchange: pulp\)" \(exchange: ' + re.escape(topic) + r"\)", title), title


def test_quiet_escapes_backslashes(topic: str) -> None:
    text = _one_message(topic, "a\\nb", b"x", None, "-q")
    assert text == "a\\\\nb\n", text


# -- defects 8 and 10: errors are one line, no password fragment ---------------------------------


@pytest.mark.parametrize(
    ("args", "secret"),
    [
        (("-p", "amqp://a:hunter2@h"), "hun"),
        (("--bogus", "amqp://x:y z@h"), "y z"),
        (("--bogus", "amqp://x:pa ss word@h"), "ss word"),
    ],
)
def test_usage_errors_mask_passwords_whole(args: tuple[str, ...], secret: str) -> None:
    result = measure("pulp-listen", *args, env=command_env())
    assert result.returncode == 2
    assert secret not in result.stderr.decode(), result.stderr
    assert len(result.err_lines) == 1


def test_a_newline_in_the_url_host_stays_on_one_line() -> None:
    result = measure("pulp-emit", "-e", "x", env=command_env(AMQP_URL="amqp://h\nx:5672/"), timeout=30)
    assert len(result.err_lines) == 1, result.err_lines
    assert "h\\nx" in result.err_lines[0]
    assert result.returncode in (2, 3)


def test_the_ready_line_escapes_once(topic: str) -> None:
    listener = start_listener("-e", topic, "-q", "-s", "a.\x1b[31m", command="pulp-listen")
    listener.proc.terminate()
    listener.wait(10)
    assert "'a.\\x1b[31m'" in listener.ready_line, listener.ready_line


# -- rough edges ---------------------------------------------------------------------------------


def test_help_titles_are_not_title_cased_and_short_help_is_short() -> None:
    env = command_env(COLUMNS="100")
    full = measure("pulp-listen", "--help", env=env)
    assert full.returncode == 0
    text = full.stdout.decode()
    assert "Tls (Amqps://)" not in text and "Queue And Stopping" not in text
    assert all(len(line) <= 100 for line in text.splitlines()), max(text.splitlines(), key=len)
    short = measure("pulp-listen", "-h", env=env)
    assert short.returncode == 0
    assert len(short.stdout.decode().splitlines()) < 45
    assert "--help" in short.stdout.decode()


def test_a_mistyped_flag_gets_a_suggestion() -> None:
    result = measure("pulp-listen", "--exchnage", "pulp", env=command_env())
    assert result.returncode == 2
    assert "--exchange" in result.err_lines[0], result.err_lines


def test_an_expanded_star_suggests_quoting() -> None:
    result = measure(
        "pulp-listen", "-s", "pulp.server.repo.sync.start", "pulp.server.repo.sync.finish", env=command_env()
    )
    assert result.returncode == 2
    assert "quote" in result.err_lines[0], result.err_lines


def test_pretty_view_shows_json_numbers_as_sent(topic: str) -> None:
    text = _one_message(topic, "n.x", b'{"n": 2.5e3, "m": 1.0}')
    assert "2.5e3" in text and "1.0" in text, text


def test_after_ctrl_z_and_fg_the_notice_says_the_process_was_stopped(topic: str) -> None:
    listener = start_listener("-e", topic, "-q", "--heartbeat", "1", command="pulp-listen")
    try:
        os.kill(listener.proc.pid, signal.SIGSTOP)
        time.sleep(4)  # the broker gives up on a peer silent for two heartbeats
        os.kill(listener.proc.pid, signal.SIGCONT)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and "reconnected" not in listener.stderr:
            time.sleep(0.1)
        lost = [line for line in listener.stderr.splitlines() if "lost the connection" in line]
        assert lost and "stopped" in lost[0] and "network" not in lost[0], listener.stderr
    finally:
        listener.proc.terminate()
        listener.wait(10)
