"""The binding rules per exchange type (pure: no broker)."""

from __future__ import annotations

import pytest

from pulp_amqp_tools.amqp091.bindings import QueueBinding, Wanted, describe, is_wildcard, plan
from pulp_amqp_tools.errors import UsageError


def test_topic_default_and_given_patterns() -> None:
    assert plan([("x", "topic")], Wanted()) == (QueueBinding("x", "#"),)
    assert plan([("x", "topic")], Wanted(("a.*", "b"))) == (QueueBinding("x", "a.*"), QueueBinding("x", "b"))


def test_direct_binds_literal_keys_and_refuses_wildcards() -> None:
    assert plan([("d", "direct")], Wanted(("a.b", "c"))) == (QueueBinding("d", "a.b"), QueueBinding("d", "c"))
    with pytest.raises(UsageError, match=r"so '#' would match only the key '#'; give the keys with -s"):
        plan([("d", "direct")], Wanted())
    with pytest.raises(UsageError, match=r"so 'a\.\*' would match only the key 'a\.\*'"):
        plan([("d", "direct")], Wanted(("a.b", "a.*")))
    # Not a wildcard for a topic exchange either: bound literally.
    assert plan([("d", "direct")], Wanted(("a*b.c#",))) == (QueueBinding("d", "a*b.c#"),)


def test_wildcards_go_to_the_topic_exchange_of_a_mixed_run() -> None:
    kinds = [("t", "topic"), ("d", "direct")]
    assert plan(kinds, Wanted(("a.*", "a.b"))) == (
        QueueBinding("t", "a.*"),
        QueueBinding("t", "a.b"),
        QueueBinding("d", "a.b"),
    )
    with pytest.raises(UsageError, match="'d' is a direct exchange"):
        plan(kinds, Wanted(("a.*",)))  # nothing literal left for the direct one


def test_fanout_needs_nothing_and_refuses_subjects() -> None:
    assert plan([("f", "fanout")], Wanted()) == (QueueBinding("f", ""),)
    with pytest.raises(UsageError, match=r"ignores routing keys .*; leave out -s"):
        plan([("f", "fanout")], Wanted(("a",)))
    # In a run with a topic exchange, -s is for that one.
    assert plan([("t", "topic"), ("f", "fanout")], Wanted(("a",))) == (QueueBinding("t", "a"), QueueBinding("f", ""))


def test_headers_need_match() -> None:
    wanted = Wanted(matches=(("a", "1"), ("n", 3)))
    assert plan([("h", "headers")], wanted) == (QueueBinding("h", "", (("x-match", "all"), ("a", "1"), ("n", 3))),)
    any_of = Wanted(matches=(("a", "1"),), match_any=True)
    assert plan([("h", "headers")], any_of)[0].arguments[0] == ("x-match", "any")
    with pytest.raises(UsageError, match="say which with --match NAME=VALUE"):
        plan([("h", "headers")], Wanted())
    with pytest.raises(UsageError, match="not routing keys; give --match NAME=VALUE instead of -s"):
        plan([("h", "headers")], Wanted(("a",)))
    with pytest.raises(UsageError, match="--match applies to headers exchanges only, and exchange 't' is a topic"):
        plan([("t", "topic")], Wanted(matches=(("a", "1"),)))


def test_subject_for_none_of_several() -> None:
    with pytest.raises(UsageError, match="-s binds routing keys on topic and direct exchanges, and none is given"):
        plan([("f", "fanout"), ("h", "headers")], Wanted(("a",), (("k", "v"),)))


def test_plugin_types_bind_patterns_as_given() -> None:
    assert plan([("c", "x-consistent-hash")], Wanted(("10",))) == (QueueBinding("c", "10"),)


def test_describe() -> None:
    kinds = [("t", "topic"), ("f", "fanout"), ("h", "headers"), ("d", "direct")]
    wanted = Wanted(("k",), (("tag", "v"), ("n", 3), ("ok", True)))
    assert describe(kinds, wanted) == (
        "exchange 't' (topic) for 'k', exchange 'f' (fanout) for every message, "
        "exchange 'h' (headers) for messages with all of tag='v', n=3, ok=true, "
        "exchange 'd' (direct) for 'k'"
    )


@pytest.mark.parametrize(
    "pattern,wild", [("#", True), ("a.*", True), ("a.#.b", True), ("a*", False), ("", False), ("a.b", False)]
)
def test_is_wildcard(pattern: str, wild: bool) -> None:
    assert is_wildcard(pattern) is wild
