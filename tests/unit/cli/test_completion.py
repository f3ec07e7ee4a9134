"""Tab completion and help: argcomplete's own protocol on the installed commands and on scripts/,
a real bash with the completion registered, and help on a terminal and in a pipe."""

from __future__ import annotations

import argparse
import io
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from argcomplete import io as argcomplete_io
from argcomplete.finders import CompletionFinder

from pulp_amqp_tools.commands import listen
from tests.support.processes import ROOT, command_env, script

BIN = Path(sys.executable).parent
HOW = ["console", "script"]
PULP_SUBJECTS = [
    "pulp.server.repo.sync.start",
    "pulp.server.repo.sync.finish",
    "pulp.server.repo.publish.start",
    "pulp.server.repo.publish.finish",
]


@cache
def console_scripts_missing() -> str | None:
    """Why the console scripts next to sys.executable cannot be tested, or None when they can."""
    if not all((BIN / f"pulp-{name}").exists() for name in ("listen", "emit")):
        return f"pulp-listen/pulp-emit are not installed next to {sys.executable} (pip install -e .)"
    found = subprocess.run(
        [sys.executable, "-I", "-c", "import pulp_amqp_tools; print(pulp_amqp_tools.__file__)"],
        capture_output=True,
        text=True,
        cwd="/",
        timeout=30,
    ).stdout.strip()
    if not found or Path(found).resolve().parent.parent != ROOT:
        return f"the console scripts in {BIN} run another checkout ({found or 'none'}), not {ROOT}"
    return None


def command(how: str, name: str) -> tuple[list[str], str, str]:
    """argv, the word the shell line starts with, and _ARGCOMPLETE (where the program's words start)."""
    if how == "console":
        reason = console_scripts_missing()
        if reason:
            pytest.skip(reason)
        return [str(BIN / f"pulp-{name}")], f"pulp-{name}", "1"
    return script(name), f"python scripts/{name}.py", "2"


