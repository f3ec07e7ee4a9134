"""Pure pieces of the second hardening pass (issue #16): no broker."""

from __future__ import annotations

import argparse
from collections import deque

import pytest

from pulp_amqp_tools.amqp091.pikacompat import JOIN_LIMIT, _joined
from pulp_amqp_tools.cli.argtypes import byte_size
from pulp_amqp_tools.cli.urls import mask_all
from pulp_amqp_tools.loops.budget import ByteBudget
from pulp_amqp_tools.messages.safetext import backslashed, backslashed_wire, quoted
from pulp_amqp_tools.output.render import label
from pulp_amqp_tools.transport.interface import Topology

MB = 1024 * 1024


def test_budget_gives_back_what_would_go_over_and_lowers_the_prefetch() -> None:
    budget = ByteBudget(16 * MB, prefetch=1000)
    assert budget.admit(8 * MB) and budget.admit(8 * MB)
    assert not budget.admit(8 * MB)  # 24 MB held would pass 16
    assert budget.needs_restart()
    assert budget.restarted() == 2
    budget.release()
    assert budget.admit(100 * MB)  # larger than the whole budget: taken alone
    assert not budget.admit(1)
    assert budget.restarted() == 1


def test_budget_leaves_small_messages_alone() -> None:
    budget = ByteBudget(256 * MB, prefetch=1000)
    assert all(budget.admit(1000) for _ in range(1000))
    assert not budget.needs_restart()


def test_joining_is_bounded() -> None:
    frames = deque([b"m" * 20, b"h" * 30, b"b" * 131_072] * 40)
    chunks = _joined(frames)
    assert b"".join(chunks) == b"".join(frames)
    assert max(map(len, chunks)) <= JOIN_LIMIT
    assert len(chunks) < len(frames) / 2


@pytest.mark.parametrize(
    ("text", "size"), [("256M", 256 * MB), ("1G", 1024 * MB), ("64MiB", 64 * MB), ("2048k", 2 * MB), (str(MB), MB)]
)
def test_sizes(text: str, size: int) -> None:
    assert byte_size(text) == size


@pytest.mark.parametrize("text", ["", "12 parsecs", "1.5M", "512K", "-1M", "9" * 30])
def test_bad_sizes(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        byte_size(text)


def test_quoting_and_backslashes() -> None:
    assert quoted("pulp\x1b[31m") == "'pulp\\x1b[31m'"
    assert backslashed("a\\nb") == "a\\\\nb" and backslashed("a\nb") == "a\\nb"
    assert backslashed_wire(b"a\\\xff") == "a\\\\\\xff"
    assert label("pulp.server.repo.sync.start") == "pulp.server.repo.sync.start"
    assert label("1, qpid.subject=x") == '"1, qpid.subject=x"'
    assert label('say "hi"') == '"say \\"hi\\""'


def test_masking_is_whole() -> None:
    typed = ["--bogus", "amqp://x:y z@h"]
    assert "y z" not in mask_all("unrecognized arguments: --bogus amqp://x:y z@h", typed)


def test_a_message_that_closes_the_connection_twice_ends_the_run() -> None:
    from pulp_amqp_tools.errors import BrokerError
    from pulp_amqp_tools.loops.emit import EmitSpec, run
    from pulp_amqp_tools.messages.message import Message
    from tests.support.fake_transport import FakeLink, FakePublisher, FakeTransport

    def killer() -> FakePublisher:
        return FakePublisher(fail_at=1, fail_after_taking=True)

    links = [FakeLink(n, [], killer()) for n in range(3)]
    transport = FakeTransport(links)
    transport.blames_message = lambda error: True  # type: ignore[method-assign]  # a frame error, say
    with pytest.raises(BrokerError, match=r"'a\.b' cannot be sent: it closed the connection twice"):
        run(EmitSpec(Topology("x")), transport, [Message("a.b", b"x")])
    assert len(transport.recovered) == 1  # one reconnect, then the run ends: never a loop
