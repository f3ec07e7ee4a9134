"""`pulp-emit --replay DIR` reads only regular files, each within one record's limit, and checks
the whole directory before it publishes anything (issue 22, item 3). Against the shared broker:
the queue bound to the target exchange shows that nothing was published."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import channel, delete, message_count, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    """(exchange, queue bound to it with #), unique; deleted afterwards."""
    exchange, queue = unique("replay-dir-x"), unique("replay-dir-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic", auto_delete=False)
        ch.queue_declare(queue, arguments={"x-queue-type": "classic"})
        ch.queue_bind(queue, exchange, "#")
    yield exchange, queue
    delete(queues=[queue], exchanges=[exchange])


def record(subject: str) -> str:
    return json.dumps({"subject": subject, "exchange": "pulp", "body": {"n": 1}, "body_encoding": "json"}) + "\n"


def saved_dir(tmp_path: Path, last: str) -> tuple[Path, Path]:
    """Two good saved records, then `000003-<last>.json` (returned, for the test to make)."""
    directory = tmp_path / "saved"
    directory.mkdir()
    (directory / "000001-a.json").write_text(record("a"))
    (directory / "000002-b.json").write_text(record("b"))
    return directory, directory / f"000003-{last}.json"


def refused(result_stderr: list[str], returncode: int, name: Path, kind: str) -> None:
    assert returncode == 2, result_stderr
    assert len(result_stderr) == 1, result_stderr
    assert str(name) in result_stderr[0] and kind in result_stderr[0], result_stderr
    assert "Traceback" not in "\n".join(result_stderr)


def test_a_symlink_to_dev_zero_is_refused_as_a_device_before_anything_is_published(
    bound: tuple[str, str], tmp_path: Path
) -> None:
    exchange, queue = bound
    directory, last = saved_dir(tmp_path, "zero")
    last.symlink_to("/dev/zero")
    result = run("pulp-emit", "--replay", str(directory), "-e", exchange)
    refused(result.err_lines, result.returncode, last, "character device")
    with channel() as ch:
        assert message_count(ch, queue) == 0


def test_a_fifo_is_refused_at_once_not_waited_on(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    directory, last = saved_dir(tmp_path, "fifo")
    os.mkfifo(last)
    result = run("pulp-emit", "--replay", str(directory), "-e", exchange, timeout=20)  # hung forever before
    refused(result.err_lines, result.returncode, last, "FIFO")
    with channel() as ch:
        assert message_count(ch, queue) == 0


def test_a_directory_and_a_file_over_one_records_limit_are_refused(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    directory, last = saved_dir(tmp_path, "dir")
    last.mkdir()
    result = run("pulp-emit", "--replay", str(directory), "-e", exchange)
    refused(result.err_lines, result.returncode, last, "a directory")
    last.rmdir()
    with open(last, "wb") as sparse:  # a hole: 256 MiB + 1 byte that take no disk
        sparse.truncate(256 * 1024 * 1024 + 1)
    result = run("pulp-emit", "--replay", str(directory), "-e", exchange)
    refused(result.err_lines, result.returncode, last, "larger than 256 MiB")
    with channel() as ch:
        assert message_count(ch, queue) == 0


def test_a_symlink_to_a_regular_record_still_replays(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    directory, last = saved_dir(tmp_path, "c")
    (tmp_path / "elsewhere.json").write_text(record("c"))
    last.symlink_to(tmp_path / "elsewhere.json")
    result = run("pulp-emit", "--replay", str(directory), "-e", exchange)
    assert result.returncode == 0, result.stderr
    with channel() as ch:
        assert message_count(ch, queue) == 3
