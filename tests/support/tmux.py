"""Real interactive shells (bash, zsh, fish) in a private tmux server: type keys, read the screen.

Completion is the shell's business as much as ours (bash splits words at COMP_WORDBREAKS, zsh
and fish quote and insert on their own), so what a user sees after Tab is only known by asking
a real shell. Each `Shell` runs its own tmux server (`-L` socket), never the user's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from pathlib import Path
from types import TracebackType

# How each shell starts without the user's startup files, and the line that turns our completion on.
STARTS = {
    "bash": (["bash", "--norc", "--noprofile"], 'eval "$({cmd} --print-completion bash)"'),
    "zsh": (["zsh", "-f"], 'autoload -U compinit && compinit -u; eval "$({cmd} --print-completion zsh)"'),
    "fish": (["fish", "--no-config"], "{cmd} --print-completion fish | source"),
}


def missing(shell: str) -> str | None:
    """Why `shell` cannot be driven here (None when it can)."""
    for program in ("tmux", shell):
        if shutil.which(program) is None:
            return f"{program} is not installed (apt-get install tmux zsh fish)"
    return None


class Shell:
    """One interactive `shell` in a detached tmux session, started in `cwd` with `path` first on PATH."""

    def __init__(self, shell: str, cwd: Path, path: str, command: str) -> None:
        self.shell = shell
        self.socket = f"pat-{uuid.uuid4().hex[:8]}"
        self.session = "t"
        argv, activate = STARTS[shell]
        env = {
            "PATH": f"{path}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": str(cwd),
            "TERM": "xterm",
            "PS1": "$ ",
            "LANG": "C.UTF-8",
        }
        self._tmux(
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            "200",
            "-y",
            "40",
            "-c",
            str(cwd),
            "env",
            "-i",
            *[f"{k}={v}" for k, v in env.items()],
            *argv,
        )
        self.wait_for(lambda screen: bool(screen.strip()), "a prompt")
        self.send(activate.format(cmd=command), enter=True)
        self.send("clear", enter=True)
        self.wait_for(lambda screen: "print-completion" not in screen, "the screen to clear")

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def send(self, text: str, enter: bool = False) -> None:
        self._tmux("send-keys", "-t", self.session, "-l", text)
        if enter:
            self._tmux("send-keys", "-t", self.session, "Enter")

    def key(self, name: str) -> None:
        self._tmux("send-keys", "-t", self.session, name)

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.session)

    def wait_for(self, ready: object, what: str, timeout: float = 10) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if callable(ready) and ready(screen):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{self.shell}: no {what} within {timeout} s; screen:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)

    def __enter__(self) -> Shell:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
