"""`pulp-emit --follow`, black-box: lines published as they arrive, the connection alive while stdin idles.

A live forward from one exchange to another through a real pipe (`pulp-listen --json |
pulp-emit --replay - --follow`), with an idle period longer than two heartbeats; a log streamed
with `--body - --lines --follow`; bad lines skipped, or with --strict the end (exit 2).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator

import pika
import pytest
from pika.adapters.blocking_connection import BlockingChannel

from tests.support.broker import channel, delete, publish, take, unique
from tests.support.processes import run, start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def sink() -> Iterator[tuple[str, str]]:
    """(exchange, queue bound to it with #): where the forwarded messages land."""
    exchange, queue = unique("pat-follow-x"), unique("pat-follow-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(queue)
        ch.queue_bind(queue, exchange, "#")
    yield exchange, queue
    delete(queues=[queue], exchanges=[exchange])


def arrives(ch: BlockingChannel, queue: str, n: int, timeout: float = 5) -> list[bytes]:
    return [body for _m, _p, body in take(ch, queue, n, timeout=timeout)]


def record(subject: str, body: str) -> bytes:
    return (
        json.dumps(
            {
                "subject": subject,
                "exchange": "x",
                "routing_key": subject,
                "received_at": "2026-11-28T10:00:00.000Z",
                "redelivered": False,
                "properties": {},
                "headers": {},
                "body_encoding": "utf-8",
                "body": body,
            }
        )
        + "\n"
    ).encode()


def test_live_forward_through_a_pipe_survives_an_idle_stdin(sink: tuple[str, str]) -> None:
    target, queue = sink
    source = unique("pat-follow-src")
    with channel() as ch:
        ch.exchange_declare(source, "topic")
    listener = start("pulp-listen", "-e", source, "--json", collect_stdout=False)
    try:
        listener.wait_stderr("listening on")
        forward = start(
            "pulp-emit", "--replay", "-", "--follow", "-e", target, "--heartbeat", "1", stdin=listener.proc.stdout
        )
        with channel() as ch:
            publish(ch, source, [("live.one", b'{"n": 1}')])
            assert arrives(ch, queue, 1) == [b'{"n": 1}']
            time.sleep(3.5)  # stdin idle for more than two heartbeat intervals (--heartbeat 1)
            publish(ch, source, [("live.two", b'{"n": 2}')], pika.BasicProperties(headers={"h": "v"}))
            ((method, props, body),) = take(ch, queue, 1, timeout=5)
        assert (method.routing_key, props.headers, body) == ("live.two", {"h": "v"}, b'{"n": 2}')
        assert "lost the connection" not in forward.stderr, forward.stderr
        listener.proc.terminate()  # its stdout closes: end of input for emit
        assert listener.wait() == 143
        assert forward.wait() == 0, forward.stderr
        assert "2 messages published" in forward.stderr, forward.stderr
    finally:
        listener.stop()
        delete(exchanges=[source])


def test_lines_follow_publishes_each_line_before_input_ends(sink: tuple[str, str]) -> None:
    target, queue = sink
    tail = start(
        "pulp-emit", "-e", target, "--subject", "app.log", "--body", "-", "--lines", "--follow", stdin=subprocess.PIPE
    )
    assert tail.proc.stdin is not None
    with channel() as ch:
        tail.proc.stdin.write(b"first line\n")
        tail.proc.stdin.flush()
        assert arrives(ch, queue, 1) == [b"first line"]
        tail.proc.stdin.write(b"\nsecond\r\nthird, unterminated")
        tail.proc.stdin.flush()
        assert arrives(ch, queue, 1) == [b"second"]
        tail.proc.stdin.close()  # end of input: the unterminated last line goes too, then the run ends
        assert arrives(ch, queue, 1) == [b"third, unterminated"]
    assert tail.wait() == 0, tail.stderr


def test_a_bad_line_is_reported_and_skipped(sink: tuple[str, str]) -> None:
    target, queue = sink
    lines = record("ok.one", "1") + b"this is not json\n" + record("ok.two", "2")
    result = run("pulp-emit", "--replay", "-", "--follow", "-e", target, input=lines)
    assert result.returncode == 0, result.stderr
    assert any("line 2" in line for line in result.err_lines), result.stderr
    with channel() as ch:
        assert arrives(ch, queue, 2) == [b"1", b"2"]


def test_strict_ends_at_a_bad_line_after_confirming_what_came_before(sink: tuple[str, str]) -> None:
    target, queue = sink
    lines = record("ok.one", "1") + b'{"no": "body"}\n' + record("ok.two", "2")
    result = run("pulp-emit", "--replay", "-", "--follow", "--strict", "-e", target, input=lines)
    assert result.returncode == 2, result.stderr
    errors = result.err_lines
    assert "line 2" in errors[-1], errors
    assert "Traceback" not in result.stderr.decode()
    with channel() as ch:
        assert arrives(ch, queue, 2, timeout=1) == [b"1"]


@pytest.mark.parametrize(
    "args, says",
    [
        (["--replay", "-", "--follow"], "-e"),  # a live recording cannot be read ahead for its exchange
        (["--subject", "a", "--body", "-", "--follow"], "--lines"),
        (["--subject", "a", "--body", "text", "--lines", "--follow"], "-"),
        (["-e", "x", "--replay", "-", "--follow", "-n", "3"], "-n"),
        (["-e", "x", "--subject", "a", "--body", "-", "--lines", "--strict"], "--strict"),
    ],
)
def test_follow_misuse_is_refused_before_connecting(args: list[str], says: str) -> None:
    result = run("pulp-emit", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", *args, input=b"")
    assert result.returncode == 2, result.stderr
    lines = result.err_lines
    assert len(lines) == 1 and says in lines[0], lines
