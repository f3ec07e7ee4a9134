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


def positive_int(text: str) -> int:
    """A whole number of at least 1 (counts)."""
    if not (text.strip().isascii() and text.strip().isdigit()) or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


def non_negative_int(text: str) -> int:
    """A whole number of at least 0 (--max-retries: 0 means never)."""
    if not (text.strip().isascii() and text.strip().isdigit()):
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 0, not {text!r}")
    return int(text)


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
