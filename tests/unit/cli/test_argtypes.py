"""cli/argtypes.py: the argument types, here byte sizes (--max-buffer)."""

from __future__ import annotations

import argparse

import pytest

from pulp_amqp_tools.cli.argtypes import byte_size

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("text", "size"), [("256M", 256 * MB), ("1G", 1024 * MB), ("64MiB", 64 * MB), ("2048k", 2 * MB), (str(MB), MB)]
)
def test_sizes(text: str, size: int) -> None:
    assert byte_size(text) == size


@pytest.mark.parametrize("text", ["", "12 parsecs", "1.5M", "512K", "-1M", "9" * 30])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        byte_size(text)
