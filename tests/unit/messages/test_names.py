"""messages/names.py: name length limits count UTF-8 bytes, as AMQP does."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.names import check_name, check_short


def test_length_limits_count_utf8_bytes() -> None:
    assert check_short("é" * 127, "x") == "é" * 127
    with pytest.raises(UsageError, match="256 bytes"):
        check_short("é" * 128, "the pattern")
    with pytest.raises(UsageError, match="must not be empty"):
        check_name("", "the queue name")
