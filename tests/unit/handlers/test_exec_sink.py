"""handlers/exec_sink.py: --exec's handler processes, their input, timeouts, concurrency and backlog."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import argv as command
from pulp_amqp_tools.handlers.exec_sink import ExecSink, Settled
from pulp_amqp_tools.handlers.policy import ExecOptions
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.transport.interface import Outcome

PY = sys.executable


def ignore(_message: str) -> None:
    pass


def options(*argv: str, **kw: object) -> ExecOptions:
    return ExecOptions(argv=argv, executable=command.resolve(argv), **kw)  # type: ignore[arg-type]


def delivery(subject: str = "pulp.server.repo.sync.finish", body: bytes = b'{"payload": {}}', **kw: object) -> Delivery:
    return Delivery(exchange="pulp", routing_key=subject, body=body, received_at=1.7e9, **kw)  # type: ignore[arg-type]


def alive(pid: int) -> bool:
    """True when `pid` runs (a zombie left for a non-reaping init does not count)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def drain(sink: ExecSink[int], limit: float = 20) -> list[Settled[int]]:
    got: list[Settled[int]] = []
    end = time.monotonic() + limit
    while sink.busy and time.monotonic() < end:
        got += sink.poll()
        time.sleep(0.01)
    assert not sink.busy, "handlers still running"
    return got


def test_handlers_see_body_environment_and_record(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    code = (
        "import json, os, sys; body = sys.stdin.buffer.read(); rec = json.load(open(os.environ['AMQP_RECORD']));"
        f"json.dump({{'len': len(body), 'subject': os.environ['AMQP_SUBJECT'], 'rec': rec['subject'],"
        f"'argv0': sys.argv[0]}}, open({str(out)!r}, 'w'))"
    )
    notices: list[str] = []
    sink: ExecSink[int] = ExecSink(options(PY, "-c", code), notices.append)
    try:
        body = os.urandom(1_000_000)  # far over a pipe's buffer
        sink.accept(delivery("s.\u00e9", body=body), 1)
        (done,) = drain(sink)
        assert done.ticket == 1 and done.fate is Outcome.ACK and notices == []
        got = json.loads(out.read_text())
        assert got == {"len": 1_000_000, "subject": "s.\u00e9", "rec": "s.\u00e9", "argv0": "-c"}
    finally:
        sink.close()


def test_a_handler_that_never_reads_stdin_does_not_block_us() -> None:
    notices: list[str] = []
    sink: ExecSink[int] = ExecSink(options("/bin/sh", "-c", "exit 3"), notices.append)
    try:
        started = time.monotonic()
        sink.accept(delivery(body=b"x" * 5_000_000), 7)
        assert time.monotonic() - started < 2
        (done,) = drain(sink)
        assert done.fate is Outcome.REJECT and "exited 3" in notices[0] and "rejected" in notices[0]
    finally:
        sink.close()


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "pid"
    # The shell starts a grandchild and waits: killing only the shell would leave the sleep behind.
    script = f"sleep 60 & echo $! > {pidfile}; wait"
    notices: list[str] = []
    sink: ExecSink[int] = ExecSink(options("/bin/sh", "-c", script, timeout=0.5), notices.append)
    try:
        started = time.monotonic()
        sink.accept(delivery(), 1)
        (done,) = drain(sink)
        assert time.monotonic() - started < 5
        assert done.fate is Outcome.REJECT and "--exec-timeout" in notices[0]
        grandchild = int(pidfile.read_text())
        time.sleep(0.2)
        assert not alive(grandchild)
    finally:
        sink.close()


def test_concurrency_runs_in_parallel_and_settles_each_ticket_by_itself() -> None:
    # Ticket 1 sleeps longest: 2 and 3 finish first and must come out settled on their own.
    argv = (PY, "-c", "import os, time; time.sleep(float(os.environ['AMQP_MESSAGE_ID']))")
    sink: ExecSink[int] = ExecSink(options(*argv, concurrency=3), ignore)
    try:
        started = time.monotonic()
        for ticket, secs in ((1, "1.2"), (2, "0.2"), (3, "0.4")):
            sink.accept(delivery(properties={"message_id": secs}), ticket)
        assert sink.running == 3
        order = [s.ticket for s in drain(sink)]
        assert order == [2, 3, 1] and time.monotonic() - started < 2.5
    finally:
        sink.close()


def test_backlog_waits_for_a_free_slot() -> None:
    sink: ExecSink[int] = ExecSink(options("/bin/sh", "-c", "sleep 0.2"), ignore)
    try:
        for ticket in range(3):
            sink.accept(delivery(), ticket)
        assert sink.running == 1 and sink.busy
        assert [s.ticket for s in drain(sink)] == [0, 1, 2]
    finally:
        sink.close()


def test_stop_ends_running_handlers_and_settles_nothing() -> None:
    sink: ExecSink[int] = ExecSink(options("/bin/sh", "-c", "sleep 30"), ignore)
    sink.accept(delivery(), 1)
    sink.accept(delivery(), 2)
    started = time.monotonic()
    sink.close()
    assert time.monotonic() - started < 3 and not sink.busy and sink.poll() == []


def test_a_command_that_disappears_is_one_usage_error(tmp_path: Path) -> None:
    script = tmp_path / "h"
    script.write_text("#!/bin/sh\nexit 0\n")
    script.chmod(0o755)
    sink: ExecSink[int] = ExecSink(options(str(script)), ignore)
    try:
        script.unlink()
        with pytest.raises(UsageError, match="cannot start"):
            sink.accept(delivery(), 1)
    finally:
        sink.close()
