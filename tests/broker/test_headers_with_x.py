"""Issue #22, 13: --match on `x-` headers where the broker can match them (RabbitMQ 3.10: x-match
all-with-x / any-with-x), on the shared broker; refused elsewhere (tests/private/test_garagemq.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.admin import Admin
from tests.support.broker import unique
from tests.support.processes import run, start

pytestmark = [pytest.mark.broker, pytest.mark.timeout(60)]


@pytest.fixture
def admin() -> Iterator[Admin]:
    side = Admin()
    try:
        yield side
    finally:
        side.cleanup()


def test_match_on_an_x_header_hears_only_its_value(admin: Admin) -> None:
    exchange = admin.exchange("headers")
    listener = start("pulp-listen", "-e", exchange, "--match", "x-tenant=acme", "-q", "-n", "1")
    assert "for messages with all of x-tenant='acme'" in listener.ready()
    admin.publish(exchange, "other", headers={"x-tenant": "zoo"})
    admin.publish(exchange, "none", headers={"tenant": "acme"})
    admin.publish(exchange, "acme", headers={"x-tenant": "acme"})
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == ["acme"]


def test_match_any_with_an_x_header(admin: Admin) -> None:
    exchange = admin.exchange("headers")
    tag = unique("t")
    matches = ("--match", "x-tenant=acme", "--match", f"tag={tag}", "--match-any")
    listener = start("pulp-listen", "-e", exchange, *matches, "-q", "-n", "2")
    listener.ready()
    admin.publish(exchange, "neither", headers={"x-tenant": "zoo", "tag": "no"})
    admin.publish(exchange, "by-tag", headers={"tag": tag})
    admin.publish(exchange, "by-tenant", headers={"x-tenant": "acme"})
    result = listener.finish()
    assert result.code == 0, result.err
    assert result.lines() == ["by-tag", "by-tenant"]


def test_x_match_itself_is_the_mode_not_a_header() -> None:
    result = run("pulp-listen", "-e", "amq.headers", "--match", "x-match=any", "-q")
    assert result.code == 2 and result.err.count("\n") == 1, result.err
    assert "the binding's mode" in result.err and "--match-any" in result.err
