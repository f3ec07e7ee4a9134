"""messages/filters.py: --where and --fail-where conditions, and -s subject patterns."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages.delivery import Delivery
from pulp_amqp_tools.messages.filters import Selector, parse_condition, subject_patterns

SYNC_FINISH = json.dumps(
    {
        "event_type": "repo.sync.finish",
        "payload": {
            "repo_id": "zoo",
            "result": "failed",
            "added_count": 0,
            "error_message": None,
            "ok": False,
            "ratio": 1.5,
        },
        "call_report": {"tags": ["pulp:repository:zoo", "pulp:action:sync"]},
    }
).encode()


def delivery(body: bytes = SYNC_FINISH, subject: str = "pulp.server.repo.sync.finish", **kw: Any) -> Delivery:
    kw.setdefault("headers", {"qpid.subject": subject})
    return Delivery(exchange="pulp", routing_key=subject, body=body, **kw)


def holds(text: str, d: Delivery | None = None) -> bool:
    return Selector((parse_condition(text),)).accept(d or delivery())


@pytest.mark.parametrize(
    "text, expected",
    [
        ("payload.repo_id=zoo", True),
        ("body.payload.repo_id=zoo", True),
        ("payload.repo_id=lion", False),
        ("payload.repo_id!=lion", True),
        ("payload.result!=success", True),
        ("payload.added_count=0", True),
        ("payload.error_message=null", True),
        ("payload.ok=false", True),
        ("payload.ratio=1.5", True),
        ("payload.missing=x", False),
        ("payload.missing!=x", True),
        ("payload.missing=*", False),
        ("payload.repo_id=*", True),
        ("payload.repo_id=z?o", True),
        ("call_report.tags=pulp:action:sync", True),
        ("call_report.tags.0=pulp:repository:*", True),
        ("call_report.tags.7=x", False),
        ("event_type.deeper=x", False),
        ("subject=pulp.server.repo.sync.finish", True),
        ("subject=pulp.server.repo.*.finish", True),
        ("subject=pulp.server.repo.publish.*", False),
        ("exchange=pulp", True),
        ("redelivered=false", True),
        ("headers.qpid.subject=pulp.server.repo.sync.finish", True),
        ("headers.absent!=x", True),
        ('body=*"zoo"*', True),
        ("payload.repo_id=", False),
    ],
)
def test_conditions(text: str, expected: bool) -> None:
    assert holds(text) is expected


def test_value_may_contain_equals_signs_and_all_conditions_must_hold() -> None:
    d = delivery(
        b'{"q": "a=b"}',
        headers={"h": 7, "when": datetime(2024, 1, 2, tzinfo=timezone.utc), "d": Decimal("1.50"), "raw": b"\xff"},
    )
    assert holds("q=a=b", d)
    assert holds("headers.h=7", d) and holds("headers.d=1.50", d)
    assert holds("headers.when=2024-01-02T00:00:00Z", d) and holds("headers.raw=\\xff", d)
    both = Selector((parse_condition("q=a=b"), parse_condition("headers.h=8")))
    assert not both.accept(d)


def test_non_json_and_binary_bodies_have_no_fields() -> None:
    assert not holds("a=1", delivery(b"plain"))
    assert not holds("a=1", delivery(b"\xff\xfe"))
    assert holds("body=plain", delivery(b"plain"))
    assert holds("a!=1", delivery(b"\xff"))


def test_fail_where_notes_the_first_accepted_match_only() -> None:
    sel = Selector(
        (parse_condition("payload.repo_id=zoo"),), (parse_condition("payload.result!=success", "--fail-where"),)
    )
    other = delivery(SYNC_FINISH.replace(b"zoo", b"lion"))
    assert not sel.accept(other) and sel.failed is None  # not selected: cannot fail the run
    assert sel.accept(delivery()) and sel.failed is not None
    assert sel.needs_properties is False
    assert Selector((parse_condition("properties.type=x"),)).needs_properties


@pytest.mark.parametrize("text", ["nothing", "=x", "!=x", "headers=x", "properties.=x", "a..b=1", "payload.=1"])
def test_bad_conditions_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_condition(text)
    assert "--where" in caught.value.message


def test_s_selects_on_a_stream_read_as_it_is() -> None:
    condition = subject_patterns(("pulp.server.repo.*.finish",))
    assert condition.holds(Delivery("x", "pulp.server.repo.sync.finish", b""), lambda: (False, None))
    assert not condition.holds(Delivery("x", "pulp.server.repo.sync.start", b""), lambda: (False, None))
