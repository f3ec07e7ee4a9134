"""--exec refuses a script without '#!' before connecting (issue 22, item 15): execve() cannot run
it (ENOEXEC), and it used to be found out only once a message had been consumed. Against the
shared broker: listen never subscribes, and the message stays queued."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import channel, delete, message_count, publish, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


def binfmt_formats() -> set[str]:
    try:
        return set(os.listdir("/proc/sys/fs/binfmt_misc")) - {"register", "status"}
    except OSError:
        return set()


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    exchange, queue = unique("noshebang-x"), unique("noshebang-q")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
        ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
        ch.queue_bind(queue, exchange, "#")
    yield exchange, queue
    delete(queues=[queue], exchanges=[exchange])


@pytest.mark.skipif(bool(binfmt_formats()), reason="binfmt_misc formats registered: any file may be runnable")
def test_a_script_without_an_interpreter_line_is_refused_before_connecting(
    bound: tuple[str, str], tmp_path: Path
) -> None:
    exchange, queue = bound
    script = tmp_path / "deploy.sh"
    script.write_text("echo deployed\n")
    script.chmod(0o755)
    with channel() as ch:
        publish(ch, exchange, [("pulp.server.repo.sync.finish", b"{}")])
    result = run("pulp-listen", "-e", exchange, "--queue", queue, "--exec", str(script), "-n", "1")
    lines = result.err_lines
    assert result.returncode == 2 and len(lines) == 1, lines
    assert "has no '#!' line" in lines[0] and str(script) in lines[0], lines
    with channel() as ch:
        assert message_count(ch, queue) == 1


def test_scripts_with_an_interpreter_line_and_binaries_still_run(bound: tuple[str, str], tmp_path: Path) -> None:
    exchange, queue = bound
    script = tmp_path / "ok.sh"
    script.write_text("#!/bin/sh\ncat > /dev/null\n")
    script.chmod(0o755)
    with channel() as ch:
        publish(ch, exchange, [("a", b"1"), ("b", b"2")])
    for handler in (str(script), "true"):
        result = run("pulp-listen", "-e", exchange, "--queue", queue, "--exec", handler, "-n", "1")
        assert result.returncode == 0, result.stderr
    with channel() as ch:
        assert message_count(ch, queue) == 0
