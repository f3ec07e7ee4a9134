"""Started with stdout closed, listen acknowledges nothing (issue 22, item 15), --save-dir or not.

The first message's line could not be written (BrokenPipeError), but the way out flushed again,
found nothing left to write and acknowledged it: the message was gone though nobody saw it.
Against the shared broker: the message must still be in the durable queue afterwards."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.broker import BROKER_URL, bound_queue, channel, message_count, publish
from tests.support.processes import argv_of, environment

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def bound() -> Iterator[tuple[str, str]]:
    with bound_queue("closed-out") as names:
        yield names


@pytest.mark.parametrize("save", [False, True])
def test_nothing_is_acknowledged_when_stdout_is_closed(bound: tuple[str, str], tmp_path: Path, save: bool) -> None:
    exchange, queue = bound
    with channel() as ch:
        publish(ch, exchange, [("a.b", b"unseen")])
    extra = ["--save-dir", str(tmp_path / "saved")] if save else []
    done = subprocess.run(
        [*argv_of("pulp-listen"), "-e", exchange, "--queue", queue, "-q", *extra],
        stderr=subprocess.PIPE,
        env=environment(BROKER_URL, unbuffered=False),
        timeout=30,
        preexec_fn=lambda: os.close(1),  # as after `>&-`
    )
    assert done.returncode == 0, done.stderr
    assert b"Traceback" not in done.stderr
    with channel() as ch:
        assert message_count(ch, queue) == 1  # not acknowledged: it comes again
