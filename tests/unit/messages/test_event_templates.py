"""emit --count refills one body per type and second with fresh ids: the bytes must be what
json.dumps writes for the same fields, and every id fresh. No broker."""

from __future__ import annotations

import json

import pytest

from pulp_amqp_tools.messages import events

IDS = (("call_report", "task_id"), ("call_report", "task_group_id"), ("payload", "id"))


def _ids(body: dict[str, dict[str, object]]) -> list[object]:
    return [body[outer].get(inner) for outer, inner in IDS]


@pytest.mark.parametrize("result", events.RESULTS)
@pytest.mark.parametrize("repo_id", ["pulp-f16", 'odd "repo"\\ é \x01'])
def test_refilled_bodies_are_json_dumps_bytes_with_fresh_ids(repo_id: str, result: str) -> None:
    made = list(events.event_stream(events.EVENT_TYPES, 40, repo_id, result))
    assert [event.event_type for event in made[:4]] == list(events.EVENT_TYPES)
    seen: set[object] = set()
    for event in made:
        body = json.loads(event.body)
        assert json.dumps(body).encode("ascii") == event.body  # byte for byte what Pulp's notifier wrote
        assert body["event_type"] == event.event_type and event.subject == events.subject_for(event.event_type)
        assert body["payload"]["repo_id"] == repo_id
        direct = json.loads(events.build_event(event.event_type, repo_id, result).body)
        for outer, inner in IDS:  # the same fields apart from the ids and times
            direct[outer].pop(inner, None)
        fresh = [value for value in _ids(body) if value is not None]
        assert len(fresh) == len(set(fresh)) and not seen & set(fresh)
        seen.update(fresh)
        for outer, inner in IDS:
            body[outer].pop(inner, None)
        for key in ("start_time", "finish_time"):
            body["call_report"].pop(key), direct["call_report"].pop(key)
        for key in ("started", "completed"):
            body["payload"].pop(key, None), direct["payload"].pop(key, None)
        assert body == direct


def test_a_repo_id_that_holds_an_id_still_gets_fresh_ids() -> None:
    events._random.seed(7)  # the template's first event draws the same id as this one
    task = json.loads(events.build_event("repo.sync.start", "r").body)["call_report"]["task_id"]
    events._random.seed(7)
    try:
        made = list(events.event_stream(("repo.sync.start",), 3, task, "success"))
    finally:
        events._random.seed()
    tasks = [json.loads(event.body)["call_report"]["task_id"] for event in made]
    assert tasks[0] == task and len(set(tasks)) == 3  # the id is in the body twice: no cut, built each time
    assert all(json.loads(event.body)["payload"]["repo_id"] == task for event in made)
