"""`pulp-emit --follow` sends each line when it is read, while the writer keeps writing (issue 22, item 2).

It used to write only after 0.2 s of quiet input or every 128 lines: lines written steadily a
few milliseconds apart all waited, and with a short heartbeat the broker dropped the connection
meanwhile. Here a writer feeds a line every 10 ms without a pause and a consumer notes when each
one arrives; the bound is generous (1 s per line: the machine is shared), the real figure is a
few milliseconds.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator

import pytest

from tests.support.broker import channel, delete, unique
from tests.support.processes import start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(90)]

LINES = 400  # 4 s of input at one line per 10 ms: longer than two heartbeats of 1 s
GAP = 0.01
BOUND = 1.0  # seconds from write to arrival, per line


@pytest.fixture
def sink() -> Iterator[tuple[str, str]]:
    exchange, queue = unique("pat-follow-x"), unique("pat-follow-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(queue)
        ch.queue_bind(queue, exchange, "#")
    yield exchange, queue
    delete(queues=[queue], exchanges=[exchange])


def _write_steadily(stdin: subprocess.Popen[bytes], written: dict[int, float]) -> None:
    """Line i every GAP seconds on an absolute schedule, never pausing; then end of input."""
    pipe = stdin.stdin
    assert pipe is not None
    start_at = time.monotonic()
    for number in range(LINES):
        delay = start_at + number * GAP - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        written[number] = time.monotonic()
        pipe.write(f"line {number}\n".encode())
        pipe.flush()
    pipe.close()


def test_each_line_reaches_the_broker_while_input_keeps_coming(sink: tuple[str, str]) -> None:
    exchange, queue = sink
    emit = start(
        "emit", "-e", exchange, "--subject", "app.log", "--body", "-", "--lines", "--follow", "--heartbeat", "1",
        stdin=subprocess.PIPE,
    )  # fmt: skip
    written: dict[int, float] = {}
    arrived: dict[int, float] = {}
    writer = threading.Thread(target=_write_steadily, args=(emit.proc, written), daemon=True)
    assert emit.proc.stdin is not None
    emit.proc.stdin.write(b"warm-up\n")  # emit's start-up and connect are not what is measured
    emit.proc.stdin.flush()
    with channel() as ch:
        for method, _props, body in ch.consume(queue, auto_ack=True, inactivity_timeout=20):
            assert method is not None and body == b"warm-up", emit.stderr
            break
        writer.start()
        for method, _props, body in ch.consume(queue, auto_ack=True, inactivity_timeout=20):
            if method is None:
                break
            number = int((body or b"").split()[1])
            assert number not in arrived, f"line {number} came twice: {emit.stderr}"
            arrived[number] = time.monotonic()
            if len(arrived) == LINES:
                break
        ch.cancel()
    writer.join(timeout=10)
    assert emit.wait() == 0, emit.stderr
    assert sorted(arrived) == list(range(LINES)), emit.stderr
    assert "lost the connection" not in emit.stderr, emit.stderr
    late = {n: round(arrived[n] - written[n], 3) for n in range(LINES) if arrived[n] - written[n] > BOUND}
    assert not late, f"{len(late)} lines took over {BOUND} s, e.g. {dict(list(late.items())[:5])}"
