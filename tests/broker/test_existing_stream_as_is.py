"""`--queue STREAM` without --offset reads an existing stream as it is (issue 22, item 8).

It used to bind the stream to amq.topic with '#' (a queue given without stream options was set
up like any durable queue), so the durable shared log silently collected all amq.topic traffic.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.broker import channel, declare_stream, delete, publish, unique
from tests.support.processes import run, start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    stream, exchange = unique("pat-stream"), unique("pat-sx")
    yield stream, exchange
    delete(queues=[stream], exchanges=[exchange])


def _all_subjects(stream: str, count: int) -> list[str]:
    read = run("pulp-listen", "--queue", stream, "--offset", "first", "-q", "-n", str(count), "--deadline", "10")
    return read.stdout.decode().splitlines()


def test_no_binding_to_amq_topic_and_new_messages_are_read(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [("old.one", b"1")])
    listener = start("pulp-listen", "--queue", stream, "-q", "-n", "2", "-s", "new.*")
    try:
        ready = listener.wait_stderr("listening on")
        assert f"stream '{stream}' as it is" in ready and "from now on" in ready, ready
        with channel() as ch:
            publish(ch, "amq.topic", [("stray.amq", b"x")])  # must not reach the stream
            publish(ch, exchange, [("other.skip", b"2"), ("new.two", b"3"), ("new.three", b"4")])
        assert listener.wait() == 0, listener.stderr
        assert listener.stdout.decode().splitlines() == ["new.two", "new.three"]  # -s selected, old not shown
    finally:
        listener.stop()
    # The stream holds only what came through its own binding: nothing from amq.topic.
    assert _all_subjects(stream, 4) == ["old.one", "other.skip", "new.two", "new.three"]


def test_exec_on_an_existing_stream_is_refused_naming_it(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
    result = run("pulp-listen", "--queue", stream, "--exec", "/bin/true", "--deadline", "5")
    assert result.returncode == 2, result.stderr
    (line,) = [line for line in result.err_lines if "error" in line]
    assert "--exec needs a queue that can requeue and reject" in line and stream in line, line
    with channel() as ch:
        publish(ch, "amq.topic", [("stray.amq", b"x")])
        publish(ch, exchange, [("end", b"e")])
    assert _all_subjects(stream, 1) == ["end"]  # nothing was bound to amq.topic
