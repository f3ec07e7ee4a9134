"""Pulp's events: the event types and the JSON bodies emit builds for them."""

from __future__ import annotations

import json

import pytest

from pulp_amqp_tools.errors import UsageError
from pulp_amqp_tools.messages import events


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
