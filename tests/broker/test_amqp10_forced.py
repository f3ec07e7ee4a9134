"""--protocol 1.0 against a broker that speaks 0-9-1 only (the shared RabbitMQ, no 1.0 plugin):
one line, exit 3, within the connect timeout. Only a protocol header reaches the broker."""

from __future__ import annotations

import pytest

from tests.support.processes import run

pytestmark = pytest.mark.broker

pytest.importorskip("proton")


@pytest.mark.parametrize("command", ["listen", "emit"])
def test_forced_1_0_on_a_0_9_1_broker_is_one_line(command: str) -> None:
    done = run(command, "--protocol", "1.0", "--connect-timeout", "5", timeout=30)
    lines = done.stderr.decode().splitlines()
    assert done.returncode == 3, done.stderr
    assert len(lines) == 1 and "does not speak AMQP 1.0" in lines[0], lines
