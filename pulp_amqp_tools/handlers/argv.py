"""--exec CMD: split without a shell, and checked before anything is consumed (looked up on PATH). No pika."""

from __future__ import annotations

import os
import shlex
import shutil
import stat

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.safetext import one_line


def parse(text: str) -> tuple[str, ...]:
    """`CMD ARGS` split as a POSIX shell splits words, nothing expanded (write `sh -c '...'` for a shell)."""
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise UsageError(f"--exec {one_line(text[:80])!r}: {exc} (quote it as a shell would)") from None
    if not argv or not argv[0]:
        raise UsageError("--exec needs a command, e.g. --exec ./deploy.sh or --exec 'sh -c \"...\"'")
    return argv


def resolve(argv: tuple[str, ...], path: str | None = None) -> str:
    """The executable file argv[0] names (looked up on PATH unless it holds a slash).

    Resolved once, before consuming: a missing command must be one error line, never a stream of
    rejected messages. argv[0] itself is passed on as written (multi-call programs read it).
    """
    name = argv[0]
    shown = one_line(name[:200])
    if "/" in name:
        found = name
        if not os.path.exists(found):
            raise UsageError(f"--exec: {shown!r} does not exist")
    else:
        located = shutil.which(name, path=path if path is not None else os.environ.get("PATH", os.defpath))
        if located is None:
            raise UsageError(f"--exec: command {shown!r} not found on PATH")
        found = located
    try:
        mode = os.stat(found).st_mode
    except OSError as exc:
        raise UsageError(f"--exec: cannot use {shown!r}: {exc.strerror}") from None
    if stat.S_ISDIR(mode):
        raise UsageError(f"--exec: {shown!r} is a directory, not a command")
    if not os.access(found, os.X_OK):
        raise UsageError(f"--exec: {shown!r} is not executable (chmod +x, or --exec 'sh {shown}')")
    if not runnable(found):
        raise UsageError(
            f"--exec: {shown!r} has no '#!' line, so the kernel cannot run it (ENOEXEC): start it with "
            f"'#!/bin/sh', or --exec 'sh {shown}'"
        )
    return found


# What the kernel runs by itself: a script with its interpreter line, or an ELF binary.
_MAGIC = (b"#!", b"\x7fELF")
_BINFMT = "/proc/sys/fs/binfmt_misc"


def runnable(path: str) -> bool:
    """False only when `path` is surely not something execve() runs (a script without '#!'):
    a shell would run it with /bin/sh, execve() fails with ENOEXEC, and it would fail only once
    a message was consumed. A file we cannot read, or any file when binfmt_misc has formats of
    its own registered (Java, Wine...), is given the benefit of the doubt."""
    try:
        with open(path, "rb") as file:
            start = file.read(4)
    except OSError:
        return True  # execute-only: the kernel may still run it
    if start.startswith(_MAGIC) or not os.path.isfile(path):
        return True
    try:
        registered = set(os.listdir(_BINFMT)) - {"register", "status"}
    except OSError:
        registered = set()
    return bool(registered)
