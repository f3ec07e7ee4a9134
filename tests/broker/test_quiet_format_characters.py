"""-q shows a subject's invisible format characters escaped (issue 22, item 11): a zero-width
space, a soft hyphen or a tag character no longer makes two subjects look the same. Shared broker."""

from __future__ import annotations

import pytest

from tests.support.broker import channel, publish, unique
from tests.support.processes import start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


def test_quiet_lines_escape_format_characters() -> None:
    exchange = unique("quiet-cf-x")
    with channel() as ch:
        ch.exchange_declare(exchange, "topic")
    try:
        listener = start("pulp-listen", "-e", exchange, "-q", "-n", "4")
        listener.wait_stderr("listening on")
        with channel() as ch:
            publish(ch, exchange, [("a\u200bb", b""), ("a\u00adb", b""), ("a\U000e0041b", b""), ("ab", b"")])
        assert listener.wait() == 0, listener.stderr
        assert listener.stdout.decode() == "a\\u200bb\na\\xadb\na\\U000e0041b\nab\n"
    finally:
        with channel() as ch:
            ch.exchange_delete(exchange)
