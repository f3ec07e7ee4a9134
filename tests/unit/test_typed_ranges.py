"""Every typed number and time is range-checked before connecting (issue 22, item 5). No broker.

Values past what the wire can carry (an offset beyond a long-long, a time before 1970, a prefetch
beyond a short) used to end in an internal error (exit 1) once connected; now they are one line,
exit 2, naming the range, and nothing is sent.
"""

from __future__ import annotations

import argparse
import socket
import threading
from collections.abc import Callable

import pytest

from pulp_amqp_tools.cli import argtypes
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.streams import OFFSET_MAX, parse_offset
from tests.support.processes import run


@pytest.mark.parametrize(
    "convert, text, says",
    [
        (argtypes.prefetch, "70000", "from 1 to 65535"),
        (argtypes.prefetch, "0", "from 1 to 65535"),
        (argtypes.concurrency, "100000", "from 1 to 1024"),
        (argtypes.heartbeat, "65536", "from 0 to 65535"),
        (argtypes.heartbeat, "-1", "from 0 to 65535"),
        (argtypes.positive_int, "9223372036854775808", "from 1 to 9223372036854775807"),
        (argtypes.positive_int, "9" * 5000, "from 1 to 9223372036854775807"),  # past int()'s digit limit
        (argtypes.non_negative_int, "99999999999999999999", "from 0 to 9223372036854775807"),
        (argtypes.positive_int, "0", "at least 1"),  # today's wording where the top is not the problem
        (argtypes.positive_int, "three", "at least 1"),
    ],
)
def test_a_number_out_of_range_names_the_range(convert: Callable[[str], int], text: str, says: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError) as refused:
        convert(text)
    assert says in str(refused.value)
    assert len(str(refused.value)) < 200  # a 5000-digit value is not echoed whole


@pytest.mark.parametrize(
    "convert, text, value",
    [
        (argtypes.prefetch, "65535", 65535),
        (argtypes.prefetch, "1", 1),
        (argtypes.concurrency, "1024", 1024),
        (argtypes.heartbeat, "0", 0),
        (argtypes.heartbeat, "65535", 65535),
        (argtypes.positive_int, "9223372036854775807", 2**63 - 1),
    ],
)
def test_the_ends_of_each_range_are_taken(convert: Callable[[str], int], text: str, value: int) -> None:
    assert convert(text) == value


@pytest.mark.parametrize(
    "text, says",
    [
        ("9223372036854775808", f"from 0 to {OFFSET_MAX}"),
        ("18446744073709551616", f"from 0 to {OFFSET_MAX}"),
        ("1" * 400, f"from 0 to {OFFSET_MAX}"),
        ("1960-01-01T00:00:00Z", "from 1970-01-01T00:00:00Z"),
        ("1969-12-31T23:59:59+00:00", "from 1970-01-01T00:00:00Z"),
        ("0001-01-01", "from 1970-01-01T00:00:00Z"),
        ("0001-01-01T00:00:00Z", "from 1970-01-01T00:00:00Z"),
    ],
)
def test_an_offset_out_of_range_names_the_range(text: str, says: str) -> None:
    with pytest.raises(UsageError) as refused:
        parse_offset(text)
    assert says in refused.value.message and "--offset" in refused.value.message


def test_the_ends_of_the_offset_ranges_are_taken() -> None:
    assert parse_offset(str(OFFSET_MAX)).number == OFFSET_MAX
    moment = parse_offset("1970-01-01T00:00:00Z").moment
    assert moment is not None and moment.timestamp() == 0


class CountingListener:
    """A TCP port of our own that counts the connections made to it (no AMQP spoken)."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.accepted = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _address = self.server.accept()
            except OSError:
                return
            self.accepted += 1
            connection.close()

    def close(self) -> None:
        self.server.close()


@pytest.mark.parametrize(
    "name, args, says",
    [
        ("listen", ["--queue", "s", "--offset", "9223372036854775808"], "from 0 to 9223372036854775807"),
        ("listen", ["--queue", "s", "--offset", "1960-01-01T00:00:00Z"], "from 1970-01-01T00:00:00Z"),
        ("listen", ["--queue", "s", "--offset", "0001-01-01"], "from 1970-01-01T00:00:00Z"),
        ("listen", ["--prefetch", "70000"], "from 1 to 65535"),
        ("listen", ["--exec", "/bin/true", "--exec-concurrency", "100000"], "from 1 to 1024"),
        ("listen", ["--heartbeat", "70000"], "from 0 to 65535"),
        ("emit", ["-t", "repo.sync.start", "-n", "99999999999999999999999"], "from 1 to 9223372036854775807"),
    ],
)
def test_out_of_range_values_exit_2_in_one_line_before_connecting(name: str, args: list[str], says: str) -> None:
    listener = CountingListener()
    try:
        result = run(f"pulp-{name}", "-u", f"amqp://guest:guest@127.0.0.1:{listener.port}/%2F", *args)
    finally:
        listener.close()
    assert result.returncode == 2, result.stderr
    (line,) = result.err_lines
    assert says in line and "Traceback" not in line, line
    assert listener.accepted == 0
