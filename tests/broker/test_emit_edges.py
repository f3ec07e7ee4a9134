"""emit at its edges: poison messages end the run, input is read with a limit, the confirm timeout
counts from the last byte out, and a replay is checked whole first.

Every test runs the installed `pulp-emit` as a real process against the shared broker, with a
bound on its time, its stderr and its memory (the frame_max case: tests/private/test_emit_edges.py)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.broker import unique
from tests.support.processes import Finished, command_env, console, measure

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]
SECRET = "Zq9-kT7wPx-s3cr3t"


def one_error(result: Finished, status: int, *fragments: str) -> str:
    """Exactly one `pulp-emit: error: ...` line naming `fragments`, no traceback, exit `status`."""
    lines = result.err_lines
    assert "Traceback" not in result.stderr.decode(errors="replace")
    assert len(lines) == 1, lines
    assert lines[0].startswith("pulp-emit: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.returncode == status, (result.returncode, lines)
    return lines[0]


@pytest.fixture
def watched(admin: BlockingChannel) -> Iterator[tuple[str, str]]:
    """(exchange, queue): a topic exchange with a queue bound to '#', both deleted afterwards."""
    exchange, queue = unique("hx"), unique("hq")
    admin.exchange_declare(exchange, "topic")
    admin.queue_declare(queue)
    admin.queue_bind(queue, exchange, "#")
    yield exchange, queue
    admin.queue_delete(queue)
    admin.exchange_delete(exchange)


def queued(admin: BlockingChannel, queue: str) -> int:
    return int(admin.queue_declare(queue, passive=True).method.message_count)


# -- defect 1: a poison message ends the run --------------------------------------------------


def test_headers_larger_than_a_frame_are_refused_before_connecting(
    watched: tuple[str, str], admin: BlockingChannel
) -> None:
    # Was: the broker closed the connection (frame_too_large), emit reconnected and sent the same
    # message again, thousands of stderr lines, forever.
    exchange, queue = watched
    value = "x" * 70_000
    result = measure(
        "pulp-emit",
        "-e",
        exchange,
        "--subject",
        "a.b",
        "--body",
        "x",
        "--header",
        f"a={value}",
        "--header",
        f"b={value}",
        env=command_env(),
        timeout=15,
    )
    assert result.seconds < 10
    one_error(result, 2, "frame")
    assert queued(admin, queue) == 0


def test_a_replay_record_with_100000_headers_is_refused_before_connecting(
    watched: tuple[str, str], tmp_path: Path
) -> None:
    exchange, _queue = watched
    record = {
        "subject": "a.b",
        "exchange": exchange,
        "body_encoding": "utf-8",
        "body": "x",
        "headers": {f"h{i}": i for i in range(100_000)},
    }
    path = tmp_path / "many.ndjson"
    path.write_text(json.dumps(record) + "\n")
    result = measure("pulp-emit", "--replay", str(path), env=command_env(), timeout=20)
    assert result.seconds < 15
    one_error(result, 2, "line 1", "frame")


# -- defect 4: input read with a limit, interruptible -----------------------------------------


def test_body_from_dev_zero_stops_at_the_broker_limit() -> None:
    result = measure("pulp-emit", "--subject", "a.b", "--body", "@/dev/zero", env=command_env(), timeout=60)
    assert result.seconds < 15
    one_error(result, 2, "--body", "128 MiB")
    assert result.peak_rss_mb < 128 + 150, result.peak_rss_mb


def test_body_from_an_endless_stdin_stops_at_the_broker_limit() -> None:
    yes = subprocess.Popen(["yes"], stdout=subprocess.PIPE)
    try:
        result = measure(
            "pulp-emit", "--subject", "a.b", "--body", "-", env=command_env(), stdin=yes.stdout, timeout=60
        )
    finally:
        yes.kill()
        yes.wait()
    one_error(result, 2, "standard input", "128 MiB")
    assert result.peak_rss_mb < 128 + 150, result.peak_rss_mb


def test_config_from_dev_zero_is_a_usage_error() -> None:
    result = measure("pulp-emit", "--config", "/dev/zero", env=command_env(), timeout=30)
    assert result.seconds < 10
    one_error(result, 2, "/dev/zero")
    assert result.peak_rss_mb < 100, result.peak_rss_mb


def test_ctrl_c_while_reading_a_silent_stdin_ends_cleanly() -> None:
    reader, writer = os.pipe()
    try:
        with open(reader, "rb", closefd=True) as stdin:
            result = measure(
                "pulp-emit",
                "--subject",
                "a.b",
                "--body",
                "-",
                env=command_env(),
                stdin=stdin,
                timeout=30,
                interrupt_after=1.0,
            )
    finally:
        os.close(writer)
    assert result.returncode == 130, result.err_lines
    assert "Traceback" not in result.stderr.decode()
    assert result.seconds < 5


# -- defect 5: the confirm timeout counts from the last byte out -------------------------------


def test_confirm_timeout_starts_when_the_last_byte_went_out(
    watched: tuple[str, str], tmp_path: Path, admin: BlockingChannel
) -> None:
    # Was: the timeout ran while most of the bytes were still being written: exit 7, "0 confirmed",
    # although every message arrived. (96 MB here; a queue is not bound, so the broker holds none.)
    exchange, queue = watched
    admin.queue_unbind(queue, exchange, "#")
    big = tmp_path / "big.bin"
    big.write_bytes(b"a" * 8_000_000)
    result = measure(
        "pulp-emit",
        "-e",
        exchange,
        "--subject",
        "big.x",
        "--body",
        f"@{big}",
        "-n",
        "12",
        "--confirm-timeout",
        "1",
        env=command_env(),
        timeout=90,
    )
    assert result.returncode == 0, result.err_lines
    assert "12 confirmed" in result.err_lines[-1], result.err_lines
    # emit holds a bounded number of bytes in flight, not every frame of the run
    assert result.peak_rss_mb < 8 * 3 + 150, result.peak_rss_mb


# -- defect 6: a replay is checked whole before the first publish ------------------------------


def _recording(tmp_path: Path, exchange: str, second: dict[str, object]) -> Path:
    first = {"subject": "a.first", "exchange": exchange, "body_encoding": "utf-8", "body": "one"}
    path = tmp_path / "rec.ndjson"
    path.write_text(json.dumps(first) + "\n" + json.dumps({**first, **second}) + "\n")
    return path


@pytest.mark.parametrize(
    ("second", "words"),
    [
        ({"subject": "s" * 300}, ("line 2", "subject")),
        ({"headers": {"t": {"$timestamp": "0001-01-01T00:00:00Z"}}}, ("line 2", "'t'")),
        ({"headers": {"d": {"$decimal": "1e999999999"}}}, ("line 2", "'d'")),
        ({"properties": {"timestamp": 2**70}}, ("line 2", "timestamp")),
        ({"properties": {"content_type": "c" * 300}}, ("line 2", "content_type")),
    ],
)
def test_replay_never_publishes_half(
    watched: tuple[str, str], admin: BlockingChannel, tmp_path: Path, second: dict[str, object], words: tuple[str, ...]
) -> None:
    exchange, queue = watched
    result = measure("pulp-emit", "--replay", str(_recording(tmp_path, exchange, second)), env=command_env())
    line = one_error(result, 2, *words)
    assert "s" * 100 not in line  # the 300-byte subject is not quoted whole
    assert queued(admin, queue) == 0


def test_replay_line_nested_deeper_than_the_recursion_limit(watched: tuple[str, str], tmp_path: Path) -> None:
    exchange, _queue = watched
    path = tmp_path / "deep.ndjson"
    path.write_text('{"subject": "a.b", "body": "x", "headers": {"d": ' + "[" * 5000 + "]" * 5000 + "}}\n")
    one_error(measure("pulp-emit", "--replay", str(path), "-e", exchange, env=command_env()), 2, "line 1")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--header", "x:=" + "[" * 5000 + "]" * 5000), ("--header",)),
        (("--header", 'x:={"$decimal":"1e999999999"}'), ("--header",)),
        (("--header", 'x:={"$timestamp":"0001-01-01T00:00:00Z"}'), ("--header",)),
        (("--property", "timestamp=99999999999999999999"), ("--property", "timestamp")),
        (("--property", "message_id=" + "m" * 300), ("--property", "message_id")),
    ],
)
def test_values_pika_cannot_encode_are_usage_errors(args: tuple[str, ...], words: tuple[str, ...]) -> None:
    result = measure(
        "pulp-emit",
        "-e",
        unique("hx"),
        "--subject",
        "a.b",
        "--body",
        "x",
        *args,
        env=command_env(AMQP_URL=f"amqp://guest:{SECRET}@127.0.0.1:1/%2F"),
    )
    line = one_error(result, 2, *words)
    assert SECRET not in line
    assert len(line) < 400


# -- defect 7: closed stdout or stderr ---------------------------------------------------------


@pytest.mark.parametrize("closed", ["stdout", "stderr"])
def test_emit_with_a_closed_stream_reports_the_publish_result(
    closed: str, watched: tuple[str, str], admin: BlockingChannel
) -> None:
    exchange, queue = watched
    args = ["-e", exchange] + (["-q"] if closed == "stderr" else [])
    # Popen's fds 1/2 closed: the child starts with them closed, as after `>&-` / `2>&-`.
    proc = subprocess.run(
        [console("emit"), *args],
        env=command_env(),
        stdout=subprocess.PIPE if closed == "stderr" else None,
        stderr=subprocess.PIPE if closed == "stdout" else None,
        timeout=30,
        preexec_fn=_closer(1 if closed == "stdout" else 2),
    )
    assert proc.returncode == 0, proc
    if closed == "stdout":
        assert b"Traceback" not in proc.stderr and b"all confirmed" in proc.stderr, proc.stderr
    assert queued(admin, queue) == 4


def _closer(fd: int) -> Callable[[], None]:
    """A preexec_fn closing `fd` in the child: it starts as after `>&-` or `2>&-`."""

    def close() -> None:
        os.close(fd)

    return close


def test_emit_interrupted_says_how_many_were_sent_and_confirmed(watched: tuple[str, str]) -> None:
    exchange, _queue = watched
    result = measure(
        "pulp-emit",
        "-e",
        exchange,
        "-n",
        "100000000",
        "--rate",
        "200",
        env=command_env(),
        timeout=30,
        interrupt_after=2.0,
    )
    assert result.returncode == 130, result.err_lines
    assert result.err_lines and "sent" in result.err_lines[-1] and "confirmed" in result.err_lines[-1], result.err_lines
    assert "Traceback" not in result.stderr.decode()


def test_summary_grammar_for_one_message(watched: tuple[str, str]) -> None:
    exchange, _queue = watched
    result = measure("pulp-emit", "-e", exchange, "-t", "repo.sync.start", env=command_env())
    assert result.returncode == 0
    line = result.err_lines[-1]
    assert line.startswith("pulp-emit: 1 message published"), line
    assert "msg/s" not in line  # too short a run to measure a rate


def test_empty_sequence_header_is_a_usage_error() -> None:
    result = measure(
        "pulp-emit",
        "-e",
        unique("hx"),
        "--sequence-header",
        "",
        env=command_env(AMQP_URL="amqp://guest:guest@127.0.0.1:1/%2F"),
    )
    one_error(result, 2, "--sequence-header")
