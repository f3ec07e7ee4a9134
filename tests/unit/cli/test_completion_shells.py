"""Tab completion typed into real bash, zsh and fish (tmux), as a user meets it."""

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
        term.send("pulp-emit --subject my.x --body @REP")
        term.key("Tab")
        screen = term.wait_for(lambda s: "REPORT-body.json" in s, "completion")
    assert "--body @REPORT-body.json" in screen, screen


@pytest.mark.parametrize(
    ("shell", "command", "typed", "shown"),
    [
        ("bash", "pulp-listen", "pulp-listen --where sub", "--where subject="),
        (
            "bash",
            "pulp-listen",
            "pulp-listen --fail-where properties.content_t",
            "--fail-where properties.content_type=",
        ),
        ("bash", "pulp-emit", "pulp-emit --property deliv", "--property delivery_mode="),
        ("zsh", "pulp-emit", "pulp-emit --property deliv", "--property delivery_mode="),
    ],
)
def test_paths_and_property_names_complete(shell: str, command: str, typed: str, shown: str, tmp_path: Path) -> None:
    # Was: --where and --property offered nothing (or files).
    reason = tmux.missing(shell)
    if reason:
        pytest.skip(reason)
    (tmp_path / "subject-file").write_text("")  # a file that must not be offered
    with tmux.Shell(shell, tmp_path, str(BIN), command) as term:
        term.send(typed)
        term.key("Tab")
        screen = term.wait_for(lambda s: shown in s, f"{shown!r} after Tab")
    assert "subject-file" not in screen
