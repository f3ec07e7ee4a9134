"""Stream queues, black-box: --queue-type stream, --max-age, --offset, resuming, and the race-free recipe.

Every test runs the console scripts against the shared broker with a stream of its own, and
deletes what it declared.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timezone

import pika
import pika.exceptions
import pytest

from tests.support.broker import channel, declare_stream, delete, publish, unique
from tests.support.faults import wait_for
from tests.support.processes import records, run, start
from tests.support.tcp_proxy import TcpProxy

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def names() -> Iterator[tuple[str, str]]:
    """(stream, exchange), unique; both deleted afterwards."""
    stream, exchange = unique("pat-stream"), unique("pat-sx")
    yield stream, exchange
    delete(queues=[stream], exchanges=[exchange])


def offsets(found: list[dict[str, object]]) -> list[object]:
    return [record["headers"]["x-stream-offset"] for record in found]  # type: ignore[index]


def test_queue_type_stream_declares_a_stream_with_one_day_retention_and_binds_it(names: tuple[str, str]) -> None:
    stream, exchange = names
    result = run(
        "pulp-listen", "-e", exchange, "-s", "a.#", "--queue", stream, "--queue-type", "stream", "--timeout", "0.5"
    )
    assert result.returncode == 6, result.stderr  # created, bound, nothing came: --timeout's "none at all"
    assert "stream" in result.stderr.decode()
    with channel() as ch:
        # An equivalent declare succeeds only with the same type and retention...
        ch.queue_declare(stream, durable=True, arguments={"x-queue-type": "stream", "x-max-age": "1D"})
        publish(ch, exchange, [("a.one", b"1"), ("b.two", b"2"), ("a.end", b"3")])
    with channel() as ch, pytest.raises(pika.exceptions.ChannelClosedByBroker) as refused:
        ch.queue_declare(stream, durable=True, arguments={"x-queue-type": "stream", "x-max-age": "2D"})
    assert refused.value.reply_code == 406
    read = run("pulp-listen", "--queue", stream, "--offset", "first", "-q", "-n", "2")
    assert read.returncode == 0, read.stderr
    assert read.stdout.decode().splitlines() == ["a.one", "a.end"]  # bound with -s a.#: b.two never entered


def test_max_age_sets_the_retention_of_a_new_stream(names: tuple[str, str]) -> None:
    stream, exchange = names
    result = run(
        "pulp-listen",
        "-e",
        exchange,
        "--queue",
        stream,
        "--queue-type",
        "stream",
        "--max-age",
        "90m",
        "--timeout",
        "0.5",
    )
    assert result.returncode == 6, result.stderr
    with channel() as ch:
        ch.queue_declare(stream, durable=True, arguments={"x-queue-type": "stream", "x-max-age": "90m"})


def test_reading_twice_gives_the_same_messages_with_their_offsets_and_resumes_from_one(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [(f"pulp.server.repo.sync.{i}", json.dumps({"i": i}).encode()) for i in range(5)])
    first = run("pulp-listen", "--queue", stream, "--offset", "first", "--json", "-n", "5")
    again = run("pulp-listen", "--queue", stream, "--offset", "first", "--json", "-n", "5")
    assert first.returncode == again.returncode == 0, (first.stderr, again.stderr)
    one, two = records(first.stdout), records(again.stdout)
    assert [r["body"] for r in one] == [r["body"] for r in two] == [{"i": i} for i in range(5)]
    assert offsets(one) == offsets(two) == [0, 1, 2, 3, 4]
    # A script that stopped after offset 2 resumes with --offset 3: nothing repeated, nothing skipped.
    resumed = run(
        "pulp-listen",
        "--queue",
        stream,
        "--offset",
        str(int(str(offsets(one)[2])) + 1),
        "--json",
        "-n",
        "2",
    )
    assert resumed.returncode == 0, resumed.stderr
    assert offsets(records(resumed.stdout)) == [3, 4]


def test_offset_by_time_and_by_duration(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [("old.0", b"0"), ("old.1", b"1")])
        time.sleep(1.2)  # stream timestamps are whole seconds of whole chunks
        between = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        time.sleep(1.1)
        publish(ch, exchange, [("new.0", b"2")])
    since = run("pulp-listen", "--queue", stream, "--offset", between, "-q", "-n", "1")  # an old one would come first
    assert since.returncode == 0, since.stderr
    assert since.stdout.decode().splitlines() == ["new.0"]
    recent = run("pulp-listen", "--queue", stream, "--offset", "10m", "-q", "-n", "3")
    assert recent.returncode == 0, recent.stderr
    assert recent.stdout.decode().splitlines() == ["old.0", "old.1", "new.0"]
    last = run("pulp-listen", "--queue", stream, "--offset", "last", "-q", "-n", "1")
    assert last.stdout.decode().splitlines() == ["new.0"]  # the last chunk


def test_next_is_the_default_and_only_sees_new_messages(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [("before", b"0")])
    listener = start("pulp-listen", "--queue", stream, "-q", "-n", "1")
    listener.wait_stderr("listening on")
    with channel() as ch:
        publish(ch, exchange, [("after", b"1")])
    assert listener.wait() == 0, listener.stderr
    assert listener.stdout.decode().splitlines() == ["after"]


def test_offset_on_a_queue_that_is_not_a_stream_is_an_error_naming_its_type() -> None:
    queue = unique("pat-classic")
    with channel() as ch:
        ch.queue_declare(queue, durable=True, arguments={"x-queue-type": "classic"})
    try:
        result = run("pulp-listen", "--queue", queue, "--offset", "first", "--timeout", "1")
    finally:
        delete(queues=[queue])
    assert result.returncode == 2, result.stderr
    lines = result.err_lines
    assert len(lines) == 1 and "classic" in lines[0] and "stream" in lines[0], lines
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.parametrize(
    "args, says",
    [
        (["--offset", "yesterday"], "--offset"),
        (["--offset", "-1"], "--offset"),
        (["--offset", "0s"], "--offset"),
        (["--offset", "2026-13-45T99:00:00Z"], "--offset"),
        (["--max-age", "7d"], "--max-age"),
        (["--max-age", "0D"], "--max-age"),
        (["--max-age", "1D"], "--queue-type stream"),  # --max-age only shapes a stream we declare
        (["--queue-type", "classic", "--offset", "first"], "stream"),
    ],
)
def test_bad_stream_values_are_refused_before_connecting(args: list[str], says: str) -> None:
    # Port 1: if the command connected first it would fail with 3, not 2.
    result = run("pulp-listen", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "--queue", "q", *args)
    assert result.returncode == 2, result.stderr
    lines = result.err_lines
    assert len(lines) == 1 and says in lines[0], lines


def test_offset_needs_a_named_queue() -> None:
    result = run("pulp-listen", "-u", "amqp://guest:guest@127.0.0.1:1/%2F", "--offset", "first")
    assert result.returncode == 2
    assert "--queue" in result.stderr.decode()


def test_an_existing_stream_is_read_as_it_is_and_subject_selects(names: tuple[str, str]) -> None:
    stream, exchange = names
    other = unique("pat-sx-other")
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        ch.exchange_declare(other, "topic")
        publish(ch, exchange, [("a.x", b"1"), ("b.y", b"2"), ("a.z", b"3")])
    try:
        # -e names another exchange: a reader of an existing stream must not bind it there.
        result = run("pulp-listen", "-e", other, "--queue", stream, "--offset", "first", "-s", "a.*", "-q", "-n", "2")
        assert result.returncode == 0, result.stderr
        assert result.stdout.decode().splitlines() == ["a.x", "a.z"]
        where = run("pulp-listen", "--queue", stream, "--offset", "first", "--where", "subject=b.*", "-q", "-n", "1")
        assert where.stdout.decode().splitlines() == ["b.y"]
        with channel() as ch:
            publish(ch, other, [("a.w", b"4")])
            publish(ch, exchange, [("end", b"5")])
        after = run("pulp-listen", "--queue", stream, "--offset", "first", "-q", "-n", "4")
        assert after.stdout.decode().splitlines() == ["a.x", "b.y", "a.z", "end"]  # nothing came in through `other`
    finally:
        delete(exchanges=[other])


@pytest.mark.parametrize("result, status", [("success", 0), ("failed", 9)])
def test_recipe_finds_the_event_that_came_before_the_command(names: tuple[str, str], result: str, status: int) -> None:
    stream, exchange = names
    setup = run("pulp-listen", "-e", exchange, "--queue", stream, "--queue-type", "stream", "--timeout", "0.5")
    assert setup.returncode == 6, setup.stderr
    for args in (
        ["-t", "repo.sync.start", "--repo-id", "zoo"],
        ["-t", "repo.sync.finish", "--repo-id", "other"],
        ["-t", "repo.sync.finish", "--repo-id", "zoo", "--result", result],
    ):
        emitted = run("pulp-emit", "-e", exchange, *args)
        assert emitted.returncode == 0, emitted.stderr
    wait = run(
        "pulp-listen",
        "--queue",
        stream,
        "--offset",
        "15m",
        "-n",
        "1",
        "-s",
        "pulp.server.repo.sync.finish",
        "--where",
        "payload.repo_id=zoo",
        "--fail-where",
        "payload.result!=success",
        "--json",
        "--deadline",
        "10",
    )
    assert wait.returncode == status, wait.stderr
    (found,) = records(wait.stdout)
    assert found["subject"] == "pulp.server.repo.sync.finish"
    assert found["body"]["payload"]["repo_id"] == "zoo"
    assert found["body"]["payload"]["result"] == result


def test_a_dropped_connection_neither_repeats_nor_skips(names: tuple[str, str]) -> None:
    stream, exchange = names
    total = 600
    with channel() as ch:
        declare_stream(ch, stream, exchange)
    # Our own connection only, cut in a proxy in front of the shared broker: twice, mid-stream.
    with TcpProxy("127.0.0.1", 5672) as proxy:
        url = f"amqp://guest:guest@127.0.0.1:{proxy.port}/%2F"
        listener = start(
            "pulp-listen",
            "--queue",
            stream,
            "--offset",
            "first",
            "--json",
            "-n",
            str(total),
            "--prefetch",
            "50",
            url=url,
        )
        listener.wait_stderr("listening on")
        emitter = start("pulp-emit", "-e", exchange, "-n", str(total), "--rate", "400", "--sequence-header", "seq")
        for seen in (100, 300):
            assert wait_for(lambda seen=seen: listener.stdout.count(b"\n") > seen, 10), listener.stderr  # type: ignore[misc]
            proxy.cut()
        assert emitter.wait() == 0, emitter.stderr
        assert listener.wait(30) == 0, listener.stderr
    assert listener.stderr.count("listening again on stream") == 2, listener.stderr
    found = records(listener.stdout)
    assert offsets(found) == list(range(total))  # no offset shown twice, none skipped
    # ... and what was shown is what the stream holds (a clean read), message for message.
    clean = records(run("pulp-listen", "--queue", stream, "--offset", "first", "--json", "-n", str(total)).stdout)
    assert [(r["headers"]["x-stream-offset"], r["headers"]["seq"]) for r in found] == [
        (r["headers"]["x-stream-offset"], r["headers"]["seq"]) for r in clean
    ]


def test_no_declare_reads_a_stream_someone_else_created(names: tuple[str, str]) -> None:
    stream, exchange = names
    with channel() as ch:
        declare_stream(ch, stream, exchange)
        publish(ch, exchange, [("a.one", b"1"), ("b.two", b"2")])
    read = run("pulp-listen", "--queue", stream, "--no-declare", "--offset", "first", "-s", "b.*", "-q", "-n", "1")
    assert read.returncode == 0, read.stderr
    assert read.stdout.decode().splitlines() == ["b.two"]
    missing = run("pulp-listen", "--queue", stream + "-missing", "--no-declare", "--offset", "first", "-n", "1")
    assert missing.returncode == 5, missing.stderr
    assert "does not exist" in missing.stderr.decode()
