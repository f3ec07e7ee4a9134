"""cli/reading.py's regular-file reader (--replay DIR): the type and the size checked before reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pulp_amqp_tools.cli import reading
from pulp_amqp_tools.errors import UsageError


def test_only_a_regular_file_within_the_limit_is_read(tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.write_bytes(b"12345")
    assert reading.read_regular(str(good), 5, "it") == b"12345"
    with pytest.raises(UsageError, match="it is larger than 4 bytes"):
        reading.read_regular(str(good), 4, "it")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=r"^the fifo is a FIFO \(named pipe\), not a regular file$"):
        reading.read_regular(str(fifo), 5, "the fifo")
    with pytest.raises(UsageError, match="is a character device"):
        reading.read_regular("/dev/null", 5, "null")
    with pytest.raises(UsageError, match="is a directory"):
        reading.read_regular(str(tmp_path), 5, "here")
    with pytest.raises(UsageError, match="cannot read gone: No such file"):
        reading.read_regular(str(tmp_path / "gone"), 5, "gone")


def test_every_file_of_a_directory_is_checked_before_any_is_read(tmp_path: Path) -> None:
    (tmp_path / "1").write_bytes(b"{}")
    os.mkfifo(tmp_path / "2")
    with pytest.raises(UsageError, match=r"'.*/2' is a FIFO"):
        reading.saved_files(str(tmp_path), ["1", "2"])
