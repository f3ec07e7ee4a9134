"""--save-dir never writes through a link someone planted in the directory (issue 22, item 4).

The temporary name used to be predictable (`.000001-<subject>.json.tmp`) and was opened with
O_TRUNC and without O_NOFOLLOW: a symlink planted there once listen had started had the message
written over the file it points at. Against the shared broker: a real listen, a real message."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from tests.support.broker import bound_queue, channel, publish
from tests.support.faults import wait_for
from tests.support.processes import start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    with bound_queue("planted") as names:
        yield names


def test_a_symlink_planted_at_the_temporary_name_is_never_followed(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    directory = tmp_path / "saved"
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    listener = start("pulp-listen", "-e", exchange, "--queue", queue, "--save-dir", str(directory), "-q", "-n", "1")
    try:
        listener.wait_stderr("listening on")
        # Planted after the start (which clears left-over temporary files), at the old predictable name.
        os.symlink(victim, directory / ".000001-evil.json.tmp")
        with channel() as ch:
            publish(ch, exchange, [("evil", b'{"overwrite": "it"}')], pika.BasicProperties())
        assert listener.wait() == 0, listener.stderr
    finally:
        listener.stop()
    assert victim.read_text() == "precious\n"
    saved = directory / "000001-evil.json"
    assert stat.S_ISREG(os.lstat(saved).st_mode), "the saved file is a link"
    assert json.loads(saved.read_text())["body"] == {"overwrite": "it"}


def test_a_new_save_dir_is_made_private(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    directory = tmp_path / "new" / "saved"
    listener = start("pulp-listen", "-e", exchange, "--queue", queue, "--save-dir", str(directory), "-q", "-n", "1")
    try:
        listener.wait_stderr("listening on")
        with channel() as ch:
            publish(ch, exchange, [("one", b"1")])
        assert listener.wait() == 0, listener.stderr
    finally:
        listener.stop()
    assert wait_for(lambda: (directory / "000001-one.json").exists(), 5)
    assert stat.S_IMODE(os.stat(directory).st_mode) == 0o700
