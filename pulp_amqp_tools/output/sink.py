"""listen's stdout: text gathered per batch, written to a pipe without ever stalling the AMQP loop.

A reader that stops reading (a paused pager, a slow script) fills the pipe; a blocking write
would then stop our one thread inside the write, pika would answer no heartbeats, and the broker
would drop the connection (a private queue and what it held with it). Into a pipe we write with
O_NONBLOCK instead: what does not fit waits here, the consumer acknowledges nothing until it is
out, so the broker stops at --prefetch messages (bounded memory) while heartbeats go on. Writes to
stdout; no pika, no rich.
"""

from __future__ import annotations

import os
import stat
from typing import TextIO

try:
    import fcntl
except ImportError:  # not on POSIX: plain blocking writes
    fcntl = None  # type: ignore[assignment]


class Sink:
    """A write-only text stream over stdout; `flush()` says whether everything got out."""

    def __init__(self, stream: TextIO, nonblocking: bool = True) -> None:
        self._stream = stream
        self.encoding: str = getattr(stream, "encoding", None) or "utf-8"
        self._parts: list[str] = []
        self._pending = b""  # encoded bytes not yet written, from _offset on
        self._offset = 0
        self._fd: int | None = None
        self._flags: int | None = None  # the fd's flags before we set O_NONBLOCK, to restore
        try:
            fd = stream.fileno()
        except (AttributeError, OSError, ValueError):
            return  # not a real file (tests): written through the stream itself
        stream.flush()  # whatever the stream buffered goes first
        self._fd = fd
        # Not with --exec (`nonblocking=False`): handlers write to this very pipe, and the flag
        # belongs to the pipe, not to us; a handler's `echo` would fail with EAGAIN.
        if nonblocking and fcntl is not None and stat.S_ISFIFO(os.fstat(fd).st_mode):
            # Pipes only: a terminal's or file's flags are shared with the shell, and neither fills up.
            flags = fcntl.fcntl(fd, fcntl.F_GETFL)
            if not flags & os.O_NONBLOCK:
                fcntl.fcntl(fd, fcntl.F_SETFL, flags | os.O_NONBLOCK)
                self._flags = flags

    def isatty(self) -> bool:
        isatty = getattr(self._stream, "isatty", None)
        return bool(isatty and isatty())

    def fileno(self) -> int:
        if self._fd is None:
            raise OSError("no file descriptor")
        return self._fd

    def write(self, text: str) -> int:
        self._parts.append(text)
        return len(text)

    @property
    def pending(self) -> bool:
        """True while written text has not reached stdout yet."""
        return bool(self._parts or self._offset < len(self._pending))

    def flush(self) -> bool:
        """Write what was gathered, as far as the reader takes it now; True when all of it is out."""
        if self._parts:
            text = "".join(self._parts)
            if self._fd is None:
                # Kept until written: a write that fails (stdout closed: BrokenPipeError) must fail
                # again on the way out, or the messages it held would be acknowledged unseen.
                self._stream.write(text)
                self._stream.flush()
                self._parts.clear()
                return True
            self._parts.clear()
            # Untrusted text must never crash the writer: unencodable characters become escapes.
            data = text.encode(self.encoding, "backslashreplace")
            self._pending = self._pending[self._offset :] + data if self._pending else data
            self._offset = 0
        pending, fd = self._pending, self._fd
        while self._offset < len(pending):
            assert fd is not None
            try:
                # A memoryview, so a 10 MB body written 64 KiB at a time is never copied again.
                self._offset += os.write(fd, memoryview(pending)[self._offset :])
            except BlockingIOError:
                return False
        self._pending, self._offset = b"", 0
        return True

    def drain(self) -> None:
        """Write everything, waiting for the reader as long as it takes (on the way out)."""
        self._blocking()
        self.flush()

    def close(self) -> None:
        """Give stdout back as we found it."""
        self._blocking()

    def _blocking(self) -> None:
        if self._flags is not None and self._fd is not None and fcntl is not None:
            try:
                fcntl.fcntl(self._fd, fcntl.F_SETFL, self._flags)
            except OSError:
                pass
            self._flags = None
