"""tests/support/terminal.py: the terminal-safety check catches what it must (it is not vacuous)."""

from __future__ import annotations

import re

import pytest

from tests.support.terminal import SGR, assert_terminal_safe


def test_pattern_helper_is_not_vacuous() -> None:
    with pytest.raises(AssertionError):
        assert_terminal_safe("ok \x1b]0;t\x07")
    with pytest.raises(AssertionError):
        assert_terminal_safe("\x1b[31mred\x1b[0m \u009b")
    assert re.fullmatch(SGR, "\x1b[1;36m")
