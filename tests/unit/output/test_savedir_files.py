"""output/savedir.py's file creation: exclusive, never through a symlink, under an unpredictable name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pulp_amqp_tools.output import savedir


def test_temporary_names_are_random_hidden_and_cleared_as_left_overs() -> None:
    first, second = savedir.temporary_name("000001-a.b.json"), savedir.temporary_name("000001-a.b.json")
    assert first != second and first.startswith(".000001-a.b.") and first.endswith(".json.tmp")
    assert savedir._LEFT_OVER.match(first)


def test_a_write_never_follows_a_symlink_nor_reuses_a_file(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious")
    link = tmp_path / "link"
    link.symlink_to(victim)
    with pytest.raises(FileExistsError):
        savedir._write_synced(str(link), b"overwritten")
    with pytest.raises(FileExistsError):
        savedir._write_synced(str(victim), b"overwritten")
    assert victim.read_text() == "precious"


def test_a_taken_temporary_name_is_skipped_for_a_fresh_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    saving = savedir.SaveDir(str(tmp_path / "d"))
    planted = tmp_path / "d" / ".000001-x.planted.json.tmp"
    planted.write_text("someone else's")
    names = iter([planted.name, ".000001-x.fresh.json.tmp"])
    monkeypatch.setattr(savedir, "temporary_name", lambda name: next(names))
    assert saving.write("x", "{}\n") == "000001-x.json"
    assert planted.read_text() == "someone else's"  # neither written nor removed
    assert sorted(os.listdir(tmp_path / "d")) == [planted.name, "000001-x.json"]
    saving.close()
