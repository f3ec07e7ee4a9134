"""The generated references (docs/options.md, man/*.1) are what scripts/gen_docs.py makes of the parsers now."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ("docs/options.md", "man/pulp-listen.1", "man/pulp-emit.1")


@pytest.mark.parametrize("name", GENERATED)
def test_generated_file_is_current(name: str) -> None:
    """A changed option, default or help text without a regenerated reference fails here, with the diff."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_docs.py"), "--check", name],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr


def test_check_reports_a_stale_file(tmp_path: Path) -> None:
    """The check above can fail: a reference that differs from the parsers is named, with a diff."""
    copy = tmp_path / "checkout"
    (copy / "scripts").mkdir(parents=True)
    (copy / "scripts" / "gen_docs.py").write_text((ROOT / "scripts" / "gen_docs.py").read_text())
    (copy / "docs").mkdir()
    (copy / "docs" / "options.md").write_text((ROOT / "docs" / "options.md").read_text().replace("--count", "--cnt"))
    result = subprocess.run(
        [sys.executable, str(copy / "scripts" / "gen_docs.py"), "--check", "docs/options.md"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "docs/options.md is stale" in result.stderr
    assert "+| `-n, --count N`" in result.stderr


@pytest.mark.parametrize("prog", ["pulp-listen", "pulp-emit"])
def test_every_option_is_in_the_man_page(prog: str) -> None:
    """Each flag --help shows (so not the hidden --traceback) appears in the man page, roff-escaped."""
    page = (ROOT / "man" / f"{prog}.1").read_text()
    help_text = subprocess.run(
        [sys.executable, "-c", f"from pulp_amqp_tools.commands import {prog.split('-')[1]} as c; c.main(['--help'])"],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    ).stdout
    invocations = re.findall(r"^  (-\S.*?)(?:  |$)", help_text, re.MULTILINE)  # the option column
    flags = {flag for invocation in invocations for flag in re.findall(r"(?<![\w-])--?[\w][\w-]*", invocation)}
    assert {"-h", "--help", "-e", "--exchange"} <= flags and "--traceback" not in page
    for flag in sorted(flags):
        assert "\\fB" + flag.replace("-", "\\-") + "\\fR" in page, flag
