"""--top's header says what the subscription really hears; --peek on a stream is refused in one line
(issue 22, item 15).

The header was made from the options before connecting: `amq.topic` and '#' for a stream read as
it is (its bindings are its own), for a queue read with --no-declare, and '#' for a headers
exchange. Now the broker's answer (the consumer's Source) sets it. A peek on a stream exited 3
with RabbitMQ's raw NOT_IMPLEMENTED text.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.broker import channel, declare_stream, delete, publish, unique
from tests.support.processes import run

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    queue, exchange = unique("pat-top-q"), unique("pat-top-x")
    yield queue, exchange
    delete(queues=[queue], exchanges=[exchange])


def _header(*args: str) -> dict[str, Any]:
    """The first JSON snapshot of `pulp-listen --top --json ARGS` (it ends by --deadline)."""
    result = run("pulp-listen", "--top", "--json", "--top-every", "0.2", "--deadline", "1", *args)
    assert result.returncode in (0, 8), result.stderr
    return dict(json.loads(result.stdout.decode().splitlines()[0]))


def test_a_stream_read_as_it_is(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
    for more in ([], ["--offset", "first"]):
        header = _header("--queue", stream, "-s", "a.*", *more)
        assert header["exchange"] == "" and header["patterns"] == ["a.*"], header
        assert header["reads"] == f"stream '{stream}' as it is", header


def test_a_queue_read_with_no_declare(names: tuple[str, str]) -> None:
    queue, _exchange = names
    with channel() as ch:
        ch.queue_declare(queue)
    header = _header("--queue", queue, "--no-declare")
    assert (header["exchange"], header["patterns"], header["reads"]) == ("", [], f"queue '{queue}' as it is")


def test_an_existing_headers_exchange_shows_its_matches(names: tuple[str, str]) -> None:
    _queue, exchange = names
    with channel() as ch:
        ch.exchange_declare(exchange, "headers")
    header = _header("-e", exchange, "--match", "format=pdf")
    assert (header["exchange"], header["patterns"]) == (exchange, ["format='pdf'"]), header
    assert "reads" not in header


def test_a_topic_exchange_is_as_before(names: tuple[str, str]) -> None:
    _queue, exchange = names
    header = _header("-e", exchange, "-s", "a.#")
    assert (header["exchange"], header["patterns"]) == (exchange, ["a.#"])


def test_peek_on_a_stream_says_to_read_it_with_offset(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [("a.one", b"1")])
    result = run("pulp-listen", "--queue", stream, "--peek")
    assert result.returncode == 2, result.stderr
    (line,) = result.err_lines
    assert f"queue '{stream}' is a stream" in line and "--offset first -n N" in line, line
    assert "NOT_IMPLEMENTED" not in line
