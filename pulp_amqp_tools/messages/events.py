"""Pulp's four event types and bodies shaped exactly as Pulp 2 published them. Pure."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta, timezone
from itertools import cycle, islice
from typing import Any, NamedTuple

from pulp_amqp_tools.errors import UsageError

# Lifecycle order: the order a sync followed by a publish fires them.
EVENT_TYPES: tuple[str, ...] = (
    "repo.sync.start",
    "repo.sync.finish",
    "repo.publish.start",
    "repo.publish.finish",
)
RESULTS: tuple[str, ...] = ("success", "failed", "error")
DEFAULT_RESULT = "success"  # --result
DEFAULT_REPO_ID = "pulp-f16"  # --repo-id: the seed's repository
SUBJECT_PREFIX = "pulp.server."
SUBJECT_HEADER = "qpid.subject"  # Pulp sent the subject in this application header too


def subject_for(event_type: str) -> str:
    """The routing key Pulp used for an event type."""
    return SUBJECT_PREFIX + event_type


def parse_event_types(values: Iterable[str]) -> tuple[str, ...]:
    """Resolve -t values ('*' = all four, in lifecycle order); unknown types are a UsageError."""
    chosen: list[str] = []
    for value in values:
        names = EVENT_TYPES if value == "*" else (value,)
        for name in names:
            if name not in EVENT_TYPES:
                raise UsageError(f"unknown event type {name!r}; valid types: {', '.join(EVENT_TYPES)} (or '*')")
            if name not in chosen:
                chosen.append(name)
    return tuple(chosen) if chosen else EVENT_TYPES


class Event(NamedTuple):
    """One event ready to publish: its subject and JSON body bytes."""

    event_type: str
    subject: str
    body: bytes


_random = random.Random()  # ids must be fresh and unique, not secret: a fast PRNG will do
_iso_cache: dict[int, str] = {}


def _uuid4() -> str:
    """A random version-4 UUID string; ~4x cheaper than str(uuid.uuid4()) for bulk emits."""
    h = f"{_random.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def _iso(moment: datetime) -> str:
    # Second resolution, as Pulp wrote it; cached because --count builds many per second.
    key = int(moment.timestamp())
    text = _iso_cache.get(key)
    if text is None:
        if len(_iso_cache) > 64:
            _iso_cache.clear()
        text = _iso_cache[key] = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return text


def _call_report(event_type: str, repo_id: str, now: datetime, result: str, task_id: str | None) -> dict[str, Any]:
    action = event_type.split(".")[1]
    finished = event_type.endswith(".finish")
    return {
        "response": "accepted",
        "reasons": [],
        "state": ("finished" if result == "success" else "error") if finished else "running",
        "task_id": _uuid4() if task_id is None else task_id,
        "task_group_id": _uuid4(),
        "schedule_id": None,
        "progress": {},
        "result": None,
        "principal_login": "admin",
        "tags": [f"pulp:repository:{repo_id}", f"pulp:action:{action}"],
        "exception": None,
        "traceback": None,
        "start_time": _iso(now - timedelta(seconds=12) if finished else now),
        "finish_time": _iso(now) if finished else None,
    }


def _failure(result: str) -> dict[str, Any]:
    if result == "success":
        return {"error_message": None, "exception": None, "traceback": None}
    return {
        "error_message": "Importer indicated a failed response" if result == "failed" else "Connection refused",
        "exception": None if result == "failed" else "ConnectionError('Connection refused')",
        "traceback": None if result == "failed" else "Traceback (most recent call last):\n  ...",
    }


def payload_for(event_type: str, repo_id: str, now: datetime, result: str) -> dict[str, Any]:
    """The payload Pulp attached to `event_type` (see the wire contract)."""
    if event_type == "repo.sync.start":
        return {"repo_id": repo_id}
    if event_type == "repo.publish.start":
        return {"repo_id": repo_id, "distributor_id": "yum_distributor"}
    ok = result == "success"
    # Both result records (Pulp's RepoSyncResult and RepoPublishResult) open the same way.
    record: dict[str, Any] = {"id": _uuid4().replace("-", "")[:24], "repo_id": repo_id}
    times_and_result = {
        "started": _iso(now - timedelta(seconds=12)),
        "completed": _iso(now),
        "result": result,
        **_failure(result),
    }
    if event_type == "repo.sync.finish":
        return {
            **record,
            "importer_id": "yum_importer",
            "importer_type_id": "yum_importer",
            **times_and_result,
            "added_count": 42 if ok else 0,
            "updated_count": 3 if ok else 0,
            "removed_count": 1 if ok else 0,
            "summary": {"packages": {"state": "FINISHED" if ok else "FAILED"}},
            "details": {"size_total": 1048576 if ok else 0},
            "_ns": "repo_sync_results",
        }
    return {
        **record,
        "distributor_id": "yum_distributor",
        "distributor_type_id": "yum_distributor",
        **times_and_result,
        "summary": {"num_package_units_published": 42 if ok else 0},
        "details": {"errors": [] if ok else ["publish step failed"]},
        "_ns": "repo_publish_results",
    }


def build_event(
    event_type: str,
    repo_id: str = DEFAULT_REPO_ID,
    result: str = DEFAULT_RESULT,
    now: datetime | None = None,
    task_id: str | None = None,
) -> Event:
    """One event as Pulp sent it: a JSON body of event_type, payload and call_report (its task_id
    `task_id`, else a new one)."""
    moment = now or datetime.now(timezone.utc)
    body = {
        "event_type": event_type,
        "payload": payload_for(event_type, repo_id, moment, result),
        "call_report": _call_report(event_type, repo_id, moment, result, task_id),
    }
    # json.dumps' defaults (", " and ": " separators, ASCII only) are what Pulp's notifier wrote.
    return Event(event_type, subject_for(event_type), json.dumps(body).encode("ascii"))


class _Template(NamedTuple):
    """One second's body of an event type, cut where its fresh ids go: filling it gives the bytes
    json.dumps would (the ids are hex, which JSON writes as it is)."""

    second: int
    event: Event
    parts: tuple[bytes, ...]
    widths: tuple[int, ...]  # per cut: 36 a UUID, 24 a result record's id

    def fill(self) -> Event:
        pieces = [self.parts[0]]
        for width, part in zip(self.widths, self.parts[1:], strict=True):
            fresh = _uuid4() if width == 36 else _uuid4().replace("-", "")[:24]
            pieces += (fresh.encode("ascii"), part)
        return self.event._replace(body=b"".join(pieces))


def _template(event_type: str, repo_id: str, result: str, task_id: str | None, moment: datetime) -> _Template:
    event = build_event(event_type, repo_id, result, moment, task_id)
    fields = json.loads(event.body)
    report, record = fields["call_report"], fields["payload"]
    ids = [report["task_group_id"]] + ([] if task_id is not None else [report["task_id"]])
    ids += [record["id"]] if "id" in record else []
    body, found = event.body, []
    for value in ids:
        quoted = f'"{value}"'.encode("ascii")
        if body.count(quoted) != 1:  # a --repo-id that happens to hold it: no template
            return _Template(int(moment.timestamp()), event, (), ())
        found.append((body.index(quoted) + 1, len(value)))
    found.sort()
    cuts = [0] + [at + edge for at, width in found for edge in (0, width)] + [len(body)]
    parts = tuple(body[cuts[i] : cuts[i + 1]] for i in range(0, len(cuts), 2))
    return _Template(int(moment.timestamp()), event, parts, tuple(width for _at, width in found))


def event_stream(
    types: tuple[str, ...], count: int | None, repo_id: str, result: str, task_id: str | None = None
) -> Iterator[Event]:
    """`count` events cycling through `types` (one round of them when count is None). Bodies are
    built once a second per type and refilled with fresh ids, which makes --count fast."""
    total = len(types) if count is None else count
    templates: dict[str, _Template] = {}
    for event_type in islice(cycle(types), total):
        template = templates.get(event_type)
        if template is None or not template.parts or template.second != int(time.time()):
            template = templates[event_type] = _template(
                event_type, repo_id, result, task_id, datetime.now(timezone.utc)
            )
            yield template.event
        else:
            yield template.fill()
