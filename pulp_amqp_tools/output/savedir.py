"""--save-dir: each message as one file holding its --json record, on disk before its ack. Writes files.

Files are named `000001-<subject>.json`, numbered on from the highest number already in the
directory, so `ls` lists them in arrival order (to 999,999; `pulp-emit --replay DIR` orders by
the number itself). Each is written under a hidden temporary name, flushed and fsync'd, then
renamed: a reader never sees half a file, and a crash leaves at most a hidden `.tmp` (removed at
the next start, its message not acknowledged and so delivered again). `commit()` makes the
renames themselves durable (fsync of the directory) and runs before every acknowledgement.
"""

from __future__ import annotations

import errno
import os
import re

from pulp_amqp_tools.errors import ToolError, UsageError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages.delivery import Delivery, json_line

NAME = re.compile(r"^([0-9]{6,})-?(.*)\.json$")
_LEFT_OVER = re.compile(r"^\.[0-9]{6,}.*\.json\.tmp$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
SUBJECT_CHARS = 120  # of the subject in a file name: names stay far below the 255-byte limit
TMP_SUFFIX = ".tmp"


def file_name(number: int, subject: str) -> str:
    """`000001-pulp.server.repo.sync.finish.json`; unsafe characters of the subject become `_`."""
    safe = _UNSAFE.sub("_", subject)[:SUBJECT_CHARS].strip(".")
    return f"{number:06d}-{safe}.json" if safe else f"{number:06d}.json"


def numbered(names: list[str]) -> list[tuple[int, str]]:
    """The saved files among `names`, as (number, name), in arrival order."""
    found = []
    for name in names:
        match = NAME.match(name)
        if match is not None:
            found.append((int(match.group(1)), name))
    return sorted(found)


def _why(exc: OSError) -> str:
    if exc.errno == errno.ENOSPC:
        return "the disk is full"
    if exc.errno == errno.EFBIG:
        return "the file is larger than this process may write (ulimit -f)"
    return exc.strerror or type(exc).__name__


def _write_synced(path: str, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


class SaveDir:
    """Writes one file per message into `path`; created (with parents) when missing."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            os.makedirs(path, exist_ok=True)
            names = os.listdir(path)
            for name in names:  # left by a crash: their messages were never acknowledged
                if _LEFT_OVER.match(name):
                    os.unlink(os.path.join(path, name))
            probe = os.path.join(path, f".000000-probe-{os.getpid()}.json{TMP_SUFFIX}")
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            os.unlink(probe)
            self._dir_fd = os.open(path, os.O_RDONLY)
        except OSError as exc:
            raise UsageError(f"--save-dir {path!r}: cannot write files there: {_why(exc)}") from None
        existing = numbered(names)
        self.next_number = existing[-1][0] + 1 if existing else 1
        self._dirty = False

    def write(self, subject: str, text: str) -> str:
        """Write one record as the next file; returns its name. A failure is a ToolError (nothing acked)."""
        name = file_name(self.next_number, subject)
        temporary = os.path.join(self.path, f".{name}{TMP_SUFFIX}")
        try:
            _write_synced(temporary, text.encode("utf-8", "surrogateescape"))
            name = self._publish(temporary, subject)
        except OSError as exc:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise ToolError(
                f"--save-dir: cannot write {name!r} in {self.path!r}: {_why(exc)}; that message was not acknowledged",
                ExitStatus.SAVE_FAILED,
            ) from None
        self.next_number += 1
        self._dirty = True
        return name

    def _publish(self, temporary: str, subject: str) -> str:
        """Give the finished file its name; a number another writer took meanwhile is skipped, never overwritten."""
        while True:
            name = file_name(self.next_number, subject)
            final = os.path.join(self.path, name)
            try:
                os.link(temporary, final)
            except FileExistsError:
                self.next_number += 1
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP):
                    raise
                os.rename(temporary, final)  # no hard links here (some network filesystems)
                return name
            os.unlink(temporary)
            return name

    def keep(self, delivery: Delivery) -> None:
        """A delivery's --json record as the next file (a Keeper: loops/sinks.py)."""
        self.write(delivery.subject, json_line(delivery))

    def commit(self) -> None:
        """Make the renames durable before the messages are acknowledged."""
        if not self._dirty:
            return
        try:
            os.fsync(self._dir_fd)
        except OSError as exc:
            raise ToolError(f"--save-dir {self.path!r}: {_why(exc)}", ExitStatus.SAVE_FAILED) from None
        self._dirty = False

    def close(self) -> None:
        try:
            os.close(self._dir_fd)
        except OSError:
            pass
