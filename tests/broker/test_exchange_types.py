"""Issue #12 against the real broker: every exchange type, several exchanges, existing queues, --peek.

Black-box: the console scripts run as subprocesses; the broker side is arranged and checked with
a channel of the test's own (tests/support/admin.py). Names are unique, and built-in exchanges
shared with other tests are read through unique routing keys, headers or --where.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.support.admin import Admin
from tests.support.broker import unique
from tests.support.processes import Finished, run, start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def admin() -> Iterator[Admin]:
    side = Admin()
    try:
        yield side
    finally:
        side.cleanup()


def one_error(result: Finished, code: int, *needles: str) -> str:
    """The command failed with `code` and said so in one stderr line holding each needle."""
    assert result.code == code, (result.code, result.err)
    assert result.err.count("\n") == 1 and "Traceback" not in result.err, result.err
    assert result.err.startswith("pulp-listen: error: ") or result.err.startswith("pulp-emit: error: "), result.err
    for needle in needles:
        assert needle in result.err, (needle, result.err)
    return result.err


def records(result: Finished) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.lines()]


# ------------------------------------------------------------------ topic and direct


@pytest.mark.parametrize("builtin", [True, False], ids=["amq.topic", "declared"])
def test_topic_as_before_and_named_in_the_ready_line(admin: Admin, builtin: bool) -> None:
    exchange = "amq.topic" if builtin else admin.exchange("topic", durable=True)
    word = unique("w")
    listener = start("pulp-listen", "-e", exchange, "-s", f"{word}.*", "-q", "-n", "1")
    line = listener.ready()
    assert f"listening on exchange '{exchange}' (topic) for '{word}.*'" in line
    admin.publish(exchange, f"{word}.x.y")  # two words: no match
    admin.publish(exchange, f"{word}.x")
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == [f"{word}.x"]


@pytest.mark.parametrize("builtin", [True, False], ids=["amq.direct", "declared"])
def test_direct_binds_each_key_literally(admin: Admin, builtin: bool) -> None:
    # Declared by its owner durable and with an argument: used as it is, never declared again.
    exchange = (
        "amq.direct"
        if builtin
        else admin.exchange("direct", durable=True, arguments={"alternate-exchange": "amq.fanout"})
    )
    a, b = unique("k"), unique("k")
    listener = start("pulp-listen", "-e", exchange, "-s", a, "-s", b, "-q", "-n", "2")
    line = listener.ready()
    assert f"listening on exchange '{exchange}' (direct) for '{a}', '{b}'" in line
    admin.publish(exchange, f"{a}.more")
    admin.publish(exchange, b)
    admin.publish(exchange, a)
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == [b, a]


def test_direct_with_the_default_pattern_says_what_to_do() -> None:
    result = run("pulp-listen", "-e", "amq.direct", "--timeout", "5")
    assert result.code == 2, result.err
    assert result.err == (
        "pulp-listen: error: exchange 'amq.direct' is a direct exchange: routing keys match "
        "literally, so '#' would match only the key '#'; give the keys with -s\n"
    )


def test_direct_with_a_wildcard_is_refused(admin: Admin) -> None:
    exchange = admin.exchange("direct")
    one_error(
        run("pulp-listen", "-e", exchange, "-s", "a.b", "-s", "a.*", "--timeout", "5"),
        2,
        f"exchange '{exchange}' is a direct exchange",
        "so 'a.*' would match only the key 'a.*'",
    )


# ------------------------------------------------------------------ fanout


@pytest.mark.parametrize("builtin", [True, False], ids=["amq.fanout", "declared"])
def test_fanout_hears_every_message(admin: Admin, builtin: bool) -> None:
    exchange = "amq.fanout" if builtin else admin.exchange("fanout")
    word = unique("f")
    listener = start("pulp-listen", "-e", exchange, "-q", "-n", "3", "--where", f"subject={word}*")
    line = listener.ready()
    assert f"listening on exchange '{exchange}' (fanout) for every message" in line
    for key in (f"{word}.a", f"{word}", f"{word}.b.c"):
        admin.publish(exchange, key)
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == [f"{word}.a", word, f"{word}.b.c"]


def test_fanout_refuses_a_subject(admin: Admin) -> None:
    exchange = admin.exchange("fanout")
    one_error(
        run("pulp-listen", "-e", exchange, "-s", "a.b", "--timeout", "5"),
        2,
        f"exchange '{exchange}' is a fanout exchange",
        "ignores routing keys",
        "-s",
    )


# ------------------------------------------------------------------ headers


@pytest.mark.parametrize("exchange", ["amq.headers", "amq.match", "declared"])
def test_headers_match_all_typed_values(admin: Admin, exchange: str) -> None:
    if exchange == "declared":
        exchange = admin.exchange("headers", durable=True)
    tag = unique("h")
    listener = start("pulp-listen", "-e", exchange, "--match", f"tag={tag}", "--match", "n:=3", "--json", "-n", "1")
    line = listener.ready()
    assert f"listening on exchange '{exchange}' (headers) for messages with all of tag='{tag}', n=3" in line
    admin.publish(exchange, "one", headers={"tag": tag, "n": "3"})  # the text '3' is not the number 3
    admin.publish(exchange, "two", headers={"tag": tag})
    admin.publish(exchange, "three", headers={"tag": tag, "n": 3, "extra": True})
    result = listener.finish()
    assert result.code == 0, result.err
    (record,) = records(result)
    assert record["subject"] == "three" and record["exchange"] == exchange
    assert record["headers"] == {"tag": tag, "n": 3, "extra": True}


def test_headers_match_any(admin: Admin) -> None:
    exchange = admin.exchange("headers")
    listener = start("pulp-listen", "-e", exchange, "--match", "a=1", "--match", "b=2", "--match-any", "-q", "-n", "2")
    assert "for messages with any of a='1', b='2'" in listener.ready()
    admin.publish(exchange, "none", headers={"c": "1"})
    admin.publish(exchange, "only-b", headers={"b": "2"})
    admin.publish(exchange, "only-a", headers={"a": "1", "b": "9"})
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == ["only-b", "only-a"]


@pytest.mark.parametrize(
    "args,needles",
    [
        ((), ("is a headers exchange", "--match NAME=VALUE")),
        (("-s", "a.b"), ("is a headers exchange", "not routing keys", "--match")),
    ],
)
def test_headers_without_match_or_with_a_subject(admin: Admin, args: tuple[str, ...], needles: tuple[str, ...]) -> None:
    exchange = admin.exchange("headers")
    one_error(run("pulp-listen", "-e", exchange, "--timeout", "5", *args), 2, f"exchange '{exchange}'", *needles)


def test_match_on_a_topic_exchange_is_refused(admin: Admin) -> None:
    exchange = admin.exchange("topic")
    one_error(
        run("pulp-listen", "-e", exchange, "--match", "a=1", "--timeout", "5"),
        2,
        "--match",
        "headers exchange",
        f"'{exchange}' is a topic exchange",
    )


# ------------------------------------------------------------------ several exchanges, --exchange-type


def test_several_exchanges_in_one_run(admin: Admin) -> None:
    topic, fanout, headers = admin.exchange("topic"), admin.exchange("fanout"), admin.exchange("headers")
    key, tag = unique("k"), unique("t")
    common = ("-e", topic, "-e", fanout, "-e", headers, "-e", "amq.direct", "-s", key, "--match", f"tag={tag}")
    everything = start("pulp-listen", *common, "--json", "-n", "4")
    only_fanout = start("pulp-listen", *common, "--json", "-n", "1", "--where", f"exchange={fanout}")
    line = everything.ready()
    only_fanout.ready()
    assert (
        f"listening on exchange '{topic}' (topic) for '{key}', exchange '{fanout}' (fanout) for every message, "
        f"exchange '{headers}' (headers) for messages with all of tag='{tag}', exchange 'amq.direct' (direct) "
        f"for '{key}' (queue "
    ) in line
    admin.publish(topic, key, b'{"n": 1}')
    admin.publish(headers, "h", b'{"n": 2}', headers={"tag": tag})
    admin.publish(topic, "not.bound", b'{"n": 0}')
    admin.publish(fanout, "anything", b'{"n": 3}')
    admin.publish("amq.direct", key, b'{"n": 4}')
    got = everything.finish()
    assert got.code == 0, got.err
    assert [(r["exchange"], r["body"]) for r in records(got)] == [
        (topic, {"n": 1}),
        (headers, {"n": 2}),
        (fanout, {"n": 3}),
        ("amq.direct", {"n": 4}),
    ]
    selected = only_fanout.finish()
    assert selected.code == 0, selected.err
    assert [(r["exchange"], r["subject"]) for r in records(selected)] == [(fanout, "anything")]


def test_subject_that_fits_none_of_the_exchanges(admin: Admin) -> None:
    fanout, headers = admin.exchange("fanout"), admin.exchange("headers")
    one_error(
        run("pulp-listen", "-e", fanout, "-e", headers, "--match", "a=1", "-s", "a.b", "--timeout", "5"),
        2,
        "-s",
        "fanout",
        "headers",
    )


def test_missing_exchange_created_as_the_type_given(admin: Admin) -> None:
    name = admin.forget_exchange(unique("xt-new"))
    listener = start("pulp-listen", "-e", name, "--exchange-type", "fanout", "-q", "-n", "1")
    assert f"listening on exchange '{name}' (fanout) for every message" in listener.ready()
    admin.publish(name, "any.key")
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == ["any.key"]
    # Created as Pulp created its exchange (non-durable, kept), only of the type asked for.
    admin.connection.channel().exchange_declare(name, exchange_type="fanout", durable=False, auto_delete=False)


def test_missing_exchange_is_still_created_as_topic(admin: Admin) -> None:
    name = admin.forget_exchange(unique("xt-new"))
    result = run("pulp-listen", "-e", name, "--timeout", "0.5")
    assert result.code == 6, result.err
    admin.connection.channel().exchange_declare(name, exchange_type="topic", durable=False, auto_delete=False)


@pytest.mark.parametrize("builtin", [True, False], ids=["amq.fanout", "declared"])
def test_exchange_type_that_differs_from_an_existing_exchange(admin: Admin, builtin: bool) -> None:
    exchange = "amq.fanout" if builtin else admin.exchange("fanout", durable=True)
    one_error(
        run("pulp-listen", "-e", exchange, "--exchange-type", "direct", "-s", "k", "--timeout", "5"),
        5,
        f"exchange '{exchange}' is a fanout exchange, not a direct exchange",
        "--exchange-type",
    )


# ------------------------------------------------------------------ existing queues: --no-declare


def test_no_declare_reads_a_dead_letter_queue_as_it_is(admin: Admin) -> None:
    dlx = admin.exchange("direct")
    arguments = {
        "x-dead-letter-exchange": dlx,
        "x-dead-letter-routing-key": "dead",
        "x-message-ttl": 600000,
        "x-max-length": 100,
    }
    queue = admin.queue(arguments)
    for n in range(3):
        admin.publish("", queue, json.dumps({"n": n}))
    listener = start("pulp-listen", "--queue", queue, "--no-declare", "--json", "-n", "4")
    line = listener.ready()
    assert f"listening on queue '{queue}' as it is" in line
    admin.publish("", queue, json.dumps({"n": 3}))
    result = listener.finish()
    assert result.code == 0, result.err
    assert [r["body"] for r in records(result)] == [{"n": n} for n in range(4)]
    assert admin.wait_count(queue, 0) == 0  # consumed and acknowledged
    # Untouched: an equivalent declare with the owner's arguments still succeeds, and nothing was
    # bound (the default exchange's amq.topic binding of a plain --queue run is not there).
    admin.connection.channel().queue_declare(queue, durable=True, arguments=arguments)
    admin.publish("amq.topic", queue)
    admin.publish("amq.topic", "pulp.server.repo.sync.start")
    assert admin.wait_count(queue, 1, timeout=0.5) == 0


def test_no_declare_on_a_missing_queue() -> None:
    queue = unique("xt-missing")
    one_error(run("pulp-listen", "--queue", queue, "--no-declare"), 5, f"queue '{queue}' does not exist in vhost '/'")


@pytest.mark.parametrize(
    "args,needles",
    [
        (("--no-declare",), ("--no-declare", "--queue NAME")),
        (("--queue", "q", "--no-declare", "-e", "amq.topic"), ("--no-declare", "-e")),
        (("--queue", "q", "--no-declare", "-s", "a.b"), ("--no-declare", "-s")),
        (("--queue", "q", "--no-declare", "--queue-type", "quorum"), ("--no-declare", "--queue-type")),
        (("--peek",), ("--peek", "--queue NAME")),
        (("--queue", "q", "--peek", "-s", "a.b"), ("--peek", "-s")),
        (("--queue", "q", "--peek", "--timeout", "3"), ("--peek", "--timeout")),
        (("--match-any",), ("--match-any", "--match")),
        (("-e", "amq.headers", "--match", "novalue"), ("--match", "NAME=VALUE")),
    ],
)
def test_options_that_do_not_go_together(args: tuple[str, ...], needles: tuple[str, ...]) -> None:
    one_error(run("pulp-listen", *args), 2, *needles)


# ------------------------------------------------------------------ --peek


@pytest.fixture
def five(admin: Admin) -> tuple[str, list[str]]:
    """A queue holding five messages k.0 .. k.4 (bodies {"n": i}), bound to an exchange of its own."""
    exchange = admin.exchange("topic")
    queue = admin.queue()
    admin.channel.queue_bind(queue, exchange, "#")
    keys = [f"k.{n}" for n in range(5)]
    for n, key in enumerate(keys):
        admin.publish(exchange, key, json.dumps({"n": n}), headers={"n": n})
    assert admin.wait_count(queue, 5) == 5
    return queue, keys


def test_peek_shows_the_queue_and_leaves_it_as_it_was(admin: Admin, five: tuple[str, list[str]]) -> None:
    queue, keys = five
    whole = run("pulp-listen", "--queue", queue, "--peek", "-q")
    assert whole.code == 0, whole.err
    assert whole.lines() == keys
    assert "peeked at 5 messages" in whole.err
    assert admin.wait_count(queue, 5) == 5

    first_two = run("pulp-listen", "--queue", queue, "--peek", "--json", "-n", "2")
    assert first_two.code == 0, first_two.err
    assert [r["body"] for r in records(first_two)] == [{"n": 0}, {"n": 1}]
    assert admin.wait_count(queue, 5) == 5

    selected = run("pulp-listen", "--queue", queue, "--peek", "-q", "--where", "headers.n=3")
    assert selected.code == 0, selected.err
    assert selected.lines() == ["k.3"]
    assert admin.wait_count(queue, 5) == 5

    # Every message still there, in its order; peeked ones are marked redelivered.
    assert [(key, body) for key, body, _again in admin.take_all(queue)] == [
        (key, json.dumps({"n": n}).encode()) for n, key in enumerate(keys)
    ]


def test_peek_fail_where_shows_up_to_the_failing_message(admin: Admin, five: tuple[str, list[str]]) -> None:
    queue, keys = five
    result = run("pulp-listen", "--queue", queue, "--peek", "-q", "--fail-where", "headers.n=2")
    assert result.code == 9, result.err
    assert result.lines() == keys[:3]
    assert admin.wait_count(queue, 5) == 5


def test_peek_at_an_empty_queue(admin: Admin) -> None:
    queue = admin.queue()
    result = run("pulp-listen", "--queue", queue, "--peek", "--json")
    assert result.code == 0, result.err
    assert result.out == ""
    assert "peeked at 0 messages" in result.err


def test_peek_at_a_missing_queue() -> None:
    queue = unique("xt-missing")
    one_error(run("pulp-listen", "--queue", queue, "--peek"), 5, f"queue '{queue}' does not exist in vhost '/'")


# ------------------------------------------------------------------ emit


@pytest.mark.parametrize("kind", ["fanout", "direct", "headers"])
def test_emit_names_a_type_that_is_not_topic(admin: Admin, kind: str) -> None:
    exchange = admin.exchange(kind, durable=True)
    tap = admin.tap(
        exchange,
        "pulp.server.repo.sync.start" if kind == "direct" else "",
        {"x-match": "any", "qpid.subject": "pulp.server.repo.sync.start"} if kind == "headers" else None,
    )
    result = run("pulp-emit", "-e", exchange, "-t", "repo.sync.start", "-n", "4")
    assert result.code == 0, result.err
    assert result.err.startswith(
        f"pulp-emit: 4 messages published to exchange '{exchange}' ({kind}), all confirmed ("
    ), result.err
    assert admin.wait_count(tap, 4) == 4


def test_emit_to_a_builtin_fanout_and_a_topic(admin: Admin) -> None:
    tap = admin.tap("amq.fanout")
    fanout = run("pulp-emit", "-e", "amq.fanout", "--subject", unique("s"), "--body", "{}")
    assert fanout.code == 0, fanout.err
    assert "1 message published to exchange 'amq.fanout' (fanout), all confirmed" in fanout.err
    assert admin.wait_count(tap, 1) >= 1
    topic = admin.exchange("topic")
    admin.tap(topic, "#")
    plain = run("pulp-emit", "-e", topic, "-t", "repo.sync.start")
    assert plain.code == 0, plain.err
    assert f"published to exchange '{topic}', all confirmed" in plain.err  # topic goes unsaid, as before


def test_emit_to_a_missing_exchange_creates_a_topic(admin: Admin) -> None:
    name = admin.forget_exchange(unique("xt-new"))
    result = run("pulp-emit", "-e", name, "-t", "repo.sync.start")
    assert result.code == 0, result.err
    assert "(topic)" not in result.err
    admin.connection.channel().exchange_declare(name, exchange_type="topic", durable=False, auto_delete=False)
