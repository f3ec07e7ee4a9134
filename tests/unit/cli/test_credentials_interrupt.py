"""Ctrl-C at the password prompt ends the prompt's line (issue 22, item 15), so the shell's next
prompt starts on a line of its own. A real pty (pexpect); the prompt comes before any connection,
so no broker is needed (the URL's port 1 is never reached)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

pexpect = pytest.importorskip("pexpect")


@pytest.mark.parametrize("name", ["emit", "listen"])
def test_ctrl_c_at_the_password_prompt_ends_its_line(name: str) -> None:
    program = str(Path(sys.executable).parent / f"pulp-{name}")
    child = pexpect.spawn(program, ["-u", "amqp://ops@127.0.0.1:1/%2F"], timeout=20)
    child.expect("Password for ops at 127.0.0.1:1: ")
    child.sendintr()
    child.expect(pexpect.EOF)
    child.close()
    assert child.before.startswith(b"\r\n"), child.before
    assert child.exitstatus == 130
