"""output/savedir.py: --save-dir's file names, whole files, numbering on, and failures said once."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pulp_amqp_tools.errors import ToolError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.output.savedir import SaveDir, file_name, numbered


def test_file_names_sort_in_arrival_order_and_are_safe() -> None:
    assert file_name(1, "pulp.server.repo.sync.finish") == "000001-pulp.server.repo.sync.finish.json"
    assert file_name(12, "a/b c\\..\x1b[31m") == "000012-a_b_c_.._31m.json"
    assert file_name(3, "") == "000003.json" and file_name(4, "...") == "000004.json"
    assert len(file_name(5, "x" * 255).encode()) < 200
    assert numbered(["000010-b.json", "000002-a.json", "notes.txt", ".000011-c.json.tmp", "000003.json"]) == [
        (2, "000002-a.json"),
        (3, "000003.json"),
        (10, "000010-b.json"),
    ]


def test_save_dir_writes_whole_files_and_numbers_on(tmp_path: Path) -> None:
    (tmp_path / "000007-old.json").write_text("{}")
    (tmp_path / ".000008-crashed.json.tmp").write_text("{half")
    (tmp_path / ".hidden.tmp").write_text("not ours")
    saver = SaveDir(str(tmp_path))
    assert not (tmp_path / ".000008-crashed.json.tmp").exists() and (tmp_path / ".hidden.tmp").exists()
    assert saver.write("a.b", '{"x": 1}\n') == "000008-a.b.json"
    (tmp_path / "000009-c.json").write_text("{}")  # another writer took the next number meanwhile
    assert saver.write("c", "{}\n") == "000010-c.json"
    saver.commit()
    saver.close()
    assert (tmp_path / "000008-a.b.json").read_text() == '{"x": 1}\n'
    assert (tmp_path / "000009-c.json").read_text() == "{}"


def test_save_dir_that_cannot_be_created_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="--save-dir"):
        SaveDir(str(tmp_path / "file" / "sub"))


def test_a_failed_write_leaves_no_file_and_says_so(tmp_path: Path) -> None:
    saver = SaveDir(str(tmp_path / "d"))
    os.rmdir(tmp_path / "d")  # the directory vanished under us
    with pytest.raises(ToolError) as failed:
        saver.write("a", "{}")
    assert failed.value.status == ExitStatus.SAVE_FAILED and "not acknowledged" in failed.value.message
