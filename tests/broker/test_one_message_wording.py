"""'1 message' in what listen and emit say about one (issue 22, item 15), on the shared broker."""

from __future__ import annotations

import pytest

from tests.support.broker import channel, delete, publish, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


def test_peek_at_one_message_says_one_message() -> None:
    queue = unique("one-msg-q")
    with channel() as ch:
        ch.queue_declare(queue, arguments={"x-queue-type": "classic"})
        publish(ch, "", [(queue, b"1")])
    try:
        result = run("pulp-listen", "--queue", queue, "--peek", "-q")
        assert result.returncode == 0, result.stderr
        err = result.stderr.decode()
        assert f"peeked at 1 message in queue '{queue}'" in err and "1 messages" not in err, err
    finally:
        delete(queues=[queue])
