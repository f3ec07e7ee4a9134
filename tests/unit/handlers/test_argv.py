"""handlers/argv.py: the --exec command is split without a shell and checked before anything runs."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.handlers import argv as command


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
