"""--top's live view against hostile subjects, as a real terminal (tmux) draws it (issue 22, item 11).

An emoji with a skin-tone modifier is 2 cells to rich but 4 to tmux: its row wrapped and the
screen scrolled --top's title away for good. Zero-width space, soft hyphen and tag characters
printed raw, so different subjects looked identical. Against the shared broker, in a private
tmux server of the test's own.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pika
import pytest

from tests.support.broker import BROKER_URL, unique
from tests.support.processes import ROOT, SCRIPTS, command_env

pytestmark = [pytest.mark.broker, pytest.mark.timeout(90)]
WIDTH, HEIGHT = 70, 14


class Tmux:
    """A private tmux server (its own socket) with one window running a command."""

    def __init__(self, command: str) -> None:
        self.socket = unique("pat-tmux-w")
        self._tmux("new-session", "-d", "-x", str(WIDTH), "-y", str(HEIGHT), command)

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, timeout=10)
        return result.stdout.decode(errors="replace")

    def screen(self) -> list[str]:
        return self._tmux("capture-pane", "-p").splitlines()

    def wait_for(self, text: str, timeout: float = 20) -> list[str]:
        end = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if any(text in line for line in screen):
                return screen
            assert time.monotonic() < end, f"{text!r} not on the screen:\n" + "\n".join(screen)
            time.sleep(0.1)

    def close(self) -> None:
        self._tmux("kill-server")


@pytest.fixture
def exchange() -> Iterator[str]:
    name = unique("top-width-x")
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    connection.channel().exchange_declare(name, "topic")
    yield name
    connection.channel().exchange_delete(name)
    connection.close()


@pytest.fixture
def top(exchange: str, tmp_path: Path) -> Iterator[Tmux]:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (apt-get install tmux)")
    env = command_env(TERM="xterm-256color", LANG="C.UTF-8")
    exports = " ".join(
        f"{k}={shlex.quote(v)}" for k, v in env.items() if k in ("AMQP_URL", "TERM", "PATH", "HOME", "LANG")
    )
    listen = f"{shlex.quote(sys.executable)} {shlex.quote(str(SCRIPTS / 'listen.py'))}"
    command = (
        f"cd {shlex.quote(str(ROOT))} && env -u COLUMNS -u LINES {exports} {listen} -e {shlex.quote(exchange)} --top "
        f"2> {tmp_path / 'stderr'}; sleep 30"
    )
    tmux = Tmux(f"sh -c {shlex.quote(command)}")
    try:
        end = time.monotonic() + 20
        while "listening on exchange" not in (
            (tmp_path / "stderr").read_text() if (tmp_path / "stderr").exists() else ""
        ):
            assert time.monotonic() < end, "listen was not ready"
            time.sleep(0.05)
        yield tmux
    finally:
        tmux.close()


def publish(exchange: str, subjects: list[str]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(BROKER_URL))
    try:
        channel = connection.channel()
        for subject in subjects:
            channel.basic_publish(exchange, subject, b"")
    finally:
        connection.close()


def test_skin_tone_emoji_rows_never_wrap_and_the_title_stays(exchange: str, top: Tmux) -> None:
    subjects = [f"thumbs.{n:02d}.\U0001f44d\U0001f3fd" for n in range(HEIGHT * 2)]
    publish(exchange, subjects)
    screen = top.wait_for(f"total {len(subjects)}")
    time.sleep(1.2)  # a few more redraws: a wrapped row scrolls a little more each time
    screen = top.screen()
    assert screen[0].startswith("pulp-listen --top"), "\n".join(screen)
    rows = [line for line in screen if "thumbs." in line]
    assert rows and all("\\U0001f3fd" in line for line in rows), "\n".join(screen)
    assert all(line.rstrip().endswith("ago") for line in rows), "\n".join(screen)  # each row whole on its line


def test_invisible_format_characters_are_shown_escaped(exchange: str, top: Tmux) -> None:
    publish(exchange, ["zw.a\u200bb", "zw.a\u00adb", "zw.a\U000e0041b", "zw.ab"])
    screen = "\n".join(top.wait_for("total 4"))
    for shown in ("zw.a\\u200bb", "zw.a\\xadb", "zw.a\\U000e0041b"):
        assert shown in screen, screen
    assert "\u200b" not in screen and "\u00ad" not in screen and "\U000e0041" not in screen
