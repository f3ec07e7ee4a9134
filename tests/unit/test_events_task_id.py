"""pulp-emit --task-id: one task's events share call_report.task_id (issue 22, item 7). No broker."""

from __future__ import annotations

import json

from pulp_amqp_tools.messages import events


def test_a_given_task_id_is_in_every_call_report() -> None:
    made = list(events.event_stream(("repo.sync.start", "repo.sync.finish"), None, "zoo", "success", "t-1"))
    assert [json.loads(event.body)["call_report"]["task_id"] for event in made] == ["t-1", "t-1"]


def test_without_one_each_event_gets_its_own() -> None:
    made = list(events.event_stream(("repo.sync.start", "repo.sync.finish"), None, "zoo", "success"))
    ids = {json.loads(event.body)["call_report"]["task_id"] for event in made}
    assert len(ids) == 2
