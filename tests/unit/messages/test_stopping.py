"""messages/stopping.py: how --where/--fail-where end a run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pulp_amqp_tools.errors import ToolError
from pulp_amqp_tools.exitcodes import ExitStatus
from pulp_amqp_tools.messages import stopping
from pulp_amqp_tools.messages.delivery import Delivery

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


def test_stopping_outcomes() -> None:
    assert stopping.deadline_passed(3, None, 5) == ExitStatus.OK
    for seen, count in ((0, None), (1, 2)):
        with pytest.raises(ToolError) as caught:
            stopping.deadline_passed(seen, count, 5)
        assert caught.value.status == ExitStatus.DEADLINE and "--deadline of 5 s" in caught.value.message
    assert stopping.failed(delivery()).status == ExitStatus.FAILED_MATCH and int(ExitStatus.FAILED_MATCH) == 9
