"""Counting lost and duplicated messages, Jepsen-style, from what the console scripts print.

`pulp-emit --sequence-header seq` numbers its messages 1..N (a message sent again after a reconnect
keeps its number); `pulp-listen --json` writes one record per delivery with `headers.seq` and
`redelivered`. A :class:`Tally` of those records says which numbers never arrived (lost), how many
arrived more than once (duplicates) and how many of the extra copies the broker did not mark as
redelivered (those can only be the publisher's own re-sends).

Also here: a background emitter (the installed console script, tests/support/processes.py) and a
throttling reader so that faults land while messages are still in flight.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from .processes import console

SEQ = "seq"

# Reads the listener's stdout at most about 1000 lines/s: acks wait for the reader (listen writes,
# flushes, then acks), so at most --prefetch messages are ever in flight and the rest wait in the
# queue, where the faults find them.
SLOW_READER = """
import signal, subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
signal.signal(signal.SIGTERM, lambda *_: child.terminate())
for line in child.stdout:
    sys.stdout.buffer.write(line)
    sys.stdout.buffer.flush()
    time.sleep(0.001)
sys.exit(child.wait())
"""


def slowly(command: list[str]) -> list[str]:
    """`command` with its stdout read through SLOW_READER."""
    return [sys.executable, "-c", SLOW_READER, *command]


def complete_lines(stdout: bytes) -> list[str]:
    """The lines written so far, without a last one still being written."""
    text = stdout.decode(errors="replace")
    return text[: text.rfind("\n") + 1].splitlines()


@dataclass
class Tally:
    """Copies of each sequence number seen, and which numbers came (also) marked redelivered."""

    copies: Counter[int] = field(default_factory=Counter)
    redelivered: set[int] = field(default_factory=set)
    records: int = 0

    @classmethod
    def of(cls, lines: Iterable[str]) -> Tally:
        tally = cls()
        for line in lines:
            if not line.strip():
                continue
            record = json.loads(line)
            number = int(record["headers"][SEQ])
            tally.copies[number] += 1
            tally.records += 1
            if record["redelivered"]:
                tally.redelivered.add(number)
        return tally

    def lost(self, expected: int) -> list[int]:
        return [n for n in range(1, expected + 1) if n not in self.copies]

    @property
    def distinct(self) -> int:
        return len(self.copies)

    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.copies.values() if n > 1)

    @property
    def unmarked_duplicates(self) -> int:
        """Extra copies of numbers the broker never marked redelivered (publisher re-sends)."""
        return sum(n - 1 for number, n in self.copies.items() if n > 1 and number not in self.redelivered)

    def figures(self, expected: int) -> str:
        return (
            f"expected={expected} distinct={self.distinct} lost={len(self.lost(expected))} "
            f"duplicates={self.duplicates} unmarked_duplicates={self.unmarked_duplicates} "
            f"redelivered={len(self.redelivered)}"
        )


class Emitter:
    """`pulp-emit` running in the background; `finish()` waits and returns (status, stderr)."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [console("emit"), *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
        )
        self.took: float | None = None

    @property
    def running(self) -> bool:
        return self.proc.poll() is None

    def finish(self, timeout: float) -> tuple[int, str]:
        try:
            _out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _out, err = self.proc.communicate()
            raise AssertionError(f"pulp-emit did not finish within {timeout:g} s: {err.decode()}") from None
        self.took = time.monotonic() - self.started
        return self.proc.returncode, err.decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


def resent(emit_stderr: str) -> int:
    """How many messages emit's summary says it sent again."""
    found = re.search(r"(\d+) sent again after (\d+) reconnect", emit_stderr)
    return int(found.group(1)) if found else 0


def moved_to(stderr: str) -> list[int]:
    """The ports a command said it reconnected to, in order (`reconnected (127.0.0.1:PORT)`)."""
    return [int(port) for port in re.findall(r"reconnected \(127\.0\.0\.1:(\d+)[,)]", stderr)]


def wait_until(predicate: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()
