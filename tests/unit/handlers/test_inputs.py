"""handlers/inputs.py: what a handler's environment holds; a publisher's values stay data."""

from __future__ import annotations

import json

from pulp_amqp_tools.handlers import inputs as environment
from pulp_amqp_tools.messages.delivery import Delivery


def delivery(subject: str = "pulp.server.repo.sync.finish", body: bytes = b'{"payload": {}}', **kw: object) -> Delivery:
    return Delivery(exchange="pulp", routing_key=subject, body=body, received_at=1.7e9, **kw)  # type: ignore[arg-type]


def test_environment_variables_hostile_values_stay_data() -> None:
    hostile = "a\x00b;$(touch /tmp/pwned)`id`\n\x1b]0;title\x07\u202e"
    message = delivery(
        subject=hostile,
        headers={"h": "\x00\x1b", "qpid.subject": "s"},
        properties={"message_id": "m\x00"},
        redelivered=True,
    )
    line = environment.record_text(message)
    env = environment.variables(message, line, "/tmp/r.json", 2)
    assert env[b"AMQP_SUBJECT"] == hostile.replace("\x00", "\\x00").encode()
    assert env[b"AMQP_ROUTING_KEY"] == env[b"AMQP_SUBJECT"] and env[b"AMQP_EXCHANGE"] == b"pulp"
    assert env[b"AMQP_MESSAGE_ID"] == b"m\\x00" and env[b"AMQP_REDELIVERED"] == b"true"
    assert json.loads(env[b"AMQP_HEADERS"]) == {"h": "\x00\x1b", "qpid.subject": "s"}
    assert env[b"AMQP_RETRIES"] == b"2" and env[b"AMQP_RECORD"] == b"/tmp/r.json" and env[b"AMQP_OMITTED"] == b""
    assert all(b"\0" not in value for value in env.values())


def test_environment_keeps_raw_bytes_and_leaves_out_what_is_too_long() -> None:
    message = Delivery(exchange=b"ex\xff", routing_key=b"key.\xfe", body=b"", headers={"big": "x" * 40_000})  # type: ignore[arg-type]
    env = environment.variables(message, environment.record_text(message), "/r", 0)
    assert env[b"AMQP_SUBJECT"] == b"key.\xfe" and env[b"AMQP_EXCHANGE"] == b"ex\xff"
    assert env[b"AMQP_HEADERS"] == b"" and env[b"AMQP_OMITTED"] == b"AMQP_HEADERS"
    assert env[b"AMQP_MESSAGE_ID"] == b"" and env[b"AMQP_REDELIVERED"] == b"false"
    merged = environment.environment({b"PATH": b"/bin", b"AMQP_SUBJECT": b"stale"}, env)
    assert merged[b"PATH"] == b"/bin" and merged[b"AMQP_SUBJECT"] == b"key.\xfe"
