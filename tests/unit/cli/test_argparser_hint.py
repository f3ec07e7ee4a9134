"""cli/argparser.py: the shell-expansion hint only where the shell plausibly expanded a pattern."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.commands.listen import build_parser


def error_of(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(list(argv))
    assert stopped.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("argv", [("--amqp-version", "1.0"), ("--format", "v2.json"), ("1.0",), ("--tries=3", "2.5")])
def test_an_unknown_flag_and_its_value_or_a_number_get_no_quoting_hint(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    assert "quote the pattern" not in error_of(capsys, *argv)


def test_subjects_left_over_from_an_expanded_pattern_still_get_it(capsys: pytest.CaptureFixture[str]) -> None:
    err = error_of(capsys, "-s", "pulp.server.repo.sync.start", "pulp.server.repo.sync.finish")
    assert "quote the pattern" in err
    assert "did you mean --exchange?" in error_of(capsys, "--exchnage", "pulp")
