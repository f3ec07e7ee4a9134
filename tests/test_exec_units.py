"""--exec without a broker: the fate table, the environment, the command check, handler processes."""

from __future__ import annotations

import json
import os
import stat
import sys
import time
from pathlib import Path

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import argv as command
from pulp_amqp_tools.handlers import inputs as environment
from pulp_amqp_tools.handlers.exec_sink import ExecSink, Settled
from pulp_amqp_tools.handlers.policy import ExecOptions, decide
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.retries import RETRY_HEADER, requeue_headers, restore, retries_of
from pulp_amqp_tools.transport.interface import Outcome

PY = sys.executable


def ignore(_message: str) -> None:
    pass


def options(*argv: str, **kw: object) -> ExecOptions:
    return ExecOptions(argv=argv, executable=command.resolve(argv), **kw)  # type: ignore[arg-type]


def delivery(subject: str = "pulp.server.repo.sync.finish", body: bytes = b'{"payload": {}}', **kw: object) -> Delivery:
    return Delivery(exchange="pulp", routing_key=subject, body=body, received_at=1.7e9, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "timed_out", "retries", "fate"),
    [
        (0, False, 0, Outcome.ACK),
        (1, False, 0, Outcome.REJECT),
        (75, False, 0, Outcome.REQUEUE),
        (75, False, 2, Outcome.REQUEUE),
        (75, False, 3, Outcome.REJECT),  # --max-retries 3 reached
        (-9, False, 0, Outcome.REJECT),
        (0, True, 0, Outcome.REJECT),  # killed for the timeout, whatever it returned
        (2, False, 0, Outcome.REJECT),
    ],
)
def test_fate_table(code: int, timed_out: bool, retries: int, fate: Outcome) -> None:
    opts = ExecOptions(argv=("x",), executable="/bin/true", max_retries=3, timeout=5)
    assert decide(code, timed_out, retries, opts).fate is fate


def test_a_chosen_retry_status() -> None:
    opts = ExecOptions(argv=("x",), executable="/bin/true", retry_status=3)
    assert decide(3, False, 0, opts).fate is Outcome.REQUEUE and decide(75, False, 0, opts).fate is Outcome.REJECT


@pytest.mark.parametrize(
    ("value", "count"), [(None, 0), (2, 2), (-5, 0), ("3", 0), (True, 0), (b"1", 0), (10**30, 10**30)]
)
def test_retry_count_from_a_header_never_trusts_garbage(value: object, count: int) -> None:
    assert retries_of({} if value is None else {RETRY_HEADER: value}) == count


def test_requeue_copy_counts_and_is_restored_as_the_original() -> None:
    original = delivery(headers={"x-a": 1})
    headers = requeue_headers(original)
    assert headers[RETRY_HEADER] == 1 and original.headers == {"x-a": 1}
    copy = Delivery(exchange="", routing_key="ci-sync", body=original.body, headers=headers)
    back = restore(copy)
    assert (back.exchange, back.routing_key, back.redelivered) == ("pulp", original.routing_key, True)
    again = requeue_headers(back)
    assert again[RETRY_HEADER] == 2 and restore(Delivery("", "q", b"", headers=again)).exchange == "pulp"
    plain = Delivery(exchange="", routing_key="q", body=b"")
    assert restore(plain) is plain
    spoof = Delivery("", "q", b"", headers={"x-pulp-listen-routing-key": {"not": "a key"}})
    assert restore(spoof) is spoof


def test_environment_variables_hostile_values_stay_data() -> None:
    hostile = "a\x00b;$(touch /tmp/pwned)`id`\n\x1b]0;title\x07\u202e"
    message = delivery(
        subject=hostile,
        headers={"h": "\x00\x1b", "qpid.subject": "s"},
        properties={"message_id": "m\x00"},
        redelivered=True,
    )
    line = environment.record_text(message)
    env = environment.variables(message, line, "/tmp/r.json", 2)
    assert env[b"AMQP_SUBJECT"] == hostile.replace("\x00", "\\x00").encode()
    assert env[b"AMQP_ROUTING_KEY"] == env[b"AMQP_SUBJECT"] and env[b"AMQP_EXCHANGE"] == b"pulp"
    assert env[b"AMQP_MESSAGE_ID"] == b"m\\x00" and env[b"AMQP_REDELIVERED"] == b"true"
    assert json.loads(env[b"AMQP_HEADERS"]) == {"h": "\x00\x1b", "qpid.subject": "s"}
    assert env[b"AMQP_RETRIES"] == b"2" and env[b"AMQP_RECORD"] == b"/tmp/r.json" and env[b"AMQP_OMITTED"] == b""
    assert all(b"\0" not in value for value in env.values())


def test_environment_keeps_raw_bytes_and_leaves_out_what_is_too_long() -> None:
    message = Delivery(exchange=b"ex\xff", routing_key=b"key.\xfe", body=b"", headers={"big": "x" * 40_000})  # type: ignore[arg-type]
    env = environment.variables(message, environment.record_text(message), "/r", 0)
    assert env[b"AMQP_SUBJECT"] == b"key.\xfe" and env[b"AMQP_EXCHANGE"] == b"ex\xff"
    assert env[b"AMQP_HEADERS"] == b"" and env[b"AMQP_OMITTED"] == b"AMQP_HEADERS"
    assert env[b"AMQP_MESSAGE_ID"] == b"" and env[b"AMQP_REDELIVERED"] == b"false"
    merged = environment.environment({b"PATH": b"/bin", b"AMQP_SUBJECT": b"stale"}, env)
    assert merged[b"PATH"] == b"/bin" and merged[b"AMQP_SUBJECT"] == b"key.\xfe"


def test_command_is_split_without_a_shell_and_checked(tmp_path: Path) -> None:
    assert command.parse("./deploy.sh --to 'prod env' $HOME") == ("./deploy.sh", "--to", "prod env", "$HOME")
    for bad in ("", "   ", "'unclosed"):
        with pytest.raises(UsageError):
            command.parse(bad)
    assert command.resolve(("sh",)) == "/bin/sh" or command.resolve(("sh",)).endswith("/sh")
    script = tmp_path / "h.sh"
    script.write_text("#!/bin/sh\nexit 0\n")
    cases = {
        ("no-such-command-xyz",): "not found on PATH",
        (str(tmp_path / "missing"),): "does not exist",
        (str(script),): "not executable",
        (str(tmp_path),): "is a directory",
    }
    for argv, says in cases.items():
        with pytest.raises(UsageError, match=says):
            command.resolve(argv)
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    assert command.resolve((str(script),)) == str(script)


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