def complete(how: str, name: str, rest: str, tmp_path: Path, **extra: str) -> list[str]:
    """What Tab offers after `<command> rest`, asked the way the shells' argcomplete code asks."""
    argv, first, start = command(how, name)
    line = f"{first} {rest}"
    out = tmp_path / "completions"
    env = command_env(
        _ARGCOMPLETE=start,
        COMP_LINE=line,
        COMP_POINT=str(len(line)),
        _ARGCOMPLETE_SHELL="bash",
        _ARGCOMPLETE_SUPPRESS_SPACE="1",
        _ARGCOMPLETE_STDOUT_FILENAME=str(out),
    )
    env.update(extra)
    proc = subprocess.run(argv, env=env, capture_output=True, timeout=30, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == b""  # argcomplete answers on its own stream, never on stdout
    text = out.read_text()
    return text.split("\013") if text else []


@pytest.mark.parametrize("how", HOW)
def test_options_complete(how: str, tmp_path: Path) -> None:
    assert complete(how, "listen", "--co", tmp_path) == [
        "--config",
        "--connect-timeout",
        "--connection-name",
        "--color",
        "--count",
    ]
    assert complete(how, "emit", "--ev", tmp_path) == ["--event-type"]
    assert complete(how, "emit", "--print", tmp_path) == ["--print-completion"]


@pytest.mark.parametrize("how", HOW)
def test_choices_complete(how: str, tmp_path: Path) -> None:
    assert complete(how, "listen", "--color ", tmp_path) == ["auto", "always", "never"]
    assert complete(how, "listen", "--exchange-type ", tmp_path) == ["direct", "fanout", "headers", "topic"]
    assert complete(how, "listen", "--exchange-type f", tmp_path) == ["fanout"]
    assert complete(how, "listen", "--color=a", tmp_path) == ["--color=auto", "--color=always"]
    assert complete(how, "emit", "--result f", tmp_path) == ["failed"]
    assert complete(how, "emit", "--print-completion ", tmp_path) == ["bash", "zsh", "fish"]


@pytest.mark.parametrize("how", HOW)
def test_event_types_complete_with_star(how: str, tmp_path: Path) -> None:
    assert complete(how, "emit", "--event-type repo.s", tmp_path) == ["repo.sync.start", "repo.sync.finish"]
    # '*' comes back escaped for the shell, so Tab never inserts a glob.
    assert complete(how, "emit", "-t ", tmp_path) == [
        "repo.sync.start",
        "repo.sync.finish",
        "repo.publish.start",
        "repo.publish.finish",
        "\\*",
    ]
    assert complete(how, "emit", "--subject pulp.server.repo.p", tmp_path) == PULP_SUBJECTS[2:]


@pytest.mark.parametrize("how", HOW)
def test_subject_patterns_complete(how: str, tmp_path: Path) -> None:
    offered = complete(how, "listen", "-s pulp.server.repo.", tmp_path)
    assert offered[:4] == PULP_SUBJECTS
    assert "pulp.server.repo.\\*.finish" in offered and "pulp.server.repo.sync.\\*" in offered
    # Quoted by the user: the pattern comes back as typed, unescaped inside the quote.
    assert "pulp.server.repo.*.finish" in complete(how, "listen", "-s 'pulp.server.repo.", tmp_path)


@pytest.mark.parametrize("how", HOW)
def test_exchanges_come_from_the_config_on_the_line(how: str, tmp_path: Path) -> None:
    conf = tmp_path / "server.conf"
    conf.write_text("[messaging]\ntopic_exchange = 'pulp-events'\nurl = tcp://nowhere.invalid:5672\n")
    assert complete(how, "listen", f"--config {conf} -e ", tmp_path) == ["pulp-events", "amq.topic", "pulp"]
    assert complete(how, "emit", f"--config {conf} --exchange pulp-", tmp_path) == ["pulp-events"]
    missing = tmp_path / "missing.conf"
    assert complete(how, "listen", f"--config {missing} -e ", tmp_path) == ["amq.topic", "pulp"]


@pytest.mark.parametrize("how", HOW)
def test_files_only_where_a_file_is_expected(how: str, tmp_path: Path) -> None:
    (tmp_path / "server.conf").write_text("")
    (tmp_path / "sub").mkdir()
    assert complete(how, "listen", f"--config {tmp_path}/s", tmp_path) == [
        f"{tmp_path}/server.conf",
        f"{tmp_path}/sub/",
    ]
    assert complete(how, "emit", f"--body @{tmp_path}/se", tmp_path) == [f"@{tmp_path}/server.conf"]
    # Numbers, names and URLs: nothing to offer, and no directory listing instead.
    for rest in ("-n ", "--timeout ", "--queue ", "-u ", "--repo-id "):
        name = "emit" if rest == "--repo-id " else "listen"
        assert complete(how, name, rest, tmp_path) == [], rest


def test_completion_never_touches_the_broker_nor_imports_pika_or_rich(tmp_path: Path) -> None:
    # A socket that would see any connection attempt, named by AMQP_URL and -a/-p on the line.
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.setblocking(False)
        port = server.getsockname()[1]
        for name, rest in (("listen", f"-a 127.0.0.1 -p {port} -e "), ("emit", f"-p {port} -t repo.")):
            proc_env = {"AMQP_URL": f"amqp://guest:guest@127.0.0.1:{port}/%2F", "PYTHONPROFILEIMPORTTIME": "1"}
            argv, first, start = command("script", name)
            line = f"{first} {rest}"
            out = tmp_path / "completions"
            env = command_env(
                _ARGCOMPLETE=start,
                COMP_LINE=line,
                COMP_POINT=str(len(line)),
                _ARGCOMPLETE_STDOUT_FILENAME=str(out),
                **proc_env,
            )
            proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=30, cwd=ROOT)
            assert proc.returncode == 0 and out.read_text(), proc.stderr
            imported = {
                line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in proc.stderr.splitlines()
                if line.startswith("import time:")
            }
            assert "argcomplete" in imported
            assert not imported & {"pika", "rich", "rich_argparse"}, sorted(imported)
        with pytest.raises(BlockingIOError):
            server.accept()


