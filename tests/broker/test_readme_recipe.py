"""The README's "wait without a race" recipe, run as written (issue 22, item 7).

The recipe used to select the repository (`--where payload.repo_id=zoo`), so the first finish of
zoo within the look-back answered it: an earlier failed sync exited 9 though the awaited one
succeeded. It now selects the task. The command is taken from the README itself (its shell
block after "Then wait without a race") and run by sh, with the stream's name for pulp-events
and TASK in the environment.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import BROKER_URL, delete, unique
from tests.support.processes import ROOT, console, environment, run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(90)]


def recipe() -> str:
    """The shell command of the recipe, as docs/scripting.md prints it (the README's copy: below)."""
    text = (ROOT / "docs" / "scripting.md").read_text()
    section = text[text.index("**Then wait without a race**") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None, "no shell block after 'Then wait without a race'"
    return block.group(1).strip()


@pytest.fixture
def stream() -> Iterator[tuple[str, str]]:
    """(stream, exchange): the README's stream setup, for a stream of the test's own."""
    name, exchange = unique("pat-stream"), unique("pat-sx")
    setup = run("pulp-listen", "-e", exchange, "--queue", name, "--queue-type", "stream", "--timeout", "0.5")
    assert setup.returncode == 6, setup.stderr
    yield name, exchange
    delete(queues=[name], exchanges=[exchange])


def _emit(exchange: str, *args: str) -> None:
    emitted = run("pulp-emit", "-e", exchange, *args)
    assert emitted.returncode == 0, emitted.stderr


def _run_recipe(stream: str, task: str) -> subprocess.Popen[bytes]:
    listen_dir = str(Path(console("listen")).parent)
    path = f"{listen_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    env = environment(BROKER_URL, unbuffered=False) | {"TASK": task, "PATH": path}
    shell = recipe().replace("pulp-events", stream)
    return subprocess.Popen(["sh", "-c", shell], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)


@pytest.mark.parametrize("earlier, awaited, status", [("failed", "success", 0), ("success", "failed", 9)])
def test_the_recipe_answers_with_the_awaited_task_not_an_earlier_one(
    stream: tuple[str, str], earlier: str, awaited: str, status: int
) -> None:
    name, exchange = stream
    task = unique("task")
    _emit(exchange, "-t", "repo.sync.finish", "--repo-id", "zoo", "--result", earlier)  # an earlier sync of zoo
    _emit(exchange, "-t", "repo.sync.start", "--repo-id", "zoo", "--task-id", task)
    _emit(exchange, "-t", "repo.sync.finish", "--repo-id", "zoo", "--result", awaited, "--task-id", task)
    waiting = _run_recipe(name, task)
    out, err = waiting.communicate(timeout=60)
    assert waiting.returncode == status, err
    assert b"zoo" in out and task.encode() in out and awaited.encode() in out, out


def test_the_recipe_waits_for_a_task_that_finishes_after_it_started(stream: tuple[str, str]) -> None:
    name, exchange = stream
    task = unique("task")
    _emit(exchange, "-t", "repo.sync.finish", "--repo-id", "zoo", "--result", "failed")
    waiting = _run_recipe(name, task)
    try:
        assert waiting.stderr is not None
        ready = waiting.stderr.readline()  # it reads the stream: the finish comes after it started
        assert b"listening on" in ready, ready
        _emit(exchange, "-t", "repo.sync.finish", "--repo-id", "zoo", "--result", "success", "--task-id", task)
        out, err = waiting.communicate(timeout=60)
    finally:
        if waiting.poll() is None:
            waiting.kill()
    assert waiting.returncode == 0, err
    assert task.encode() in out and b"success" in out, out


def test_the_readme_prints_the_same_recipe() -> None:
    """The README's short copy ends with the command tested above, word for word."""
    text = (ROOT / "README.md").read_text()
    section = text[text.index("**Never miss an event**") :]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    assert block.group(1).strip().endswith(recipe())
