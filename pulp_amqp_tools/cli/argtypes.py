"""The `type=` converters of the command line: ports and numbers, each mistake one line. Pure.

argparse turns the ArgumentTypeError raised here into `prog: error: argument X: <message>`.
NaN and infinity are refused everywhere: no timeout, rate or speed means either.
"""

from __future__ import annotations

import argparse
import math

from pulp_amqp_tools.cli import urls
from pulp_amqp_tools.errors import UsageError


def port(text: str) -> int:
    """-p/--port: a TCP port from 1 to 65535."""
    try:
        return urls.parse_port(text, "-p/--port")
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).split(": ", 1)[1]) from None


def _finite(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}")
    return value


def positive_float(text: str) -> float:
    """A number of seconds above 0 (timeouts)."""
    value = _finite(text, "a number of seconds")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, not {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A number of at least 0 (rates and speeds, where 0 means "no limit")."""
    value = _finite(text, "a number")
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"expected a number of at least 0, not {text!r}")
    return value


INT64_MAX = 2**63 - 1  # what an AMQP long-long (a count in a header, an offset) and islice() take
SHORT_MAX = 65535  # an AMQP short: basic.qos prefetch-count, the heartbeat of connection.tune
CONCURRENCY_MAX = 1024  # handler processes at once: each is a process, and the prefetch follows it


def _whole(text: str, low: int, high: int) -> int:
    """A whole number from `low` to `high`, or one line that names the range (a count keeps its
    "at least 1" unless it is over the top)."""
    digits = text.strip()
    number = int(digits) if digits.isascii() and digits.isdigit() and len(digits) <= 30 else None
    if number is not None and low <= number <= high:
        return number
    too_large = number > high if number is not None else digits.isascii() and digits.isdigit()
    if high == INT64_MAX and not too_large:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least {low}, not {text[:40]!r}")
    raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, not {text[:40]!r}")


def positive_int(text: str) -> int:
    """A whole number of at least 1 (counts), at most INT64_MAX."""
    return _whole(text, 1, INT64_MAX)


def non_negative_int(text: str) -> int:
    """A whole number of at least 0 (--max-retries: 0 means never), at most INT64_MAX."""
    return _whole(text, 0, INT64_MAX)


def prefetch(text: str) -> int:
    """--prefetch: AMQP 0-9-1's prefetch-count is a short, 1 to 65535."""
    return _whole(text, 1, SHORT_MAX)


def concurrency(text: str) -> int:
    """--exec-concurrency: 1 to CONCURRENCY_MAX handlers at once."""
    return _whole(text, 1, CONCURRENCY_MAX)


def heartbeat(text: str) -> int:
    """--heartbeat: 0 (off) to 65535 seconds, what connection.tune can carry."""
    return _whole(text, 0, SHORT_MAX)


def exit_code(text: str) -> int:
    """A process exit status a handler can return to mean something: 1 to 255."""
    if not (text.strip().isascii() and text.strip().isdigit()) or not 1 <= int(text) <= 255:
        raise argparse.ArgumentTypeError(f"expected an exit status from 1 to 255, not {text!r}")
    return int(text)


_SIZE_UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}


def byte_size(text: str) -> int:
    """A size such as 256M, 1G, 512KiB or 1048576 (bytes); K, M, G are powers of 1024; at least 1 MiB."""
    value = text.strip().upper().removesuffix("B").removesuffix("I")
    digits = value.rstrip("KMG")
    unit = value[len(digits) :]
    if not (digits.isascii() and digits.isdigit()) or unit not in _SIZE_UNITS or len(digits) > 15:
        raise argparse.ArgumentTypeError(f"expected a size such as 256M, 1G or 512K, not {text!r}")
    size = int(digits) * _SIZE_UNITS[unit]
    if size < _SIZE_UNITS["M"]:
        raise argparse.ArgumentTypeError(f"expected at least 1M, not {text!r}")
    return size
