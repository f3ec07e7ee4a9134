"""Reading what the command line points at (--body @FILE or -, --config, --replay FILE|DIR|-), each with a limit.

A file or pipe can be endless (`@/dev/zero`, `yes |`): read whole, it grew to 24 GB before the
kernel stopped it, and one read() of that size ignores Ctrl-C and SIGTERM until it returns. So
everything is read in chunks (a signal ends the run between two of them) and at most one byte
past its limit, which is then refused with one line (exit 2).
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, TextIO

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.safetext import quoted

if TYPE_CHECKING:
    from pulp_amqp_tools.messages.replay import Recording

MIB = 1024 * 1024
# RabbitMQ's default max_message_size (since 3.8): a larger body would be refused by the broker.
MAX_BODY = 128 * MIB
MAX_CONFIG = 1 * MIB  # a Pulp server.conf is a few KB
MAX_RECORD = 2 * MAX_BODY  # one `listen --json` line: a base64 body of MAX_BODY and its fields
CHUNK = MIB


def size_text(size: int) -> str:
    """1 MiB, 128 MiB, 512 KiB: how limits are named in messages."""
    if size % MIB == 0:
        return f"{size // MIB} MiB"
    return f"{size // 1024} KiB" if size % 1024 == 0 else f"{size:,} bytes"


def read_limited(stream: BinaryIO, limit: int, what: str, why: str = "") -> bytes:
    """All of `stream` if it holds at most `limit` bytes; else a UsageError naming `what`."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        chunk = stream.read(min(CHUNK, limit + 1 - size))
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
    raise UsageError(f"{what} is larger than {size_text(limit)}{why}")


def lines_limited(stream: BinaryIO, limit: int, what: str) -> Iterator[bytes]:
    """The lines of `stream`, each at most `limit` bytes; a longer one is a UsageError naming it."""
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        number += 1
        if len(line) > limit:
            raise UsageError(f"{what} line {number} is longer than {size_text(limit)}")
        yield line


_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def not_regular(mode: int) -> str | None:
    """What a file of this st_mode is when it is not a regular file ('a FIFO (named pipe)'); None if it is."""
    if stat.S_ISREG(mode):
        return None
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def check_regular(path: str, limit: int, what: str) -> None:
    """Refuse (UsageError naming `what`) a path that is not a regular file, or one over `limit` bytes,
    without opening it: opening a FIFO blocks, and a device can act on being opened."""
    try:
        found = os.stat(path)  # follows a symlink: what it points at is what would be read
    except OSError as exc:
        raise UsageError(f"cannot read {what}: {exc.strerror}") from None
    kind = not_regular(found.st_mode)
    if kind is not None:
        raise UsageError(f"{what} is {kind}, not a regular file")
    if found.st_size > limit:
        raise UsageError(f"{what} is larger than {size_text(limit)}")


def read_regular(path: str, limit: int, what: str) -> bytes:
    """A regular file's bytes, at most `limit`; a FIFO, device, directory or larger file is a UsageError.

    Checked again on the open file (O_NONBLOCK: a FIFO put there meanwhile cannot block the open),
    so swapping the file after `check_regular` gains nothing.
    """
    check_regular(path, limit, what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise UsageError(f"cannot read {what}: {exc.strerror}") from None
    with os.fdopen(fd, "rb") as handle:
        kind = not_regular(os.fstat(fd).st_mode)
        if kind is not None:
            raise UsageError(f"{what} is {kind}, not a regular file")
        try:
            return read_limited(handle, limit, what)
        except OSError as exc:
            raise UsageError(f"cannot read {what}: {exc.strerror}") from None


def saved_files(directory: str, names: list[str]) -> list[tuple[str, bytes]]:
    """--replay DIR: each file's (path, bytes), at most one record's size each. Every file is
    checked before any is read, so a FIFO or a device at the end is refused at once."""
    paths = [os.path.join(directory, name) for name in names]
    for path in paths:
        check_regular(path, MAX_RECORD, f"--replay file {quoted(path)}")
    return [(path, read_regular(path, MAX_RECORD, f"--replay file {quoted(path)}")) for path in paths]


def read_body(value: str, stdin: TextIO) -> bytes:
    """--body: literal text, @FILE or - (stdin), as bytes; at most the broker's message size."""
    why = " (RabbitMQ's default max_message_size)"
    if value == "-":
        return read_limited(stdin.buffer, MAX_BODY, "--body - (standard input)", why)
    if value.startswith("@"):
        path = value[1:]
        try:
            with open(path, "rb") as handle:
                return read_limited(handle, MAX_BODY, f"--body file {quoted(path)}", why)
        except OSError as exc:
            raise UsageError(f"cannot read --body file {quoted(path)}: {exc.strerror}") from None
    return os.fsencode(value)


def read_replay(value: str, stdin: TextIO) -> Recording:
    """--replay: a `pulp-listen --json` recording (a file, or - for stdin), or a --save-dir directory."""
    from pulp_amqp_tools.messages.replay import read_recording

    if value == "-":
        return read_recording(lines_limited(stdin.buffer, MAX_RECORD, "--replay -"), "-")
    if os.path.isdir(value):
        return read_saved(value)
    try:
        with open(value, "rb") as handle:
            return read_recording(lines_limited(handle, MAX_RECORD, f"--replay {quoted(value)}"), quoted(value))
    except OSError as exc:
        raise UsageError(f"cannot read --replay file {quoted(value)}: {exc.strerror}") from None


def read_saved(path: str) -> Recording:
    """--replay DIR: the files of a --save-dir directory, in their numbers' order."""
    from pulp_amqp_tools.messages.replay import read_files
    from pulp_amqp_tools.output.savedir import numbered

    try:
        names = [name for _number, name in numbered(os.listdir(path))]
    except OSError as exc:
        raise UsageError(f"cannot read --replay directory {path!r}: {exc.strerror}") from None
    if not names:
        raise UsageError(f"--replay {path!r}: no saved messages in it (NNNNNN-SUBJECT.json files of --save-dir)")
    return read_files(saved_files(path, names))
