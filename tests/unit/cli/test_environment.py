"""cli/environment.py and cli/command.py: one place decides terminal, colour and width; streams are injected."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest

from pulp_amqp_tools.cli.environment import DEFAULT_COLUMNS, Environment
from pulp_amqp_tools.commands import emit, listen


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def env_with(environ: dict[str, str], stdout_tty: bool = True, stderr_tty: bool = True) -> Environment:
    return Environment(
        stdout=Tty() if stdout_tty else io.StringIO(),
        stderr=Tty() if stderr_tty else io.StringIO(),
        environ=environ,
    )


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, True),
        ({"NO_COLOR": "1", "FORCE_COLOR": "1"}, False),  # NO_COLOR first
        ({"FORCE_COLOR": "1", "TERM": "dumb"}, True),  # then FORCE_COLOR, over a dumb TERM
        ({"TERM": "dumb"}, False),
    ],
)
def test_one_colour_rule_for_data_help_and_progress(environ: dict[str, str], expected: bool) -> None:
    env = env_with(environ)
    assert env.color() is env.help_color is env.stderr_color is expected


def test_help_is_coloured_only_when_neither_stream_is_a_file() -> None:
    assert env_with({}, stdout_tty=True, stderr_tty=False).help_color is False
    assert env_with({}, stdout_tty=False, stderr_tty=True).help_color is False
    assert env_with({"FORCE_COLOR": "1"}, stdout_tty=False, stderr_tty=False).help_color is True


def test_width_comes_from_columns_else_the_terminal_else_80() -> None:
    assert env_with({"COLUMNS": "132"}).columns() == 132
    assert env_with({"COLUMNS": "wide"}).columns() == DEFAULT_COLUMNS  # a StringIO has no terminal size
    assert env_with({}).columns() == DEFAULT_COLUMNS


def test_palette_follows_colorterm_and_term() -> None:
    assert env_with({"COLORTERM": "truecolor"}).color_system == "truecolor"
    assert env_with({"TERM": "xterm-256color"}).color_system == "256"
    assert env_with({"TERM": "xterm"}).color_system == "standard"


@pytest.mark.parametrize(
    ("command", "argv", "message"),
    [
        (listen.main, ["--queue-type", "quorum"], "--queue-type needs --queue NAME"),
        (emit.main, ["--subject", "x"], "--subject and --body go together"),
    ],
)
def test_errors_reach_the_environments_stderr_as_one_line(
    command: Callable[[list[str], Environment], int], argv: list[str], message: str
) -> None:
    stdout, stderr = io.StringIO(), io.StringIO()
    env = Environment("pulp-test", stdout=stdout, stderr=stderr, environ={})
    assert command(argv, env) == 2
    assert stdout.getvalue() == ""
    (line,) = stderr.getvalue().splitlines()
    assert line.startswith("pulp-test: error: ") and message in line


def test_a_mapping_stands_for_the_variables_of_an_environment() -> None:
    env = Environment.of({"AMQP_URL": "amqp://h"})
    assert env.environ == {"AMQP_URL": "amqp://h"}
    assert Environment.of(env) is env


@pytest.mark.parametrize(
    ("choice", "env", "tty", "expected"),
    [
        ("auto", {}, True, True),
        ("auto", {}, False, False),
        ("auto", {"NO_COLOR": "1"}, True, False),
        ("auto", {"FORCE_COLOR": "1"}, False, True),
        ("auto", {"TERM": "dumb"}, True, False),
        ("auto", {"NO_COLOR": ""}, True, True),
        ("always", {"NO_COLOR": "1"}, False, True),
        ("never", {"FORCE_COLOR": "1"}, True, False),
    ],
)
def test_wants_color(choice: str, env: dict[str, str], tty: bool, expected: bool) -> None:
    assert Environment(stdout=Tty() if tty else io.StringIO(), environ=env).color(choice) is expected
