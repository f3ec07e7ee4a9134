"""How a failing command must look: one stderr line, the documented status, no traceback, no password."""

from __future__ import annotations

import subprocess

from pulp_amqp_tools.exitcodes import ExitStatus

from .processes import Finished

SECRET = "Zq9-kT7wPx-s3cr3t"  # distinctive: found anywhere in the output means a leak


def check_error(
    result: Finished | subprocess.CompletedProcess[bytes],
    prog: str,
    status: ExitStatus,
    *fragments: str,
    secret: str = SECRET,
) -> str:
    """Exactly one stderr line `prog: error: ...` naming `fragments`, the status, no password."""
    out, err = result.stdout.decode(errors="replace"), result.stderr.decode(errors="replace")
    assert secret not in out and secret not in err, (out, err)
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"{prog}: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.returncode == status, (result.returncode, err)
    assert out == ""
    return lines[0]