def test_building_the_parsers_imports_neither_rich_nor_pika() -> None:
    code = (
        "import sys; from pulp_amqp_tools.commands import emit, listen; emit.build_parser(); listen.build_parser(); "
        "print(sorted(m for m in ('pika', 'rich', 'rich_argparse', 'argcomplete') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30, cwd=ROOT)
    assert proc.stdout.strip() == "[]", proc.stderr


class _Finder(CompletionFinder):
    def _init_debug_stream(self) -> None:
        # argcomplete would adopt fd 9; under pytest that descriptor may belong to someone else.
        argcomplete_io.debug_stream = sys.stderr


def complete_in_process(parser: argparse.ArgumentParser, line: str, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """argcomplete's own test harness (kislyuk/argcomplete test/test.py): env vars, a stream, SystemExit."""
    monkeypatch.setenv("_ARGCOMPLETE", "1")
    monkeypatch.setenv("COMP_LINE", line)
    monkeypatch.setenv("COMP_POINT", str(len(line)))
    monkeypatch.setenv("_ARGCOMPLETE_SUPPRESS_SPACE", "1")
    stream = io.StringIO()
    with pytest.raises(SystemExit) as exited:
        _Finder()(parser, output_stream=stream, exit_method=sys.exit)
    assert exited.value.code == 0
    return stream.getvalue().split("\013") if stream.getvalue() else []


def test_flags_added_later_complete_their_choices(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = listen.build_parser()
    parser.add_argument("--later-type", choices=("classic", "quorum", "stream"))
    assert complete_in_process(parser, "pulp-listen --later-type ", monkeypatch) == ["classic", "quorum", "stream"]
    assert complete_in_process(parser, "pulp-listen --later-t", monkeypatch) == ["--later-type"]


@pytest.mark.parametrize(
    "shell,marker",
    [
        ("bash", "complete -o nospace -o bashdefault -F _python_argcomplete"),
        ("zsh", "compdef _python_argcomplete"),
        ("fish", "complete --command pulp-listen"),
    ],
)
def test_print_completion(shell: str, marker: str) -> None:
    proc = subprocess.run(
        [*script("listen"), "--print-completion", shell],
        capture_output=True,
        text=True,
        timeout=30,
        env=command_env(),
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    assert marker in proc.stdout and "pulp-listen" in proc.stdout and "pulp-emit" in proc.stdout
    # Run from a checkout, the script is registered too (fish by its full path).
    assert ("listen.py" if shell != "fish" else str(ROOT / "scripts" / "listen.py")) in proc.stdout


@pytest.fixture
def bash(tmp_path: Path) -> Iterator[object]:
    pexpect = pytest.importorskip("pexpect")
    inputrc = tmp_path / "inputrc"
    inputrc.write_text("set show-all-if-ambiguous on\nset bell-style none\n")
    env = command_env(
        PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        INPUTRC=str(inputrc),
        PS1="$ ",
        TERM="dumb",
        HOME=str(tmp_path),
    )
    env.pop("PROMPT_COMMAND", None)
    shell = pexpect.spawn(
        "bash",
        ["--norc", "--noprofile", "-i"],
        env=env,
        cwd=str(ROOT),
        encoding="utf-8",
        timeout=60,  # a loaded CI machine can take seconds per completion
        dimensions=(24, 200),
    )
    shell.expect_exact("$ ")
    try:
        yield shell
    finally:
        shell.sendcontrol("c")
        shell.sendline("exit")
        shell.close(force=True)


@pytest.mark.parametrize("how", HOW)
def test_real_bash_completes_the_sync_event_types(how: str, bash: object) -> None:
    import pexpect

    assert isinstance(bash, pexpect.spawn)
    typed = "pulp-emit" if how == "console" else "./scripts/emit.py"
    if how == "console":
        command(how, "emit")  # skips with the reason when the console scripts are not this checkout's
    # One line activates it (pulp-listen's registers pulp-emit too); scripts/ run on the venv's
    # python3 (first on PATH) through their shebang.
    registrar = "pulp-listen" if how == "console" else typed
    bash.sendline(f'eval "$({registrar} --print-completion bash)"; echo "REGISTERED $?"')
    bash.expect_exact("REGISTERED 0")
    bash.expect_exact("$ ")
    bash.send(f"{typed} --event-type repo.s\t")
    bash.expect(r"repo\.sync\.finish\s+repo\.sync\.start")
    bash.sendcontrol("c")
    bash.expect_exact("$ ")
    bash.send(f"{typed} --event-type repo.sync.f\t")
    bash.expect_exact("repo.sync.finish ")  # the only candidate: completed in place, then a space


@pytest.mark.parametrize("name", ["listen", "emit"])
def test_help_in_a_pipe_is_plain_shows_defaults_and_ends_with_examples(name: str) -> None:
    proc = subprocess.run(
        [*script(name), "--help"], capture_output=True, text=True, timeout=30, env=command_env(), cwd=ROOT
    )
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "\x1b" not in text
    assert "[messaging] topic_exchange" in " ".join(text.split()) and "--print-completion SHELL" in text
    assert "(default: 10)" in text  # --heartbeat
    examples = text.rsplit("examples:\n", 1)[1]
    assert examples.strip().splitlines()[-1].strip().startswith(f'eval "$(pulp-{name} --print-completion bash)"')
    if name == "listen":
        for seed in (
            "pulp-listen -e pulp -q ",
            "pulp-listen -e pulp -q -s 'pulp.server.repo.publish.*'",
            "pulp-listen -e pulp -q -s 'pulp.server.repo.*.finish'",
        ):
            assert seed in examples
    else:
        assert "pulp-emit -e pulp " in examples
    version = subprocess.run(
        [*script(name), "--version"], capture_output=True, text=True, timeout=30, env=command_env(), cwd=ROOT
    )
    assert version.returncode == 0 and version.stdout.startswith(f"pulp-{name} ")


def test_a_flag_without_its_default_in_the_help_gets_it_shown() -> None:
    parser = listen.build_parser()
    parser.add_argument("--rate", type=float, default=2.5, help="messages per second")
    parser.add_argument("--dry", action="store_true", help="do nothing")
    text = parser.format_help()
    assert "messages per second (default: 2.5)" in text
    assert "do nothing (default" not in text
    assert text.count("(default: 1000") == 1  # --prefetch already names its default


def test_help_on_a_terminal_is_rich_and_keeps_brackets_literal() -> None:
    pexpect = pytest.importorskip("pexpect")
    env = command_env(TERM="xterm-256color", COLUMNS="100")
    out = pexpect.run(
        " ".join([*script("listen"), "--help"]), env=env, cwd=str(ROOT), timeout=30, dimensions=(50, 100)
    ).decode()
    assert "\x1b[" in out  # coloured by rich-argparse
    assert "[messaging]" in out  # not swallowed as rich markup
    assert "pulp.server.repo.*.finish" in out
    plain = pexpect.run(
        " ".join([*script("listen"), "--help"]),
        env=dict(env, NO_COLOR="1"),
        cwd=str(ROOT),
        timeout=30,
        dimensions=(50, 100),
    ).decode()
    assert "\x1b[" not in plain and "examples:" in plain


def test_stream_values_complete(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = listen.build_parser()
    assert complete_in_process(parser, "pulp-listen --queue-type s", monkeypatch) == ["stream"]
    assert complete_in_process(parser, "pulp-listen --offset f", monkeypatch) == ["first"]
    assert "1D" in complete_in_process(parser, "pulp-listen --max-age ", monkeypatch)
