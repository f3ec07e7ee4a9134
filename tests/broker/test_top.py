"""--top against the real broker: JSON snapshots in a pipe, bounded rows, the live view in tmux."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pika
import pytest

from tests.support.broker import BROKER_URL, unique
from tests.support.processes import ROOT, SCRIPTS, command_env, run, start_listener

pytestmark = pytest.mark.broker

FOUR = ("sync.start", "sync.finish", "publish.start", "publish.finish")


def publish(exchange: str, messages: list[tuple[Any, bytes]]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for routing_key, body in messages:
            channel.basic_publish(exchange, routing_key, body)
    finally:
        connection.close()


def snapshots(stdout: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.decode("ascii").splitlines()]


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 15) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_json_snapshots_every_few_seconds_and_a_last_one_at_the_end(exchange: str) -> None:
    listener = start_listener("-e", exchange, "--top", "--top-every", "0.3", "-n", "7")
    wait_for(lambda: listener.stdout.count(b"\n") >= 2, "two snapshots while idle")
    assert run("emit", "-e", exchange, "-n", "7", "--result", "failed").returncode == 0
    assert listener.wait() == 0, listener.stderr
    snaps = snapshots(listener.stdout)
    first, last = snaps[0], snaps[-1]
    assert first["total"] == 0 and first["rows"] == [] and first["other"] is None
    assert last["total"] == 7 and last["exchange"] == exchange and last["patterns"] == ["#"]
    assert last["by"] == "subject" and "guest@" in last["connection"] and "guest:" not in last["connection"]
    counts = {row["key"]: row["count"] for row in last["rows"]}
    assert counts == {f"pulp.server.repo.{e}": n for e, n in zip(FOUR, (2, 2, 2, 1), strict=True)}
    results = {row["key"]: row.get("last_result") for row in last["rows"]}
    assert results["pulp.server.repo.sync.finish"] == "failed" and results["pulp.server.repo.sync.start"] is None
    assert len(last["per_second"]) == 60 and sum(last["per_second"]) == 7 and last["rate_avg"] > 0


def test_top_by_a_body_path(exchange: str) -> None:
    listener = start_listener("-e", exchange, "--top", "--json", "--top-by", "payload.repo_id", "-n", "5")
    for repo in ("zoo", "zoo", "lion"):
        assert run("emit", "-e", exchange, "-t", "repo.sync.finish", "--repo-id", repo).returncode == 0
    publish(exchange, [("no.repo", b"not json"), ("no.repo", b'{"payload": {}}')])
    assert listener.wait() == 0, listener.stderr
    last = snapshots(listener.stdout)[-1]
    assert last["by"] == "payload.repo_id"
    assert {row["key"]: row["count"] for row in last["rows"]} == {"zoo": 2, "lion": 1, "(none)": 2}


def test_ten_thousand_distinct_subjects_keep_the_rows_bounded(exchange: str) -> None:
    n = 10_000
    listener = start_listener("-e", exchange, "--top", "--top-rows", "5", "-n", str(n + 50))
    publish(exchange, [("busy", b"")] * 50 + [(f"flood.{i}.\x1b[2J", b"") for i in range(n)])
    assert listener.wait(timeout=60) == 0, listener.stderr
    last = snapshots(listener.stdout)[-1]
    assert len(last["rows"]) == 5 and last["rows"][0] == {**last["rows"][0], "key": "busy", "count": 50}
    assert last["total"] == n + 50
    assert sum(row["count"] for row in last["rows"]) + last["other"]["count"] == n + 50
    assert last["other"]["key"] == "(other)"


def test_top_options_are_checked(exchange: str) -> None:
    for args, says in (
        (["--top-rows", "0"], "--top-rows"),
        (["--top-every", "0"], "--top-every"),
        (["--top", "-q"], "not allowed with"),
        (["--top-by", "x"], "--top-by needs --top"),
        (["--top", "--exec", "true"], "not allowed with"),
        (["--top", "--top-by", "headers"], "name the field"),
    ):
        result = run("listen", "-e", exchange, *args)
        assert result.returncode == 2, (args, result.stderr)
        assert says in result.stderr.decode(), (args, result.stderr)


# ---------------------------------------------------------------- the live view on a terminal


class Tmux:
    """A private tmux server (its own socket) with one window running a command."""

    def __init__(self, command: str, width: int = 140, height: int = 30) -> None:
        self.socket = unique("pat-tmux")
        self._tmux("new-session", "-d", "-x", str(width), "-y", str(height), command)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, timeout=10)
        return result.stdout.decode(errors="replace")

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def wait_for(self, text: str, timeout: float = 15) -> str:
        end = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if text in screen:
                return screen
            assert time.monotonic() < end, f"{text!r} not on the screen:\n{screen}"
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def tmux_available() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux; .ci/run installs it)")


@pytest.fixture
def session(exchange: str, tmp_path: Path, tmux_available: None) -> Iterator[tuple[Tmux, Path]]:
    env = command_env(TERM="xterm-256color")
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items() if k in ("AMQP_URL", "TERM", "PATH", "HOME"))
    listen = f"{shlex.quote(sys.executable)} {shlex.quote(str(SCRIPTS / 'listen.py'))}"
    command = (
        f"cd {shlex.quote(str(ROOT))} && env -u COLUMNS -u LINES {exports} {listen} -e {shlex.quote(exchange)} --top "
        f"2> {tmp_path / 'stderr'}; echo $? > {tmp_path / 'rc'}"
    )
    tmux = Tmux(f"sh -c {shlex.quote(command)}")
    try:
        wait_for(lambda: "listening on exchange" in _read(tmp_path / "stderr"), "listen to be ready")
        yield tmux, tmp_path
    finally:
        tmux.close()


def _read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_live_view_on_a_terminal_counts_escapes_pauses_and_quits(exchange: str, session: tuple[Tmux, Path]) -> None:
    tmux, tmp_path = session
    assert run("emit", "-e", exchange, "-n", "6").returncode == 0  # sync.finish x2 (success), ...
    evil = "evil.\x1b[2J[bold]x[/bold]:smile:\u202e"
    publish(exchange, [(evil, b"")])
    screen = tmux.wait_for("total 7")  # all seven counted (and shown: the view redraws twice a second)
    assert f"exchange {exchange}" in screen and "'#'" in screen
    row = next(line for line in screen.splitlines() if "pulp.server.repo.sync.finish" in line)
    assert " 2 " in row and "success" in row
    assert "evil.\\x1b[2J[bold]x[/bold]:smile:\\u202e" in screen, screen  # shown as text, nothing interpreted
    tmux.keys("p")
    tmux.wait_for("paused")
    assert run("emit", "-e", exchange, "-n", "1").returncode == 0
    time.sleep(1.2)
    assert "total 7" in tmux.screen()  # the display is paused...
    tmux.keys("p")
    tmux.wait_for("total 8")  # ...while the messages were counted
    tmux.keys("q")
    wait_for(lambda: _read(tmp_path / "rc").strip() != "", "listen to quit")
    assert _read(tmp_path / "rc").strip() == "0", _read(tmp_path / "stderr")
    assert "Traceback" not in _read(tmp_path / "stderr")
