"""--save-dir and `pulp-emit --replay DIR`, black-box against the shared broker.

One file per message, named in arrival order, complete on disk before the message is
acknowledged; a directory replays like an NDJSON recording, byte for byte.
"""

from __future__ import annotations

import json
import os
import re
import resource
import signal
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pika
import pytest

from pulp_amqp_tools.messages.properties import SETTABLE
from tests.support.broker import channel, delete, message_count, publish, take, unique
from tests.support.faults import wait_for
from tests.support.processes import run, start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]
NAME = re.compile(r"^(\d{6,})-(.*)\.json$")


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    """(exchange, durable queue bound to it with #), unique; deleted afterwards."""
    exchange, queue = unique("pat-save-x"), unique("pat-save-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
        ch.queue_bind(queue, exchange, "#")
    yield exchange, queue
    delete(queues=[queue], exchanges=[exchange])


def saved(directory: Path) -> list[str]:
    """The visible files, as `ls` lists them."""
    return sorted(name for name in os.listdir(directory) if not name.startswith("."))


ODD_MESSAGES = [
    (
        "pulp.server.repo.sync.finish",
        b'{"event_type": "repo.sync.finish", "payload": {"repo_id": "zoo"}}',
        pika.BasicProperties(headers={"qpid.subject": "pulp.server.repo.sync.finish"}),
    ),
    (
        "bin/ary key",
        bytes(range(256)),
        pika.BasicProperties(
            content_type="application/octet-stream",
            message_id="m-2",
            priority=3,
            headers={
                "n": 7,
                "neg": -2,
                "big": 2**40,
                "flag": True,
                "raw": b"\x00\xff",
                "when": datetime(2026, 11, 28, 10, 0, tzinfo=timezone.utc),
                "price": Decimal("1.50"),
                "table": {"a": [1, "two"]},
            },
        ),
    ),
    (
        "text.plain",
        "caf\u00e9 \u2713\r\nsecond line  ".encode(),
        pika.BasicProperties(
            delivery_mode=2,
            correlation_id="c",
            reply_to="r",
            type="t",
            app_id="app",
            timestamp=1764324000,
            expiration="600000",
            content_encoding="identity",
        ),
    ),
    ("", b'{"b": 1,  "a": 2}', pika.BasicProperties(headers={"qpid.subject": "from.header"})),
]


def test_save_dir_then_replay_dir_round_trips_byte_for_byte(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    target_exchange, target = unique("pat-save-x2"), unique("pat-save-q2")
    with channel() as ch:
        for subject, body, props in ODD_MESSAGES:
            publish(ch, exchange, [(subject or "", body)], props)
        ch.exchange_declare(target_exchange, "topic")
        ch.queue_declare(target, exclusive=False, auto_delete=False)
        ch.queue_bind(target, target_exchange, "#")
    directory = tmp_path / "events"
    try:
        result = run(
            "pulp-listen",
            "-e",
            exchange,
            "--queue",
            queue,
            "--save-dir",
            str(directory),
            "-q",
            "-n",
            str(len(ODD_MESSAGES)),
        )
        assert result.returncode == 0, result.stderr
        # -q still prints the subject lines; the files come beside them.
        assert result.stdout.decode().splitlines() == [
            "pulp.server.repo.sync.finish",
            "bin/ary key",
            "text.plain",
            "from.header",
        ]
        names = saved(directory)
        assert names == [
            "000001-pulp.server.repo.sync.finish.json",
            "000002-bin_ary_key.json",
            "000003-text.plain.json",
            "000004-from.header.json",
        ]
        for name in names:
            record = json.loads((directory / name).read_text())
            assert record["exchange"] == exchange  # each file is one --json record
        replayed = run("pulp-emit", "--replay", str(directory), "-e", target_exchange)
        assert replayed.returncode == 0, replayed.stderr
        with channel() as ch:
            got = take(ch, target, len(ODD_MESSAGES))
    finally:
        delete(queues=[target], exchanges=[target_exchange])
    assert [body for _m, _p, body in got] == [body for _s, body, _p in ODD_MESSAGES]
    for (_m, props, _b), (_s, _body, original) in zip(got, ODD_MESSAGES, strict=True):
        for name in SETTABLE:  # every basic property a replay sends
            assert getattr(props, name) == getattr(original, name), name
        assert (props.headers or {}) == (original.headers or {})


def test_numbering_goes_on_after_the_files_already_there(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    directory = tmp_path / "again"
    for round_ in range(2):
        with channel() as ch:
            publish(ch, exchange, [(f"round.{round_}", b"x")])
        result = run("pulp-listen", "--queue", queue, "-e", exchange, "--save-dir", str(directory), "--json", "-n", "1")
        assert result.returncode == 0, result.stderr
        # --json on stdout and in the file: the same record.
        assert json.loads(result.stdout) == json.loads((directory / saved(directory)[-1]).read_text())
    assert saved(directory) == ["000001-round.0.json", "000002-round.1.json"]


def test_every_acknowledged_message_has_its_file_after_kill_9(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    total = 3000
    emitted = run("pulp-emit", "-e", exchange, "-n", str(total), "--sequence-header", "seq", "-q")
    assert emitted.returncode == 0, emitted.stderr
    directory = tmp_path / "killed"
    listener = start(
        "pulp-listen", "-e", exchange, "--queue", queue, "--save-dir", str(directory), "-q", "--prefetch", "40"
    )
    assert wait_for(lambda: directory.exists() and len(os.listdir(directory)) > 300, 20), listener.stderr
    os.kill(listener.proc.pid, signal.SIGKILL)
    listener.wait()
    with channel() as ch:
        assert wait_for(lambda: message_count(ch, queue) > 0, 5)
        time.sleep(0.3)  # the broker requeues what the dead connection held unacknowledged
        left = {m_p_b[1].headers["seq"] for m_p_b in take(ch, queue, total, timeout=0.7)}
    files: set[int] = set()
    for name in saved(directory):
        assert NAME.match(name), name
        record = json.loads((directory / name).read_text())  # complete: every file parses
        files.add(record["headers"]["seq"])
    acknowledged = set(range(1, total + 1)) - left
    assert acknowledged, "the listener was killed before it acknowledged anything"
    assert acknowledged <= files, sorted(acknowledged - files)[:10]


def test_a_save_dir_that_cannot_be_made_is_refused_before_connecting(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    result = run(
        "pulp-listen", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "--queue", "q", "--save-dir", str(blocker / "sub")
    )
    assert result.returncode == 2, result.stderr
    lines = result.err_lines
    assert len(lines) == 1 and "--save-dir" in lines[0], lines


def _small_files() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192))  # Python ignores SIGXFSZ: writes fail EFBIG


def test_a_file_that_cannot_be_written_is_one_error_and_no_acknowledgement(
    bound: tuple[str, str], tmp_path: Path
) -> None:
    exchange, queue = bound
    with channel() as ch:
        publish(ch, exchange, [("small.one", b"x" * 100), ("large.one", b"y" * 20000)])
    directory = tmp_path / "full"
    result = run(
        "pulp-listen",
        "-e",
        exchange,
        "--queue",
        queue,
        "--save-dir",
        str(directory),
        "-q",
        "-n",
        "2",
        preexec_fn=_small_files,
    )
    assert result.returncode == 10, result.stderr
    lines = result.err_lines
    assert len(lines) == 2 and "listening on" in lines[0] and "large.one" in lines[1], lines
    assert saved(directory) == ["000001-small.one.json"]
    with channel() as ch:
        (left,) = take(ch, queue, 1, timeout=2)
        assert message_count(ch, queue) == 0
    assert left[2] == b"y" * 20000  # not acknowledged: still in the queue


def test_replay_of_a_directory_without_records_is_refused(tmp_path: Path) -> None:
    result = run("pulp-emit", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "--replay", str(tmp_path), "-e", "x")
    assert result.returncode == 2
    assert "no " in result.stderr.decode() and str(tmp_path) in result.stderr.decode()
