"""A message the connection cannot carry (frame_max lowered on a private node) ends emit's run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.broker import unique
from tests.support.private_node import PrivateNode, rabbitmq_available
from tests.support.processes import command_env, measure

pytestmark = [pytest.mark.broker, pytest.mark.timeout(120)]


@pytest.fixture(scope="module")
def small_frames() -> Iterator[PrivateNode]:
    """A private node that negotiates 4 KiB frames, so a header of 6 KB passes our own checks
    (made for RabbitMQ's default 128 KiB) and only the broker can refuse it."""
    if not rabbitmq_available():
        pytest.skip("rabbitmq-server is not installed: no private node")
    with PrivateNode(extra_config="frame_max = 4096") as node:
        yield node


@pytest.mark.private_node
def test_a_message_the_connection_cannot_carry_ends_the_run(small_frames: PrivateNode) -> None:
    env = command_env(AMQP_URL=small_frames.url)
    result = measure(
        "pulp-emit",
        "-e",
        unique("hx"),
        "--subject",
        "a.b",
        "--body",
        "x",
        "--header",
        "big=" + "y" * 6000,
        env=env,
        timeout=60,
    )
    assert result.seconds < 20, result.err_lines
    assert len(result.err_lines) <= 3, result.err_lines
    assert result.returncode == 5, result.err_lines
    assert "'a.b'" in result.err_lines[-1] and "frame" in result.err_lines[-1], result.err_lines
