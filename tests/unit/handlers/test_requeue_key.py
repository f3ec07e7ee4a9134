"""handlers/requeue_key.py: the key file is the user's own, private, made once, never followed through a link."""

from __future__ import annotations

import os
from pathlib import Path

from pulp_amqp_tools.handlers import requeue_key


def test_the_path_follows_xdg_state_home_else_home() -> None:
    assert requeue_key.key_path({"XDG_STATE_HOME": "/s"}) == "/s/pulp-amqp-tools/requeue.key"
    assert requeue_key.key_path({"HOME": "/h"}) == "/h/.local/state/pulp-amqp-tools/requeue.key"


def test_made_once_private_and_then_only_read(tmp_path: Path) -> None:
    path = str(tmp_path / "state" / "pulp-amqp-tools" / "requeue.key")
    notes: list[str] = []
    assert requeue_key.load(path, False, notes.append) is None and not os.path.exists(path)
    key = requeue_key.load(path, True, notes.append)
    assert key is not None and len(key) == 32
    assert requeue_key.load(path, False, notes.append) == key == requeue_key.load(path, True, notes.append)
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(os.path.dirname(path)).st_mode & 0o777 == 0o700
    assert os.listdir(os.path.dirname(path)) == ["requeue.key"] and notes == []


def test_a_key_file_others_can_read_a_link_or_a_short_one_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "requeue.key"
    path.write_bytes(b"k" * 32)
    path.chmod(0o644)
    notes: list[str] = []
    assert requeue_key.load(str(path), True, notes.append) is None
    assert "readable or writable by others" in notes[-1] and path.read_bytes() == b"k" * 32
    path.chmod(0o600)
    link = tmp_path / "link.key"
    link.symlink_to(path)
    assert requeue_key.load(str(link), True, notes.append) is None and "not using" in notes[-1]
    path.write_bytes(b"short")
    assert requeue_key.load(str(path), False, notes.append) is None and "not 32 bytes" in notes[-1]
