"""Fast unit tests of the pure helpers: URLs, config, settings, events, delivery records."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from pulp_amqp_tools.cli import brokerargs, pulpconf, urls
from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages import events
from pulp_amqp_tools.messages.delivery import Delivery, body_bytes, body_fields, from_jsonable, json_line, to_jsonable


def args(**kw: object) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    brokerargs.add_broker_arguments(parser)
    ns = parser.parse_args([])
    for key, value in kw.items():
        setattr(ns, key, value)
    return ns


def test_url_parts() -> None:
    u = urls.parse("amqp://bob:s%40cret@rabbit.example:5673/my%2Fvhost")
    assert (u.host, u.port, u.username, u.password, u.vhost, u.tls) == (
        "rabbit.example",
        5673,
        "bob",
        "s@cret",
        "my/vhost",
        False,
    )
    assert urls.parse("amqps://h").tls and urls.parse("amqps://h").port is None
    assert urls.parse("amqp://h/").vhost is None
    assert urls.parse("amqp://[::1]:5672/%2F").host == "::1"
    assert urls.parse("tcp://localhost:5672").port == 5672


@pytest.mark.parametrize("bad", ["http://h", "amqp://u:pw@h:notaport/", "amqp://h:70000", "rabbit.example"])
def test_bad_urls_never_echo_the_password(bad: str) -> None:
    with pytest.raises(UsageError) as caught:
        urls.parse(bad)
    assert "pw" not in str(caught.value).replace("port", "")


def test_mask() -> None:
    assert urls.mask("amqp://bob:secret@h:1/v") == "amqp://bob:****@h:1/v"
    assert urls.mask("amqp://h/v") == "amqp://h/v"


def test_precedence_address_over_url_over_env_over_config() -> None:
    pulp = pulpconf.PulpConfig(url="tcp://conf-host:1111")
    assert brokerargs.broker_from_args(args(), pulp, "t", {}).endpoints == (("conf-host", 1111),)
    env = {"AMQP_URL": "amqp://u:p@env-host:2222/v"}
    resolved = brokerargs.broker_from_args(args(), pulp, "t", env)
    assert resolved.endpoints == (("env-host", 2222),) and resolved.vhost == "v" and resolved.username == "u"
    resolved = brokerargs.broker_from_args(args(url=["amqp://url-host"]), pulp, "t", env)
    assert resolved.endpoints == (("url-host", 5672),) and resolved.vhost == "/"
    resolved = brokerargs.broker_from_args(args(url=["amqp://url-host:9"], address="a-host"), pulp, "t", env)
    assert resolved.endpoints == (("a-host", 9),)
    resolved = brokerargs.broker_from_args(args(port=7), pulpconf.PulpConfig(), "t", {})
    assert resolved.endpoints == (("localhost", 7),)


def test_describe_never_shows_the_password() -> None:
    resolved = brokerargs.broker_from_args(args(url=["amqp://bob:hunter2@h/"]), pulpconf.PulpConfig(), "t", {})
    assert resolved.password == "hunter2" and "hunter2" not in resolved.describe()


def test_config_strips_quotes(tmp_path: Path) -> None:
    path = tmp_path / "server.conf"
    path.write_text("[messaging]\nurl: 'tcp://q:5672'\ntopic_exchange: 'pulp'\n")
    assert pulpconf.load(str(path)) == pulpconf.PulpConfig(str(path), "pulp", "tcp://q:5672")
    path.write_text("[server]\nx = 1\n")
    assert pulpconf.load(str(path)).topic_exchange is None
    with pytest.raises(UsageError, match="does not exist"):
        pulpconf.load(str(tmp_path / "missing.conf"))


def test_exchange_default() -> None:
    assert brokerargs.exchange_from_args(None, pulpconf.PulpConfig()) == "amq.topic"
    assert brokerargs.exchange_from_args(None, pulpconf.PulpConfig(topic_exchange="pulp")) == "pulp"
    assert brokerargs.exchange_from_args("mine", pulpconf.PulpConfig(topic_exchange="pulp")) == "mine"


def test_parse_event_types() -> None:
    assert events.parse_event_types([]) == events.EVENT_TYPES
    assert events.parse_event_types(["*"]) == events.EVENT_TYPES
    assert events.parse_event_types(["repo.publish.finish", "repo.sync.start"]) == (
        "repo.publish.finish",
        "repo.sync.start",
    )
    with pytest.raises(UsageError, match="valid types"):
        events.parse_event_types(["nope"])


def test_event_body_is_pulps_json() -> None:
    event = events.build_event("repo.sync.start", "r")
    data = json.loads(event.body)
    assert event.subject == "pulp.server.repo.sync.start"
    assert list(data) == ["event_type", "payload", "call_report"] and data["payload"] == {"repo_id": "r"}
    assert event.body == json.dumps(data).encode()


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1}',
        b'{"a":1}',
        b"[1, 2.50]",
        b"text",
        b"\xff\xfe",
        b"",
        b'"\\ud800"',
        b"NaN",
        b"\xef\xbb\xbf{}",
        b"9" * 5000,
    ],
)
def test_body_fields_round_trip(body: bytes) -> None:
    fields = body_fields(body)
    assert body_bytes(json.loads(json.dumps(fields))) == body


def test_header_values_round_trip() -> None:
    value = {
        "t": datetime(2020, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        "d": Decimal("1.50"),
        "b": b"\x00\xff",
        "n": None,
        "l": [1, "x", {"f": float("nan")}],
        "ok": True,
    }
    encoded = json.loads(json.dumps(to_jsonable(value)))
    decoded = from_jsonable(encoded)
    assert decoded["t"] == value["t"] and decoded["d"] == Decimal("1.50") and decoded["b"] == b"\x00\xff"
    assert decoded["n"] is None and decoded["ok"] is True and decoded["l"][:2] == [1, "x"]


def test_json_line_is_ascii_and_one_line() -> None:
    line = json_line(Delivery("x", "k\u202e\x1b", '{"a": "\u202e\x1b[31m"}'.encode(), headers={"h": "\x9b"}))
    assert line.endswith("\n") and line.count("\n") == 1
    assert line.isascii()
