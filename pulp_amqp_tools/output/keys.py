"""Single key presses from the terminal, read without waiting (--top's q and p).

The terminal is put in cbreak mode (no line buffering, no echo) for as long as the view runs and
given back as it was; Ctrl-C still sends SIGINT. Without a terminal on stdin there are no keys.
"""

from __future__ import annotations

import os
import select

try:
    import termios
    import tty
except ImportError:  # not on POSIX: no keys
    termios = None  # type: ignore[assignment]
    tty = None  # type: ignore[assignment]


class KeyReader:
    """Reads what was typed since the last call, never blocking."""

    def __init__(self, fd: int) -> None:
        self._fd = fd
        self._saved: list[object] | None = None
        if termios is None or not os.isatty(fd):
            return
        try:
            self._saved = termios.tcgetattr(fd)
            tty.setcbreak(fd, termios.TCSANOW)
        except termios.error:
            self._saved = None

    @property
    def active(self) -> bool:
        return self._saved is not None

    def read(self) -> str:
        if self._saved is None:
            return ""
        try:
            ready, _w, _x = select.select([self._fd], [], [], 0)
            if not ready:
                return ""
            return os.read(self._fd, 64).decode("utf-8", "replace")
        except OSError:
            return ""

    def restore(self) -> None:
        if self._saved is not None and termios is not None:
            try:
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)  # type: ignore[arg-type]
            except termios.error:
                pass
            self._saved = None
