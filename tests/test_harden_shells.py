"""Tab completion typed into real bash, zsh and fish (tmux), as a user meets it (issue #16)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support import tmux

BIN = Path(sys.executable).parent


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_body_at_file_keeps_its_at_sign(shell: str, tmp_path: Path) -> None:
    # bash hands '@' to the completer as part of the word (readline's special prefixes), while
    # argcomplete cut it off as a word break: Tab turned `--body @REP` into `--body REPORT-body.json`,
    # and Enter published the file's *name*.
    reason = tmux.missing(shell)
    if reason:
        pytest.skip(reason)
    (tmp_path / "REPORT-body.json").write_text("{}")
    with tmux.Shell(shell, tmp_path, str(BIN), "pulp-emit") as term:
        term.type("pulp-emit --subject my.x --body @REP")
        term.key("Tab")
        screen = term.wait_for(lambda s: "REPORT-body.json" in s, "completion")
    assert "--body @REPORT-body.json" in screen, screen
