"""--save-dir: each message as one file holding its --json record, on disk before its ack. Writes files.

Files are named `000001-<subject>.json`, numbered on from the highest number already in the
directory, so `ls` lists them in arrival order (to 999,999; `pulp-emit --replay DIR` orders by
the number itself). Each is written under a hidden temporary name (random, created exclusively
and never through a symlink, so a link planted in the directory cannot redirect the write),
flushed and fsync'd, then renamed: a reader never sees half a file, and a crash leaves at most a
hidden `.tmp` (removed at the next start, its message not acknowledged and so delivered again). `commit()` makes the
renames themselves durable (fsync of the directory) and runs before every acknowledgement.
"""

from __future__ import annotations

import errno
import os
import re
import secrets

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


# A new file only, never through a symlink: someone who can write into the directory could
# otherwise plant a link at the temporary name and have the message written over another file.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_TRIES = 8  # fresh temporary names to try when one is taken (each is random: a clash means a planted file)


def temporary_name(name: str) -> str:
    """`.000001-subject.<random>.json.tmp`: hidden, unpredictable, and matched as a left-over at the next start."""
    return f".{name[: -len('.json')]}.{secrets.token_hex(8)}.json{TMP_SUFFIX}"


def _write_synced(path: str, data: bytes) -> None:
    fd = os.open(path, _NEW_FILE, 0o644)
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
            os.makedirs(path, mode=0o700, exist_ok=True)  # a new one is private: see the README
            names = os.listdir(path)
            for name in names:  # left by a crash: their messages were never acknowledged
                if _LEFT_OVER.match(name):
                    os.unlink(os.path.join(path, name))
            probe = os.path.join(path, f".000000-probe-{os.getpid()}.json{TMP_SUFFIX}")
            os.close(os.open(probe, _NEW_FILE, 0o600))
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
        temporary = ""
        try:
            temporary = self._write_temporary(name, text.encode("utf-8", "surrogateescape"))
            name = self._publish(temporary, subject)
        except OSError as exc:
            try:
                if temporary:  # ours: a name we could not create is someone else's
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

    def _write_temporary(self, name: str, data: bytes) -> str:
        """The record, synced, under a fresh temporary name of our own; returns that name."""
        for _ in range(_TRIES - 1):
            temporary = os.path.join(self.path, temporary_name(name))
            try:
                _write_synced(temporary, data)
                return temporary
            except FileExistsError:
                continue
        temporary = os.path.join(self.path, temporary_name(name))
        _write_synced(temporary, data)  # the last try: its error is the one reported
        return temporary

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
