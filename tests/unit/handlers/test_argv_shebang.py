"""handlers/command.py: what execve() cannot run is refused when --exec is resolved (no broker)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import argv as command


def test_runnable_knows_scripts_and_binaries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(command, "_BINFMT", str(tmp_path / "no-binfmt"))
    script, plain = tmp_path / "s", tmp_path / "p"
    script.write_text("#!/bin/sh\n")
    plain.write_text("echo hi\n")
    assert command.runnable(str(script)) and command.runnable("/bin/sh")
    assert not command.runnable(str(plain))
    plain.chmod(0o755)
    with pytest.raises(UsageError, match=r"has no '#!' line.*--exec 'sh "):
        command.resolve((str(plain),))
    formats = tmp_path / "binfmt"
    formats.mkdir()
    (formats / "status").write_text("enabled")
    monkeypatch.setattr(command, "_BINFMT", str(formats))
    assert not command.runnable(str(plain))
    (formats / "jar").write_text("enabled")  # a format of its own: the kernel may run anything
    assert command.runnable(str(plain))
