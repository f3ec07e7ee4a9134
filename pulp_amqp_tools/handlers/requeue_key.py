"""The key that signs --exec's requeued copies (messages/retries.py): the user's own file, never the broker's.

A copy requeued by one run may be consumed by the next (a restart, a second listener on the same
--queue), so the key outlives the process: `$XDG_STATE_HOME/pulp-amqp-tools/requeue.key`
(`~/.local/state/...` by default), 32 random bytes, readable by its owner only. It is created when
--exec first needs it (atomically: written aside, then linked into place, so two listeners starting
at once end up with the same key), and only read otherwise. A key file that is missing, not a
regular file of the user's, open to others or of the wrong size is not used: the process signs with
a key of its own instead, and copies made by other runs are then ordinary messages (said once).
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Callable, Mapping

KEY_BYTES = 32
FILE_NAME = "requeue.key"


def key_path(environ: Mapping[str, str]) -> str:
    """Where the key file lives for this environment."""
    home = environ.get("HOME") or os.path.expanduser("~")
    state = environ.get("XDG_STATE_HOME") or os.path.join(home, ".local", "state")
    return os.path.join(state, "pulp-amqp-tools", FILE_NAME)


def load(path: str, create: bool, notice: Callable[[str], None]) -> bytes | None:
    """The key in `path` (made first when `create` and it is missing); None, with a notice when
    something is wrong with it, when there is none to use."""
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            return None
    except (OSError, ValueError) as exc:
        notice(
            f"warning: not using the requeue key {path!r} ({_why(exc)}): "
            "copies requeued by other runs show as ordinary messages"
        )
        return None
    try:
        return _create(path)
    except (OSError, ValueError) as exc:
        notice(
            f"warning: cannot create the requeue key {path!r} ({_why(exc)}): "
            "copies requeued now are recognised by this run only"
        )
        return None


def _why(exc: Exception) -> str:
    return exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode):
            raise ValueError("not a regular file")
        if found.st_uid != os.geteuid():
            raise ValueError("owned by another user")
        if found.st_mode & 0o077:
            raise ValueError("readable or writable by others: chmod 600 it")
        key = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != KEY_BYTES:
        raise ValueError(f"not {KEY_BYTES} bytes long")
    return key


def _create(path: str) -> bytes:
    folder = os.path.dirname(path)
    os.makedirs(folder, mode=0o700, exist_ok=True)
    aside = os.path.join(folder, f".{FILE_NAME}.{secrets.token_hex(8)}")
    fd = os.open(aside, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, secrets.token_bytes(KEY_BYTES))
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(aside, path)  # fails when another listener was faster: its key is the one
    except FileExistsError:
        pass
    finally:
        os.unlink(aside)
    return _read(path)
